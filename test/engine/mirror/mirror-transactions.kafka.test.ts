// Real-broker tests of the mirror data path for transactional and compacted sources: offsets with no visible record stay invisible.
import { after, before, describe, test } from 'node:test'
import assert from 'node:assert/strict'
import { startKafkaClusters, type KafkaCluster } from '../../../cli/local/kafka-cluster.ts'
import { verifyTopics } from '../../../cli/verify/index.ts'
import { KafkaClusterClient, createTopic, isDenseBatch, splitRecordSet } from '../../../engine/kafka/index.ts'
import { CompressionTypes, TEST_LIMITS, kafkaFor, newRunner, sourceEnds, stopAllRunners, uniqueName, waitCaughtUp, waitFor } from './mirror-harness.ts'

let source: KafkaCluster
let destination: KafkaCluster
let sourceAdmin: KafkaClusterClient
let destinationAdmin: KafkaClusterClient

describe('mirror topic runner with transactional and compacted sources', () => {
  before(async () => {
    const clusters = await startKafkaClusters(2, { name: 'txn', brokerConfig: { 'log.cleaner.backoff.ms': 200 } })
    source = clusters[0]!
    destination = clusters[1]!
    sourceAdmin = new KafkaClusterClient({ bootstrapServers: [source.bootstrapServers] }, { side: 'source' })
    destinationAdmin = new KafkaClusterClient({ bootstrapServers: [destination.bootstrapServers] }, { side: 'destination' })
  })
  after(async () => {
    await stopAllRunners()
    await sourceAdmin?.close()
    await destinationAdmin?.close()
    await Promise.all([source?.stop(), destination?.stop()])
  })

  test('committed and aborted transactions should read identically under read_committed, and an open one should hold the copier at the LSO', async () => {
    const topic = uniqueName('txn')
    await createTopic(sourceAdmin, { name: topic, partitions: 1 })
    const kafka = kafkaFor(source)
    const plain = kafka.producer({ idempotent: true, maxInFlightRequests: 1 })
    const a = kafka.producer({ transactionalId: uniqueName('txn-a'), idempotent: true, maxInFlightRequests: 1 })
    const b = kafka.producer({ transactionalId: uniqueName('txn-b'), idempotent: true, maxInFlightRequests: 1 })
    const c = kafka.producer({ transactionalId: uniqueName('txn-c'), idempotent: true, maxInFlightRequests: 1 })
    await Promise.all([plain.connect(), a.connect(), b.connect(), c.connect()])
    await plain.send({ topic, messages: [{ value: 'plain-1' }, { value: 'plain-2' }] })
    const ta = await a.transaction()
    await ta.send({ topic, compression: CompressionTypes.ZSTD, messages: [{ value: 'a-1' }, { value: 'a-2' }] })
    const tb = await b.transaction()
    await tb.send({ topic, messages: [{ value: 'b-1' }, { value: 'b-2' }, { value: 'b-3' }] })
    await plain.send({ topic, messages: [{ value: 'plain-3' }] })
    await ta.commit()
    await tb.send({ topic, compression: CompressionTypes.GZIP, messages: Array.from({ length: 20 }, (_, i) => ({ value: `b-big-${i}` })) })
    await tb.abort()
    await plain.send({ topic, messages: [{ value: 'plain-4' }] })

    const runner = newRunner(source, destination, topic, topic)
    await runner.start()
    await waitCaughtUp(runner, await sourceEnds(kafka, topic))
    const committed = await verifyTopics({ sourceBootstrap: source.bootstrapServers, destinationBootstrap: destination.bootstrapServers, topic, isolation: 'read_committed' })
    assert.equal(committed.identical, true, JSON.stringify(committed.firstDifferences))
    assert.equal(committed.partitions[0]!.mirrorRecords, 6)
    const uncommitted = await verifyTopics({ sourceBootstrap: source.bootstrapServers, destinationBootstrap: destination.bootstrapServers, topic, isolation: 'read_uncommitted', maxDifferences: 100 })
    // Documented: aborted source records become fillers that no consumer sees (empty transactions, one marker offset
    // each), so read_uncommitted consumers of the mirror miss exactly the 23 aborted source records and see nothing else.
    assert.equal(uncommitted.differenceCount, 23)
    const abortedSource = (d: (typeof uncommitted.firstDifferences)[number]) => typeof d.source === 'object' && Buffer.from(d.source.value ?? '', 'base64').toString().startsWith('b-')
    assert.equal(uncommitted.firstDifferences.filter((d) => d.kind === 'missing_in_mirror' && abortedSource(d)).length, 23)

    // An open transaction: the copier stops at the last stable offset, then continues once it commits.
    const tc = await c.transaction()
    await tc.send({ topic, messages: [{ value: 'c-1' }, { value: 'c-2' }] })
    await plain.send({ topic, messages: [{ value: 'plain-5' }] })
    const lso = await sourceAdmin.listOffset(topic, 0, 'latest', 'read_committed')
    const hw = await sourceAdmin.listOffset(topic, 0, 'latest')
    assert.ok(hw > lso)
    await waitFor('copier reports the open transaction as lag', () => runner.status().partitions[0]!.sourceHighWatermark === Number(hw))
    assert.equal(runner.status().partitions[0]!.destinationLogEndOffset, Number(lso))
    assert.equal(await destinationAdmin.listOffset(topic, 0, 'latest'), lso)
    await tc.commit()
    await plain.send({ topic, messages: [{ value: 'plain-6' }] })
    await waitCaughtUp(runner, await sourceEnds(kafka, topic))
    const after = await verifyTopics({
      sourceBootstrap: source.bootstrapServers, destinationBootstrap: destination.bootstrapServers, topic,
    })
    assert.equal(after.identical, true, JSON.stringify(after.firstDifferences))
    await Promise.all([plain.disconnect(), a.disconnect(), b.disconnect(), c.disconnect()])
    await runner.stop()
  })

  test('a compacted source with gaps and gapped batches should mirror at identical offsets, identical for both isolation levels', async () => {
    const topic = uniqueName('compact')
    await createTopic(sourceAdmin, { name: topic, partitions: 1, configs: { 'cleanup.policy': 'compact', 'segment.ms': '100', 'min.cleanable.dirty.ratio': '0.001', 'min.compaction.lag.ms': '0' } })
    const kafka = kafkaFor(source)
    const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1 })
    await producer.connect()
    await producer.send({ topic, compression: CompressionTypes.GZIP, messages: ['a', 'b', 'c', 'd', 'e'].map((k) => ({ key: k, value: `${k}-1` })) })
    await producer.send({ topic, compression: CompressionTypes.GZIP, messages: ['b', 'd'].map((k) => ({ key: k, value: `${k}-2` })) })
    await producer.send({ topic, messages: ['x', 'y'].map((k) => ({ key: k, value: `${k}-1` })) })
    await producer.send({ topic, messages: ['x', 'y'].map((k) => ({ key: k, value: `${k}-2` })) })
    // Keep writing records with unique keys (they roll segments, and compaction never removes them) until the cleaner has
    // produced both a gapped batch and an inter-batch gap; after that no further cleaning can change what is visible.
    let n = 0
    await waitFor('source compacted', async () => {
      await producer.send({ topic, messages: [{ key: `z${n++}`, value: `z-${Date.now()}` }] })
      const res = await sourceAdmin.fetchRaw(topic, 0, 0n, { maxBytes: 1 << 20, maxWaitMs: 0, isolation: 'read_uncommitted', lane: 'test' })
      const batches = splitRecordSet(res.records)
      return batches.some((x) => !isDenseBatch(x.header)) && batches.every((x) => x.header.baseOffset !== 7n)
    }, 90_000)
    await producer.disconnect()
    const runner = newRunner(source, destination, topic, topic)
    await runner.start()
    await waitCaughtUp(runner, await sourceEnds(kafka, topic))
    for (const isolation of ['read_committed', 'read_uncommitted'] as const) {
      const result = await verifyTopics({
        sourceBootstrap: source.bootstrapServers, destinationBootstrap: destination.bootstrapServers, topic, isolation,
      })
      assert.equal(result.identical, true, JSON.stringify(result.firstDifferences))
    }
    await runner.stop()
  })

  test('a compacted, transaction-heavy source with a gap of hundreds of offsets should show read_uncommitted consumers no filler', async () => {
    const topic = uniqueName('gap')
    await createTopic(sourceAdmin, { name: topic, partitions: 1, configs: { 'cleanup.policy': 'compact' } })
    const kafka = kafkaFor(source)
    const plain = kafka.producer({ idempotent: true, maxInFlightRequests: 1 })
    const txn = kafka.producer({ transactionalId: uniqueName('gap-txn'), idempotent: true, maxInFlightRequests: 1 })
    await Promise.all([plain.connect(), txn.connect()])
    await plain.send({ topic, messages: [{ key: 'k-0', value: 'live-0' }] })
    // 600 aborted records in 6 batches and their marker: a run of 601 offsets with no visible record.
    const t = await txn.transaction()
    for (let b = 0; b < 6; b++) {
      await t.send({ topic, compression: CompressionTypes.ZSTD, messages: Array.from({ length: 100 }, (_, i) => ({ key: `k-${i % 7}`, value: `aborted-${b}-${i}` })) })
    }
    await t.abort()
    const committed = await txn.transaction()
    await committed.send({ topic, messages: [{ key: 'k-1', value: 'live-1' }, { key: 'k-2', value: 'live-2' }] })
    await committed.commit()
    await plain.send({ topic, messages: [{ key: 'k-3', value: 'live-3' }] })
    await Promise.all([plain.disconnect(), txn.disconnect()])

    const invisible = uniqueName('gap-mirror')
    const runner = newRunner(source, destination, topic, invisible)
    const marked = uniqueName('gap-marked')
    const markedRunner = newRunner(source, destination, topic, marked, 'earliest', { ...TEST_LIMITS, emptyTxnFillMax: 100 })
    await Promise.all([runner.start(), markedRunner.start()])
    const ends = await sourceEnds(kafka, topic)
    await Promise.all([waitCaughtUp(runner, ends), waitCaughtUp(markedRunner, ends)])

    const verify = (mirrorTopic: string, isolation: 'read_committed' | 'read_uncommitted') =>
      verifyTopics({
        sourceBootstrap: source.bootstrapServers, destinationBootstrap: destination.bootstrapServers, topic, mirrorTopic, isolation,
        maxDifferences: 1000,
      })
    for (const mirrorTopic of [invisible, marked]) {
      const result = await verify(mirrorTopic, 'read_committed')
      assert.equal(result.identical, true, JSON.stringify(result.firstDifferences))
    }
    // read_uncommitted (kafkajs, the Java client's default): the mirror shows the 4 live records and nothing else; the
    // source also shows its 600 aborted records, which the mirror holds as fillers nobody reads.
    const uncommitted = await verify(invisible, 'read_uncommitted')
    assert.equal(uncommitted.differenceCount, 600)
    assert.ok(uncommitted.firstDifferences.every((d) => d.kind === 'missing_in_mirror'), JSON.stringify(uncommitted.firstDifferences.find((d) => d.kind !== 'missing_in_mirror')))
    // Beyond emptyTxnFillMax the gap is aborted filler records: each one carries the clusterlink.filler header.
    const markedUncommitted = await verify(marked, 'read_uncommitted')
    const fillers = markedUncommitted.firstDifferences.filter((d) => d.kind === 'record_differs')
    // One filler record per aborted source record, except where a fill ends (its marker): a fetch may split the run.
    assert.ok(fillers.length >= 590, `${fillers.length} filler records`)
    assert.equal(markedUncommitted.differenceCount, 600)
    assert.ok(fillers.every((d) => typeof d.mirror === 'object' && d.mirror.value === null && d.mirror.headers.some(([k]) => k === 'clusterlink.filler')))
    await Promise.all([runner.stop(), markedRunner.stop()])
  })
})
