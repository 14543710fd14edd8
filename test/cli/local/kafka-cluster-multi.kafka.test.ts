// Tests of 3-broker KRaft harness clusters on real brokers: RF 3 defaults, SIGKILL and restart of a leader, election, reassignment.
import { after, before, describe, test } from 'node:test'
import assert from 'node:assert/strict'
import { Kafka, logLevel, type Admin, type PartitionMetadata } from 'kafkajs'
import { startKafkaCluster, type KafkaCluster } from '../../../cli/local/kafka-cluster.ts'

async function waitUntil<T>(what: string, read: () => Promise<T>, ok: (value: T) => boolean, timeoutMs = 90_000): Promise<T> {
  const deadline = Date.now() + timeoutMs
  let last: T | undefined
  for (;;) {
    try { last = await read(); if (ok(last)) return last } catch { /* the cluster may be between leaders */ }
    if (Date.now() > deadline) throw new Error(`timed out waiting until ${what}; last seen ${JSON.stringify(last)}`)
    await new Promise((r) => setTimeout(r, 250))
  }
}

describe('3-broker kraft kafka cluster', () => {
  let cluster: KafkaCluster
  let kafka: Kafka
  let admin: Admin
  before(async () => {
    // No automatic rebalance, so only electPreferredLeaders can move a leader back.
    cluster = await startKafkaCluster({ name: 'multi', brokers: 3, brokerConfig: { 'auto.leader.rebalance.enable': false } })
    kafka = new Kafka({
      clientId: 'harness-multi-test', brokers: cluster.bootstrapServers.split(','), logLevel: logLevel.NOTHING,
      retry: { retries: 8, initialRetryTime: 200 }, connectionTimeout: 3000,
    })
    admin = kafka.admin()
    await admin.connect()
  })
  after(async () => {
    await admin?.disconnect()
    await cluster?.stop()
  })

  async function partition(topic: string, id = 0): Promise<PartitionMetadata> {
    const { topics } = await admin.fetchTopicMetadata({ topics: [topic] })
    const found = topics[0]?.partitions.find((p) => p.partitionId === id)
    if (!found) throw new Error(`no partition ${topic}-${id}`)
    return found
  }

  async function produce(topic: string, values: string[]): Promise<void> {
    const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1 })
    await producer.connect()
    try { await producer.send({ topic, acks: -1, messages: values.map((value) => ({ value })) }) } finally { await producer.disconnect() }
  }

  async function endOffset(topic: string): Promise<number> {
    const offsets = await admin.fetchTopicOffsets(topic)
    return Number(offsets.find((o) => o.partition === 0)?.high ?? -1)
  }

  test('kafka cluster should start 3 brokers whose topics default to RF 3 and min.insync.replicas 2', async () => {
    assert.deepEqual(cluster.brokers.map((b) => b.id), [1, 2, 3])
    assert.equal(cluster.bootstrapServers.split(',').length, 3)
    assert.equal(new Set(cluster.brokers.map((b) => b.pid)).size, 3)
    const described = await admin.describeCluster()
    assert.deepEqual(described.brokers.map((b) => b.nodeId).sort(), [1, 2, 3])
    const topic = 'multi-defaults'
    await admin.createTopics({ topics: [{ topic, numPartitions: 1 }], waitForLeaders: false })
    const p = await waitUntil('all replicas are in sync', () => partition(topic), (m) => m.isr.length === 3)
    assert.equal(p.replicas.length, 3)
    const configs = await admin.describeConfigs({
      includeSynonyms: false, resources: [{ type: 4, name: '1', configNames: ['min.insync.replicas'] }],
    })
    assert.equal(configs.resources[0]?.configEntries[0]?.configValue, '2')
  })

  test('kafka cluster should elect a new leader when the leader is killed, and move it back by preferred election', async () => {
    const topic = 'multi-leader-move'
    await admin.createTopics({ topics: [{ topic, numPartitions: 1, replicationFactor: 3 }], waitForLeaders: false })
    await waitUntil('all replicas are in sync', () => partition(topic), (m) => m.isr.length === 3)
    await produce(topic, ['before-1', 'before-2'])
    const leader = await cluster.leaderOf(topic, 0)
    assert.equal(leader, (await partition(topic)).replicas[0])
    const victim = cluster.brokers.find((b) => b.id === leader)
    assert.ok(victim)
    await victim.kill()
    assert.equal(victim.isRunning, false)
    const next = await waitUntil('another broker leads', () => cluster.leaderOf(topic, 0), (l) => l > 0 && l !== leader)
    assert.notEqual(next, leader)
    // Two of three replicas satisfy min.insync.replicas 2, so acks=all writes go on.
    await produce(topic, ['during'])
    await victim.start()
    await waitUntil('the restarted broker is back in sync', () => partition(topic), (m) => m.isr.includes(leader))
    assert.equal(await cluster.leaderOf(topic, 0), next, 'nothing moved leadership back before the election')
    await cluster.electPreferredLeaders(topic)
    assert.equal(await cluster.leaderOf(topic, 0), leader)
    assert.equal(await endOffset(topic), 3)
  })

  test('kafka cluster should move a replica by partition reassignment', async () => {
    const topic = 'multi-reassign'
    await admin.createTopics({ topics: [{ topic, replicaAssignment: [{ partition: 0, replicas: [1, 2] }] }], waitForLeaders: false })
    await waitUntil('both replicas are in sync', () => partition(topic), (m) => m.isr.length === 2)
    await produce(topic, ['one', 'two'])
    await cluster.reassignPartitions([{ topic, partition: 0, replicas: [3, 1] }])
    const p = await partition(topic)
    assert.deepEqual([...p.replicas].sort(), [1, 3])
    assert.deepEqual([...p.isr].sort(), [1, 3])
    await cluster.electPreferredLeaders(topic)
    assert.equal(await cluster.leaderOf(topic, 0), 3)
    assert.equal(await endOffset(topic), 2)
  })
})
