// Chaos: the engine process SIGKILLed in the middle of a truncate-and-restore (while the side topic is half written, and
// after the old topic was deleted) and of a reverse (the old primary write-denied, the flip not stored yet); after a
// restart the failback finishes from its stored step: nothing lost, nothing duplicated, no write denial left behind.
import { after, before, describe, test } from 'node:test'
import assert from 'node:assert/strict'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { randomUUID } from 'node:crypto'
import kafkajs from 'kafkajs'
import { startKafkaCluster, type KafkaCluster } from '../../cli/local/kafka-cluster.ts'
import { verifyTopics } from '../../cli/verify/index.ts'
import { ChaosEngine, FailedMirrorError, createLinkAndMirror, createSourceTopic, highWatermarks, kafkajsAdmin, waitFor, waitForMirrorCaughtUp } from './harness/index.ts'

const { Kafka, logLevel, AclResourceTypes, AclOperationTypes, AclPermissionTypes, ResourcePatternTypes } = kafkajs
const LINK = 'failback-kill'
/** A principal allowed to write the primary's topics: the engine's write guard denies it while a topic is a mirror. */
const WRITER = 'User:alice'

let primary: KafkaCluster
let dr: KafkaCluster
let primaryAdmin: kafkajs.Admin
let drAdmin: kafkajs.Admin
let engine: ChaosEngine
let dir: string
const run = randomUUID().slice(0, 6)

const ends = async (admin: kafkajs.Admin, topic: string): Promise<number[]> =>
  [...(await highWatermarks(admin, topic)).entries()].sort(([a], [b]) => a - b).map(([, e]) => Number(e))

/** Writes `count` one-record batches per partition (so the set-aside copy takes one produce per record), 16 sends at a time. */
async function writeTail(cluster: KafkaCluster, topic: string, partitions: number, count: number, tag: string): Promise<void> {
  const producer = new Kafka({ clientId: 'failback-kill', brokers: [cluster.bootstrapServers], logLevel: logLevel.NOTHING }).producer()
  await producer.connect()
  const sends = Array.from({ length: partitions * count }, (_, i) => ({ partition: i % partitions, value: `${tag}-${i}` }))
  for (let i = 0; i < sends.length; i += 16) {
    await Promise.all(sends.slice(i, i + 16).map((m) => producer.send({ topic, messages: [{ key: `k${m.partition}`, ...m }] })))
  }
  await producer.disconnect()
}

/** Every record of a topic as `partition/offset=value`, read with kafkajs from the start to the high watermarks. */
async function readAll(cluster: KafkaCluster, topic: string, describe: (m: kafkajs.KafkaMessage, p: number) => string): Promise<string[]> {
  const admin = kafkajsAdmin(cluster.bootstrapServers)
  await admin.connect()
  const total = (await ends(admin, topic)).reduce((a, b) => a + b, 0)
  await admin.disconnect()
  const out: string[] = []
  const consumer = new Kafka({ clientId: 'failback-kill', brokers: [cluster.bootstrapServers], logLevel: logLevel.NOTHING }).consumer({ groupId: `read-${randomUUID()}` })
  await consumer.connect()
  await consumer.subscribe({ topic, fromBeginning: true })
  await consumer.run({ eachMessage: async ({ message, partition }) => { out.push(describe(message, partition)) } })
  await waitFor(`${total} records of ${topic} read`, () => out.length >= total, 60_000)
  await consumer.disconnect()
  return out.sort()
}

async function denials(topic: string): Promise<string[]> {
  const found = await primaryAdmin.describeAcls({
    resourceType: AclResourceTypes.TOPIC, resourceName: topic, resourcePatternType: ResourcePatternTypes.LITERAL,
    operation: AclOperationTypes.WRITE, permissionType: AclPermissionTypes.DENY,
  })
  return found.resources.flatMap((r) => r.acls.map((a) => a.principal)).sort()
}

/** A failback action sent without waiting for its answer (the kill cuts it): `now` says what came back so far. */
function sendAction(action: string, topic: string): { answer: Promise<string>; now: () => string } {
  let now = 'no answer yet'
  const answer = engine.client.alterMirrors(LINK, action as 'truncate-and-restore', { mirrorTopicNames: [topic] })
    .then((results) => `answered ${JSON.stringify(results)}`, (error: unknown) => `no answer (${error instanceof Error ? error.message : String(error)})`)
    .then((text) => { now = text; return text })
  return { answer, now: () => now }
}

/** Waits for a moment of the action to kill the engine at; ends at once (failing) when the action answered before it. */
function waitToKill(what: string, action: { now: () => string }, condition: () => Promise<boolean>): Promise<boolean> {
  return waitFor(() => `${what}; the action: ${action.now()}`, async () => {
    if (action.now().startsWith('answered')) throw new FailedMirrorError(`the action answered before ${what}: ${action.now()}`)
    return condition()
  }, 120_000, 5)
}

async function mirrorOf(topic: string): Promise<Record<string, unknown> | undefined> {
  return engine.isRunning
    ? (await engine.client.findMirror(LINK, topic).catch(() => undefined)) as Record<string, unknown> | undefined
    : undefined
}

/** A mirror of a new primary topic, caught up, then failed over; DR then takes `drRecords` new records per partition. */
async function failedOverMirror(topic: string, partitions: number, drRecords: number): Promise<number[]> {
  // Each test starts from a running engine and fresh admins (a kafkajs admin that once asked for a deleted topic keeps failing).
  if (!engine.isRunning) await engine.start()
  await Promise.allSettled([primaryAdmin.disconnect(), drAdmin.disconnect()])
  primaryAdmin = kafkajsAdmin(primary.bootstrapServers)
  drAdmin = kafkajsAdmin(dr.bootstrapServers)
  await Promise.all([primaryAdmin.connect(), drAdmin.connect()])
  await createSourceTopic(primaryAdmin, topic, partitions)
  await writeTail(primary, topic, partitions, 20, 'before')
  await createLinkAndMirror(engine, LINK, primary.bootstrapServers, topic)
  await waitForMirrorCaughtUp({ engine, link: LINK, topic, partitions, sourceAdmin: primaryAdmin, destinationAdmin: drAdmin })
  await engine.client.alterMirror(LINK, 'failover', topic)
  await waitFor(`${topic} STOPPED`, async () => (await mirrorOf(topic))?.mirror_status === 'STOPPED', 60_000)
  const failoverEnds = await ends(primaryAdmin, topic)
  await writeTail(dr, topic, partitions, drRecords, 'dr')
  return failoverEnds
}

/** Restarts the engine and waits until the mirror runs REVERSE and the primary topic holds exactly what DR holds. */
async function restartAndWaitRestored(topic: string): Promise<void> {
  await engine.start()
  let last: Record<string, unknown> | undefined
  await waitFor(() => `${topic} restored as DR's mirror: ${JSON.stringify(last)}`, async () => {
    last = await mirrorOf(topic)
    if (last?.mirror_status !== 'ACTIVE' || last.mirror_direction !== 'REVERSE') return false
    return JSON.stringify(await ends(primaryAdmin, topic).catch(() => [])) === JSON.stringify(await ends(drAdmin, topic))
  }, 180_000, 250)
  const same = await verifyTopics({
    sourceBootstrap: dr.bootstrapServers, destinationBootstrap: primary.bootstrapServers, topic, timeoutMs: 60_000,
  })
  assert.equal(same.outcome, 'IDENTICAL', JSON.stringify(same.firstDifferences.slice(0, 3)))
}

/** Promotes the reversed mirror (both topics writable): the guard's denials on the primary are gone, none is left behind. */
async function promoteAndCheckNoDenials(topic: string): Promise<void> {
  await waitFor(`${topic} write-denied while it is DR's mirror`, async () => (await denials(topic)).includes(WRITER), 30_000)
  await engine.client.alterMirror(LINK, 'promote', topic)
  await waitFor(`${topic} promoted`, async () => (await mirrorOf(topic))?.mirror_status === 'STOPPED', 60_000)
  assert.deepEqual(await denials(topic), [], 'no DENY WRITE is left on the primary topic')
}

async function groupOffsets(group: string, topic: string): Promise<number[]> {
  const [found] = await primaryAdmin.fetchOffsets({ groupId: group, topics: [topic] }).catch(() => [])
  return (found?.partitions ?? []).sort((a, b) => a.partition - b.partition).map((p) => Number(p.offset))
}

describe('failback under engine SIGKILL', { timeout: 600_000 }, () => {
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'clusterlink-failback-kill-'))
    // The primary has an authorizer (everything here connects as its super user): failback write denials are real ACLs.
    ;[dr, primary] = await Promise.all([
      startKafkaCluster({ name: `fbk-dr-${run}`, baseDir: join(dir, 'dr') }),
      startKafkaCluster({ name: `fbk-primary-${run}`, baseDir: join(dir, 'primary'), authorizer: { superUsers: [] } }),
    ])
    primaryAdmin = kafkajsAdmin(primary.bootstrapServers)
    drAdmin = kafkajsAdmin(dr.bootstrapServers)
    await Promise.all([primaryAdmin.connect(), drAdmin.connect()])
    await primaryAdmin.createAcls({ acl: [{
      resourceType: AclResourceTypes.TOPIC, resourceName: 'fbk-', resourcePatternType: ResourcePatternTypes.PREFIXED,
      principal: WRITER, host: '*', operation: AclOperationTypes.WRITE, permissionType: AclPermissionTypes.ALLOW,
    }] })
    // A SIGKILLed engine stays in the work group until its session expires; the broker's minimum (6 s) keeps restarts short.
    engine = new ChaosEngine({ destination: dr, dir: join(dir, 'engine'), extraArgs: ['--replica-session-timeout-ms', '6000'] })
    await engine.start()
  })

  after(async () => {
    await engine?.stop()
    if (engine) process.stdout.write(`# engine log kept at ${await engine.keepLog('failback-sigkill')}\n`)
    await Promise.allSettled([primaryAdmin?.disconnect(), drAdmin?.disconnect()])
    await Promise.allSettled([primary?.stop(), dr?.stop()])
    if (dir) await rm(dir, { recursive: true, force: true })
  })

  test('truncate-and-restore killed while the side topic is half written should finish after a restart, each record set aside once',
    async (t) => {
      const topic = `fbk-restore-${run}`
      const [partitions, tail] = [3, 400]
      const failoverEnds = await failedOverMirror(topic, partitions, 10)
      await writeTail(primary, topic, partitions, tail, 'lost')
      const primaryEnds = await ends(primaryAdmin, topic)
      const [ahead, behind] = [`ahead-${run}`, `behind-${run}`]
      await primaryAdmin.setOffsets({
        groupId: ahead, topic, partitions: primaryEnds.map((offset, partition) => ({ partition, offset: String(offset) })),
      })
      await primaryAdmin.setOffsets({ groupId: behind, topic, partitions: [{ partition: 0, offset: '5' }] })
      const expected = await readAll(primary, topic, (m, p) => `${p}/${m.offset}=${String(m.value)}`)
        .then((all) => all.filter((r) => r.includes('=lost-')))
      assert.equal(expected.length, partitions * tail)

      const action = sendAction('truncate-and-restore', topic)
      const sideTotal = async () => {
        const side = (await primaryAdmin.listTopics()).find((name) => name.startsWith(`${topic}.truncated-`))
        return side ? (await ends(primaryAdmin, side)).reduce((a, b) => a + b, 0) : 0
      }
      await waitToKill('the side topic\'s first records', action, async () => (await sideTotal()) > 0)
      await engine.kill()
      const atKill = await sideTotal()
      t.diagnostic(`killed with ${atKill} of ${expected.length} records set aside; the action: ${await action.answer}`)
      assert.ok(atKill < expected.length, `the kill came while the side topic was partial (${atKill} of ${expected.length})`)
      assert.match(await action.answer, /no answer/)
      assert.deepEqual(await denials(topic), [WRITER], 'the primary topic was write-denied when the engine died')

      await restartAndWaitRestored(topic)
      const sides = (await primaryAdmin.listTopics()).filter((name) => name.startsWith(`${topic}.truncated-`))
      assert.equal(sides.length, 1, `one side topic: ${sides.join(', ')}`)
      const kept = await readAll(primary, sides[0]!, (m, p) => {
        const original = m.headers?.['clusterlink.original.offset']
        return `${p}/${String(original)}=${String(m.value)}`
      })
      assert.deepEqual(kept, expected, 'every set-aside record once, with its original offset')
      await waitFor('the clamped group offsets committed again', async () => (await groupOffsets(ahead, topic)).every((o) => o >= 0), 60_000)
      assert.deepEqual(await groupOffsets(ahead, topic), failoverEnds, 'clamped to the truncation point')
      assert.equal((await groupOffsets(behind, topic))[0], 5, 'an offset below the truncation point is kept')
      await promoteAndCheckNoDenials(topic)
    })

  test('truncate-and-restore killed after the old topic was deleted should rebuild it and commit the clamped group offsets', async (t) => {
    const topic = `fbk-rebuild-${run}`
    const partitions = 2
    const failoverEnds = await failedOverMirror(topic, partitions, 15)
    await writeTail(primary, topic, partitions, 5, 'lost')
    const group = `rebuild-${run}`
    const primaryEnds = await ends(primaryAdmin, topic)
    await primaryAdmin.setOffsets({
      groupId: group, topic, partitions: primaryEnds.map((offset, partition) => ({ partition, offset: String(offset) })),
    })
    const action = sendAction('truncate-and-restore', topic)
    await waitToKill('the old primary topic deleted', action, async () => !(await primaryAdmin.listTopics()).includes(topic))
    await engine.kill()
    const committedAtKill = await primaryAdmin.fetchOffsets({ groupId: group }).catch(() => [])
    t.diagnostic(`killed after the delete; the action: ${await action.answer}; group offsets then: ${JSON.stringify(committedAtKill)}`)
    // Right after the delete the old (unclamped) offsets may still show: the coordinator removes them asynchronously.
    const atKill = committedAtKill.find((o) => o.topic === topic)?.partitions
      .sort((a, b) => a.partition - b.partition).map((p) => Number(p.offset))
    assert.notDeepEqual(atKill, failoverEnds, 'the kill came before the clamped offsets were committed')

    await restartAndWaitRestored(topic)
    await waitFor('the clamped group offsets committed again', async () => (await groupOffsets(group, topic)).every((o) => o >= 0), 60_000)
    assert.deepEqual(await groupOffsets(group, topic), failoverEnds)
    const sides = (await primaryAdmin.listTopics()).filter((name) => name.startsWith(`${topic}.truncated-`))
    assert.equal(sides.length, 1)
    assert.equal((await ends(primaryAdmin, sides[0]!)).reduce((a, b) => a + b, 0), partitions * 5)
    await promoteAndCheckNoDenials(topic)
  })

  test('truncate-and-restore that cannot go on after a restart should stop STOPPED saying why, leaving no side topic and no denial',
    async (t) => {
      const topic = `fbk-abandon-${run}`
      const [partitions, tail] = [2, 300]
      await failedOverMirror(topic, partitions, 5)
      await writeTail(primary, topic, partitions, tail, 'lost')
      const before = await ends(primaryAdmin, topic)
      const action = sendAction('truncate-and-restore', topic)
      const sides = async () => (await primaryAdmin.listTopics()).filter((name) => name.startsWith(`${topic}.truncated-`))
      await waitToKill('the side topic created', action, async () => (await sides()).length > 0)
      await engine.kill()
      t.diagnostic(`killed once the side topic existed; the action: ${await action.answer}`)
      // While the engine is down, a consumer starts on the old primary topic: its offsets must not be reset under it.
      const consumer = new Kafka({ clientId: 'failback-kill', brokers: [primary.bootstrapServers], logLevel: logLevel.NOTHING })
        .consumer({ groupId: `busy-${run}` })
      await consumer.connect()
      await consumer.subscribe({ topic, fromBeginning: true })
      await consumer.run({ autoCommitInterval: 100, eachMessage: async () => undefined })
      try {
        await waitFor('the busy group committed', async () => (await groupOffsets(`busy-${run}`, topic)).some((o) => o >= 0), 60_000)
        await engine.start()
        let last: Record<string, unknown> | undefined
        await waitFor(() => `${topic} STOPPED after the abandoned restore: ${JSON.stringify(last)}`, async () => {
          last = await engine.client.getMirror(LINK, topic, { includeStateTransitionErrors: true }) as Record<string, unknown>
          return last.mirror_status === 'STOPPED'
        }, 120_000, 250)
        const errors = JSON.stringify(last?.mirror_state_transition_errors)
        assert.match(errors, /RESTORE_FAILED.*consumer groups busy-.* are active on .*stop their consumers and retry/, errors)
        assert.equal(last?.mirror_direction, 'FORWARD')
        await waitFor('the partial side topic deleted', async () => (await sides()).length === 0, 60_000)
        assert.deepEqual(await denials(topic), [], 'the primary topic is writable again')
        assert.deepEqual(await ends(primaryAdmin, topic), before, 'the primary topic still holds every record')
      } finally {
        await consumer.disconnect()
      }
      // Retrying once the consumers stopped starts again cleanly: every record set aside once.
      const [retried] = await engine.client.alterMirrors(LINK, 'truncate-and-restore', { mirrorTopicNames: [topic] })
      assert.equal(retried?.error_code ?? null, null, JSON.stringify(retried))
      assert.equal(retried?.messages_truncated, partitions * tail)
      await waitFor('restored', async () => (await mirrorOf(topic))?.mirror_direction === 'REVERSE', 60_000)
      assert.equal((await sides()).length, 1)
      assert.equal((await ends(primaryAdmin, (await sides())[0]!)).reduce((a, b) => a + b, 0), partitions * tail)
    })

  test('reverse-and-start killed after the primary was write-denied should flip after a restart, copying only DR\'s new records', async (t) => {
    const topic = `fbk-reverse-${run}`
    const partitions = 24
    await failedOverMirror(topic, partitions, 3)
    const before = await ends(primaryAdmin, topic)
    const action = sendAction('reverse-and-start-mirror', topic)
    await waitToKill('the primary topic write-denied', action, async () => (await denials(topic)).includes(WRITER))
    await engine.kill()
    t.diagnostic(`killed once the primary was write-denied; the action: ${await action.answer}`)
    assert.match(await action.answer, /no answer/, 'the kill came before the reverse answered')
    assert.deepEqual(await ends(primaryAdmin, topic), before, 'nothing was copied before the kill')

    await restartAndWaitRestored(topic)
    assert.deepEqual((await ends(primaryAdmin, topic)).map((e, p) => e - before[p]!), Array(partitions).fill(3), 'only DR\'s new records copied')
    await promoteAndCheckNoDenials(topic)
  })
})
