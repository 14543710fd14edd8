// Chaos: a transactional producer commits and aborts on the source while the engine, which writes markers and aborted data as
// invisible fillers, is SIGKILLed at random moments; read_committed consumers must see the same records at the same offsets on
// both sides.
import { after, before, describe, test } from 'node:test'
import assert from 'node:assert/strict'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { randomUUID } from 'node:crypto'
import type kafkajs from 'kafkajs'
import { startKafkaClusters, type KafkaCluster } from '../../cli/local/kafka-cluster.ts'
import {
  ChaosEngine, IdProducer, assertMirrorExact, createLinkAndMirror, createSourceTopic, highWatermarks, kafkajsAdmin, randomMoment,
  waitFor, waitForMirrorCaughtUp,
} from './harness/index.ts'

const KILLS = 8
const PARTITIONS = 3
const LINK = 'chaos-txn-link'

let source: KafkaCluster
let destination: KafkaCluster
let sourceAdmin: kafkajs.Admin
let destinationAdmin: kafkajs.Admin
let engine: ChaosEngine
let dir: string
const producers: IdProducer[] = []

async function total(admin: kafkajs.Admin, topic: string): Promise<bigint> {
  const ends = await highWatermarks(admin, topic).catch(() => new Map<number, bigint>())
  return [...ends.values()].reduce((a, b) => a + b, 0n)
}

describe('mirror of a transactional source under SIGKILL', () => {
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'clusterlink-chaos-txn-'))
    ;[destination, source] = await startKafkaClusters(2, { name: 'chaos-txn', baseDir: join(dir, 'kafka') }) as [KafkaCluster, KafkaCluster]
    sourceAdmin = kafkajsAdmin(source.bootstrapServers)
    destinationAdmin = kafkajsAdmin(destination.bootstrapServers)
    await Promise.all([sourceAdmin.connect(), destinationAdmin.connect()])
    // A SIGKILLed engine stays in the work group until its session expires; the broker's minimum (6 s) keeps restarts short.
    engine = new ChaosEngine({ destination, dir: join(dir, 'engine'), extraArgs: ['--replica-session-timeout-ms', '6000'] })
    await engine.start()
  })

  after(async () => {
    await Promise.allSettled(producers.map((p) => p.stop()))
    await engine?.stop()
    if (engine) process.stdout.write(`# engine log kept at ${await engine.keepLog('transactions')}\n`)
    await Promise.allSettled([sourceAdmin?.disconnect(), destinationAdmin?.disconnect()])
    await Promise.allSettled([source?.stop(), destination?.stop()])
    if (dir) await rm(dir, { recursive: true, force: true })
  })

  test(`engine should mirror committed and aborted transactions exactly when SIGKILLed ${KILLS} times mid-copy`, async (t) => {
    const topic = `chaos-txn-${randomUUID().slice(0, 8)}`
    await createSourceTopic(sourceAdmin, topic, PARTITIONS)
    const producer = await IdProducer.start({
      bootstrap: source.bootstrapServers, topic, partitions: PARTITIONS, tag: topic, transactional: { abortEvery: 3 }, paceMs: 5,
    })
    producers.push(producer)
    await waitFor('committed and aborted transactions on the source', () => producer.count >= 200 && producer.aborted.size >= 50, 60_000)
    await createLinkAndMirror(engine, LINK, source.bootstrapServers, topic)
    for (let k = 0; k < KILLS; k++) {
      if (k > 0) await engine.start()
      const before = await total(destinationAdmin, topic)
      if (k % 2 === 0) await randomMoment(0, 1_500)
      else {
        await waitFor(`copy progress after restart ${k}`, async () => (await total(destinationAdmin, topic)) > before, 60_000, 20)
        await randomMoment(0, 300)
      }
      await engine.kill()
    }
    await engine.start()
    await producer.stop()
    assert.deepEqual(producer.errors, [], 'the transactional producer never failed')
    await waitForMirrorCaughtUp({ engine, link: LINK, topic, partitions: PARTITIONS, sourceAdmin, destinationAdmin, timeoutMs: 180_000 })
    t.diagnostic(`kills=${engine.kills} transactions=${producer.sends} committed ids=${producer.acked.size} aborted ids=${producer.aborted.size}`)
    await assertMirrorExact({ sourceBootstrap: source.bootstrapServers, destinationBootstrap: destination.bootstrapServers, topic, producer, isolation: 'read_committed', report: (l) => t.diagnostic(l) })
  })
})
