// Tests of ZooKeeper-mode harness clusters on real brokers: Kafka 2.8.2 with SASL/SCRAM users and Kafka 3.9.1 serve produce and consume.
import { after, before, describe, test } from 'node:test'
import assert from 'node:assert/strict'
import { existsSync } from 'node:fs'
import { Kafka, logLevel, type SASLOptions } from 'kafkajs'
import { startKafkaCluster, isPortOpen, type KafkaCluster } from '../../../cli/local/kafka-cluster.ts'

function client(cluster: KafkaCluster, sasl?: SASLOptions): Kafka {
  return new Kafka({
    clientId: 'harness-zk-test',
    brokers: cluster.bootstrapServers.split(','),
    logLevel: logLevel.NOTHING,
    retry: { retries: 3, initialRetryTime: 200 },
    connectionTimeout: 5000,
    ...(sasl ? { sasl } : {}),
  })
}

async function roundTrip(kafka: Kafka, topic: string, values: string[]): Promise<string[]> {
  const admin = kafka.admin()
  await admin.connect()
  await admin.createTopics({ topics: [{ topic, numPartitions: 1 }], waitForLeaders: true })
  await admin.disconnect()
  const producer = kafka.producer()
  await producer.connect()
  await producer.send({ topic, acks: -1, messages: values.map((value) => ({ value })) })
  await producer.disconnect()
  const consumer = kafka.consumer({ groupId: `g-${topic}` })
  await consumer.connect()
  await consumer.subscribe({ topic, fromBeginning: true })
  const seen: string[] = []
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`consumed ${seen.length} of ${values.length} records within 60 s`)), 60_000)
    void consumer.run({ eachMessage: async ({ message }) => {
      seen.push(message.value?.toString() ?? '')
      if (seen.length >= values.length) { clearTimeout(timer); resolve() }
    } })
  })
  await consumer.disconnect()
  return seen
}

describe('zookeeper-mode kafka cluster', () => {
  let old: KafkaCluster
  let recent: KafkaCluster
  const users = { alice: 'alice-secret' }
  before(async () => {
    const started = await Promise.allSettled([
      // 2.8 has no production KRaft, so ZooKeeper mode is chosen without asking.
      startKafkaCluster({ name: 'zk-282', version: '2.8.2', security: { protocol: 'SASL_PLAINTEXT', mechanism: 'SCRAM-SHA-256', users } }),
      startKafkaCluster({ name: 'zk-391', version: '3.9.1', mode: 'zookeeper' }),
    ])
    const failed = started.find((r) => r.status === 'rejected')
    if (failed) {
      await Promise.all(started.map((r) => (r.status === 'fulfilled' ? r.value.stop() : undefined)))
      throw (failed as PromiseRejectedResult).reason
    }
    [old, recent] = started.map((r) => (r as PromiseFulfilledResult<KafkaCluster>).value) as [KafkaCluster, KafkaCluster]
  })
  after(async () => { await Promise.all([old?.stop(), recent?.stop()]) })

  test('kafka cluster 2.8.2 should run on ZooKeeper and serve produce and consume to a SCRAM user', async () => {
    assert.equal(old.mode, 'zookeeper')
    assert.ok(old.zookeeperConnect)
    const values = ['a', 'b', 'c']
    const sasl: SASLOptions = { mechanism: 'scram-sha-256', username: 'alice', password: users.alice }
    assert.deepEqual(await roundTrip(client(old, sasl), 'zk-282-rt', values), values)
  })

  test('kafka cluster 2.8.2 should refuse a wrong SCRAM password', async () => {
    const admin = client(old, { mechanism: 'scram-sha-256', username: 'alice', password: 'wrong' }).admin()
    await assert.rejects(admin.connect(), /SASL|authentic/i)
    await admin.disconnect()
  })

  test('kafka cluster 3.9.1 in zookeeper mode should serve produce and consume', async () => {
    assert.equal(recent.mode, 'zookeeper')
    const values = ['x', 'y']
    assert.deepEqual(await roundTrip(client(recent), 'zk-391-rt', values), values)
  })

  test('stop should end ZooKeeper and the broker and remove the data', async () => {
    const cluster = await startKafkaCluster({ name: 'zk-stop', version: '2.8.2' })
    const zkPort = Number(cluster.zookeeperConnect?.split(':')[1])
    assert.equal(await isPortOpen(zkPort), true)
    await cluster.stop()
    assert.equal(await isPortOpen(cluster.port), false)
    assert.equal(await isPortOpen(zkPort), false)
    assert.equal(existsSync(cluster.dir), false)
  })
})
