// KafkaStateStore on a real broker: creates a compacted state topic, reads it to the end, honours tombstones, keeps secrets
// encrypted, and follows other replicas' writes.
import assert from 'node:assert/strict'
import { randomUUID } from 'node:crypto'
import { Writable } from 'node:stream'
import { after, before, describe, test } from 'node:test'
import { Kafka, logLevel } from 'kafkajs'
import { startKafkaCluster, type KafkaCluster } from '../../../cli/local/kafka-cluster.ts'
import { isSensitiveLinkConfig } from '../../../engine/link/index.ts'
import { createLogger } from '../../../engine/logging/index.ts'
import { CredentialsCipher, KafkaStateStore, type MirrorState, type MirrorStatusRecord, type StateChange } from '../../../engine/state/index.ts'
import { waitFor } from '../link/fakes.ts'

describe('KafkaStateStore', { timeout: 300_000 }, () => {
  let cluster: KafkaCluster
  const logger = createLogger({ destination: new Writable({ write(_c, _e, done) { done() } }) })
  const cipher = new CredentialsCipher('state-store-key-0123456789')
  before(async () => { cluster = await startKafkaCluster({ name: `state-${randomUUID().slice(0, 8)}` }) })
  after(async () => { await cluster?.stop() })

  const open = (topic: string) => new KafkaStateStore({
    destination: { bootstrapServers: [cluster.bootstrapServers] }, topic, cipher, isSensitive: isSensitiveLinkConfig, logger,
  })
  const mirror = (name: string): MirrorState => ({
    linkName: 'dr', mirrorTopicName: name, sourceTopicName: name, replicationFactor: null, configs: {},
    desiredStatus: 'ACTIVE', pendingPromote: false, stoppedBy: null, createdAtMs: 1, statusChangedAtMs: 1,
  })

  test('KafkaStateStore should create a compacted topic and recover the latest record per key', async () => {
    const topic = `_state-${randomUUID().slice(0, 8)}`
    const writer = open(topic)
    assert.deepEqual(await writer.load(), { links: [], mirrors: [], statuses: [] })
    await writer.putLink({ linkName: 'dr', linkId: 'x', sourceClusterId: null, createdAtMs: 1, configs: { 'bootstrap.servers': 'a:1', 'security.protocol': 'SASL_SSL', 'sasl.username': 'u', 'sasl.password': 'state-secret-pw' } })
    await writer.putLink({ linkName: 'old', linkId: 'y', sourceClusterId: null, createdAtMs: 1, configs: { 'bootstrap.servers': 'a:1' } })
    for (let i = 0; i < 50; i++) await writer.putMirror(mirror(`t${i % 5}`))
    await writer.putMirror({ ...mirror('t1'), desiredStatus: 'PAUSED' })
    await writer.deleteMirror('dr', 't4')
    await writer.deleteLink('old')
    await writer.close()

    const reader = open(topic)
    const snapshot = await reader.load()
    await reader.close()
    assert.deepEqual(snapshot.links.map((l) => l.linkName), ['dr'])
    assert.equal(snapshot.links[0]?.configs['sasl.password'], 'state-secret-pw')
    assert.deepEqual(snapshot.mirrors.map((m) => `${m.mirrorTopicName}:${m.desiredStatus}`).sort(), ['t0:ACTIVE', 't1:PAUSED', 't2:ACTIVE', 't3:ACTIVE'])

    const wrongKey = new KafkaStateStore({ destination: { bootstrapServers: [cluster.bootstrapServers] }, topic, cipher: new CredentialsCipher('another-key-0123456789abcdef'), isSensitive: isSensitiveLinkConfig, logger })
    await assert.rejects(wrongKey.load(), /state record 'link:dr' .*cannot be read .*credentialsKey/)
    await wrongKey.close()

    const kafka = new Kafka({ brokers: [cluster.bootstrapServers], logLevel: logLevel.NOTHING })
    const admin = kafka.admin()
    await admin.connect()
    const configs = await admin.describeConfigs({ resources: [{ type: 2, name: topic, configNames: ['cleanup.policy'] }], includeSynonyms: false })
    await admin.disconnect()
    assert.equal(configs.resources[0]?.configEntries[0]?.configValue, 'compact')
    const consumer = kafka.consumer({ groupId: `raw-${randomUUID()}` })
    const values: string[] = []
    await consumer.connect()
    await consumer.subscribe({ topic, fromBeginning: true })
    await consumer.run({ eachMessage: async ({ message }) => { values.push(message.value?.toString('utf8') ?? '<tombstone>') } })
    await waitFor(() => values.length >= 55, '55 raw state records', 60_000)
    await consumer.disconnect()
    assert.ok(!values.join('\n').includes('state-secret-pw'), 'secret in plaintext in the state topic')
    // The mirror delete also removes its status record: three tombstones.
    assert.equal(values.filter((v) => v === '<tombstone>').length, 3)
  })

  test('KafkaStateStore should deliver every other replica\'s write in order and never echo its own', async (t) => {
    const topic = `_state-${randomUUID().slice(0, 8)}`
    const a = open(topic)
    const b = open(topic)
    await a.load()
    await a.putLink({ linkName: 'dr', linkId: 'x', sourceClusterId: null, createdAtMs: 1, configs: { 'bootstrap.servers': 'a:1' } })
    assert.deepEqual((await b.load()).links.map((l) => l.linkName), ['dr'])
    const seenByA: StateChange[] = []
    const seenByB: StateChange[] = []
    // Followers keep the process alive: close both stores even when an assertion fails.
    t.after(() => Promise.all([a.close(), b.close()]).then(() => undefined))
    a.follow((change) => seenByA.push(change))
    b.follow((change) => seenByB.push(change))
    await a.putMirror(mirror('orders'))
    await a.putMirror({ ...mirror('orders'), desiredStatus: 'PAUSED' })
    const status: MirrorStatusRecord = {
      linkName: 'dr', mirrorTopicName: 'orders', owner: 'member-1', runState: 'ACTIVE', isStopping: false, stateTimeMs: 5, numPartitions: 1,
      partitions: [{ partition: 0, lagRecords: 0, lastSourceFetchOffset: 10, sourceHighWatermark: 10, destinationLogEndOffset: 10 }],
      error: null, transitionErrors: [], publishedAtMs: 6,
    }
    await a.putStatuses([status])
    // B writes the key only after it has followed A's writes, as a replica acts on what it has seen. Otherwise B's own
    // newer write would rightly supersede A's PAUSED before B's follower reached it (the store never delivers an
    // older record of a key), and the sequence below would depend on how fast B's follower ran: the old flaky failure.
    await waitFor(() => seenByB.some((c) => c.kind === 'status'), 'B to follow A\'s writes', 30_000)
    await b.putMirror({ ...mirror('orders'), desiredStatus: 'ACTIVE', statusChangedAtMs: 2 })
    // Likewise A deletes only after it has followed B's write, or its own newer delete would rightly supersede it.
    await waitFor(() => seenByA.some((c) => c.kind === 'mirror'), 'A to follow B\'s write', 30_000)
    await a.deleteMirror('dr', 'orders')
    const describe = (c: StateChange) => c.kind === 'mirror' ? `mirror:${c.mirrorTopicName}:${c.mirror?.desiredStatus ?? 'deleted'}` : c.kind === 'status' ? `status:${c.mirrorTopicName}:${c.status?.runState ?? 'deleted'}` : `link:${c.linkName}`
    await waitFor(() => seenByB.filter((c) => c.kind === 'mirror').length >= 3 && seenByA.filter((c) => c.kind === 'mirror').length >= 1, 'both replicas to follow the writes', 30_000)
    await waitFor(() => seenByB.some((c) => c.kind === 'status' && c.status === null), 'the status tombstone', 30_000)
    assert.deepEqual(seenByB.map(describe), ['mirror:orders:ACTIVE', 'mirror:orders:PAUSED', 'status:orders:ACTIVE', 'mirror:orders:deleted', 'status:orders:deleted'])
    // A sees B's write and its own status records (status is never applied by its owner), never its own desired-state writes.
    assert.deepEqual(seenByA.filter((c) => c.kind === 'mirror').map(describe), ['mirror:orders:ACTIVE'])
    assert.equal((seenByA.find((c) => c.kind === 'mirror') as { mirror: MirrorState } | undefined)?.mirror.statusChangedAtMs, 2)
  })
})
