// Chaos: two 3-broker KRaft clusters (RF 3, min.insync.replicas 2) under a continuous acks=all producer; leaders move on
// both sides (SIGKILL and restart of the leading broker, preferred election, reassignment) and the mirror follows, losing
// and duplicating nothing (issue 12).
import { after, before, describe, test, type TestContext } from 'node:test'
import assert from 'node:assert/strict'
import { cp, mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { randomUUID } from 'node:crypto'
import type kafkajs from 'kafkajs'
import { startKafkaCluster, type KafkaBroker, type KafkaCluster } from '../../cli/local/kafka-cluster.ts'
import {
  ChaosEngine, IdProducer, ackedNotAtTheirOffset, compareLedgers, createLinkAndMirror, highWatermarks, readTopicLedger, kafkajsAdmin,
  waitFor, waitForMirrorCaughtUp,
} from './harness/index.ts'
import { verifyTopics } from '../../cli/verify/index.ts'

const PARTITIONS = 3
const LINK = 'chaos-multi-link'
/** The partition whose leader the test moves. */
const P = 0

let source: KafkaCluster
let destination: KafkaCluster
let engine: ChaosEngine
let dir: string
const producers: IdProducer[] = []
const admins: kafkajs.Admin[] = []

/** The harness's kafkajs helpers take one address: a broker the test never stops, so their clients survive every kill. */
function seedAvoiding(cluster: KafkaCluster, avoid: readonly number[]): string {
  const broker = cluster.brokers.find((b) => !avoid.includes(b.id))
  if (!broker) throw new Error('no broker left to bootstrap from')
  return `127.0.0.1:${broker.port}`
}

async function connectedAdmin(bootstrap: string): Promise<kafkajs.Admin> {
  const admin = kafkajsAdmin(bootstrap)
  await admin.connect()
  admins.push(admin)
  return admin
}

async function partitionMetadata(admin: kafkajs.Admin, topic: string, partition: number): Promise<kafkajs.PartitionMetadata> {
  const { topics } = await admin.fetchTopicMetadata({ topics: [topic] })
  const found = topics[0]?.partitions.find((p) => p.partitionId === partition)
  if (!found) throw new Error(`no partition ${topic}-${partition}`)
  return found
}

async function hw(admin: kafkajs.Admin, topic: string, partition: number): Promise<bigint> {
  return (await highWatermarks(admin, topic)).get(partition) ?? -1n
}

interface MoveContext {
  readonly t: TestContext
  readonly topic: string
  readonly sourceAdmin: kafkajs.Admin
  readonly destinationAdmin: kafkajs.Admin
  readonly followTimes: Map<string, number>
}

/**
 * Runs `move` on one side (a kill, an election, a reassignment), waits until that side names a new leader for
 * partition P, then measures how long the mirror takes to copy past the source's high watermark of that moment:
 * the time the engine took to follow the move. Mirror statuses seen meanwhile are reported.
 */
async function followMove(c: MoveContext, label: string, side: KafkaCluster, move: () => Promise<void>): Promise<void> {
  const before = await side.leaderOf(c.topic, P)
  const statuses: string[] = []
  let watching = true
  const poller = (async () => {
    while (watching) {
      const status = await engine.client.findMirror(LINK, c.topic)
        .then((m) => m?.mirror_status ?? 'absent', () => 'engine-unreachable')
      if (statuses.at(-1) !== status) statuses.push(status)
      await new Promise((r) => setTimeout(r, 200))
    }
  })()
  try {
    const began = Date.now()
    await move()
    const leader = await waitFor(`${label}: a new leader for partition ${P}`, async () => {
      const now = await side.leaderOf(c.topic, P)
      return now > 0 && now !== before ? now : undefined
    }, 120_000, 100)
    const elected = Date.now()
    const sourceEnd = await waitFor(`${label}: source high watermark`,
      () => hw(c.sourceAdmin, c.topic, P).then((h) => (h >= 0n ? h : undefined)))
    await waitFor(`${label}: the mirror copying past source offset ${sourceEnd} of partition ${P}`,
      async () => (await hw(c.destinationAdmin, c.topic, P)) > sourceEnd, 180_000, 100)
    const followMs = Date.now() - elected
    c.followTimes.set(label, followMs)
    c.t.diagnostic(`${label}: leader ${before} -> ${leader} after ${elected - began} ms; mirror followed in ${followMs} ms; `
      + `statuses ${statuses.join(' > ')}`)
  } finally {
    watching = false
    await poller
  }
}

async function waitInSync(admin: kafkajs.Admin, topic: string, brokers: number): Promise<void> {
  await waitFor(`all replicas of ${topic} in sync`, async () => {
    const { topics } = await admin.fetchTopicMetadata({ topics: [topic] })
    return topics[0]?.partitions.every((p) => p.isr.length === brokers && p.replicas.length === brokers)
  }, 180_000, 250)
}

async function killAndRestart(c: MoveContext, label: string, side: KafkaCluster, admin: kafkajs.Admin, victim: KafkaBroker): Promise<void> {
  await followMove(c, `${label} SIGKILL of leading broker ${victim.id}`, side, () => victim.kill())
  await victim.start()
  await waitInSync(admin, c.topic, side.brokers.length)
  await followMove(c, `${label} preferred leader election back to broker ${victim.id}`, side, () => side.electPreferredLeaders(c.topic))
}

/** Drops the leading replica of partition P (the leader moves to the next replica), then adds it back (its data is copied again). */
async function reassignAway(c: MoveContext, label: string, side: KafkaCluster, admin: kafkajs.Admin): Promise<void> {
  const { replicas } = await partitionMetadata(admin, c.topic, P)
  const [first, ...rest] = replicas
  await followMove(c, `${label} reassignment of partition ${P} from ${replicas.join(',')} to ${rest.join(',')}`, side,
    () => side.reassignPartitions([{ topic: c.topic, partition: P, replicas: rest }]))
  await side.reassignPartitions([{ topic: c.topic, partition: P, replicas: [...rest, first as number] }])
}

/**
 * `assertMirrorExact`'s judgement with the producer's evidence: verify finds the topics identical, every acknowledged id is
 * on the source at the offset its Produce response gave it, and every source record is on the mirror at its offset, once.
 * Sends that kafkajs resolved without a response for one of their partitions are reported (their ids are uncertain).
 */
async function judgeMirror(
  t: TestContext, sourceBootstrap: string, destinationBootstrap: string, topic: string, producer: IdProducer,
): Promise<void> {
  const verified = await verifyTopics({ sourceBootstrap, destinationBootstrap, topic, isolation: 'read_committed' })
  const [sourceLedger, mirrorLedger] = await Promise.all([
    readTopicLedger(sourceBootstrap, topic), readTopicLedger(destinationBootstrap, topic),
  ])
  const onSource = new Set(sourceLedger.entries.map((e) => e.id))
  const c = compareLedgers(sourceLedger, mirrorLedger, producer.acked)
  const misplacedAcks = ackedNotAtTheirOffset(sourceLedger, producer.ackedAt)
  const uncertainOnSource = [...producer.uncertain].filter((id) => onSource.has(id)).length
  for (const line of producer.unconfirmed) t.diagnostic(`unconfirmed ${line}`)
  t.diagnostic(`verify: identical=${verified.identical} differences=${verified.differenceCount}`)
  t.diagnostic(`ledger: source=${c.sourceRecords} mirror=${c.mirrorRecords} acked=${producer.acked.size} `
    + `uncertain=${producer.uncertain.size} (on source ${uncertainOnSource}) lost=${c.lost} duplicated=${c.duplicated} `
    + `misplaced=${c.misplaced} phantom=${c.phantom} ackedMissingOnSource=${c.ackedMissingOnSource} `
    + `ackedNotAtTheirOffset=${misplacedAcks.length} sourceDuplicated=${c.sourceDuplicated}`)
  assert.equal(c.ackedMissingOnSource, 0,
    `acknowledged ids missing on the source: ${[...producer.acked].filter((id) => !onSource.has(id)).slice(0, 6).join(', ')}`)
  assert.deepEqual(misplacedAcks, [], 'every acknowledged id is on the source at the offset the broker gave it')
  assert.equal(producer.ackedAt.size, producer.acked.size)
  assert.equal(verified.identical, true, `verify found ${verified.differenceCount} differences`)
  assert.deepEqual([c.lost, c.duplicated, c.misplaced, c.phantom], [0, 0, 0, 0], c.examples.join('; '))
  assert.equal(c.mirrorRecords, c.sourceRecords)
  assert.ok(c.sourceRecords >= producer.acked.size, 'the source holds every acknowledged record')
  for (const [p, end] of sourceLedger.endOffsets) assert.equal(mirrorLedger.endOffsets.get(p), end, `end offset of partition ${p}`)
}

describe('mirror across leader moves on 3-broker clusters', () => {
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'clusterlink-chaos-multi-'))
    // Automatic leader rebalancing off: every leader move in this file is one the test makes. One cluster after the
    // other: six JVMs starting at once on two cores can take minutes.
    const options = {
      brokers: 3, baseDir: join(dir, 'kafka'), brokerConfig: { 'auto.leader.rebalance.enable': false }, readyTimeoutMs: 300_000,
    }
    destination = await startKafkaCluster({ ...options, name: 'chaos-multi-destination' })
    source = await startKafkaCluster({ ...options, name: 'chaos-multi-source' })
    engine = new ChaosEngine({ destination, dir: join(dir, 'engine') })
    await engine.start()
  })

  after(async () => {
    await Promise.allSettled(producers.map((p) => p.stop()))
    await engine?.stop()
    if (engine) process.stdout.write(`# engine log kept at ${await engine.keepLog('multi-broker')}\n`)
    await Promise.allSettled(admins.map((a) => a.disconnect()))
    await Promise.allSettled([source?.stop({ keepData: true }), destination?.stop({ keepData: true })])
    if (!dir) return
    // Broker logs outlive the run (leader elections, ISR changes, truncations), like the engine log.
    const logs = join(tmpdir(), 'clusterlink-chaos-logs', 'multi-broker-kafka')
    await rm(logs, { recursive: true, force: true })
    await cp(join(dir, 'kafka'), logs, { recursive: true, filter: (from) => !from.includes('/data') })
    process.stdout.write(`# broker logs kept at ${logs}\n`)
    await rm(dir, { recursive: true, force: true })
  })

  test('engine should follow leader kills, elections and reassignments on both sides with nothing lost or duplicated', async (t) => {
    const topic = `chaos-multi-${randomUUID().slice(0, 8)}`
    const setupAdmin = await connectedAdmin(source.bootstrapServers.split(',')[0] as string)
    // Not createTopics' waitForLeaders: on several brokers kafkajs can ask one that has not seen the topic yet and give up.
    await setupAdmin.createTopics({ topics: [{ topic, numPartitions: PARTITIONS }], waitForLeaders: false })
    await waitInSync(setupAdmin, topic, 3)
    const sourceLeader = await source.leaderOf(topic, P)
    const sourceSeed = seedAvoiding(source, [sourceLeader])
    const sourceAdmin = await connectedAdmin(sourceSeed)
    const producer = await IdProducer.start({
      bootstrap: sourceSeed, topic, partitions: PARTITIONS, tag: topic, paceMs: 10, onePartitionPerSend: true,
    })
    producers.push(producer)
    await waitFor('a first 300 records on the source', () => producer.count >= 300, 120_000)
    await createLinkAndMirror(engine, LINK, source.bootstrapServers, topic)
    const destinationLeader = await waitFor('the mirror topic has a leader',
      () => destination.leaderOf(topic, P).then((l) => (l > 0 ? l : undefined)), 120_000)
    const destinationAdmin = await connectedAdmin(seedAvoiding(destination, [destinationLeader]))
    await waitFor('the mirror copies', async () => (await hw(destinationAdmin, topic, P)) > 0n, 120_000)
    const c: MoveContext = { t, topic, sourceAdmin, destinationAdmin, followTimes: new Map() }

    await killAndRestart(c, 'source', source, sourceAdmin, source.brokers.find((b) => b.id === sourceLeader) as KafkaBroker)
    // Killed only once its followers are in sync: a leader killed alone in its ISR leaves the partition leaderless.
    await waitInSync(destinationAdmin, topic, destination.brokers.length)
    const destinationVictim = destination.brokers.find((b) => b.id === destinationLeader) as KafkaBroker
    await killAndRestart(c, 'destination', destination, destinationAdmin, destinationVictim)
    await reassignAway(c, 'source', source, sourceAdmin)
    await reassignAway(c, 'destination', destination, destinationAdmin)

    await producer.stop()
    await waitForMirrorCaughtUp({ engine, link: LINK, topic, partitions: PARTITIONS, sourceAdmin, destinationAdmin, timeoutMs: 240_000 })
    assert.ok(engine.isRunning, `the engine process is still running (${engine.lastExit})`)
    t.diagnostic(`producer sends=${producer.sends} retried=${producer.retriedSends} acked=${producer.acked.size} `
      + `send errors=${producer.errors.length} `
      + `(${producer.errors.slice(0, 3).join(' | ')})`)
    t.diagnostic(`follow times ms: ${JSON.stringify(Object.fromEntries(c.followTimes))}`)
    await judgeMirror(t, sourceSeed, destination.bootstrapServers.split(',')[0] as string, topic, producer)
  })
})
