// Two engine replicas on real brokers: an action sent to the replica that does not own a mirror topic never shows STOPPED or PAUSED
// before the owner stopped writing, a link deleted there is deleted only once the owner stopped, and a FAILED mirror topic
// resumes when its failure can be retried and is refused (nothing changed) when it needs a recreate.
import assert from 'node:assert/strict'
import { randomBytes, randomUUID } from 'node:crypto'
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, before, describe, test } from 'node:test'
import { Kafka, logLevel, type Admin, type Producer } from 'kafkajs'
import { callReplica, ownedMirrorTopics, type Json } from './replica-api.ts'
import { startKafkaClusters, type KafkaCluster } from '../../../cli/local/kafka-cluster.ts'
import { startLocalEngine, stopProcess, type LocalEngine } from '../../../cli/local/local-stack.ts'
import { verifyTopics } from '../../../cli/verify/index.ts'
import { waitFor as pollFor } from '../link/fakes.ts'

interface Lag { partition: number; lag: number; last_source_fetch_offset: number }
type Replica = 'A' | 'B'

/**
 * Waits on a condition checked at once, then at most 10 times a second: the checks stay inside the API's rate limit
 * (50 requests/s), and the first one sees the answer right after the request it follows.
 */
function waitFor(condition: () => Promise<boolean>, message: string, timeoutMs: number): Promise<void> {
  let first = true
  return pollFor(async () => {
    if (!first) await new Promise((resolve) => setTimeout(resolve, 100))
    first = false
    return condition()
  }, message, timeoutMs)
}

describe('actions sent to a replica that does not own the mirror topic', { timeout: 900_000 }, () => {
  const run = randomUUID().slice(0, 8)
  const token = randomBytes(24).toString('base64url')
  const stateTopic = `_clusterlink-state-${run}`
  const names = ['failover', 'pause', 'resumable', 'diverged', 'deleted'] as const
  const topic = Object.fromEntries(names.map((n) => [n, `nonowner-${n}-${run}`])) as Record<(typeof names)[number], string>
  const produced = new Map<string, number>(Object.values(topic).map((t) => [t, 0]))
  let source: KafkaCluster
  let destination: KafkaCluster
  let sourceAdmin: Admin
  let destinationAdmin: Admin
  let producer: Producer
  let foreignProducer: Producer
  let dir = ''
  const engines = new Map<Replica, LocalEngine>()

  const replica = (name: Replica): LocalEngine => engines.get(name) as LocalEngine
  const call = (name: Replica, method: string, path: string, body?: unknown) => callReplica(replica(name), token, method, path, body)

  const owned = (name: Replica): Promise<string[]> => ownedMirrorTopics(replica(name), token)

  /** The owner of a mirror topic and the other replica (the one the actions are sent to). */
  async function roles(mirror: string): Promise<{ owner: Replica; other: Replica }> {
    // The work group may be rebalancing (every replica owns nothing for a moment): wait for the mirror topic's owner.
    let owner: Replica | undefined
    await waitFor(async () => {
      owner = (await owned('A')).includes(mirror) ? 'A' : (await owned('B')).includes(mirror) ? 'B' : undefined
      return owner !== undefined
    }, `${mirror} to have an owner`, 60_000)
    const found = owner as Replica
    return { owner: found, other: found === 'A' ? 'B' : 'A' }
  }

  const describeMirror = async (name: Replica, mirror: string) => (await call(name, 'GET', `/links/shared/mirrors/${mirror}`)).json
  const statusOf = async (name: Replica, mirror: string) => String((await describeMirror(name, mirror))['mirror_status'])

  async function produce(t: string, count: number, size = 40): Promise<void> {
    const from = produced.get(t) ?? 0
    const pad = 'x'.repeat(size)
    await producer.send({ topic: t, messages: Array.from({ length: count }, (_, i) => ({ key: `k${(from + i) % 11}`, value: `${t}-${from + i}-${pad}` })) })
    produced.set(t, from + count)
  }

  /** Keeps producing to a topic until the returned stop function is awaited. */
  function load(t: string): () => Promise<void> {
    let writing = true
    const loop = (async () => {
      while (writing) {
        await produce(t, 20)
        await new Promise((resolve) => setTimeout(resolve, 5))
      }
    })()
    return async () => {
      writing = false
      await loop
    }
  }

  /** Sum of the mirror topic's high watermarks on the destination (what the owner has written). */
  async function written(t: string): Promise<number> {
    return (await destinationAdmin.fetchTopicOffsets(t)).reduce((sum, p) => sum + Number(p.high), 0)
  }

  async function caughtUp(name: Replica, mirror: string): Promise<boolean> {
    return isCaughtUp(await describeMirror(name, mirror), mirror)
  }

  function isCaughtUp(m: Record<string, unknown>, mirror: string): boolean {
    const lags = (m['mirror_lags'] as Lag[] | undefined) ?? []
    const copied = lags.reduce((sum, l) => sum + Math.max(0, l.last_source_fetch_offset), 0)
    return m['mirror_status'] === 'ACTIVE' && lags.length === 2 && lags.every((l) => l.lag === 0) && copied === produced.get(mirror)
  }

  async function verify(mirror: string): Promise<void> {
    const result = await verifyTopics({
      sourceBootstrap: source.bootstrapServers, destinationBootstrap: destination.bootstrapServers, topic: mirror,
    })
    assert.equal(result.identical, true, `${mirror}: ${JSON.stringify(result.firstDifferences)}`)
    assert.equal(result.partitions.reduce((sum, p) => sum + p.mirrorRecords, 0), produced.get(mirror), mirror)
  }

  /** Waits until the owner copies the topic under load (the copied offsets grow). */
  async function copying(owner: Replica, mirror: string): Promise<void> {
    const copied = async () => (((await describeMirror(owner, mirror))['mirror_lags'] as Lag[] | undefined) ?? [])
      .reduce((sum, l) => sum + Math.max(0, l.last_source_fetch_offset), 0)
    const start = await copied()
    await waitFor(async () => (await copied()) > start, `${owner} to copy ${mirror} under load`, 60_000)
  }

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), `clusterlink-nonowner-${run}-`))
    const keyFile = join(dir, 'shared-credentials.key')
    await writeFile(keyFile, randomBytes(32).toString('base64'), { mode: 0o600 })
    ;[source, destination] = await startKafkaClusters(2, { name: `nonowner-${run}`, brokerConfig: { 'group.min.session.timeout.ms': 1000 } }) as [KafkaCluster, KafkaCluster]
    const kafka = new Kafka({ brokers: [source.bootstrapServers], logLevel: logLevel.NOTHING })
    sourceAdmin = kafka.admin()
    await sourceAdmin.connect()
    await sourceAdmin.createTopics({ topics: Object.values(topic).map((t) => ({ topic: t, numPartitions: 2 })) })
    producer = kafka.producer()
    await producer.connect()
    const destinationKafka = new Kafka({ brokers: [destination.bootstrapServers], logLevel: logLevel.NOTHING })
    destinationAdmin = destinationKafka.admin()
    await destinationAdmin.connect()
    foreignProducer = destinationKafka.producer()
    await foreignProducer.connect()
    for (const t of Object.values(topic)) await produce(t, 100)
    for (const name of ['A', 'B'] as const) {
      const started = await startLocalEngine({
        destination, dir: join(dir, name), token,
        extraArgs: ['--credentials-key-file', keyFile, '--state-topic', stateTopic, '--replica-session-timeout-ms', '3000'],
      })
      engines.set(name, started.engine)
    }
    const { clusterId } = await sourceAdmin.describeCluster()
    // Config sync would put max.message.bytes back from the source on its own; here the operator fixes it (resumable test).
    const configs = [{ name: 'bootstrap.servers', value: source.bootstrapServers }, { name: 'topic.config.sync.ms', value: '86400000' }]
    const link = await call('A', 'POST', '/links?link_name=shared', { source_cluster_id: clusterId, configs })
    assert.equal(link.status, 204, JSON.stringify(link.json))
    for (const t of Object.values(topic)) assert.equal((await call('A', 'POST', '/links/shared/mirrors', { source_topic_name: t })).status, 204)
    await waitFor(async () => (await owned('A')).length > 0 && (await owned('B')).length > 0, 'both replicas to own mirror topics', 60_000)
    let seen = ''
    // Two requests per replica and check (a list, not a describe per mirror topic).
    await waitFor(async () => {
      const owners = { A: await owned('A'), B: await owned('B') }
      const lists = { A: await call('A', 'GET', '/links/shared/mirrors'), B: await call('B', 'GET', '/links/shared/mirrors') }
      seen = JSON.stringify({
        owners, lists: [lists.A.status, lists.A.json.data ?? lists.A.json, lists.B.status, lists.B.json.data ?? lists.B.json],
      })
      const ready = (list: { json: Json }) => Object.values(topic)
        .every((t) => (list.json.data ?? []).some((m) => m['mirror_topic_name'] === t && isCaughtUp(m, t)))
      return ready(lists.A) && ready(lists.B) && owners.A.length + owners.B.length === names.length
    }, 'every mirror topic caught up on both replicas, each with one owner', 180_000).catch((error: unknown) => {
      throw new Error(`${String(error)}; last seen ${seen.slice(0, 4000)}`)
    })
  })

  after(async () => {
    for (const e of engines.values()) await stopProcess(e.pid).catch(() => undefined)
    await producer?.disconnect().catch(() => undefined)
    await foreignProducer?.disconnect().catch(() => undefined)
    await sourceAdmin?.disconnect().catch(() => undefined)
    await destinationAdmin?.disconnect().catch(() => undefined)
    await Promise.allSettled([source?.stop(), destination?.stop()])
    if (dir) await rm(dir, { recursive: true, force: true })
  })

  test('a failover sent to the non-owner should show STOPPED there only once the owner stopped writing', async () => {
    const mirror = topic.failover
    const { owner, other } = await roles(mirror)
    const stopLoad = load(mirror)
    let writtenWhenStopped: number | undefined
    try {
      await copying(owner, mirror)
      const answer = await call(other, 'POST', '/links/shared/mirrors:failover', { mirror_topic_names: [mirror] })
      assert.equal(answer.json.data?.[0]?.['error_code'], null, JSON.stringify(answer.json))
      await waitFor(async () => {
        // The non-owner is asked first: once it says STOPPED, the owner (asked after) must say so too.
        const seenByOther = await statusOf(other, mirror)
        const seenByOwner = await statusOf(owner, mirror)
        if (seenByOther === 'STOPPED') {
          writtenWhenStopped ??= await written(mirror)
          assert.equal(seenByOwner, 'STOPPED', `${other} showed STOPPED while the owner ${owner} showed ${seenByOwner}`)
        } else {
          assert.ok(['ACTIVE', 'PENDING_STOPPED'].includes(seenByOther), `${other} showed ${seenByOther} during the failover`)
        }
        return seenByOther === 'STOPPED'
      }, `${other} to show ${mirror} STOPPED`, 60_000)
    } finally {
      await stopLoad()
    }
    assert.equal(await written(mirror), writtenWhenStopped, 'nothing was written into the mirror topic after the non-owner showed STOPPED')
  })

  test('a pause sent to the non-owner should show PAUSED there only once the owner paused', async () => {
    const mirror = topic.pause
    const { owner, other } = await roles(mirror)
    const stopLoad = load(mirror)
    let writtenWhenPaused: number | undefined
    try {
      await copying(owner, mirror)
      const answer = await call(other, 'POST', '/links/shared/mirrors:pause', { mirror_topic_names: [mirror] })
      assert.equal(answer.json.data?.[0]?.['error_code'], null, JSON.stringify(answer.json))
      await waitFor(async () => {
        const seenByOther = await statusOf(other, mirror)
        const seenByOwner = await statusOf(owner, mirror)
        if (seenByOther === 'PAUSED') {
          writtenWhenPaused ??= await written(mirror)
          assert.equal(seenByOwner, 'PAUSED', `${other} showed PAUSED while the owner ${owner} showed ${seenByOwner}`)
        }
        return seenByOther === 'PAUSED'
      }, `${other} to show ${mirror} PAUSED`, 60_000)
    } finally {
      await stopLoad()
    }
    // The source kept growing while paused: the mirror topic must not.
    assert.equal(await written(mirror), writtenWhenPaused, 'nothing was written into the mirror topic after the non-owner showed PAUSED')
    const resumed = await call(other, 'POST', '/links/shared/mirrors:resume', { mirror_topic_names: [mirror] })
    assert.equal(resumed.json.data?.[0]?.['error_code'], null, JSON.stringify(resumed.json))
    await waitFor(async () => await caughtUp(owner, mirror) && await caughtUp(other, mirror), `${mirror} to catch up after the resume`, 120_000)
    await verify(mirror)
  })

  test('a FAILED mirror topic whose failure can be retried should resume through the non-owner, with identical records', async () => {
    const mirror = topic.resumable
    const { owner, other } = await roles(mirror)
    const setMaxMessageBytes = (value: string) => destinationAdmin.alterConfigs({
      validateOnly: false, resources: [{ type: 2 /* ConfigResourceTypes.TOPIC */, name: mirror, configEntries: [{ name: 'max.message.bytes', value }] }],
    })
    // Someone lowered max.message.bytes on the mirror topic: the destination refuses the next (larger) batch for good.
    await setMaxMessageBytes('1024')
    await produce(mirror, 1, 4000)
    for (const name of [owner, other]) await waitFor(async () => (await statusOf(name, mirror)) === 'FAILED', `${name} to show ${mirror} FAILED`, 120_000)
    await setMaxMessageBytes('1048588')
    await produce(mirror, 30)
    const resumed = await call(other, 'POST', '/links/shared/mirrors:resume', { mirror_topic_names: [mirror] })
    assert.equal(resumed.json.data?.[0]?.['error_code'], null, JSON.stringify(resumed.json))
    await waitFor(async () => await caughtUp(owner, mirror) && await caughtUp(other, mirror), `${mirror} ACTIVE again with lag 0`, 120_000)
    assert.equal((await describeMirror(owner, mirror))['mirror_topic_error'], 'NO_ERROR')
    await verify(mirror)
  })

  test('a FAILED mirror topic that diverged should refuse resume with 409, saying to recreate it, and change nothing', async () => {
    const mirror = topic.diverged
    const { owner, other } = await roles(mirror)
    // A foreign producer writes into the mirror topic (no authorizer on this destination): the next copy detects it.
    await foreignProducer.send({ topic: mirror, messages: [{ partition: 0, value: 'foreign' }, { partition: 1, value: 'foreign' }] })
    await produce(mirror, 20)
    for (const name of [owner, other]) await waitFor(async () => (await statusOf(name, mirror)) === 'FAILED', `${name} to show ${mirror} FAILED`, 120_000)
    const before = await describeMirror(owner, mirror)
    for (const name of [other, owner]) {
      const refused = await call(name, 'POST', '/links/shared/mirrors:resume', { mirror_topic_names: [mirror] })
      const result = refused.json.data?.[0] ?? {}
      assert.equal(result['error_code'], 409, JSON.stringify(refused.json))
      assert.match(String(result['error_message']), /recreate the mirror topic/, JSON.stringify(refused.json))
    }
    const after = await describeMirror(owner, mirror)
    assert.equal(after['mirror_status'], 'FAILED')
    assert.equal(after['mirror_topic_error_message'], before['mirror_topic_error_message'])
    assert.equal(await statusOf(other, mirror), 'FAILED')
  })

  test('a link deleted with force through the non-owner should be deleted only once the owner stopped writing', async () => {
    const mirror = topic.deleted
    const { owner, other } = await roles(mirror)
    const stopLoad = load(mirror)
    let writtenWhenDeleted: number | undefined
    try {
      await copying(owner, mirror)
      const deleted = await call(other, 'DELETE', '/links/shared?force=true')
      assert.equal(deleted.status, 200, JSON.stringify(deleted.json))
      writtenWhenDeleted = await written(mirror)
      // When the delete answers, the owner has stopped (it shows STOPPED, or has already forgotten the link).
      const atOwner = await call(owner, 'GET', `/links/shared/mirrors/${mirror}`)
      assert.ok(atOwner.status === 404 || atOwner.json['mirror_status'] === 'STOPPED', JSON.stringify(atOwner.json))
      await waitFor(async () => (await call(owner, 'GET', '/links/shared')).status === 404 && (await owned(owner)).length === 0,
        `${owner} to forget the link`, 60_000)
    } finally {
      await stopLoad()
    }
    assert.equal(await written(mirror), writtenWhenDeleted, 'nothing was written into the mirror topic after the delete answered')
  })
})
