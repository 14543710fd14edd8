// Chaos: the real engine process SIGKILLed at random moments, again and again, while a producer keeps writing; afterwards nothing
// lost, nothing duplicated, offsets identical (issue 3, case 10).
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

const KILLS = 20
const PARTITIONS = 4
const LINK = 'chaos-kill-link'

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

describe('engine under SIGKILL', () => {
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'clusterlink-chaos-kill-'))
    ;[destination, source] = await startKafkaClusters(2, { name: 'chaos-kill', baseDir: join(dir, 'kafka') }) as [KafkaCluster, KafkaCluster]
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
    if (engine) process.stdout.write(`# engine log kept at ${await engine.keepLog('engine-sigkill')}\n`)
    await Promise.allSettled([sourceAdmin?.disconnect(), destinationAdmin?.disconnect()])
    await Promise.allSettled([source?.stop(), destination?.stop()])
    if (dir) await rm(dir, { recursive: true, force: true })
  })

  test(`engine should lose and duplicate nothing when SIGKILLed ${KILLS} times at random moments during a live copy`, async (t) => {
    const topic = `chaos-kill-${randomUUID().slice(0, 8)}`
    await createSourceTopic(sourceAdmin, topic, PARTITIONS)
    const producer = await IdProducer.start({
      bootstrap: source.bootstrapServers, topic, partitions: PARTITIONS, tag: topic, paceMs: 20, maxRecordsPerSend: 20,
    })
    producers.push(producer)
    await waitFor('a first 500 records on the source', () => producer.count >= 500, 60_000)
    await createLinkAndMirror(engine, LINK, source.bootstrapServers, topic)

    const progress: string[] = []
    let killsWhileBehind = 0
    const copiedAtFirstKill = await total(destinationAdmin, topic)
    for (let k = 0; k < KILLS; k++) {
      if (k > 0) await engine.start()
      const before = await total(destinationAdmin, topic)
      // Three kinds of moments, each random: right after the engine listens (copiers opening, fillers, first writes),
      // the instant the mirror is seen to advance (the backlog of the downtime being written), and a little later.
      if (k % 3 === 0) await randomMoment(0, 1_000)
      else {
        await waitFor(`copy progress after restart ${k}`, async () => (await total(destinationAdmin, topic)) > before, 60_000, 10)
        if (k % 3 === 2) await randomMoment(0, 400)
      }
      const [src, dst] = await Promise.all([total(sourceAdmin, topic), total(destinationAdmin, topic)])
      if (dst < src) killsWhileBehind++
      progress.push(`${dst}/${src}`)
      await engine.kill()
    }
    const copiedAtLastKill = await total(destinationAdmin, topic)
    t.diagnostic(`kills=${engine.kills} destination/source records at each kill: ${progress.join(' ')}`)
    assert.ok(copiedAtLastKill > copiedAtFirstKill, 'the mirror advanced while the engine was being killed')
    assert.ok(killsWhileBehind >= KILLS / 2, `most kills should hit a mirror that is behind (copying): ${killsWhileBehind}`)

    await engine.start()
    await producer.stop()
    const started = Date.now()
    await waitForMirrorCaughtUp({ engine, link: LINK, topic, partitions: PARTITIONS, sourceAdmin, destinationAdmin, timeoutMs: 180_000 })
    t.diagnostic(`caught up ${Date.now() - started} ms after the last restart; producer sends=${producer.sends} errors=${producer.errors.length}`)
    await assertMirrorExact({
      sourceBootstrap: source.bootstrapServers, destinationBootstrap: destination.bootstrapServers, topic, producer,
      report: (l) => t.diagnostic(l),
    })
    const failures = await engine.logLines(/mirror topic failed|OFFSET_DIVERGENCE|FENCED/)
    assert.deepEqual(failures, [], 'the engine log reports no failed mirror')
  })
})
