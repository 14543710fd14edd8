// KafkaStateStore on a real broker: creates a compacted state topic, reads it to the end, honours tombstones, keeps secrets encrypted.
import assert from 'node:assert/strict'
import { randomUUID } from 'node:crypto'
import { Writable } from 'node:stream'
import { after, before, describe, test } from 'node:test'
import { Kafka, logLevel } from 'kafkajs'
import { startKafkaCluster, type KafkaCluster } from '../../../cli/local/kafka-cluster.ts'
import { isSensitiveLinkConfig } from '../../../engine/link/index.ts'
import { createLogger } from '../../../engine/logging/index.ts'
import { CredentialsCipher, KafkaStateStore, type MirrorState } from '../../../engine/state/index.ts'
import { waitFor } from '../link/fakes.ts'

describe('KafkaStateStore', { timeout: 300_000 }, () => {
  let cluster: KafkaCluster
  const logger = createLogger({ destination: new Writable({ write(_c, _e, done) { done() } }) })
  const cipher = new CredentialsCipher('state-store-key-0123456789')
  before(async () => { cluster = await startKafkaCluster({ name: `state-${randomUUID().slice(0, 8)}` }) })
  after(async () => { await cluster?.stop() })

  const open = (topic: string) => new KafkaStateStore({ destination: { bootstrapServers: [cluster.bootstrapServers] }, topic, cipher, isSensitive: isSensitiveLinkConfig, logger })
  const mirror = (name: string): MirrorState => ({
    linkName: 'dr', mirrorTopicName: name, sourceTopicName: name, replicationFactor: null, configs: {},
    desiredStatus: 'ACTIVE', pendingPromote: false, stoppedBy: null, createdAtMs: 1, statusChangedAtMs: 1,
  })

  test('KafkaStateStore should create a compacted topic and recover the latest record per key', async () => {
    const topic = `_state-${randomUUID().slice(0, 8)}`
    const writer = open(topic)
    assert.deepEqual(await writer.load(), { links: [], mirrors: [] })
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
    assert.equal(values.filter((v) => v === '<tombstone>').length, 2)
  })
})
