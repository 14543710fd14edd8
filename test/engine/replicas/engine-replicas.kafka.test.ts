// Engine replicas as real processes on real brokers: they share mirror topics through the work group, every replica answers with
// the owner's status, a SIGKILLed owner's mirror topics move to the others with nothing lost or duplicated, and a late replica
// gets a share.
import assert from 'node:assert/strict'
import type { ChildProcess } from 'node:child_process'
import { randomBytes, randomUUID } from 'node:crypto'
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, before, describe, test } from 'node:test'
import { Kafka, logLevel, type Admin, type Producer } from 'kafkajs'
import { callReplica, ownedMirrorTopics } from './replica-api.ts'
import { startKafkaClusters, type KafkaCluster } from '../../../cli/local/kafka-cluster.ts'
import { startLocalEngine, stopProcess, type LocalEngine } from '../../../cli/local/local-stack.ts'
import { verifyTopics } from '../../../cli/verify/index.ts'
import { waitFor } from '../link/fakes.ts'

interface Lag { partition: number; lag: number; last_source_fetch_offset: number }

const SESSION_TIMEOUT_MS = 3000

describe('engine replicas', { timeout: 900_000 }, () => {
  const run = randomUUID().slice(0, 8)
  const token = randomBytes(24).toString('base64url')
  const stateTopic = `_clusterlink-state-${run}`
  const topics = ['a', 'b', 'c', 'd'].map((t) => `replica-${t}-${run}`)
  const produced = new Map<string, number>(topics.map((t) => [t, 0]))
  let source: KafkaCluster
  let destination: KafkaCluster
  let sourceAdmin: Admin
  let producer: Producer
  let dir = ''
  let keyFile = ''
  const engines = new Map<string, { engine: LocalEngine; child: ChildProcess }>()
  /** Every replica ever started (killed ones included), for the log checks. */
  const logFiles: string[] = []

  async function startReplica(name: string): Promise<LocalEngine> {
    const started = await startLocalEngine({
      destination, dir: join(dir, name), token,
      // Replicas of one engine share the state topic and the credentials key (the file given last wins).
      extraArgs: ['--credentials-key-file', keyFile, '--state-topic', stateTopic, '--replica-session-timeout-ms', String(SESSION_TIMEOUT_MS)],
    })
    engines.set(name, started)
    logFiles.push(started.engine.logFile)
    return started.engine
  }

  const engine = (name: string): LocalEngine => {
    const e = engines.get(name)?.engine
    if (!e) throw new Error(`no replica ${name}`)
    return e
  }

  const call = (name: string, method: string, path: string, body?: unknown) => callReplica(engine(name), token, method, path, body)

  const owned = async (name: string): Promise<string[]> => (await ownedMirrorTopics(engine(name), token)).sort()

  async function produce(topic: string, count: number): Promise<void> {
    const from = produced.get(topic) ?? 0
    await producer.send({ topic, messages: Array.from({ length: count }, (_, i) => ({ key: `k${(from + i) % 13}`, value: `${topic}-${from + i}`, headers: { n: String(from + i) } })) })
    produced.set(topic, from + count)
  }

  /** What caughtUp saw last, per replica (in the failure message of a wait). */
  const lastSeen = new Map<string, string>()

  /** Every mirror topic ACTIVE with lag 0 and everything produced copied, as the named replica reports it. */
  async function caughtUp(name: string): Promise<boolean> {
    const list = await call(name, 'GET', '/links/-/mirrors')
    lastSeen.set(name, JSON.stringify({ produced: Object.fromEntries(produced), mirrors: (list.json.data ?? []).map((m) => [m['mirror_topic_name'], m['mirror_status'], m['mirror_lags']]) }))
    if (list.status !== 200 || (list.json.data?.length ?? 0) !== topics.length) return false
    return (list.json.data ?? []).every((m) => {
      const lags = (m['mirror_lags'] as Lag[] | undefined) ?? []
      const copied = lags.reduce((sum, l) => sum + Math.max(0, l.last_source_fetch_offset), 0)
      return m['mirror_status'] === 'ACTIVE' && lags.length === 2 && lags.every((l) => l.lag === 0) && copied === produced.get(String(m['mirror_topic_name']))
    })
  }

  async function verifyAll(): Promise<void> {
    for (const topic of topics) {
      const result = await verifyTopics({
        sourceBootstrap: source.bootstrapServers, destinationBootstrap: destination.bootstrapServers, topic,
      })
      assert.equal(result.identical, true, `${topic}: ${JSON.stringify(result.firstDifferences)}`)
      // Identical offsets and as many mirror records as produced: none lost, none written twice.
      assert.equal(result.partitions.reduce((sum, p) => sum + p.mirrorRecords, 0), produced.get(topic), topic)
    }
  }

  /** A new owner writing at a wrong offset (a zombie appended first) fails the mirror with OFFSET_DIVERGENCE: count it. */
  async function divergences(): Promise<string[]> {
    const lines = (await Promise.all(logFiles.map((file) => readFile(file, 'utf8').catch(() => '')))).join('\n').split('\n')
    return lines.filter((line) => line.includes('"mirror topic failed"') || line.includes('OFFSET_DIVERGENCE'))
  }

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), `clusterlink-replicas-${run}-`))
    keyFile = join(dir, 'shared-credentials.key')
    await writeFile(keyFile, randomBytes(32).toString('base64'), { mode: 0o600 })
    ;[source, destination] = await startKafkaClusters(2, { name: `replicas-${run}`, brokerConfig: { 'group.min.session.timeout.ms': 1000 } }) as [KafkaCluster, KafkaCluster]
    const kafka = new Kafka({ brokers: [source.bootstrapServers], logLevel: logLevel.NOTHING })
    sourceAdmin = kafka.admin()
    await sourceAdmin.connect()
    await sourceAdmin.createTopics({ topics: topics.map((topic) => ({ topic, numPartitions: 2 })) })
    producer = kafka.producer()
    await producer.connect()
    for (const topic of topics) await produce(topic, 200)
    await Promise.all([startReplica('A'), startReplica('B')])
  })

  after(async () => {
    for (const { engine: e } of engines.values()) await stopProcess(e.pid).catch(() => undefined)
    await producer?.disconnect().catch(() => undefined)
    await sourceAdmin?.disconnect().catch(() => undefined)
    await Promise.allSettled([source?.stop(), destination?.stop()])
    if (dir) await rm(dir, { recursive: true, force: true })
  })

  test('engine replicas should share mirror topics created through one replica and each answer with the owner\'s status', async () => {
    const { clusterId } = await sourceAdmin.describeCluster()
    const link = await call('A', 'POST', '/links?link_name=shared', { source_cluster_id: clusterId, configs: [{ name: 'bootstrap.servers', value: source.bootstrapServers }] })
    assert.equal(link.status, 204, JSON.stringify(link.json))
    for (const topic of topics) {
      const mirror = await call('A', 'POST', '/links/shared/mirrors', { source_topic_name: topic })
      assert.equal(mirror.status, 204, JSON.stringify(mirror.json))
    }
    // B learns the link and the mirror topics from the state topic.
    await waitFor(async () => (await call('B', 'GET', '/links/shared/mirrors')).json.data?.length === topics.length, 'replica B to list the 4 mirror topics', 30_000)
    await waitFor(async () => await caughtUp('A') && await caughtUp('B'), 'both replicas to report lag 0 everywhere', 180_000)
      .catch((error: unknown) => { throw new Error(`${String(error)}; last seen ${JSON.stringify(Object.fromEntries(lastSeen))}`) })
    // A replica whose first join failed (the destination was still creating __consumer_offsets) joins a second later.
    await waitFor(async () => (await owned('A')).length > 0 && (await owned('B')).length > 0, 'both replicas to own some mirror topics', 30_000)
    await waitFor(async () => await caughtUp('A') && await caughtUp('B'), 'both replicas to report lag 0 after the rebalance', 180_000)
      .catch((error: unknown) => { throw new Error(`${String(error)}; last seen ${JSON.stringify(Object.fromEntries(lastSeen))}`) })
    const [ownedByA, ownedByB] = await Promise.all([owned('A'), owned('B')])
    assert.ok(ownedByA.length > 0 && ownedByB.length > 0, `both replicas own some mirror topics (A: ${ownedByA.join(',')}; B: ${ownedByB.join(',')})`)
    assert.deepEqual([...ownedByA, ...ownedByB].sort(), [...topics].sort(), 'every mirror topic has exactly one owner')
    // The same describe on both replicas: status, partitions and lags come from the owner.
    for (const topic of topics) {
      const [fromA, fromB] = await Promise.all([call('A', 'GET', `/links/shared/mirrors/${topic}`), call('B', 'GET', `/links/shared/mirrors/${topic}`)])
      assert.deepEqual(fromB.json['mirror_lags'], fromA.json['mirror_lags'], topic)
      assert.equal(fromB.json['mirror_status'], 'ACTIVE')
    }
    await verifyAll()
  })

  test('engine replicas should pause and resume a mirror topic through the replica that does not own it', async () => {
    const ownedByA = await owned('A')
    const topic = topics.find((t) => !ownedByA.includes(t)) as string
    const paused = await call('A', 'POST', '/links/shared/mirrors:pause', { mirror_topic_names: [topic] })
    assert.equal(paused.json.data?.[0]?.['error_code'], null, JSON.stringify(paused.json))
    await waitFor(async () => (await call('B', 'GET', `/links/shared/mirrors/${topic}`)).json['mirror_status'] === 'PAUSED', `the owner to show ${topic} PAUSED`, 30_000)
    await waitFor(async () => (await call('A', 'GET', `/links/shared/mirrors/${topic}`)).json['mirror_status'] === 'PAUSED', `replica A to show ${topic} PAUSED`, 30_000)
    // Records produced while paused are copied after the resume (caughtUp compares the copied offsets with the produced count).
    await produce(topic, 50)
    const resumed = await call('A', 'POST', '/links/shared/mirrors:resume', { mirror_topic_names: [topic] })
    assert.equal(resumed.json.data?.[0]?.['error_code'], null, JSON.stringify(resumed.json))
    await waitFor(async () => await caughtUp('A') && await caughtUp('B'), 'lag 0 after resume', 120_000)
  })

  test('engine replicas should take over the mirror topics of a SIGKILLed replica while a producer writes, losing and duplicating nothing', async () => {
    const ownedByA = await owned('A')
    const victim = ownedByA.length > 0 ? 'A' : 'B'
    const survivor = victim === 'A' ? 'B' : 'A'
    const victimTopics = await owned(victim)
    const watched = victimTopics[0] as string
    let writing = true
    const load = (async () => {
      while (writing) {
        for (const topic of topics) await produce(topic, 20)
        await new Promise((resolve) => setTimeout(resolve, 20))
      }
    })()
    // Let the victim copy under load first.
    const copiedOf = async (name: string, topic: string) => (((await call(name, 'GET', `/links/shared/mirrors/${topic}`)).json['mirror_lags'] as Lag[] | undefined) ?? [])
      .reduce((sum, l) => sum + Math.max(0, l.last_source_fetch_offset), 0)
    const before = await copiedOf(survivor, watched)
    await waitFor(async () => (await copiedOf(survivor, watched)) > before, `the victim to copy ${watched} under load`, 30_000)
    const killedAt = Date.now()
    process.kill(engine(victim).pid, 'SIGKILL')
    await waitFor(async () => (await owned(survivor)).length === topics.length, `replica ${survivor} to own every mirror topic`, 60_000)
    const ownedAt = Date.now()
    const atTakeover = await copiedOf(survivor, watched)
    await waitFor(async () => (await copiedOf(survivor, watched)) > atTakeover, `replica ${survivor} to copy ${watched} again`, 60_000)
    const copyingAt = Date.now()
    process.stderr.write(`# replica takeover: SIGKILL to ownership ${ownedAt - killedAt} ms, to copying again ${copyingAt - killedAt} ms (session timeout ${SESSION_TIMEOUT_MS} ms)\n`)
    writing = false
    await load
    engines.delete(victim)
    await waitFor(() => caughtUp(survivor), 'lag 0 everywhere after the takeover', 180_000)
    await verifyAll()
    assert.deepEqual(await divergences(), [], 'no mirror topic failed during the takeover')
  })

  test('engine replicas should give a replica added later a share of the mirror topics', async () => {
    const [survivor] = [...engines.keys()] as [string]
    await startReplica('C')
    await waitFor(async () => (await owned('C')).length > 0, 'replica C to own some mirror topics', 60_000)
    const [ownedBySurvivor, ownedByC] = await Promise.all([owned(survivor), owned('C')])
    assert.ok(ownedBySurvivor.length > 0, `the first replica keeps some (${ownedBySurvivor.join(',')})`)
    assert.deepEqual([...ownedBySurvivor, ...ownedByC].sort(), [...topics].sort(), 'every mirror topic has exactly one owner')
    for (const topic of topics) await produce(topic, 30)
    await waitFor(async () => await caughtUp(survivor) && await caughtUp('C'), 'lag 0 everywhere with the new replica', 180_000)
    await verifyAll()
  })

  test('engine replicas should hand every mirror topic to the others when a replica stops on SIGTERM', async () => {
    const [first] = [...engines.keys()].filter((name) => name !== 'C') as [string]
    const leaving = engines.get('C')?.child
    const exited = new Promise<number | null>((resolve) => leaving?.once('exit', (code) => resolve(code)))
    const stoppedAt = Date.now()
    process.kill(engine('C').pid, 'SIGTERM')
    assert.equal(await exited, 0)
    const exitMs = Date.now() - stoppedAt
    await waitFor(async () => (await owned(first)).length === topics.length, `replica ${first} to own every mirror topic`, 60_000)
    process.stderr.write(`# replica hand-over on SIGTERM: exit in ${exitMs} ms, ownership moved ${Date.now() - stoppedAt} ms after SIGTERM\n`)
    engines.delete('C')
    for (const topic of topics) await produce(topic, 30)
    await waitFor(() => caughtUp(first), 'lag 0 everywhere after the hand-over', 180_000)
    await verifyAll()
    assert.deepEqual(await divergences(), [], 'no mirror topic failed in any replica')
  })
})
