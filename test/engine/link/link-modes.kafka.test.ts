// Link modes on real brokers: a bidirectional pair (one engine per cluster) under load, Confluent's source-initiated sequence,
// and refusals.
import assert from 'node:assert/strict'
import { randomUUID } from 'node:crypto'
import { join } from 'node:path'
import { after, before, describe, test } from 'node:test'
import { Kafka, logLevel, type Admin } from 'kafkajs'
import { startLocalEngine, startLocalStack, stopProcess, type LocalEngine, type LocalStack } from '../../../cli/local/local-stack.ts'
import { verifyTopics } from '../../../cli/verify/index.ts'
import { waitFor } from './fakes.ts'

type Json = Record<string, unknown> & { data?: Array<Record<string, unknown>> }
const pairs = (configs: Record<string, string>) => Object.entries(configs).map(([name, value]) => ({ name, value }))
const PRODUCE_MS = 100_000

describe('link modes', { timeout: 900_000 }, () => {
  let stack: LocalStack
  let engineB: LocalEngine
  let adminA: Admin
  let adminB: Admin
  let kafkaA: Kafka
  let kafkaB: Kafka
  const run = randomUUID().slice(0, 6)

  async function call(engine: LocalEngine, method: string, path: string, body?: unknown): Promise<{ status: number; json: Json }> {
    const response = await fetch(`${engine.url}/kafka/v3/clusters/${engine.clusterId}${path}`, {
      method, headers: { authorization: `Bearer ${engine.token}`, ...(body ? { 'content-type': 'application/json' } : {}) },
      ...(body ? { body: JSON.stringify(body) } : {}),
    })
    const text = await response.text()
    return { status: response.status, json: (text ? JSON.parse(text) : {}) as Json }
  }

  async function jobRuns(engine: LocalEngine, link: string, job: string): Promise<number> {
    const text = await (await fetch(`${engine.url}/metrics`, { headers: { authorization: `Bearer ${engine.token}` } })).text()
    const line = text.split('\n').find((l) => l.startsWith('clusterlink_link_job_runs_total{') && l.includes(`link="${link}"`) && l.includes(`job="${job}"`))
    return line ? Number(line.split(' ').at(-1)) : 0
  }

  const endOffsets = async (admin: Admin, topic: string) =>
    (await admin.fetchTopicOffsets(topic)).sort((a, b) => a.partition - b.partition).map((o) => Number(o.high))

  /** Creates a topic and waits until every partition has a leader (a fresh KRaft cluster may not know it at once). */
  async function createTopic(admin: Admin, topic: string, numPartitions: number): Promise<void> {
    await admin.createTopics({ topics: [{ topic, numPartitions }] })
    await waitFor(async () => (await admin.fetchTopicOffsets(topic).catch(() => [])).length === numPartitions, `${topic} has leaders`, 60_000)
  }

  before(async () => {
    // Generous start bounds: the brokers share a busy machine; nothing waits longer than it has to.
    stack = await startLocalStack({ clusters: 2, kafka: { readyTimeoutMs: 300_000 }, engineReadyTimeoutMs: 120_000 })
    ;({ engine: engineB } = await startLocalEngine({ destination: stack.source!, dir: join(stack.dir, 'engine-b'), readyTimeoutMs: 120_000 }))
    kafkaA = new Kafka({ clientId: 'link-modes-test', brokers: [stack.destination.bootstrapServers], logLevel: logLevel.NOTHING })
    kafkaB = new Kafka({ clientId: 'link-modes-test', brokers: [stack.source!.bootstrapServers], logLevel: logLevel.NOTHING })
    adminA = kafkaA.admin()
    adminB = kafkaB.admin()
    await Promise.all([adminA.connect(), adminB.connect()])
  })

  after(async () => {
    await Promise.allSettled([adminA?.disconnect(), adminB?.disconnect()])
    if (engineB) await stopProcess(engineB.pid)
    await stack?.stop()
  })

  test('a bidirectional pair should mirror both ways under load, offset-identical, never mirroring a mirror back', async (t) => {
    const link = `bidi-${run}`
    const local = { A: `r${run}.orders`, B: `r${run}.payments` }
    const mirrorOn = { A: `b.${local.B}`, B: `a.${local.A}` }
    const group = { A: `g${run}-a`, B: `g${run}-b` }
    await Promise.all([createTopic(adminA, local.A, 2), createTopic(adminB, local.B, 2)])
    // Each side's auto-create filters select the other's local topic AND the other's mirror of its own: only the loop
    // prevention keeps a.b.* and b.a.* from being created.
    const half = (prefix: string, remoteBootstrap: string, ownPrefix: string) => pairs({
      'link.mode': 'BIDIRECTIONAL', 'connection.mode': 'OUTBOUND', 'bootstrap.servers': remoteBootstrap, 'cluster.link.prefix': prefix,
      'topic.config.sync.ms': '1000', 'auto.create.mirror.topics.enable': 'true',
      'auto.create.mirror.topics.filters': JSON.stringify({ topicFilters: [
        { name: `r${run}.`, patternType: 'PREFIXED', filterType: 'INCLUDE' },
        { name: `${ownPrefix}r${run}.`, patternType: 'PREFIXED', filterType: 'INCLUDE' },
      ] }),
      'consumer.offset.sync.enable': 'true', 'consumer.offset.sync.ms': '1000',
      'consumer.offset.group.filters': JSON.stringify({ groupFilters: [{ name: `g${run}`, patternType: 'PREFIXED', filterType: 'INCLUDE' }] }),
    })
    const onA = await call(stack.engine, 'POST', `/links?link_name=${link}`, { remote_cluster_id: engineB.clusterId, configs: half('b.', stack.source!.bootstrapServers, 'a.') })
    assert.equal(onA.status, 204, JSON.stringify(onA.json))
    const onB = await call(engineB, 'POST', `/links?link_name=${link}`, { remote_cluster_id: stack.engine.clusterId, configs: half('a.', stack.destination.bootstrapServers, 'b.') })
    assert.equal(onB.status, 204, JSON.stringify(onB.json))

    const loops: string[] = []
    const checkNoLoop = async () => {
      for (const [side, admin] of [['A', adminA], ['B', adminB]] as const) {
        for (const topic of await admin.listTopics()) if (/^(a\.b\.|b\.a\.|a\.a\.|b\.b\.|[ab]\._clusterlink)/.test(topic)) loops.push(`${side}:${topic}`)
      }
    }
    const producers = {
      A: kafkaA.producer({ idempotent: true, maxInFlightRequests: 1 }), B: kafkaB.producer({ idempotent: true, maxInFlightRequests: 1 }),
    }
    await Promise.all([producers.A.connect(), producers.B.connect()])
    const produced = { A: 0, B: 0 }
    const deadline = Date.now() + PRODUCE_MS
    const produce = async (side: 'A' | 'B') => {
      while (Date.now() < deadline) {
        const messages = Array.from({ length: 20 }, (_, i) => ({ key: `k${(produced[side] + i) % 7}`, value: `${side}-${produced[side] + i}` }))
        await producers[side].send({ topic: local[side], messages })
        produced[side] += messages.length
        await new Promise((resolve) => setTimeout(resolve, 50)) // pacing the load, not waiting for a result
      }
    }
    const watch = async () => {
      while (Date.now() < deadline) {
        await checkNoLoop()
        await new Promise((resolve) => setTimeout(resolve, 2000)) // sampling interval of the loop watch
      }
    }
    try {
      await Promise.all([produce('A'), produce('B'), watch()])
    } finally {
      await Promise.allSettled([producers.A.disconnect(), producers.B.disconnect()])
    }

    t.diagnostic(`produced for ${PRODUCE_MS / 1000} s: ${produced.A} records on A, ${produced.B} on B`)
    // Both mirror topics were auto-created and are ACTIVE on their side.
    for (const [engine, name] of [[stack.engine, mirrorOn.A], [engineB, mirrorOn.B]] as const) {
      await waitFor(async () => (await call(engine, 'GET', `/links/${link}/mirrors/${name}`)).json['mirror_status'] === 'ACTIVE', `${name} ACTIVE`, 120_000)
    }
    // Caught up: each mirror's end offsets equal its source's, and sum to what was produced (nothing lost, nothing twice).
    const expectedA = await endOffsets(adminB, local.B)
    const expectedB = await endOffsets(adminA, local.A)
    assert.equal(expectedA.reduce((a, b) => a + b, 0), produced.B)
    assert.equal(expectedB.reduce((a, b) => a + b, 0), produced.A)
    await waitFor(async () => JSON.stringify(await endOffsets(adminA, mirrorOn.A)) === JSON.stringify(expectedA), `${mirrorOn.A} caught up`, 180_000)
    await waitFor(async () => JSON.stringify(await endOffsets(adminB, mirrorOn.B)) === JSON.stringify(expectedB), `${mirrorOn.B} caught up`, 180_000)
    for (const [source, sourceTopic, destination, mirrorTopic] of [
      [stack.source!, local.B, stack.destination, mirrorOn.A], [stack.destination, local.A, stack.source!, mirrorOn.B],
    ] as const) {
      const result = await verifyTopics({
        sourceBootstrap: source.bootstrapServers, topic: sourceTopic, destinationBootstrap: destination.bootstrapServers, mirrorTopic,
      })
      assert.equal(result.outcome, 'IDENTICAL', `${sourceTopic} -> ${mirrorTopic}: ${JSON.stringify(result.firstDifferences)}`)
    }

    // Offsets committed on each side reach the other side's mirror, and never travel back (no ping-pong).
    await adminA.setOffsets({ groupId: group.A, topic: local.A, partitions: [{ partition: 0, offset: '5' }, { partition: 1, offset: '7' }] })
    await adminB.setOffsets({ groupId: group.B, topic: local.B, partitions: [{ partition: 0, offset: '3' }, { partition: 1, offset: '4' }] })
    const offsetsOf = async (admin: Admin, groupId: string) => (await admin.fetchOffsets({ groupId })).filter((t) => t.partitions.some((p) => p.offset !== '-1'))
      .map((t) => `${t.topic}:${t.partitions.map((p) => `${p.partition}=${p.offset}`).sort().join(',')}`).sort()
    await waitFor(async () => JSON.stringify(await offsetsOf(adminB, group.A)) === JSON.stringify([`${mirrorOn.B}:0=5,1=7`]), 'group A offsets on B', 60_000)
    await waitFor(async () => JSON.stringify(await offsetsOf(adminA, group.B)) === JSON.stringify([`${mirrorOn.A}:0=3,1=4`]), 'group B offsets on A', 60_000)
    // Three more offset sync and auto-create runs on each side after everything arrived: still nothing travelled back.
    const runsNow = await Promise.all([stack.engine, engineB].flatMap((e) => ['AutoCreateMirror', 'ConsumerOffsetSync'].map((j) => jobRuns(e, link, j))))
    await waitFor(async () => {
      const runs = await Promise.all([stack.engine, engineB].flatMap((e) => ['AutoCreateMirror', 'ConsumerOffsetSync'].map((j) => jobRuns(e, link, j))))
      return runs.every((count, i) => count >= (runsNow[i] ?? 0) + 3)
    }, 'three more job runs on each side', 60_000)
    assert.deepEqual(await offsetsOf(adminA, group.A), [`${local.A}:0=5,1=7`], 'group A on A keeps only its own offsets')
    assert.deepEqual(await offsetsOf(adminB, group.B), [`${local.B}:0=3,1=4`], 'group B on B keeps only its own offsets')
    await checkNoLoop()
    assert.deepEqual(loops, [], 'no mirror of a mirror topic was ever created')
    const mirrorsOf = async (engine: LocalEngine) => (await call(engine, 'GET', `/links/${link}/mirrors`)).json.data!.map((m) => m['mirror_topic_name']).sort()
    assert.deepEqual(await mirrorsOf(stack.engine), [mirrorOn.A])
    assert.deepEqual(await mirrorsOf(engineB), [mirrorOn.B])
    // An explicit create of the mirror back is refused with the reason, and creates nothing.
    const back = await call(stack.engine, 'POST', `/links/${link}/mirrors`, { source_topic_name: mirrorOn.B })
    assert.equal(back.status, 400, JSON.stringify(back.json))
    assert.match(String(back.json['message']), /is a mirror topic .*mirroring it back would loop/)
    assert.equal((await adminA.listTopics()).includes(`b.${mirrorOn.B}`), false)
  })

  test('a source-initiated link created with Confluent\'s sequence should mirror a topic', async () => {
    const link = `si-${run}`
    const topic = `si${run}.events`
    await createTopic(adminB, topic, 3)
    const producer = kafkaB.producer({ idempotent: true, maxInFlightRequests: 1 })
    await producer.connect()
    await producer.send({ topic, messages: Array.from({ length: 300 }, (_, i) => ({ key: `k${i % 11}`, value: `v${i}` })) })
    await producer.disconnect()
    // 1. The destination half: INBOUND, no address.
    const inbound = await call(stack.engine, 'POST', `/links?link_name=${link}`, {
      source_cluster_id: engineB.clusterId, configs: pairs({ 'link.mode': 'DESTINATION', 'connection.mode': 'INBOUND' }),
    })
    assert.equal(inbound.status, 204, JSON.stringify(inbound.json))
    assert.equal((await call(stack.engine, 'GET', `/links/${link}`)).json['link_state'], 'UNAVAILABLE')
    // 2. The source half: SOURCE + OUTBOUND with the destination's bootstrap, local.* for the source.
    const sourceHalf = await call(stack.engine, 'POST', `/links?link_name=${link}`, {
      destination_cluster_id: stack.engine.clusterId,
      configs: pairs({
        'link.mode': 'SOURCE', 'connection.mode': 'OUTBOUND', 'bootstrap.servers': stack.destination.bootstrapServers,
        'security.protocol': 'PLAINTEXT', 'local.bootstrap.servers': stack.source!.bootstrapServers, 'local.security.protocol': 'PLAINTEXT',
      }),
    })
    assert.equal(sourceHalf.status, 204, JSON.stringify(sourceHalf.json))
    await waitFor(async () => (await call(stack.engine, 'GET', `/links/${link}`)).json['link_state'] === 'ACTIVE', `${link} ACTIVE`, 60_000)
    // 3. The mirror topic, on the destination half.
    const mirror = await call(stack.engine, 'POST', `/links/${link}/mirrors`, { source_topic_name: topic })
    assert.equal(mirror.status, 204, JSON.stringify(mirror.json))
    const expected = await endOffsets(adminB, topic)
    await waitFor(async () => JSON.stringify(await endOffsets(adminA, topic).catch(() => [])) === JSON.stringify(expected), `${topic} caught up`, 120_000)
    const result = await verifyTopics({
      sourceBootstrap: stack.source!.bootstrapServers, topic, destinationBootstrap: stack.destination.bootstrapServers,
    })
    assert.equal(result.outcome, 'IDENTICAL', JSON.stringify(result.firstDifferences))
  })

  test('bad mode combinations should be refused with what to fix, and create nothing', async () => {
    const cases: Array<[string, Record<string, string>, RegExp]> = [
      ['bad1', { 'link.mode': 'SIDEWAYS', 'bootstrap.servers': stack.source!.bootstrapServers }, /link\.mode: must be one of/],
      ['bad2', { 'link.mode': 'BIDIRECTIONAL', 'connection.mode': 'INBOUND', 'bootstrap.servers': stack.source!.bootstrapServers }, /OUTBOUND on both sides/],
      ['bad3', { 'link.mode': 'SOURCE', 'connection.mode': 'OUTBOUND', 'local.bootstrap.servers': stack.source!.bootstrapServers }, /must exist first/],
    ]
    for (const [name, configs, expected] of cases) {
      const res = await call(stack.engine, 'POST', `/links?link_name=${name}-${run}`, { configs: pairs(configs) })
      assert.equal(res.status, 400, JSON.stringify(res.json))
      assert.match(String(res.json['message']), expected)
      assert.equal((await call(stack.engine, 'GET', `/links/${name}-${run}`)).status, 404)
    }
  })
})
