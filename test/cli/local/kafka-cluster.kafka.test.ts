// Tests of the Kafka cluster harness on real brokers: independence, clean stop, SASL_SSL with SCRAM, the authorizer.
import { after, before, describe, test } from 'node:test'
import assert from 'node:assert/strict'
import { Kafka, logLevel, type SASLOptions } from 'kafkajs'
import { startKafkaCluster, startKafkaClusters, isPortOpen, fetchKafka, type KafkaCluster } from '../../../cli/local/kafka-cluster.ts'

function client(cluster: KafkaCluster, sasl?: SASLOptions): Kafka {
  return new Kafka({
    clientId: 'harness-test',
    brokers: [cluster.bootstrapServers],
    logLevel: logLevel.NOTHING,
    retry: { retries: 2, initialRetryTime: 100 },
    connectionTimeout: 5000,
    ...(cluster.caCertificate ? { ssl: { ca: [cluster.caCertificate], servername: 'localhost' } } : {}),
    ...(sasl ? { sasl } : {}),
  })
}

async function roundTrip(kafka: Kafka, topic: string, value: string): Promise<string[]> {
  const admin = kafka.admin()
  await admin.connect()
  await admin.createTopics({ topics: [{ topic, numPartitions: 1 }], waitForLeaders: true })
  await admin.disconnect()
  const producer = kafka.producer()
  await producer.connect()
  await producer.send({ topic, messages: [{ key: 'k', value }] })
  await producer.disconnect()
  const consumer = kafka.consumer({ groupId: `g-${topic}` })
  await consumer.connect()
  await consumer.subscribe({ topic, fromBeginning: true })
  const values: string[] = []
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('no record consumed within 30 s')), 30_000)
    void consumer.run({ eachMessage: async ({ message }) => {
      values.push(message.value?.toString() ?? '')
      clearTimeout(timer)
      resolve()
    } })
  })
  await consumer.disconnect()
  return values
}

async function topicNames(kafka: Kafka): Promise<string[]> {
  const admin = kafka.admin()
  await admin.connect()
  try { return (await admin.listTopics()).filter((t) => !t.startsWith('__')) } finally { await admin.disconnect() }
}

describe('kafka cluster harness', () => {
  let clusters: KafkaCluster[] = []
  before(async () => { clusters = await startKafkaClusters(2) })
  after(async () => { await Promise.all(clusters.map((c) => c.stop())) })

  test('two clusters should each produce and consume a record, independently', async () => {
    const [a, b] = clusters as [KafkaCluster, KafkaCluster]
    assert.notEqual(a.bootstrapServers, b.bootstrapServers)
    assert.deepEqual(await roundTrip(client(a), 'only-on-a', 'hello-a'), ['hello-a'])
    assert.deepEqual(await roundTrip(client(b), 'only-on-b', 'hello-b'), ['hello-b'])
    assert.deepEqual(await topicNames(client(a)), ['only-on-a'])
    assert.deepEqual(await topicNames(client(b)), ['only-on-b'])
  })

  test('the jar cache should answer a second fetch without downloading', async () => {
    const started = Date.now()
    const libDir = await fetchKafka()
    assert.equal(libDir, clusters[0]?.libDir)
    // A cached fetch only checks a marker file; a download takes Maven seconds at least.
    assert.ok(Date.now() - started < 5_000, 'cached fetch went back to Maven')
  })

  test('stop should free the ports and remove the data', async () => {
    const cluster = await startKafkaCluster({ name: 'stop-check' })
    assert.equal(await isPortOpen(cluster.port), true)
    await cluster.stop()
    assert.equal(await isPortOpen(cluster.port), false)
    const { existsSync } = await import('node:fs')
    assert.equal(existsSync(cluster.dir), false)
  })
})

describe('kafka cluster harness with SASL_SSL and SCRAM', () => {
  let cluster: KafkaCluster
  before(async () => {
    cluster = await startKafkaCluster({ security: { protocol: 'SASL_SSL', mechanism: 'SCRAM-SHA-256', users: { alice: 'alice-secret' } } })
  })
  after(async () => { await cluster.stop() })

  test('a SASL_SSL cluster should accept the right password', async () => {
    const kafka = client(cluster, { mechanism: 'scram-sha-256', username: 'alice', password: 'alice-secret' })
    assert.deepEqual(await roundTrip(kafka, 'scram-ok', 'secure'), ['secure'])
  })

  test('a SASL_SSL cluster should reject a wrong password', async () => {
    const kafka = client(cluster, { mechanism: 'scram-sha-256', username: 'alice', password: 'wrong' })
    await assert.rejects(topicNames(kafka), /SASL|authentication/i)
  })
})

describe('kafka cluster harness with the authorizer', () => {
  let cluster: KafkaCluster
  before(async () => {
    cluster = await startKafkaCluster({
      security: { protocol: 'SASL_PLAINTEXT', mechanism: 'PLAIN', users: { admin: 'admin-secret', mallory: 'mallory-secret' } },
      authorizer: { superUsers: ['admin'] },
    })
  })
  after(async () => { await cluster.stop() })

  test('an authorizer cluster should let the super user create a topic', async () => {
    const kafka = client(cluster, { mechanism: 'plain', username: 'admin', password: 'admin-secret' })
    const admin = kafka.admin()
    await admin.connect()
    try {
      assert.equal(await admin.createTopics({ topics: [{ topic: 'admins-topic' }], waitForLeaders: true }), true)
    } finally { await admin.disconnect() }
  })

  test('an authorizer cluster should deny an unauthorised principal', async () => {
    const kafka = client(cluster, { mechanism: 'plain', username: 'mallory', password: 'mallory-secret' })
    const admin = kafka.admin()
    await admin.connect()
    try {
      await assert.rejects(admin.createTopics({ topics: [{ topic: 'mallorys-topic' }] }), (error: { errors?: { type?: string }[] }) => {
        assert.deepEqual(error.errors?.map((e) => e.type), ['TOPIC_AUTHORIZATION_FAILED'])
        return true
      })
    } finally { await admin.disconnect() }
  })
})
