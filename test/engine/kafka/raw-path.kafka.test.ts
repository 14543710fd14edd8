// Real-broker proof of the raw data path: a normal producer's batches, raw-fetched and raw-produced elsewhere, are stored byte for byte.
import { after, before, describe, test } from 'node:test'
import assert from 'node:assert/strict'
import { randomUUID } from 'node:crypto'
import kafkajs from 'kafkajs'
import { startKafkaCluster, type KafkaCluster } from '../../../cli/local/kafka-cluster.ts'
import { registerKafkajsCodecs } from '../../../cli/verify/kafkajs-codecs.ts'
import {
  KafkaClusterClient, KafkaErrorCodes, createTopic, deleteTopic, hasValidCrc, rewriteBatchForAppend, splitRecordSet, zeroBaseOffset,
  type RawRecordBatch,
} from '../../../engine/kafka/index.ts'

const { Kafka, CompressionTypes, logLevel } = kafkajs
const CODECS = [
  ['none', CompressionTypes.None], ['gzip', CompressionTypes.GZIP], ['snappy', CompressionTypes.Snappy],
  ['lz4', CompressionTypes.LZ4], ['zstd', CompressionTypes.ZSTD],
] as const

let cluster: KafkaCluster
let client: KafkaClusterClient

async function fetchAll(topic: string, partition = 0): Promise<RawRecordBatch[]> {
  const out: RawRecordBatch[] = []
  let offset = 0n
  for (;;) {
    const res = await client.fetchRaw(topic, partition, offset, { maxBytes: 1 << 20, maxWaitMs: 10, isolation: 'read_uncommitted', lane: 'test' })
    assert.equal(res.errorCode, 0)
    const batches = splitRecordSet(res.records)
    for (const b of batches) if (b.header.baseOffset + BigInt(b.header.lastOffsetDelta) >= offset) out.push(b)
    const last = batches.at(-1)
    if (!last) return out
    offset = last.header.baseOffset + BigInt(last.header.lastOffsetDelta) + 1n
    if (offset >= res.highWatermark) return out
  }
}

describe('raw data path', () => {
  before(async () => {
    registerKafkajsCodecs()
    cluster = await startKafkaCluster({ name: 'rawpath' })
    client = new KafkaClusterClient({ bootstrapServers: [cluster.bootstrapServers] }, { side: 'destination' })
  })
  after(async () => {
    await client?.close()
    await cluster?.stop()
  })

  for (const [name, codec] of CODECS) {
    test(`raw fetch and raw produce should store ${name} batches byte for byte apart from baseOffset and partitionLeaderEpoch`, async () => {
      const source = `raw-src-${name}-${randomUUID().slice(0, 8)}`
      const copy = `raw-dst-${name}-${randomUUID().slice(0, 8)}`
      await createTopic(client, { name: source, partitions: 1 })
      await createTopic(client, { name: copy, partitions: 1 })
      const kafka = new Kafka({ clientId: 'raw-path-test', brokers: [cluster.bootstrapServers], logLevel: logLevel.NOTHING })
      const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1 })
      await producer.connect()
      for (let b = 0; b < 3; b++) {
        await producer.send({
          topic: source, compression: codec, acks: -1,
          messages: Array.from({ length: 4 }, (_, i) => ({ key: i === 0 ? null : `k${b}-${i}`, value: `value ${b}-${i} `.repeat(20), headers: { h: `x${i}` } })),
        })
      }
      await producer.disconnect()

      const sourceBatches = await fetchAll(source)
      assert.equal(sourceBatches.length, 3)
      for (const batch of sourceBatches) {
        assert.ok(hasValidCrc(batch.bytes))
        const res = await client.produceRaw(copy, 0, zeroBaseOffset(batch.bytes), { lane: 'test' })
        assert.equal(res.errorCode, 0, `produce error ${res.errorCode} ${res.errorMessage}`)
        assert.equal(res.baseOffset, batch.header.baseOffset)
      }
      const copied = await fetchAll(copy)
      assert.equal(copied.length, sourceBatches.length)
      for (let i = 0; i < copied.length; i++) {
        const s = sourceBatches[i]!.bytes
        const d = copied[i]!.bytes
        assert.equal(d.length, s.length)
        assert.deepEqual(d.subarray(0, 8), s.subarray(0, 8), 'baseOffset equal (both topics start at 0)')
        assert.deepEqual(d.subarray(16), s.subarray(16), 'magic, CRC, attributes, producer fields and records identical')
        assert.equal(copied[i]!.header.attributes & 7, sourceBatches[i]!.header.attributes & 7)
      }
      await deleteTopic(client, source)
      await deleteTopic(client, copy)
    })
  }

  test('raw produce should be rejected with INVALID_RECORD when baseOffset is not zeroed', async () => {
    const source = `raw-nz-src-${randomUUID().slice(0, 8)}`
    const copy = `raw-nz-dst-${randomUUID().slice(0, 8)}`
    await createTopic(client, { name: source, partitions: 1 })
    await createTopic(client, { name: copy, partitions: 1 })
    const kafka = new Kafka({ clientId: 'raw-path-test', brokers: [cluster.bootstrapServers], logLevel: logLevel.NOTHING })
    const producer = kafka.producer()
    await producer.connect()
    await producer.send({ topic: source, messages: [{ value: 'a' }, { value: 'b' }] })
    await producer.send({ topic: source, messages: [{ value: 'c' }] })
    await producer.disconnect()
    const batches = await fetchAll(source)
    const second = batches[1]!
    assert.equal(second.header.baseOffset, 2n)
    const rejected = await client.produceRaw(copy, 0, second.bytes, { lane: 'test' })
    assert.equal(rejected.errorCode, KafkaErrorCodes.INVALID_RECORD)
    await deleteTopic(client, source)
    await deleteTopic(client, copy)
  })

  test('a fixed producer identity should deduplicate a replayed batch and return its original offset', async () => {
    const source = `raw-pid-src-${randomUUID().slice(0, 8)}`
    const copy = `raw-pid-dst-${randomUUID().slice(0, 8)}`
    await createTopic(client, { name: source, partitions: 1 })
    await createTopic(client, { name: copy, partitions: 1 })
    const kafka = new Kafka({ clientId: 'raw-path-test', brokers: [cluster.bootstrapServers], logLevel: logLevel.NOTHING })
    const producer = kafka.producer()
    await producer.connect()
    await producer.send({ topic: source, compression: CompressionTypes.GZIP, messages: [{ value: 'a' }, { value: 'b' }] })
    await producer.send({ topic: source, compression: CompressionTypes.GZIP, messages: [{ value: 'c' }] })
    await producer.disconnect()
    const [b0, b1] = await fetchAll(source)
    const pid = (1n << 62n) + 12345n
    const w0 = rewriteBatchForAppend(b0!.bytes, { producerId: pid, producerEpoch: 0, baseSequence: 0 })
    const w1 = rewriteBatchForAppend(b1!.bytes, { producerId: pid, producerEpoch: 0, baseSequence: 2 })
    assert.equal((await client.produceRaw(copy, 0, w0, { lane: 'test' })).baseOffset, 0n)
    assert.equal((await client.produceRaw(copy, 0, w1, { lane: 'test' })).baseOffset, 2n)
    const replay = await client.produceRaw(copy, 0, w1, { lane: 'test' })
    assert.equal(replay.errorCode, 0)
    assert.equal(replay.baseOffset, 2n, 'the duplicate is acknowledged at its original offset')
    assert.equal(await client.listOffset(copy, 0, 'latest'), 3n, 'nothing appended by the replay')
    const gap = rewriteBatchForAppend(b1!.bytes, { producerId: pid, producerEpoch: 0, baseSequence: 9 })
    assert.equal((await client.produceRaw(copy, 0, gap, { lane: 'test' })).errorCode, KafkaErrorCodes.OUT_OF_ORDER_SEQUENCE_NUMBER)
    const stored = await fetchAll(copy)
    assert.deepEqual(stored[1]!.bytes.subarray(61), b1!.bytes.subarray(61), 'records section untouched by the header rewrite')
    await deleteTopic(client, source)
    await deleteTopic(client, copy)
  })
})
