// Chaos: the source broker, then the destination broker, restarted twice each in the middle of a live copy; the engine resumes by
// itself and nothing is lost or duplicated (issue 3, case 12).
import { after, before, describe, test, type TestContext } from 'node:test'
import assert from 'node:assert/strict'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { randomUUID } from 'node:crypto'
import type kafkajs from 'kafkajs'
import { startKafkaClusters, type KafkaCluster } from '../../cli/local/kafka-cluster.ts'
import {
  ChaosEngine, IdProducer, assertMirrorExact, createLinkAndMirror, createSourceTopic, highWatermarks, kafkajsAdmin,
  waitFor, waitForMirrorCaughtUp,
} from './harness/index.ts'

const PARTITIONS = 3
const RESTARTS = 2
const LINK = 'chaos-restart-link'

let source: KafkaCluster
let destination: KafkaCluster
let sourceAdmin: kafkajs.Admin
let destinationAdmin: kafkajs.Admin
let engine: ChaosEngine
let dir: string
const producers: IdProducer[] = []

async function copied(topic: string): Promise<bigint> {
  const ends = await highWatermarks(destinationAdmin, topic).catch(() => new Map<number, bigint>())
  return [...ends.values()].reduce((a, b) => a + b, 0n)
}

/** Records every mirror status the engine reports while `run` executes (SOURCE_UNAVAILABLE, ACTIVE, ...). */
async function watchStatuses(topic: string, run: () => Promise<void>): Promise<string[]> {
  const seen: string[] = []
  let watching = true
  const poller = (async () => {
    while (watching) {
      const status = await engine.client.findMirror(LINK, topic).then((m) => m?.mirror_status ?? 'absent', () => 'engine-unreachable')
      if (seen.at(-1) !== status) seen.push(status)
      await new Promise((r) => setTimeout(r, 200))
    }
  })()
  try {
    await run()
  } finally {
    watching = false
    await poller
  }
  return seen
}

/** kill -9 of the broker process (no clean shutdown, no producer-state snapshot), then a start on the same data. */
async function crashAndRestart(cluster: KafkaCluster): Promise<void> {
  const pid = cluster.pid
  process.kill(pid, 'SIGKILL')
  await waitFor(`broker process ${pid} gone`, () => { try { process.kill(pid, 0); return false } catch { return true } }, 30_000, 20)
  await cluster.restart()
}

async function restartMidCopy(
  t: TestContext, broker: () => KafkaCluster, side: string, restart: (c: KafkaCluster) => Promise<void> = (c) => c.restart(),
): Promise<void> {
  const topic = `chaos-restart-${side}-${randomUUID().slice(0, 8)}`
  await createSourceTopic(sourceAdmin, topic, PARTITIONS)
  const producer = await IdProducer.start({ bootstrap: source.bootstrapServers, topic, partitions: PARTITIONS, tag: topic, paceMs: 5 })
  producers.push(producer)
  await waitFor('a first 300 records on the source', () => producer.count >= 300, 60_000)
  await createLinkAndMirror(engine, LINK, source.bootstrapServers, topic)
  const startsBefore = engine.starts
  for (let r = 0; r < RESTARTS; r++) {
    const mark = await copied(topic)
    await waitFor(`copy progress before ${side} restart ${r + 1}`, async () => (await copied(topic)) > mark, 120_000, 50)
    const began = Date.now()
    const statuses = await watchStatuses(topic, () => restart(broker()))
    const atRestart = await copied(topic)
    await waitFor(`copying resumed by itself after ${side} restart ${r + 1}`, async () => (await copied(topic)) > atRestart, 120_000, 100)
    t.diagnostic(`${side} restart ${r + 1}: broker back after ${Date.now() - began} ms; mirror statuses seen ${statuses.join(' > ')}; copied ${atRestart} then resumed`)
  }
  await producer.stop()
  await waitForMirrorCaughtUp({ engine, link: LINK, topic, partitions: PARTITIONS, sourceAdmin, destinationAdmin, timeoutMs: 180_000 })
  assert.equal(engine.starts, startsBefore, 'the engine was never restarted: it resumed by itself')
  assert.ok(engine.isRunning, `the engine process is still running (${engine.lastExit})`)
  t.diagnostic(`producer sends=${producer.sends} send errors during restarts=${producer.errors.length}`)
  await assertMirrorExact({
    sourceBootstrap: source.bootstrapServers, destinationBootstrap: destination.bootstrapServers, topic, producer,
    report: (l) => t.diagnostic(l),
  })
}

describe('mirror across broker restarts', () => {
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'clusterlink-chaos-restart-'))
    ;[destination, source] = await startKafkaClusters(2, { name: 'chaos-restart', baseDir: join(dir, 'kafka') }) as [KafkaCluster, KafkaCluster]
    sourceAdmin = kafkajsAdmin(source.bootstrapServers)
    destinationAdmin = kafkajsAdmin(destination.bootstrapServers)
    await Promise.all([sourceAdmin.connect(), destinationAdmin.connect()])
    engine = new ChaosEngine({ destination, dir: join(dir, 'engine') })
    await engine.start()
  })

  after(async () => {
    await Promise.allSettled(producers.map((p) => p.stop()))
    await engine?.stop()
    if (engine) process.stdout.write(`# engine log kept at ${await engine.keepLog('broker-restart')}\n`)
    await Promise.allSettled([sourceAdmin?.disconnect(), destinationAdmin?.disconnect()])
    await Promise.allSettled([source?.stop(), destination?.stop()])
    if (dir) await rm(dir, { recursive: true, force: true })
  })

  test(`engine should resume by itself and lose nothing when the source broker restarts ${RESTARTS} times mid-copy`, async (t) => {
    await restartMidCopy(t, () => source, 'source')
  })

  test(`engine should resume by itself and lose nothing when the destination broker restarts ${RESTARTS} times mid-copy`, async (t) => {
    await restartMidCopy(t, () => destination, 'destination')
  })

  test(`engine should resume by itself and lose nothing when the destination broker is SIGKILLed ${RESTARTS} times mid-copy`, async (t) => {
    // Harder than a restart: the broker recovers its log and producer state from the segments, not from a clean snapshot.
    await restartMidCopy(t, () => destination, 'destination-crash', crashAndRestart)
  })
})
