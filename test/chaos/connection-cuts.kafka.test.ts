// Chaos: the engine reaches both clusters only through cutting proxies; connections are reset mid-produce (the batch landed, its answer is lost), before a produce, mid-response, mid-fetch, all at once, and refused for a while; afterwards nothing is lost or duplicated.
import { after, before, describe, test, type TestContext } from 'node:test'
import assert from 'node:assert/strict'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { randomUUID } from 'node:crypto'
import type kafkajs from 'kafkajs'
import { startKafkaCluster, type KafkaCluster } from '../../cli/local/kafka-cluster.ts'
import {
  ApiKeys, ChaosEngine, IdProducer, KafkaTcpProxy, assertMirrorExact, createLinkAndMirror, createSourceTopic, highWatermarks,
  kafkajsAdmin, waitFor, waitForMirrorCaughtUp, type CutMode,
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
  readonly apiKey: number
  readonly minRequestBytes: number
  readonly modes: readonly CutMode[]
}

async function copyThroughCuts(t: TestContext, plan: CutPlan): Promise<void> {
  const topic = `chaos-cut-${plan.side}-${randomUUID().slice(0, 8)}`
  await createSourceTopic(sourceAdmin, topic, PARTITIONS)
  const producer = await IdProducer.start({ bootstrap: sourceProxy.address, topic, partitions: PARTITIONS, tag: topic, paceMs: 5 })
  producers.push(producer)
  await waitFor('a first 300 records on the source', () => producer.count >= 300, 60_000)
  await createLinkAndMirror(engine, LINK, sourceProxy.address, topic)
  const proxy = plan.proxy()
  const fired: string[] = []
  for (let i = 0; i < CUTS; i++) {
    const mark = await copied(topic)
    if (i % 4 === 3) {
      fired.push(`all:${proxy.cutAll()}`)
    } else {
      const mode = plan.modes[i % plan.modes.length] ?? 'lose-response'
      const cut = proxy.armCut({ apiKey: plan.apiKey, mode, minRequestBytes: plan.minRequestBytes })
      const event = await waitFor(`a ${mode} cut of api ${plan.apiKey} on the ${plan.side} connection`, () => Promise.race([cut, new Promise<undefined>((r) => setTimeout(() => r(undefined), 200))]), 60_000, 0)
      fired.push(`${event.mode}:${event.requestBytes}B`)
    }
    await waitFor(`copy progress after ${plan.side} cut ${i + 1}`, async () => (await copied(topic)) > mark, 120_000, 50)
  }
  // An outage: every connection reset and new ones refused until the engine has tried (and failed) at least 5 times.
  const resetsBefore = proxy.resets
  proxy.refuseConnections(true)
  proxy.cutAll()
  await waitFor(`the engine retrying against the refused ${plan.side}`, () => proxy.resets >= resetsBefore + 6, 60_000, 50)
  proxy.refuseConnections(false)
  const atOutageEnd = await copied(topic)
  await waitFor(`copy progress after the ${plan.side} outage`, async () => (await copied(topic)) > atOutageEnd, 120_000, 50)

  await producer.stop()
  await waitForMirrorCaughtUp({ engine, link: LINK, topic, partitions: PARTITIONS, sourceAdmin, destinationAdmin, timeoutMs: 180_000 })
  assert.equal(engine.starts, 1, 'the engine was never restarted')
  t.diagnostic(`${plan.side} cuts: ${fired.join(' ')}; outage resets ${proxy.resets - resetsBefore}; producer sends=${producer.sends} errors=${producer.errors.length}`)
  await assertMirrorExact({ sourceBootstrap: sourceProxy.address, destinationBootstrap: destinationProxy.address, topic, producer, report: (l) => t.diagnostic(l) })
}

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
      proxy: () => destinationProxy, side: 'destination', apiKey: ApiKeys.produce, minRequestBytes: MIN_PRODUCE_BYTES,
      modes: ['lose-response', 'drop-request', 'lose-response', 'mid-response', 'lose-response', 'lose-response'],
    })
    const lost = destinationProxy.cuts.filter((c) => c.mode === 'lose-response').length
    assert.ok(lost >= 4, `at least 4 produce answers were lost after the batch landed (${lost})`)
  })

  test('engine should neither lose nor duplicate records when source connections are cut mid-fetch', async (t) => {
    await copyThroughCuts(t, {
      proxy: () => sourceProxy, side: 'source', apiKey: ApiKeys.fetch, minRequestBytes: 0,
      modes: ['lose-response', 'mid-response', 'drop-request'],
    })
  })
})
