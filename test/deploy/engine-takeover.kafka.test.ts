// Two engine containers on one destination: they share the mirror topics through the work group, and when one container
// is killed the other takes over its mirror topics with identical records (issue 8).
import assert from 'node:assert/strict'
import { execFile } from 'node:child_process'
import { randomUUID } from 'node:crypto'
import { join } from 'node:path'
import { after, before, describe, test } from 'node:test'
import { promisify } from 'node:util'
import { Kafka, logLevel, type Admin, type Producer } from 'kafkajs'
import { findFreePort, startKafkaClusters, type KafkaCluster } from '../../cli/local/kafka-cluster.ts'
import { verifyTopics } from '../../cli/verify/index.ts'
import { podman, startEngineContainer, waitFor, type EngineContainer } from './engine-container.ts'

const run = promisify(execFile)
const root = join(import.meta.dirname, '..', '..')
const TOKEN = `takeover-token-${randomUUID()}`
const CREDENTIALS_KEY = `takeover-key-${randomUUID()}`
interface Lag { lag: number; last_source_fetch_offset: number }

describe('engine containers', { timeout: 900_000 }, () => {
  const id = randomUUID().slice(0, 8)
  const topics = ['a', 'b', 'c', 'd'].map((t) => `takeover-${t}-${id}`)
  const produced = new Map<string, number>(topics.map((t) => [t, 0]))
  let image = ''
  let source: KafkaCluster
  let destination: KafkaCluster
  let sourceAdmin: Admin
  let producer: Producer
  const containers = new Map<string, EngineContainer>()
  let clusterBase = ''

  async function api(
    name: string, method: string, path: string, body?: unknown,
  ): Promise<{ status: number; json: Record<string, unknown> }> {
    const response = await fetch(`${containers.get(name)?.url}${path}`, {
      method, headers: { authorization: `Bearer ${TOKEN}`, ...(body ? { 'content-type': 'application/json' } : {}) },
      ...(body ? { body: JSON.stringify(body) } : {}),
    })
    const text = await response.text()
    return { status: response.status, json: (text ? JSON.parse(text) : {}) as Record<string, unknown> }
  }

  async function owned(name: string): Promise<string[]> {
    const replica = await api(name, 'GET', '/clusterlink/v1/replica').catch(() => ({ json: {} as Record<string, unknown> }))
    return ((replica.json['owned_mirror_topics'] as Array<{ mirror_topic_name: string }> | undefined) ?? []).map((m) => m.mirror_topic_name).sort()
  }

  async function produce(topic: string, count: number): Promise<void> {
    const from = produced.get(topic) ?? 0
    await producer.send({ topic, messages: Array.from({ length: count }, (_, i) => ({ key: `k${(from + i) % 7}`, value: `${topic}-${from + i}` })) })
    produced.set(topic, from + count)
  }

  async function caughtUp(name: string): Promise<boolean> {
    const list = await api(name, 'GET', `${clusterBase}/links/-/mirrors`).catch(() => undefined)
    const data = (list?.json['data'] as Array<Record<string, unknown>> | undefined) ?? []
    return data.length === topics.length && data.every((m) => {
      const lags = (m['mirror_lags'] as Lag[] | undefined) ?? []
      return m['mirror_status'] === 'ACTIVE' && lags.length === 2 && lags.every((l) => l.lag === 0)
        && lags.reduce((sum, l) => sum + Math.max(0, l.last_source_fetch_offset), 0) === produced.get(String(m['mirror_topic_name']))
    })
  }

  async function startContainer(name: string): Promise<void> {
    const container = await startEngineContainer({
      image, name: `clusterlink-takeover-${id}-${name}`, destinationBootstrap: destination.bootstrapServers, port: await findFreePort(),
      apiToken: TOKEN, credentialsKey: CREDENTIALS_KEY, stateTopic: `_clusterlink-state-${id}`,
    })
    containers.set(name, container)
    await waitFor(async () => (await fetch(`${container.url}/readyz`).then((r) => r.status, () => 0)) === 200, `container ${name} to be ready`, 120_000)
  }

  before(async () => {
    const built = await run('bash', [join(root, 'scripts', 'build-image.sh')], { env: { ...process.env, CLUSTERLINK_NO_INSTALL: '1' }, timeout: 600_000, maxBuffer: 64 << 20 })
    image = built.stdout.trim().split('\n').at(-1) ?? ''
    ;[source, destination] = await startKafkaClusters(2, { name: `takeover-${id}` }) as [KafkaCluster, KafkaCluster]
    const kafka = new Kafka({ brokers: [source.bootstrapServers], logLevel: logLevel.NOTHING })
    sourceAdmin = kafka.admin()
    await sourceAdmin.connect()
    await sourceAdmin.createTopics({ topics: topics.map((topic) => ({ topic, numPartitions: 2 })) })
    producer = kafka.producer()
    await producer.connect()
    for (const topic of topics) await produce(topic, 100)
    await Promise.all([startContainer('one'), startContainer('two')])
    const clusters = await api('one', 'GET', '/kafka/v3/clusters')
    clusterBase = `/kafka/v3/clusters/${(clusters.json['data'] as Array<{ cluster_id: string }>)[0]?.cluster_id}`
  })

  after(async () => {
    for (const container of containers.values()) {
      if (process.env.CLUSTERLINK_TEST_VERBOSE) process.stderr.write((await podman(['logs', container.name]).catch(() => ({ stderr: '' }))).stderr)
      await container.remove()
    }
    await producer?.disconnect().catch(() => undefined)
    await sourceAdmin?.disconnect().catch(() => undefined)
    await Promise.allSettled([source?.stop(), destination?.stop()])
  })

  test('engine containers should share the mirror topics and both report lag 0', async () => {
    const { clusterId } = await sourceAdmin.describeCluster()
    const link = await api('one', 'POST', `${clusterBase}/links?link_name=takeover`, { source_cluster_id: clusterId, configs: [{ name: 'bootstrap.servers', value: source.bootstrapServers }] })
    assert.equal(link.status, 204, JSON.stringify(link.json))
    for (const topic of topics) assert.equal((await api('one', 'POST', `${clusterBase}/links/takeover/mirrors`, { source_topic_name: topic })).status, 204)
    await waitFor(async () => await caughtUp('one') && await caughtUp('two'), 'both containers to report lag 0', 180_000, 500)
    // The work group may still be settling (a member that joined last gets its share at the next rebalance).
    await waitFor(async () => (await owned('one')).length > 0 && (await owned('two')).length > 0, 'both containers to own mirror topics',
      60_000, 250).catch(() => undefined)
    const [one, two] = await Promise.all([owned('one'), owned('two')])
    assert.ok(one.length > 0 && two.length > 0, `both containers own mirror topics (one: ${one.join(',')}; two: ${two.join(',')})`)
    assert.deepEqual([...one, ...two].sort(), [...topics].sort())
  })

  test('engine containers should take over a killed container\'s mirror topics with identical records', async () => {
    const victim = (await owned('one')).length > 0 ? 'one' : 'two'
    const survivor = victim === 'one' ? 'two' : 'one'
    let writing = true
    const load = (async () => {
      while (writing) {
        for (const topic of topics) await produce(topic, 10)
        await new Promise((resolve) => setTimeout(resolve, 50))
      }
    })()
    const killedAt = Date.now()
    await podman(['kill', '--signal', 'KILL', containers.get(victim)?.name ?? ''])
    await waitFor(async () => (await owned(survivor)).length === topics.length, `container ${survivor} to own every mirror topic`, 120_000, 250)
    process.stderr.write(`# container takeover: kill to ownership in ${Date.now() - killedAt} ms (default session timeout)\n`)
    writing = false
    await load
    await waitFor(() => caughtUp(survivor), 'lag 0 everywhere after the takeover', 180_000, 500)
    for (const topic of topics) {
      const result = await verifyTopics({
        sourceBootstrap: source.bootstrapServers, destinationBootstrap: destination.bootstrapServers, topic,
      })
      assert.equal(result.identical, true, `${topic}: ${JSON.stringify(result.firstDifferences)}`)
      assert.equal(result.partitions.reduce((sum, p) => sum + p.mirrorRecords, 0), produced.get(topic), topic)
    }
  })
})
