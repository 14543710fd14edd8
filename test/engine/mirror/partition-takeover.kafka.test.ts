// PartitionWriter takeover on a 2-broker destination whose follower lags: the new owner must start at the leader's log
// end offset, not at the high watermark (issue 12, item 4).
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

function newWriter(topic: string, topicId: string): PartitionWriter {
  return new PartitionWriter({
    destination: client, mirrorTopic: topic, mirrorTopicId: topicId, sourceTopicId: 'takeover-source', partition: 0,
    logger: createLogger({ level: 'silent' }), fillerChunkRecords: 1000, emptyTxnFillMax: 8, isStopping: () => false,
  })
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
      await admin.createTopics({ waitForLeaders: true, topics: [{ topic, replicaAssignment: [{ partition: 0, replicas: [txnLeader, follower.id] }] }] })
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
})
