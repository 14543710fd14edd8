// Real-broker tests of the mirror data path: identical offsets for every codec, record shapes, resume, alignment, divergence.
import { after, before, describe, test } from 'node:test'
import assert from 'node:assert/strict'
import { startKafkaClusters, type KafkaCluster } from '../../../cli/local/kafka-cluster.ts'
import { verifyTopics } from '../../../cli/verify/index.ts'
import { KafkaClusterClient, createTopic, splitRecordSet } from '../../../engine/kafka/index.ts'
import { CompressionTypes, TEST_LIMITS, kafkaFor, newRunner, sourceEnds, stopAllRunners, uniqueName, waitCaughtUp, waitFor } from './mirror-harness.ts'

let source: KafkaCluster
let destination: KafkaCluster
let sourceAdmin: KafkaClusterClient
let destinationAdmin: KafkaClusterClient

async function rawBatches(client: KafkaClusterClient, topic: string, partition: number) {
  const res = await client.fetchRaw(topic, partition, 0n, { maxBytes: 8 << 20, maxWaitMs: 0, isolation: 'read_uncommitted', lane: 'test' })
  return splitRecordSet(res.records)
}

describe('mirror topic runner', () => {
  before(async () => {
    const clusters = await startKafkaClusters(2, { name: 'mirror' })
    source = clusters[0]!
    destination = clusters[1]!
    sourceAdmin = new KafkaClusterClient({ bootstrapServers: [source!.bootstrapServers] }, { side: 'source' })
    destinationAdmin = new KafkaClusterClient({ bootstrapServers: [destination!.bootstrapServers] }, { side: 'destination' })
  })
  after(async () => {
    await stopAllRunners()
    await sourceAdmin?.close()
    await destinationAdmin?.close()
    await Promise.all([source?.stop(), destination?.stop()])
  })

  test('runner should mirror batches of every codec at identical offsets, forwarding the compressed records untouched', async () => {
    const topic = uniqueName('codecs')
    await createTopic(sourceAdmin, { name: topic, partitions: 2 })
    const kafka = kafkaFor(source)
    const producer = kafka.producer()
    await producer.connect()
    for (const codec of [
      CompressionTypes.None, CompressionTypes.GZIP, CompressionTypes.Snappy, CompressionTypes.LZ4, CompressionTypes.ZSTD,
    ]) {
      for (let p = 0; p < 2; p++) {
        await producer.send({ topic, compression: codec, messages: Array.from({ length: 25 }, (_, i) => ({ partition: p, key: `k${i}`, value: `codec ${codec} record ${i} `.repeat(10) })) })
      }
    }
    await producer.disconnect()
    const runner = newRunner(source, destination, topic, topic)
    await runner.start()
    assert.equal(runner.status().state, 'ACTIVE')
    await waitCaughtUp(runner, await sourceEnds(kafka, topic))
    const result = await verifyTopics({
      sourceBootstrap: source.bootstrapServers, destinationBootstrap: destination.bootstrapServers, topic,
    })
    assert.equal(result.identical, true, JSON.stringify(result.firstDifferences))
    assert.equal(result.partitions.reduce((n, p) => n + p.mirrorRecords, 0), 250)
    for (let p = 0; p < 2; p++) {
      const s = await rawBatches(sourceAdmin, topic, p)
      const d = await rawBatches(destinationAdmin, topic, p)
      assert.equal(d.length, s.length)
      for (let i = 0; i < s.length; i++) {
        assert.equal(d[i]!.header.baseOffset, s[i]!.header.baseOffset)
        assert.equal(d[i]!.header.attributes, s[i]!.header.attributes, 'same codec, no recompression')
        assert.deepEqual(d[i]!.bytes.subarray(61), s[i]!.bytes.subarray(61), 'records section byte for byte')
      }
    }
    await runner.stop()
    assert.equal(runner.status().state, 'STOPPED')
  })

  test('runner should preserve headers, null keys, null values, large records and CreateTime timestamps', async () => {
    const topic = uniqueName('shapes')
    await createTopic(sourceAdmin, { name: topic, partitions: 1, configs: { 'max.message.bytes': String(2 << 20), 'message.timestamp.after.max.ms': String(24 * 3_600_000) } })
    const kafka = kafkaFor(source)
    const producer = kafka.producer()
    await producer.connect()
    const old = String(Date.UTC(2001, 0, 1))
    const future = String(Date.now() + 3 * 3_600_000)
    await producer.send({ topic, messages: [
      { key: null, value: 'no key', headers: { a: '1', b: Buffer.from([0, 1, 2]) } },
      { key: 'no value', value: null },
      { key: null, value: null, timestamp: old },
      { key: 'future', value: 'from the future', timestamp: future },
      { key: 'dup-headers', value: 'x', headers: { h: ['one', 'two'] } },
    ] })
    await producer.send({ topic, messages: [{ key: 'big', value: Buffer.alloc(1_500_000, 7) }] })
    await producer.send({ topic, compression: CompressionTypes.ZSTD, messages: [{ key: 'big-zstd', value: Buffer.alloc(1_800_000, 9), timestamp: old }] })
    await producer.disconnect()
    const runner = newRunner(source, destination, topic, topic)
    await runner.start()
    await waitCaughtUp(runner, await sourceEnds(kafka, topic))
    for (const isolation of ['read_committed', 'read_uncommitted'] as const) {
      const result = await verifyTopics({
        sourceBootstrap: source.bootstrapServers, destinationBootstrap: destination.bootstrapServers, topic, isolation,
      })
      assert.equal(result.identical, true, JSON.stringify(result.firstDifferences))
      assert.equal(result.partitions[0]!.mirrorRecords, 7)
    }
    await runner.stop()
  })

  test('a new runner should resume from the mirror log end offset with nothing lost or duplicated', async () => {
    const topic = uniqueName('resume')
    const mirror = `${topic}-mirror`
    await createTopic(sourceAdmin, { name: topic, partitions: 3 })
    const kafka = kafkaFor(source)
    const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1 })
    await producer.connect()
    const send = async (round: number) => {
      for (let b = 0; b < 10; b++) await producer.send({ topic, compression: CompressionTypes.GZIP, messages: Array.from({ length: 7 }, (_, i) => ({ key: `r${round}-${b}-${i}`, value: `v${i}` })) })
    }
    await send(1)
    const first = newRunner(source, destination, topic, mirror)
    await first.start()
    await waitCaughtUp(first, await sourceEnds(kafka, topic))
    await first.stop()
    await send(2)
    const second = newRunner(source, destination, topic, mirror)
    await second.start()
    await send(3)
    await waitCaughtUp(second, await sourceEnds(kafka, topic))
    await producer.disconnect()
    const result = await verifyTopics({
      sourceBootstrap: source.bootstrapServers, destinationBootstrap: destination.bootstrapServers, topic, mirrorTopic: mirror,
    })
    assert.equal(result.identical, true, JSON.stringify(result.firstDifferences))
    assert.equal(result.partitions.reduce((n, p) => n + p.mirrorRecords, 0), 210)
    await second.stop()
  })

  test('a new mirror should start at the source log start offset when it is above zero', async () => {
    const topic = uniqueName('logstart')
    await createTopic(sourceAdmin, { name: topic, partitions: 1 })
    const kafka = kafkaFor(source)
    const producer = kafka.producer()
    await producer.connect()
    for (let b = 0; b < 20; b++) await producer.send({ topic, messages: Array.from({ length: 5 }, (_, i) => ({ value: `b${b}-${i}` })) })
    await producer.disconnect()
    await sourceAdmin.deleteRecords(topic, 0, 37n) // mid-batch: batch 35..39 holds 37
    const runner = newRunner(source, destination, topic, topic)
    await runner.start()
    await waitCaughtUp(runner, await sourceEnds(kafka, topic))
    // DeleteRecords follows the write that passes offset 37, so it may come just after the log end offset is reached.
    await waitFor('the mirror log start offset', async () => (await destinationAdmin.listOffset(topic, 0, 'earliest')) === 37n)
    for (const isolation of ['read_committed', 'read_uncommitted'] as const) {
      const result = await verifyTopics({
        sourceBootstrap: source.bootstrapServers, destinationBootstrap: destination.bootstrapServers, topic, isolation,
      })
      assert.equal(result.identical, true, JSON.stringify(result.firstDifferences))
      assert.equal(result.partitions[0]!.mirrorRecords, 63)
    }
    await runner.stop()
  })

  test('a mirror with start offset spec latest should begin at the source log end offset', async () => {
    const topic = uniqueName('latest')
    await createTopic(sourceAdmin, { name: topic, partitions: 1 })
    const kafka = kafkaFor(source)
    const producer = kafka.producer()
    await producer.connect()
    await producer.send({ topic, messages: Array.from({ length: 50 }, (_, i) => ({ value: `before-${i}` })) })
    const runner = newRunner(source, destination, topic, topic, 'latest')
    await runner.start()
    await producer.send({ topic, messages: Array.from({ length: 20 }, (_, i) => ({ value: `after-${i}` })) })
    await producer.disconnect()
    await waitCaughtUp(runner, await sourceEnds(kafka, topic))
    assert.equal(await destinationAdmin.listOffset(topic, 0, 'earliest'), 50n)
    const result = await verifyTopics({
      sourceBootstrap: source.bootstrapServers, destinationBootstrap: destination.bootstrapServers, topic,
    })
    assert.equal(result.partitions[0]!.mirrorRecords, 20)
    const kinds = new Set(result.firstDifferences.map((d) => d.kind))
    assert.deepEqual([...kinds].sort(), ['log_start_offset', 'missing_in_mirror'])
    assert.ok(result.firstDifferences.filter((d) => d.kind === 'missing_in_mirror').every((d) => Number(d.offset) < 50))
    await runner.stop()
  })

  test('a foreign write into the mirror topic should fail the mirror with the offending offset and stop all writes', async () => {
    const topic = uniqueName('foreign')
    await createTopic(sourceAdmin, { name: topic, partitions: 1 })
    const kafka = kafkaFor(source)
    const producer = kafka.producer()
    await producer.connect()
    await producer.send({ topic, messages: Array.from({ length: 10 }, (_, i) => ({ value: `v${i}` })) })
    const runner = newRunner(source, destination, topic, topic)
    await runner.start()
    await waitCaughtUp(runner, await sourceEnds(kafka, topic))
    const foreign = kafkaFor(destination).producer()
    await foreign.connect()
    await foreign.send({ topic, messages: [{ value: 'intruder' }] })
    await foreign.disconnect()
    const failed = await waitFor('FAILED', () => (runner.status().state === 'FAILED' ? runner.status() : null))
    assert.equal(failed.error?.code, 'OFFSET_DIVERGENCE')
    assert.equal(failed.error?.offset, 10)
    await producer.send({ topic, messages: Array.from({ length: 5 }, (_, i) => ({ value: `later${i}` })) })
    await producer.disconnect()
    const leo = await destinationAdmin.listOffset(topic, 0, 'latest')
    await new Promise((r) => setTimeout(r, 500)) // give a (wrong) writer the chance to write before the final check
    assert.equal(await destinationAdmin.listOffset(topic, 0, 'latest'), leo)
    assert.equal(leo, 11n)
    await runner.stop()
    assert.equal(runner.status().state, 'FAILED')
    // A new runner refuses the topic: its last batch is not this mirror's.
    const again = newRunner(source, destination, topic, topic)
    await assert.rejects(again.start(), (e: Error & { code?: string }) => e.code === 'OFFSET_DIVERGENCE')
    await again.stop()
  })

  test('source retention overtaking a paused copier should keep offsets aligned and count the skipped offsets', async () => {
    const topic = uniqueName('overtaken')
    await createTopic(sourceAdmin, { name: topic, partitions: 1 })
    const kafka = kafkaFor(source)
    const producer = kafka.producer()
    await producer.connect()
    await producer.send({ topic, messages: Array.from({ length: 10 }, (_, i) => ({ value: `a${i}` })) })
    const runner = newRunner(source, destination, topic, topic)
    await runner.start()
    await waitCaughtUp(runner, await sourceEnds(kafka, topic))
    await runner.pause()
    for (let b = 0; b < 10; b++) await producer.send({ topic, messages: Array.from({ length: 10 }, (_, i) => ({ value: `b${b}-${i}` })) })
    await producer.disconnect()
    await sourceAdmin.deleteRecords(topic, 0, 65n)
    await runner.resume()
    await waitCaughtUp(runner, await sourceEnds(kafka, topic))
    assert.equal(await destinationAdmin.listOffset(topic, 0, 'earliest'), 65n)
    const counters = (runner as unknown as { counters(): Record<number, { skippedOffsets: number }> }).counters()
    assert.equal(counters[0]!.skippedOffsets, 50, 'offsets 10..59 were filled (the batch holding 65 starts at 60)')
    const result = await verifyTopics({
      sourceBootstrap: source.bootstrapServers, destinationBootstrap: destination.bootstrapServers, topic,
    })
    assert.equal(result.identical, true, JSON.stringify(result.firstDifferences))
    await runner.stop()
  })

  test('a mirror with a timestamp start offset spec should begin at the first offset at or after it', async () => {
    const topic = uniqueName('fromtime')
    await createTopic(sourceAdmin, { name: topic, partitions: 1 })
    const kafka = kafkaFor(source)
    const producer = kafka.producer()
    await producer.connect()
    const t0 = Date.now() - 60_000
    await producer.send({ topic, messages: Array.from({ length: 30 }, (_, i) => ({ value: `v${i}`, timestamp: String(t0 + i * 1000) })) })
    await producer.disconnect()
    const runner = newRunner(source, destination, topic, topic, { timestampMs: t0 + 12_000 })
    await runner.start()
    await waitCaughtUp(runner, await sourceEnds(kafka, topic))
    assert.equal(await destinationAdmin.listOffset(topic, 0, 'earliest'), 12n)
    const result = await verifyTopics({
      sourceBootstrap: source.bootstrapServers, destinationBootstrap: destination.bootstrapServers, topic,
    })
    assert.equal(result.partitions[0]!.mirrorRecords, 18)
    assert.ok(result.firstDifferences.every((d) => d.kind === 'log_start_offset' || (d.kind === 'missing_in_mirror' && Number(d.offset) < 12)))
    await runner.stop()
  })

  test('a LogAppendTime source should mirror to a CreateTime topic with every record keeping the timestamp consumers saw', async () => {
    const topic = uniqueName('appendtime')
    await createTopic(sourceAdmin, { name: topic, partitions: 1, configs: { 'message.timestamp.type': 'LogAppendTime' } })
    const kafka = kafkaFor(source)
    const producer = kafka.producer()
    await producer.connect()
    for (const codec of [CompressionTypes.None, CompressionTypes.LZ4]) {
      await producer.send({ topic, compression: codec, messages: Array.from({ length: 4 }, (_, i) => ({ value: `v${i}`, timestamp: String(1_000_000 + i) })) })
    }
    await producer.disconnect()
    const runner = newRunner(source, destination, topic, topic)
    await runner.start()
    await waitCaughtUp(runner, await sourceEnds(kafka, topic))
    const result = await verifyTopics({
      sourceBootstrap: source.bootstrapServers, destinationBootstrap: destination.bootstrapServers, topic,
    })
    assert.equal(result.identical, true, JSON.stringify(result.firstDifferences))
    const mirrored = await rawBatches(destinationAdmin, topic, 0)
    assert.deepEqual(mirrored.map((b) => b.header.attributes & 0x08), [0, 0], 'the mirror stores CreateTime batches')
    const counters = (runner as unknown as { counters(): Record<number, { batchesRebuilt: number }> }).counters()
    assert.equal(counters[0]!.batchesRebuilt, 2)
    await runner.stop()
  })

  test('coalescing tiny source batches should keep records and offsets identical with fewer destination batches', async () => {
    const topic = uniqueName('tiny')
    await createTopic(sourceAdmin, { name: topic, partitions: 1 })
    const kafka = kafkaFor(source)
    const producer = kafka.producer()
    await producer.connect()
    for (let i = 0; i < 60; i++) await producer.send({ topic, compression: i % 2 ? CompressionTypes.None : CompressionTypes.ZSTD, messages: [{ key: `k${i}`, value: `tiny ${i}`, headers: { i: String(i) } }] })
    await producer.disconnect()
    const runner = newRunner(source, destination, topic, topic, 'earliest', { ...TEST_LIMITS, coalesceBelowBytes: 4096 })
    await runner.start()
    await waitCaughtUp(runner, await sourceEnds(kafka, topic))
    const result = await verifyTopics({
      sourceBootstrap: source.bootstrapServers, destinationBootstrap: destination.bootstrapServers, topic,
    })
    assert.equal(result.identical, true, JSON.stringify(result.firstDifferences))
    const mirrored = await rawBatches(destinationAdmin, topic, 0)
    assert.ok(mirrored.length < 60, `${mirrored.length} destination batches for 60 source batches`)
    await runner.stop()
  })
})
