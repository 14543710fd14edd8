// Chaos: the engine reaches both clusters only through cutting proxies; connections are reset mid-produce (the batch landed, its
// answer is lost), before a produce, mid-response, mid-fetch, all at once, and refused for a while; afterwards nothing is lost or
// duplicated.
import { after, before, describe, test, type TestContext } from 'node:test'
import assert from 'node:assert/strict'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { randomUUID } from 'node:crypto'
import type kafkajs from 'kafkajs'
import { verifyTopics } from '../../cli/verify/index.ts'
import { startKafkaCluster, type KafkaCluster } from '../../cli/local/kafka-cluster.ts'
import {
  ApiKeys, ChaosEngine, IdProducer, KafkaTcpProxy, assertMirrorExact, createLinkAndMirror, createSourceTopic, highWatermarks,
  kafkajsAdmin, waitFor, waitForMirrorCaughtUp, FailedMirrorError, describeFailure, type CutRule,
} from './harness/index.ts'

const PARTITIONS = 3
const CUTS = 12
const LINK = 'chaos-cut-link'
/** A Produce that carries records is larger than this; metadata-sized requests are not. */
const MIN_PRODUCE_BYTES = 150

let dir: string
let source: KafkaCluster
let destination: KafkaCluster
let sourceProxy: KafkaTcpProxy
let destinationProxy: KafkaTcpProxy
let sourceAdmin: kafkajs.Admin
let destinationAdmin: kafkajs.Admin
let engine: ChaosEngine
const producers: IdProducer[] = []

/**
 * A single-node broker advertises one address for its listener; advertising the proxy's port makes every client
 * (the engine, kafkajs, the broker's own transaction-marker channel) reach it through the proxy only.
 */
async function startProxiedCluster(name: string, proxy: KafkaTcpProxy): Promise<KafkaCluster> {
  const cluster = await startKafkaCluster({ name, baseDir: join(dir, 'kafka'), brokerConfig: { 'advertised.listeners': `PLAINTEXT://127.0.0.1:${proxy.port}` } })
  proxy.setTarget(cluster.port)
  return cluster
}

async function copied(topic: string): Promise<bigint> {
  const ends = await highWatermarks(destinationAdmin, topic).catch(() => new Map<number, bigint>())
  return [...ends.values()].reduce((a, b) => a + b, 0n)
}

interface CutPlan {
  readonly proxy: () => KafkaTcpProxy
  readonly side: string
  /** Used in turn, one per cut (every fourth cut resets all connections instead). */
  readonly rules: readonly CutRule[]
  readonly transactional?: { readonly abortEvery: number }
  /** Every fourth cut resets all connections, and an outage ends the run; default true. */
  readonly resetAll?: boolean
  readonly cuts?: number
}

async function failFastOnFailedMirror(topic: string, what: string): Promise<void> {
  const mirror = await engine.client.findMirror(LINK, topic)
  if (mirror?.mirror_status === 'FAILED') throw new FailedMirrorError(`mirror ${topic} FAILED while waiting for ${what}: ${describeFailure(mirror)}`)
}

/** Copy progress on the destination; a FAILED mirror ends the wait at once. */
async function waitForProgress(what: string, topic: string, mark: bigint): Promise<void> {
  await waitFor(what, async () => {
    await failFastOnFailedMirror(topic, what)
    return (await copied(topic)) > mark
  }, 120_000, 50)
}

async function copyThroughCuts(t: TestContext, plan: CutPlan): Promise<void> {
  const topic = `chaos-cut-${plan.side}-${randomUUID().slice(0, 8)}`
  await createSourceTopic(sourceAdmin, topic, PARTITIONS)
  const producer = await IdProducer.start({
    bootstrap: sourceProxy.address, topic, partitions: PARTITIONS, tag: topic, paceMs: 5,
    ...(plan.transactional ? { transactional: plan.transactional } : {}),
  })
  producers.push(producer)
  await waitFor('a first 300 records on the source', () => producer.count >= 300, 60_000)
  const name = (r: CutRule): string => `${r.mode} of ${Object.entries(ApiKeys).find(([, k]) => k === r.apiKey)?.[0] ?? `api ${r.apiKey}`}`
  await createLinkAndMirror(engine, LINK, sourceProxy.address, topic)
  const proxy = plan.proxy()
  const fired: string[] = []
  const resetAll = plan.resetAll ?? true
  for (let i = 0; i < (plan.cuts ?? CUTS); i++) {
    const mark = await copied(topic)
    if (resetAll && i % 4 === 3) {
      fired.push(`all:${proxy.cutAll()}`)
    } else {
      const rule = plan.rules[i % plan.rules.length]!
      const cut = proxy.armCut(rule)
      const event = await waitFor(`a ${name(rule)} cut on the ${plan.side} connection`, async () => {
        await failFastOnFailedMirror(topic, `a ${name(rule)} cut`)
        return Promise.race([cut, new Promise<undefined>((r) => setTimeout(() => r(undefined), 200))])
      }, 60_000, 0)
      fired.push(`${name(rule)}:${event.requestBytes}B`)
    }
    await waitForProgress(`copy progress after ${plan.side} cut ${i + 1}`, topic, mark)
  }
  const resetsBefore = proxy.resets
  if (resetAll) {
    // An outage: every connection reset, and new ones refused until 6 connection attempts (the engine's among them) failed.
    proxy.refuseConnections(true)
    proxy.cutAll()
    await waitFor(`connection attempts against the refused ${plan.side}`, () => proxy.resets >= resetsBefore + 6, 60_000, 50)
    proxy.refuseConnections(false)
    await waitForProgress(`copy progress after the ${plan.side} outage`, topic, await copied(topic))
  }

  await producer.stop()
  await waitForMirrorCaughtUp({ engine, link: LINK, topic, partitions: PARTITIONS, sourceAdmin, destinationAdmin, timeoutMs: 180_000 })
  assert.equal(engine.starts, 1, 'the engine was never restarted')
  t.diagnostic(`${plan.side} cuts: ${fired.join(' ')}; outage resets ${proxy.resets - resetsBefore}; producer sends=${producer.sends} errors=${producer.errors.length}`)
  await assertMirrorExact({
    sourceBootstrap: sourceProxy.address, destinationBootstrap: destinationProxy.address, topic, producer, report: (l) => t.diagnostic(l),
  })
}

const fillerCutRules: readonly CutRule[] = [
  { apiKey: ApiKeys.endTxn, mode: 'lose-response' }, { apiKey: ApiKeys.addPartitionsToTxn, mode: 'lose-response' },
  { apiKey: ApiKeys.produce, mode: 'lose-response', minRequestBytes: MIN_PRODUCE_BYTES }, { apiKey: ApiKeys.endTxn, mode: 'mid-response' },
  { apiKey: ApiKeys.listOffsets, mode: 'lose-response' }, { apiKey: ApiKeys.addPartitionsToTxn, mode: 'drop-request' },
]

describe('mirror through cut connections', () => {
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'clusterlink-chaos-cut-'))
    ;[sourceProxy, destinationProxy] = await Promise.all([KafkaTcpProxy.start(), KafkaTcpProxy.start()])
    const started = await Promise.allSettled([startProxiedCluster('chaos-cut-destination', destinationProxy), startProxiedCluster('chaos-cut-source', sourceProxy)])
    const failed = started.find((s) => s.status === 'rejected')
    ;[destination, source] = started.map((s) => (s.status === 'fulfilled' ? s.value : undefined)) as [KafkaCluster, KafkaCluster]
    if (failed) throw (failed as PromiseRejectedResult).reason
    sourceAdmin = kafkajsAdmin(sourceProxy.address)
    destinationAdmin = kafkajsAdmin(destinationProxy.address)
    await Promise.all([sourceAdmin.connect(), destinationAdmin.connect()])
    engine = new ChaosEngine({ destination, destinationBootstrap: destinationProxy.address, dir: join(dir, 'engine') })
    await engine.start()
  })

  after(async () => {
    await Promise.allSettled(producers.map((p) => p.stop()))
    await engine?.stop()
    if (engine) process.stdout.write(`# engine log kept at ${await engine.keepLog('connection-cuts')}\n`)
    await Promise.allSettled([sourceAdmin?.disconnect(), destinationAdmin?.disconnect()])
    await Promise.allSettled([source?.stop(), destination?.stop()])
    await Promise.allSettled([sourceProxy?.close(), destinationProxy?.close()])
    if (dir) await rm(dir, { recursive: true, force: true })
  })

  test('engine should neither lose nor duplicate records when destination connections are cut mid-produce', async (t) => {
    await copyThroughCuts(t, {
      proxy: () => destinationProxy, side: 'destination',
      rules: (['lose-response', 'drop-request', 'lose-response', 'mid-response', 'lose-response', 'lose-response'] as const)
        .map((mode) => ({ apiKey: ApiKeys.produce, mode, minRequestBytes: MIN_PRODUCE_BYTES })),
    })
    const lost = destinationProxy.cuts.filter((c) => c.mode === 'lose-response').length
    assert.ok(lost >= 4, `at least 4 produce answers were lost after the batch landed (${lost})`)
  })

  test('engine should neither lose nor duplicate records when source connections are cut mid-fetch', async (t) => {
    await copyThroughCuts(t, {
      proxy: () => sourceProxy, side: 'source',
      rules: (['lose-response', 'mid-response', 'drop-request'] as const).map((mode) => ({ apiKey: ApiKeys.fetch, mode })),
    })
  })

  test('engine should mirror committed and aborted transactions exactly when its filler calls to the destination are cut', async (t) => {
    // Markers and aborted data become filler transactions on the destination (AddPartitionsToTxn, EndTxn, then a wait
    // for the marker): each of the engine's calls is cut after the broker acted on it. Only the engine's own
    // connections are cut here (no reset of everything): the broker's marker channel is the next test's subject.
    const before = destinationProxy.cuts.length
    await copyThroughCuts(t, { proxy: () => destinationProxy, side: 'destination', transactional: { abortEvery: 3 }, resetAll: false, rules: fillerCutRules })
    const fillerCuts = destinationProxy.cuts.slice(before)
      .filter((c) => c.apiKey === ApiKeys.endTxn || c.apiKey === ApiKeys.addPartitionsToTxn)
    assert.ok(fillerCuts.length >= 4, `filler transaction calls were cut (${fillerCuts.length})`)
  })

  test('engine should stop the mirror in FAILED, writing nothing past it, when the destination broker duplicates a filler marker after its own marker write is cut', async (t) => {
    // The destination's transaction coordinator writes each filler's marker with WriteTxnMarkers, over the broker's
    // inter-broker listener (here: through the proxy; in a multi-broker cluster: coordinator to leader). When that
    // answer is lost the coordinator resends, and the leader appends the marker a second time: Kafka does not
    // deduplicate markers, so one empty transaction then takes two offsets (observed on 4.1.1). No client can remove
    // that offset on stock Kafka, so what the engine can deliver is: the mirror stops in FAILED with a precise error, no
    // batch is written after the duplicated marker, and every destination offset below it still equals the source.
    const topic = `chaos-cut-markers-${randomUUID().slice(0, 8)}`
    await createSourceTopic(sourceAdmin, topic, PARTITIONS)
    const producer = await IdProducer.start({
      bootstrap: sourceProxy.address, topic, partitions: PARTITIONS, tag: topic, paceMs: 5, transactional: { abortEvery: 3 },
    })
    producers.push(producer)
    await waitFor('a first 300 records on the source', () => producer.count >= 300, 60_000)
    await createLinkAndMirror(engine, LINK, sourceProxy.address, topic)
    await waitForProgress('a first copy', topic, 0n)
    const cut = destinationProxy.armCut({ apiKey: ApiKeys.writeTxnMarkers, mode: 'lose-response' })
    const event = await waitFor('a lost WriteTxnMarkers answer on the destination', () => Promise.race([cut, new Promise<undefined>((r) => setTimeout(() => r(undefined), 200))]), 120_000, 0)
    const failed = await waitFor('the mirror to stop in FAILED', async () => {
      const mirror = await engine.client.findMirror(LINK, topic)
      return mirror?.mirror_status === 'FAILED' ? mirror : undefined
    }, 60_000, 100)
    await producer.stop()
    const failure = describeFailure(failed)
    t.diagnostic(`cut: ${event.requestBytes}B; failure: ${failure}`)
    assert.match(failure, /DUPLICATE_FILLER_MARKER/)
    assert.match(failure, /the destination broker wrote the filler marker for offset \d+ twice .*lost WriteTxnMarkers response.*recreate the mirror topic/)
    const [, partition, from] = /mirror partition (\d+): .*offsets from (\d+) on/.exec(failure) ?? []
    assert.ok(partition !== undefined && from !== undefined, failure)
    const failedPartition = Number(partition)
    const failurePoint = BigInt(from)

    // Nothing after the duplicated marker but markers: the engine names DUPLICATE_FILLER_MARKER only when every offset
    // past the failure point is a control batch of its filler producers (mirror-divergence.ts), and one run saw the
    // marker appended three times (log end failure point + 2). Data written there would show in verify below.
    const ends = await highWatermarks(destinationAdmin, topic)
    assert.ok((ends.get(failedPartition) ?? 0n) >= failurePoint + 1n, 'the duplicated marker is in the failed mirror partition')
    // Every destination offset below the failure point (and below each other partition's end) equals the source. The
    // coordinator may have sent markers of several partitions in the lost request: a partition that also got a
    // duplicated marker at its last offset is allowed to miss the source record there, nothing else.
    const verified = await verifyTopics({
      sourceBootstrap: sourceProxy.address, destinationBootstrap: destinationProxy.address, topic, maxDifferences: 1_000_000,
    })
    assert.notEqual(verified.outcome, 'INCOMPLETE', JSON.stringify(verified.incomplete))
    t.diagnostic(`verify: ${verified.outcome} differences=${verified.differenceCount} partitions=${JSON.stringify(verified.partitions.map((p) => [p.partition, p.sourceRecords, p.mirrorRecords, p.sourceEndOffset, p.mirrorEndOffset]))}`)
    assert.equal(verified.firstDifferences.length, verified.differenceCount)
    for (const d of verified.firstDifferences) {
      if (d.kind === 'end_offset') continue
      const mirrorEnd = ends.get(d.partition) ?? 0n
      const limit = d.partition === failedPartition ? failurePoint : mirrorEnd - 1n
      assert.ok(d.kind === 'missing_in_mirror' && BigInt(d.offset) >= limit, `a difference below the failure point: ${JSON.stringify(d)}`)
    }
    const after = await highWatermarks(destinationAdmin, topic)
    assert.deepEqual([...after], [...ends], 'the FAILED mirror wrote nothing more')
  })
})
