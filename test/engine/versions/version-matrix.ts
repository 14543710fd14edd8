// The version matrix: one pair of real clusters (source version → destination version), started once, and the tests every pair runs.
import { after, before, describe, test } from 'node:test'
import assert from 'node:assert/strict'
import { startKafkaCluster, type KafkaCluster, type KafkaClusterMode } from '../../../cli/local/kafka-cluster.ts'
import { verifyTopics } from '../../../cli/verify/index.ts'
import { KafkaClusterClient, createTopic, isDenseBatch, splitRecordSet } from '../../../engine/kafka/index.ts'
import { CompressionTypes, kafkaFor, newRunner, sourceEnds, stopAllRunners, uniqueName, waitCaughtUp, waitFor } from '../mirror/mirror-harness.ts'

export interface ClusterSpec {
  readonly version: string
  readonly mode?: KafkaClusterMode
}

/** What a pair file's own tests can use once the clusters run. */
export interface VersionPair {
  readonly source: KafkaCluster
  readonly destination: KafkaCluster
  readonly sourceAdmin: KafkaClusterClient
  readonly destinationAdmin: KafkaClusterClient
}

const CODECS = [
  ['none', CompressionTypes.None], ['gzip', CompressionTypes.GZIP], ['snappy', CompressionTypes.Snappy],
  ['lz4', CompressionTypes.LZ4], ['zstd', CompressionTypes.ZSTD],
] as const

function label(spec: ClusterSpec): string {
  return `${spec.version}${spec.mode ? ` ${spec.mode}` : ''}`
}

/**
 * read_committed must read identical records at identical offsets (and identical log start and end offsets). So must
 * read_uncommitted, except for aborted source records: the mirror keeps their offsets as invisible fillers (README,
 * "Data path: identical offsets on stock Kafka"), so a read_uncommitted reader of the source sees exactly those records more.
 */
async function assertIdentical(pair: VersionPair, topic: string, abortedValues: readonly string[] = []): Promise<void> {
  // A generous bound: the matrix runs beside other work on small CI machines; INCOMPLETE would say which side lagged.
  const options = {
    sourceBootstrap: pair.source.bootstrapServers, destinationBootstrap: pair.destination.bootstrapServers, topic, timeoutMs: 300_000,
  }
  const committed = await verifyTopics({ ...options, isolation: 'read_committed' })
  assert.equal(committed.outcome, 'IDENTICAL', `read_committed: ${JSON.stringify({ differences: committed.firstDifferences, incomplete: committed.incomplete })}`)
  assert.ok(committed.partitions.every((p) => p.sourceRecords > 0 && p.sourceRecords === p.mirrorRecords),
    JSON.stringify(committed.partitions))
  const uncommitted = await verifyTopics({ ...options, isolation: 'read_uncommitted', maxDifferences: 100 })
  const value = (d: (typeof uncommitted.firstDifferences)[number]) => (typeof d.source === 'object' ? Buffer.from(d.source.value ?? '', 'base64').toString() : '')
  assert.deepEqual(uncommitted.firstDifferences.map((d) => `${d.kind} ${value(d)}`), abortedValues.map((v) => `missing_in_mirror ${v}`))
  assert.equal(uncommitted.differenceCount, abortedValues.length)
  assert.deepEqual(uncommitted.incomplete, [])
}

/**
 * Registers the matrix tests for one pair: every codec, committed and aborted transactions and a log start offset
 * above 0 in one topic, and a compacted topic; each compared with `clusterlink verify` in both isolation levels.
 * `extra` adds the pair's own tests (it runs inside the describe, after the clusters start).
 */
export function describeVersionPair(
  name: string, sourceSpec: ClusterSpec, destinationSpec: ClusterSpec, extra?: (pair: () => VersionPair) => void,
): void {
  let pair: VersionPair | undefined
  const get = (): VersionPair => {
    if (!pair) throw new Error('the clusters did not start')
    return pair
  }

  describe(`mirror from Kafka ${label(sourceSpec)} to Kafka ${label(destinationSpec)}`, () => {
    before(async () => {
      const started = await Promise.allSettled([
        startKafkaCluster({ ...sourceSpec, name: `${name}-src`, brokerConfig: { 'log.cleaner.backoff.ms': 200 } }),
        startKafkaCluster({ ...destinationSpec, name: `${name}-dst` }),
      ])
      const failed = started.find((r) => r.status === 'rejected')
      if (failed) {
        await Promise.all(started.map((r) => (r.status === 'fulfilled' ? r.value.stop() : undefined)))
        throw (failed as PromiseRejectedResult).reason
      }
      const [source, destination] = started.map((r) => (r as PromiseFulfilledResult<KafkaCluster>).value) as [KafkaCluster, KafkaCluster]
      pair = {
        source, destination,
        sourceAdmin: new KafkaClusterClient({ bootstrapServers: [source.bootstrapServers] }, { side: 'source' }),
        destinationAdmin: new KafkaClusterClient({ bootstrapServers: [destination.bootstrapServers] }, { side: 'destination' }),
      }
    })
    after(async () => {
      await stopAllRunners()
      await pair?.sourceAdmin.close()
      await pair?.destinationAdmin.close()
      await Promise.all([pair?.source.stop(), pair?.destination.stop()])
    })

    test('the mirror should copy every codec, committed and aborted transactions and a log start offset above 0 at identical offsets', async () => {
      const p = get()
      const topic = uniqueName('matrix')
      await createTopic(p.sourceAdmin, { name: topic, partitions: 1 })
      const kafka = kafkaFor(p.source)
      const plain = kafka.producer({ idempotent: true, maxInFlightRequests: 1 })
      const txn = kafka.producer({ transactionalId: uniqueName('matrix-txn'), idempotent: true, maxInFlightRequests: 1 })
      await Promise.all([plain.connect(), txn.connect()])
      await plain.send({ topic, messages: Array.from({ length: 5 }, (_, i) => ({ key: `early-${i}`, value: `early ${i}` })) })
      assert.equal(await p.sourceAdmin.deleteRecords(topic, 0, 3n), 3n)
      for (const [codec, type] of CODECS) {
        await plain.send({ topic, compression: type, messages: Array.from({ length: 4 }, (_, i) => ({
          key: i === 0 ? null : `${codec}-${i}`, value: `${codec} value ${i} `.repeat(10), headers: { codec, i: String(i) },
        })) })
      }
      const committed = await txn.transaction()
      await committed.send({ topic, compression: CompressionTypes.ZSTD, messages: [{ key: 'c', value: 'committed-1' }, { key: 'c', value: 'committed-2' }] })
      await committed.commit()
      const aborted = await txn.transaction()
      await aborted.send({ topic, compression: CompressionTypes.GZIP, messages: [{ key: 'a', value: 'aborted-1' }, { key: 'a', value: 'aborted-2' }, { key: 'a', value: 'aborted-3' }] })
      await aborted.abort()
      await plain.send({ topic, messages: [{ key: 'last', value: 'after the transactions' }] })
      await Promise.all([plain.disconnect(), txn.disconnect()])

      const runner = newRunner(p.source, p.destination, topic, topic)
      await runner.start()
      await waitCaughtUp(runner, await sourceEnds(kafka, topic), 120_000)
      assert.equal(await p.destinationAdmin.listOffset(topic, 0, 'earliest'), 3n)
      await assertIdentical(p, topic, ['aborted-1', 'aborted-2', 'aborted-3'])
      await runner.stop()
    })

    test('the mirror should copy a compacted topic with gaps and gapped batches at identical offsets', async () => {
      const p = get()
      const topic = uniqueName('matrix-compact')
      await createTopic(p.sourceAdmin, { name: topic, partitions: 1, configs: { 'cleanup.policy': 'compact', 'segment.ms': '100', 'min.cleanable.dirty.ratio': '0.001', 'min.compaction.lag.ms': '0' } })
      const kafka = kafkaFor(p.source)
      const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1 })
      await producer.connect()
      await producer.send({ topic, compression: CompressionTypes.GZIP, messages: ['a', 'b', 'c', 'd', 'e'].map((k) => ({ key: k, value: `${k}-1` })) })
      await producer.send({ topic, compression: CompressionTypes.GZIP, messages: ['b', 'd'].map((k) => ({ key: k, value: `${k}-2` })) })
      await producer.send({ topic, messages: ['x', 'y'].map((k) => ({ key: k, value: `${k}-1` })) })
      await producer.send({ topic, messages: ['x', 'y'].map((k) => ({ key: k, value: `${k}-2` })) })
      // Records with unique keys roll segments until the cleaner has left both a gapped batch and an inter-batch gap.
      let n = 0
      await waitFor('source compacted', async () => {
        await producer.send({ topic, messages: [{ key: `z${n++}`, value: `z-${n}` }] })
        const res = await p.sourceAdmin.fetchRaw(topic, 0, 0n, { maxBytes: 1 << 20, maxWaitMs: 0, isolation: 'read_uncommitted', lane: 'test' })
        const batches = splitRecordSet(res.records)
        return batches.some((x) => !isDenseBatch(x.header)) && batches.every((x) => x.header.baseOffset !== 7n)
      }, 120_000)
      await producer.disconnect()
      const runner = newRunner(p.source, p.destination, topic, topic)
      await runner.start()
      await waitCaughtUp(runner, await sourceEnds(kafka, topic), 120_000)
      await assertIdentical(p, topic)
      await runner.stop()
    })

    extra?.(get)
  })
}
