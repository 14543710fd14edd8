// End-to-end engine tests on two real Kafka clusters: link and mirror over REST, identical offsets, restart recovery, offset
// sync, promote and failover.
import assert from 'node:assert/strict'
import { spawn } from 'node:child_process'
import { randomUUID } from 'node:crypto'
import { join } from 'node:path'
import { createInterface } from 'node:readline'
import { Writable } from 'node:stream'
import { after, before, describe, test } from 'node:test'
import { Kafka, logLevel, type Admin } from 'kafkajs'
import { startKafkaClusters, type KafkaCluster } from '../../cli/local/kafka-cluster.ts'
import { createEngineApp, type EngineApp } from '../../engine/app.ts'
import { EngineConfigSchema } from '../../engine/config/index.ts'
import { createLogger } from '../../engine/logging/index.ts'
import { waitFor } from './link/fakes.ts'

const TOKEN = 'e2e-token-0123456789abcdef'
const SECRET_PASSWORD = 'pa55-word-never-in-plaintext'
type Json = Record<string, unknown> & { data?: Array<Record<string, unknown>> }

describe('engine end to end', { timeout: 600_000 }, () => {
  let source: KafkaCluster
  let destination: KafkaCluster
  let sourceKafka: Kafka
  let destinationKafka: Kafka
  let sourceAdmin: Admin
  let destinationAdmin: Admin
  let app: EngineApp | undefined
  let url = ''
  let base = ''
  const logs: string[] = []
  const stateTopic = `_clusterlink-state-${randomUUID().slice(0, 8)}`
  const run = randomUUID().slice(0, 8)

  async function startEngine(): Promise<void> {
    const sink = new Writable({ write(chunk, _e, done) { logs.push(String(chunk)); done() } })
    const config = EngineConfigSchema.parse({
      destination: { bootstrapServers: [destination.bootstrapServers] },
      listener: { host: '127.0.0.1', port: 0 },
      auth: { tokens: [TOKEN] },
      credentialsKey: 'e2e-credentials-key-0123456789',
      stateTopic,
      promoteTimeoutMs: 60_000,
    })
    app = await createEngineApp(config, { logger: createLogger({ level: 'info', destination: sink }) })
    url = await app.server.listen({ host: '127.0.0.1', port: 0 })
    base = `${url}/kafka/v3/clusters/${app.clusterId}`
  }

  async function call(method: string, path: string, body?: unknown): Promise<{ status: number; json: Json }> {
    const response = await fetch(`${base}${path}`, {
      method, headers: { authorization: `Bearer ${TOKEN}`, ...(body ? { 'content-type': 'application/json' } : {}) },
      ...(body ? { body: JSON.stringify(body) } : {}),
    })
    const text = await response.text()
    return { status: response.status, json: (text ? JSON.parse(text) : {}) as Json }
  }

  async function produce(topic: string, from: number, count: number): Promise<void> {
    const producer = sourceKafka.producer()
    await producer.connect()
    await producer.send({ topic, messages: Array.from({ length: count }, (_, i) => ({ key: `k${(from + i) % 7}`, value: `v${from + i}`, headers: { h: `x${from + i}` } })) })
    await producer.disconnect()
  }

  /** Reads every record of a topic with kafkajs (independent of the engine), as `partition:offset:key:value` lines. */
  async function readAll(kafka: Kafka, topic: string, expected: number): Promise<string[]> {
    const consumer = kafka.consumer({ groupId: `reader-${randomUUID()}` })
    const seen: string[] = []
    await consumer.connect()
    await consumer.subscribe({ topic, fromBeginning: true })
    await consumer.run({ eachMessage: async ({ partition, message }) => { seen.push(`${partition}:${message.offset}:${message.key}:${message.value}:${message.timestamp}`) } })
    await waitFor(() => seen.length >= expected, `${expected} records from ${topic}`, 60_000)
    await consumer.disconnect()
    return seen.sort()
  }

  async function mirrorOf(link: string, topic: string): Promise<Json> {
    return (await call('GET', `/links/${link}/mirrors/${topic}`)).json
  }

  async function waitCaughtUp(link: string, topic: string, total: number): Promise<void> {
    await waitFor(async () => {
      const m = await mirrorOf(link, topic)
      const lags = (m['mirror_lags'] as Array<{ lag: number; last_source_fetch_offset: number }> | undefined) ?? []
      const copied = lags.reduce((sum, l) => sum + Math.max(0, l.last_source_fetch_offset), 0)
      return m['mirror_status'] === 'ACTIVE' && lags.length > 0 && lags.every((l) => l.lag === 0) && copied >= total
    }, `mirror ${topic} caught up`, 120_000)
  }

  before(async () => {
    [source, destination] = await startKafkaClusters(2, { name: `engine-e2e-${run}` }) as [KafkaCluster, KafkaCluster]
    sourceKafka = new Kafka({ brokers: [source.bootstrapServers], logLevel: logLevel.NOTHING })
    destinationKafka = new Kafka({ brokers: [destination.bootstrapServers], logLevel: logLevel.NOTHING })
    sourceAdmin = sourceKafka.admin()
    destinationAdmin = destinationKafka.admin()
    await Promise.all([sourceAdmin.connect(), destinationAdmin.connect()])
    await startEngine()
  })

  after(async () => {
    await app?.close().catch(() => undefined)
    await Promise.allSettled([sourceAdmin?.disconnect(), destinationAdmin?.disconnect()])
    await Promise.allSettled([source?.stop(), destination?.stop()])
  })

  test('engine should mirror a topic created over REST at identical offsets', async () => {
    const topic = `orders-${run}`
    await sourceAdmin.createTopics({ topics: [{ topic, numPartitions: 2 }] })
    await produce(topic, 0, 200)
    const { clusterId } = await sourceAdmin.describeCluster()
    const link = await call('POST', `/links?link_name=e2e`, { source_cluster_id: clusterId, configs: [{ name: 'bootstrap.servers', value: source.bootstrapServers }] })
    assert.equal(link.status, 204, JSON.stringify(link.json))
    const mirror = await call('POST', '/links/e2e/mirrors', { source_topic_name: topic })
    assert.equal(mirror.status, 204, JSON.stringify(mirror.json))
    await waitCaughtUp('e2e', topic, 200)
    const [src, dst] = await Promise.all([readAll(sourceKafka, topic, 200), readAll(destinationKafka, topic, 200)])
    assert.deepEqual(dst, src)
    const metrics = await (await fetch(`${url}/metrics`, { headers: { authorization: `Bearer ${TOKEN}` } })).text()
    assert.match(metrics, new RegExp(`clusterlink_mirror_topics\\{link="e2e",state="ACTIVE"\\} 1`))
    assert.match(metrics, /clusterlink_mirror_partition_lag_records\{link="e2e",topic="orders-[^"]+",partition="0"\} 0/)
    assert.match(metrics, /clusterlink_mirror_copied_records_total\{link="e2e",topic="orders-[^"]+"\} 200\n/)
  })

  test('engine should keep link credentials encrypted in the state topic', async () => {
    const res = await call('POST', '/links?link_name=secret-link&validate_link=false', { configs: [
      { name: 'bootstrap.servers', value: '127.0.0.1:1' }, { name: 'security.protocol', value: 'SASL_PLAINTEXT' },
      { name: 'sasl.jaas.config', value: `org.apache.kafka.common.security.plain.PlainLoginModule required username="u" password="${SECRET_PASSWORD}";` },
    ] })
    assert.equal(res.status, 204, JSON.stringify(res.json))
    const raw = await readAll(destinationKafka, stateTopic, 3)
    assert.ok(raw.some((line) => line.includes('secret-link')), 'link record missing from the state topic')
    assert.ok(!raw.join('\n').includes(SECRET_PASSWORD), 'password in plaintext in the state topic')
    const configs = await call('GET', '/links/secret-link/configs')
    assert.ok(!JSON.stringify(configs.json).includes(SECRET_PASSWORD))
    assert.ok(!logs.join('').includes(SECRET_PASSWORD), 'password in the logs')
    assert.equal((await call('DELETE', '/links/secret-link')).status, 200)
  })

  test('engine should recover links and mirrors after a restart and resume copying', async () => {
    const topic = `orders-${run}`
    await app?.close()
    app = undefined
    await produce(topic, 200, 100)
    await startEngine()
    const links = await call('GET', '/links')
    assert.deepEqual(links.json.data?.map((l) => l['link_name']), ['e2e'])
    await waitCaughtUp('e2e', topic, 300)
    const [src, dst] = await Promise.all([readAll(sourceKafka, topic, 300), readAll(destinationKafka, topic, 300)])
    assert.deepEqual(dst, src)
  })

  test('engine should sync consumer offsets and fail over with no gap and no duplicate', async () => {
    const topic = `payments-${run}`
    const group = `billing-${run}`
    await sourceAdmin.createTopics({ topics: [{ topic, numPartitions: 1 }] })
    await produce(topic, 0, 100)
    assert.equal((await call('POST', '/links/e2e/mirrors', { source_topic_name: topic })).status, 204)
    const alter = await call('PUT', '/links/e2e/configs:alter', { data: [
      { name: 'consumer.offset.sync.enable', value: 'true' }, { name: 'consumer.offset.sync.ms', value: '1000' },
      { name: 'consumer.offset.group.filters', value: JSON.stringify({ groupFilters: [{ name: `billing-${run}`, patternType: 'LITERAL', filterType: 'INCLUDE' }] }) },
    ] })
    assert.equal(alter.status, 204, JSON.stringify(alter.json))
    // A real consumer in the group reads on the source and commits offset 40, then leaves.
    const sourceConsumer = sourceKafka.consumer({ groupId: group })
    let read = 0
    await sourceConsumer.connect()
    await sourceConsumer.subscribe({ topic, fromBeginning: true })
    await sourceConsumer.run({ autoCommit: false, eachMessage: async () => { read += 1 } })
    await waitFor(() => read >= 40, '40 records read on the source', 60_000)
    await sourceConsumer.commitOffsets([{ topic, partition: 0, offset: '40' }])
    await sourceConsumer.disconnect()
    await waitCaughtUp('e2e', topic, 100)
    await waitFor(async () => {
      const offsets = await destinationAdmin.fetchOffsets({ groupId: group, topics: [topic] })
      return offsets[0]?.partitions[0]?.offset === '40'
    }, 'offset 40 synced to the destination group', 60_000)
    const failover = await call('POST', '/links/e2e/mirrors:failover', { mirror_topic_names: [topic] })
    assert.equal(failover.json.data?.[0]?.['error_code'], null)
    await waitFor(async () => (await mirrorOf('e2e', topic))['mirror_status'] === 'STOPPED', 'STOPPED after failover', 60_000)
    // The same group consumes on the destination: exactly the records from its last commit on.
    const consumer = destinationKafka.consumer({ groupId: group })
    const offsets: number[] = []
    await consumer.connect()
    await consumer.subscribe({ topic })
    await consumer.run({ eachMessage: async ({ message }) => { offsets.push(Number(message.offset)) } })
    await waitFor(() => offsets.length >= 60, '60 records consumed on the destination', 60_000)
    await consumer.disconnect()
    assert.deepEqual(offsets, Array.from({ length: 60 }, (_, i) => 40 + i))
  })

  test('engine should promote a mirror so producers can write and nothing overwrites them', async () => {
    const topic = `orders-${run}`
    const promote = await call('POST', '/links/e2e/mirrors:promote', { mirror_topic_names: [topic] })
    assert.equal(promote.json.data?.[0]?.['error_code'], null)
    await waitFor(async () => (await mirrorOf('e2e', topic))['mirror_status'] === 'STOPPED', 'STOPPED after promote', 60_000)
    await produce(topic, 300, 10)
    const producer = destinationKafka.producer()
    await producer.connect()
    const [written] = await producer.send({ topic, messages: [{ key: 'local', value: 'written-after-promote', partition: 0 }] })
    await producer.disconnect()
    assert.equal(written?.errorCode, 0)
    const link = await call('GET', '/links/e2e')
    assert.ok((link.json['topic_names'] as string[]).includes(topic))
    const deleted = await call('DELETE', '/links/e2e')
    assert.equal(deleted.status, 200, 'all mirrors are STOPPED, so the link can go')
    const dst = await readAll(destinationKafka, topic, 301)
    assert.ok(dst.some((line) => line.includes(':local:written-after-promote:')))
    assert.ok(!dst.some((line) => line.includes(':v300:')), 'a source record was copied after promote')
  })

  test('engine should mark a link UNAVAILABLE while its source is down and recover by itself', async () => {
    const topic = `avail-${run}`
    await sourceAdmin.createTopics({ topics: [{ topic, numPartitions: 1 }] })
    await produce(topic, 0, 10)
    const link = await call('POST', '/links?link_name=avail', { configs: [
      { name: 'bootstrap.servers', value: source.bootstrapServers },
      { name: 'availability.check.ms', value: '200' }, { name: 'availability.check.consecutive.failure.threshold', value: '2' },
    ] })
    assert.equal(link.status, 204, JSON.stringify(link.json))
    assert.equal((await call('POST', '/links/avail/mirrors', { source_topic_name: topic })).status, 204)
    await waitCaughtUp('avail', topic, 10)
    const seen = new Set<string>()
    const watching = (async () => {
      while (!seen.has('back')) {
        const [l, m] = await Promise.all([call('GET', '/links/avail'), mirrorOf('avail', topic)])
        if (l.json['link_state'] === 'UNAVAILABLE' && m['mirror_status'] === 'SOURCE_UNAVAILABLE') seen.add('down')
        if (seen.has('down') && l.json['link_state'] === 'ACTIVE') seen.add('back')
        await new Promise((resolve) => setTimeout(resolve, 50))
      }
    })()
    await source.restart()
    await Promise.race([watching, new Promise((_, reject) => setTimeout(() => reject(new Error(`states seen: ${[...seen].join(',')}`)), 120_000).unref())])
    assert.ok(seen.has('down') && seen.has('back'))
    await produce(topic, 10, 5)
    await waitCaughtUp('avail', topic, 15)
    await call('POST', '/links/avail/mirrors:failover', { mirror_topic_names: [topic] })
    await waitFor(async () => (await mirrorOf('avail', topic))['mirror_status'] === 'STOPPED', 'STOPPED', 60_000)
    assert.equal((await call('DELETE', '/links/avail')).status, 200)
  })

  test('clusterlink engine should print one listening line, serve, and exit 0 on SIGTERM', async () => {
    const child = spawn(process.execPath, [join(import.meta.dirname, '../../cli/main.ts'), 'engine',
      '--destination-bootstrap', destination.bootstrapServers, '--port', '0', '--token', TOKEN, '--state-topic', `${stateTopic}-cli`, '--log-level', 'warn'], {
      stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, CLUSTERLINK_CREDENTIALS_KEY: 'cli-credentials-key-0123456789' },
    })
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)))
    try {
      const lines = createInterface({ input: child.stdout })
      const first = await new Promise<string>((resolve, reject) => {
        lines.once('line', resolve)
        child.once('exit', (code) => reject(new Error(`engine exited with ${code} before listening`)))
      })
      const event = JSON.parse(first) as { event: string; url: string; clusterId: string }
      assert.equal(event.event, 'listening')
      assert.equal(event.clusterId, app?.clusterId)
      assert.equal((await fetch(`${event.url}/readyz`)).status, 200)
      assert.equal((await fetch(`${event.url}/kafka/v3/clusters`)).status, 401)
      const clusters = await fetch(`${event.url}/kafka/v3/clusters`, { headers: { authorization: `Bearer ${TOKEN}` } })
      assert.equal(((await clusters.json()) as Json).data?.[0]?.['cluster_id'], app?.clusterId)
    } finally {
      child.kill('SIGTERM')
    }
    assert.equal(await exited, 0)
  })
})
