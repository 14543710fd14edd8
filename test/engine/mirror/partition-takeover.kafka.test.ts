// PartitionWriter takeover on a real destination: the new owner starts at the leader's log end offset while a follower
// lags, and a stale owner's held-back data batch can never land after the new owner's filler (issue 12, item 4).
import { after, before, describe, test } from 'node:test'
import assert from 'node:assert/strict'
import { randomUUID } from 'node:crypto'
import { startKafkaCluster, type KafkaCluster } from '../../../cli/local/kafka-cluster.ts'
import { KafkaClusterClient, CODECS, splitRecordSet, decodeBatchRecords } from '../../../engine/kafka/index.ts'
import { PartitionWriter } from '../../../engine/mirror/partition-writer.ts'
import { createLogger } from '../../../engine/logging/index.ts'
import { Kafka, logLevel, uniqueName, waitFor } from './mirror-harness.ts'

let destination: KafkaCluster
let client: KafkaClusterClient
const stopped = new Set<number>()

before(async () => {
  destination = await startKafkaCluster({
    name: 'takeover-dst', brokers: 2,
    // One transaction-state partition on one broker: the filler coordinator stays reachable while the other broker is
    // frozen, and the frozen follower stays in the ISR for the whole test (no ISR shrink moves the high watermark).
    brokerConfig: {
      'transaction.state.log.replication.factor': 1, 'transaction.state.log.min.isr': 1, 'transaction.state.log.num.partitions': 1,
      'replica.lag.time.max.ms': 120_000,
    },
  })
  client = new KafkaClusterClient({ bootstrapServers: destination.bootstrapServers.split(',') }, { side: 'destination' })
})

after(async () => {
  for (const pid of stopped) process.kill(pid, 'SIGCONT')
  await client?.close()
  await destination?.stop()
})

function newWriter(topic: string, topicId: string, destination: KafkaClusterClient = client, emptyTxnFillMax = 8): PartitionWriter {
  return new PartitionWriter({
    destination, mirrorTopic: topic, mirrorTopicId: topicId, sourceTopicId: 'takeover-source', partition: 0,
    logger: createLogger({ level: 'silent' }), fillerChunkRecords: 1000, emptyTxnFillMax, isStopping: () => false,
  })
}

/** The destination client with its data produces held back until release(): an old owner paused mid-request. */
function heldClient(): { client: KafkaClusterClient; release: () => void; held: () => number } {
  let open: () => void = () => {}
  const gate = new Promise<void>((resolve) => { open = resolve })
  let held = 0
  const proxy = new Proxy(client, {
    get(target, name) {
      if (name === 'produceRawOrdered') {
        return async (...args: Parameters<KafkaClusterClient['produceRawOrdered']>) => {
          held++
          await gate
          return target.produceRawOrdered(...args)
        }
      }
      const value: unknown = Reflect.get(target, name, target)
      return typeof value === 'function' ? (value as (...a: unknown[]) => unknown).bind(target) : value
    },
  })
  return { client: proxy, release: () => open(), held: () => held }
}

function record(value: string) {
  return { timestamp: BigInt(Date.now()), key: null, value: Buffer.from(value), headers: [] as const }
}

describe('PartitionWriter takeover', () => {
  test('PartitionWriter should take over at the leader log end offset while a follower lags behind the high watermark', async () => {
    const topic = uniqueName('takeover')
    const admin = new Kafka({ clientId: 'takeover-test', brokers: destination.bootstrapServers.split(','), logLevel: logLevel.NOTHING }).admin()
    await admin.connect()
    try {
      // The transaction-state topic appears with the first InitProducerId; its broker leads the mirror partition too.
      await waitFor('the transaction coordinator', () => client.initProducerId(`probe-${randomUUID()}`))
      const txnLeader = await waitFor('the transaction state leader', async () => {
        const md = await admin.fetchTopicMetadata({ topics: ['__transaction_state'] })
        return md.topics[0]?.partitions[0]?.leader
      })
      const follower = destination.brokers.find((b) => b.id !== txnLeader)!
      await admin.createTopics({
        waitForLeaders: true, topics: [{ topic, replicaAssignment: [{ partition: 0, replicas: [txnLeader, follower.id] }] }],
      })
      const topicId = (await client.describeTopic(topic))!.topicId

      const owner = newWriter(topic, topicId)
      await owner.open()
      await owner.write({ kind: 'rebuild', offset: 0n, records: [record('a')], codec: CODECS.none, reason: 'coalesce' })
      await owner.drain()

      // Freeze the follower: the leader appends the next batch, but the high watermark stays at 1.
      process.kill(follower.pid, 'SIGSTOP')
      stopped.add(follower.pid)
      await owner.write({ kind: 'rebuild', offset: 1n, records: [record('b')], codec: CODECS.none, reason: 'coalesce' })
      const ownerDrained = owner.drain()
      await waitFor('the unreplicated batch on the leader', async () =>
        (await client.describeProducers(topic, 0)).find((p) => p.producerId === owner.producerId)?.lastSequence === 1)
      assert.equal(await client.listOffset(topic, 0, 'latest'), 1n, 'the high watermark lags the log end offset')

      const next = newWriter(topic, topicId)
      const { logEndOffset } = await next.open()
      assert.equal(logEndOffset, 2n, 'the new owner starts at the log end offset')
      await next.write({ kind: 'rebuild', offset: 2n, records: [record('c')], codec: CODECS.none, reason: 'coalesce' })
      const nextDrained = next.drain()

      process.kill(follower.pid, 'SIGCONT')
      stopped.delete(follower.pid)
      await Promise.all([ownerDrained, nextDrained])

      const res = await client.fetchRaw(topic, 0, 0n, { maxBytes: 1 << 20, maxWaitMs: 0, isolation: 'read_uncommitted', lane: 'check' })
      const values = splitRecordSet(res.records).flatMap((b) => decodeBatchRecords(b.bytes).map((r) => r.value?.toString()))
      assert.deepEqual(values, ['a', 'b', 'c'])
      assert.equal(await client.listOffset(topic, 0, 'latest'), 3n)
    } finally {
      await admin.disconnect()
    }
  })

  test('a stale owner\'s held-back data batch should be refused after the new owner filled, and the mirror keep its offsets', async () => {
    const topic = uniqueName('stale-owner')
    const admin = new Kafka({ clientId: 'takeover-test', brokers: destination.bootstrapServers.split(','), logLevel: logLevel.NOTHING }).admin()
    await admin.connect()
    try {
      await admin.createTopics({ waitForLeaders: true, topics: [{ topic, numPartitions: 1, replicationFactor: 1 }] })
      const topicId = (await client.describeTopic(topic))!.topicId
      const owner = newWriter(topic, topicId)
      await owner.open()
      await owner.write({ kind: 'rebuild', offset: 0n, records: [record('a')], codec: CODECS.none, reason: 'coalesce' })
      await owner.drain()

      // The old owner sends 'b' for offset 1; the request is held back before it reaches the broker.
      const hold = heldClient()
      const stale = newWriter(topic, topicId, hold.client)
      await stale.open()
      await stale.write({ kind: 'rebuild', offset: 1n, records: [record('b')], codec: CODECS.none, reason: 'coalesce' })
      const staleDrained = stale.drain().then(() => null, (error: unknown) => error)
      await waitFor('the held-back batch', () => hold.held() === 1)

      // A new owner takes over and sees offsets 1..3 as a gap (the source compacted 'b' away since): it fills them.
      const next = newWriter(topic, topicId)
      assert.equal((await next.open()).logEndOffset, 1n)
      await next.write({ kind: 'fill', offset: 1n, count: 3, reason: 'gap' })
      hold.release()
      const staleError = await staleDrained
      assert.equal((staleError as { code?: string } | null)?.code, 'FENCED', 'the stale batch is refused')
      await next.write({ kind: 'rebuild', offset: 4n, records: [record('c')], codec: CODECS.none, reason: 'coalesce' })
      await next.drain()

      const res = await client.fetchRaw(topic, 0, 0n, { maxBytes: 1 << 20, maxWaitMs: 0, isolation: 'read_uncommitted', lane: 'check' })
      const records = splitRecordSet(res.records).filter((b) => (b.header.attributes & 0x20) === 0)
        .flatMap((b) => decodeBatchRecords(b.bytes).map((r) => `${b.header.baseOffset + BigInt(r.offsetDelta)}:${r.value?.toString()}`))
      assert.deepEqual(records, ['0:a', '4:c'])
      assert.equal(await client.logEndOffset(topic, 0), 5n)
    } finally {
      await admin.disconnect()
    }
  })

  test('a new owner should fence the old owner\'s filler helpers mid-fill, so no old marker lands after its log end offset', async () => {
    const topic = uniqueName('helpers')
    const admin = new Kafka({ clientId: 'takeover-test', brokers: destination.bootstrapServers.split(','), logLevel: logLevel.NOTHING }).admin()
    await admin.connect()
    try {
      await admin.createTopics({ waitForLeaders: true, topics: [{ topic, numPartitions: 1, replicationFactor: 1 }] })
      const topicId = (await client.describeTopic(topic))!.topicId
      const owner = newWriter(topic, topicId, client, 20_000)
      await owner.open()
      // A long invisible gap: T's first marker, then the helpers in parallel.
      const filling = owner.fill(20_000).then(() => null, (error: unknown) => error)
      await waitFor('the old owner\'s helpers filling', async () => (await client.logEndOffset(topic, 0)) > 50n)

      const next = newWriter(topic, topicId)
      const { logEndOffset } = await next.open()
      const error = await filling
      assert.equal((error as { code?: string } | null)?.code, 'FENCED', 'the old owner stops')
      assert.equal(await client.logEndOffset(topic, 0), logEndOffset, 'no old marker after the takeover')
      await next.write({ kind: 'rebuild', offset: logEndOffset, records: [record('after')], codec: CODECS.none, reason: 'coalesce' })
      await next.drain()
      assert.equal(await client.logEndOffset(topic, 0), logEndOffset + 1n)
    } finally {
      await admin.disconnect()
    }
  })
})
