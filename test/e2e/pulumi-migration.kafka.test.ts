// End to end with the real Pulumi CLI, a real engine and real brokers: the migration example mirrors every topic, then promotes
// batch by batch; a SASL source keeps its credentials secret.
import { after, before, describe, test } from 'node:test'
import assert from 'node:assert/strict'
import { Kafka, logLevel } from 'kafkajs'
import { startKafkaCluster } from '../../cli/local/kafka-cluster.ts'
import { startLocalStack, type LocalStack } from '../../cli/local/local-stack.ts'
import { migration, type MigrationOptions } from '../../examples/pulumi/migration/program.ts'
import { waitForMirror, type EngineClient } from '../../provider/client/index.ts'
import { ClusterLink, MirrorTopic } from '../../provider/pulumi/index.ts'
import { createTestStack, createTopics, deleteTopics, engineClientOf, isFullyMirrored, produce, readStoredState, verifyMirror, waitFor, type TestStack } from './pulumi-harness.ts'

describe('Pulumi migration example', { timeout: 600_000 }, () => {
  const id = Date.now().toString(36)
  const linkName = `migrate-${id}`
  const batches = [[`billing-${id}`], [`orders-${id}`, `audit-${id}`]]
  const topics = batches.flat()
  let local: LocalStack
  let client: EngineClient
  let source: string
  let destination: string
  let testStack: TestStack
  let options: MigrationOptions

  before(async () => {
    try {
      local = await startLocalStack({ clusters: 2 })
    } catch (error) {
      throw new Error(`the local stack (Kafka clusters + clusterlink engine) did not start, so the Pulumi end-to-end test cannot run: ${(error as Error).message}`)
    }
    client = engineClientOf(local)
    destination = local.clusters[0]!.bootstrapServers
    source = local.clusters[1]!.bootstrapServers
    await createTopics(source, topics)
    for (const topic of topics) await produce(source, topic, 100, 'initial')
    options = { linkName, oldClusterBootstrapServers: source, batches, promotedBatches: 0, promoteTimeoutMs: 120_000 }
    testStack = await createTestStack({ projectName: 'clusterlink-migration', program: async () => migration(options), engine: local.engine })
  })

  after(async () => {
    await testStack?.dispose({ destroy: true })
    if (local) {
      await deleteTopics(destination, topics).catch(() => undefined)
      await local.stop()
    }
  })

  const statuses = async (): Promise<Record<string, string>> =>
    Object.fromEntries((await client.listMirrors(linkName)).map((m) => [m.mirror_topic_name, m.mirror_status]))

  test('up should mirror every topic of every batch at identical offsets', async () => {
    const result = await testStack.stack.up()
    assert.equal(result.summary.resourceChanges?.create, 1 + 1 + topics.length)
    assert.deepEqual(await statuses(), Object.fromEntries(topics.map((t) => [t, 'ACTIVE'])))
    for (const topic of topics) {
      await waitFor(`${topic} mirrored`, async () => {
        const v = await verifyMirror(source, destination, topic)
        return isFullyMirrored(v, 100) ? true : undefined
      }, 120_000)
    }
  })

  test('a mirror paused behind Pulumi\'s back should show as drift and up --refresh should resume it', async () => {
    await client.alterMirror(linkName, 'pause', batches[1]![0]!)
    await assert.rejects(testStack.stack.preview({ refresh: true, expectNoChanges: true }), /no changes were expected/)
    const repaired = await testStack.stack.up({ refresh: true })
    assert.equal(repaired.summary.resourceChanges?.update, 1)
    assert.equal((await statuses())[batches[1]![0]!], 'ACTIVE')
  })

  test('promoting the first batch should stop only its mirrors, in place, and make them writable', async () => {
    await produce(source, batches[0]![0]!, 40, 'late')
    options = { ...options, promotedBatches: 1 }
    const result = await testStack.stack.up()
    assert.equal(result.summary.resourceChanges?.update, 1)
    assert.equal(result.summary.resourceChanges?.replace ?? 0, 0)
    const now = await statuses()
    assert.equal(now[batches[0]![0]!], 'STOPPED')
    assert.equal(now[batches[1]![0]!], 'ACTIVE')
    const verified = await verifyMirror(source, destination, batches[0]![0]!)
    assert.equal(verified.result?.identical, true, verified.stderr)
    assert.ok(isFullyMirrored(verified, 140), JSON.stringify(verified.result?.partitions))
    await produce(destination, batches[0]![0]!, 5, 'new-primary')
  })

  test('promoting the second batch should finish the migration and destroy should leave nothing on the engine', async () => {
    options = { ...options, promotedBatches: 2 }
    const result = await testStack.stack.up()
    assert.equal(result.summary.resourceChanges?.update, 2)
    assert.deepEqual(await statuses(), Object.fromEntries(topics.map((t) => [t, 'STOPPED'])))
    await testStack.stack.preview({ refresh: true, expectNoChanges: true })
    await testStack.stack.destroy()
    assert.equal(await client.findLink(linkName), undefined)
    assert.deepEqual((await client.listMirrors()).filter((m) => m.link_name === linkName), [])
  })

  test('a source that needs SASL credentials should be linked with credentials that stay encrypted in state', async () => {
    const password = `pw-${id}-secret`
    const saslSource = await startKafkaCluster({ name: `sasl-${id}`, security: { protocol: 'SASL_PLAINTEXT', mechanism: 'SCRAM-SHA-256', users: { mirror: password } } })
    const topic = `secured-${id}`
    const saslLink = `sasl-${id}`
    try {
      const kafka = new Kafka({ clientId: 'pulumi-e2e', brokers: [saslSource.bootstrapServers], logLevel: logLevel.NOTHING, sasl: { mechanism: 'scram-sha-256', username: 'mirror', password } })
      const admin = kafka.admin()
      await admin.connect()
      await admin.createTopics({ topics: [{ topic, numPartitions: 1 }], waitForLeaders: true })
      await admin.disconnect()
      const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1 })
      await producer.connect()
      await producer.send({ topic, acks: -1, messages: Array.from({ length: 12 }, (_, i) => ({ key: `k${i}`, value: `secured ${i}` })) })
      await producer.disconnect()
      const saslStack = await createTestStack({
        projectName: 'clusterlink-sasl',
        engine: local.engine,
        program: async () => {
          const link = new ClusterLink(saslLink, {
            linkName: saslLink, sourceBootstrapServers: saslSource.bootstrapServers, securityProtocol: 'SASL_PLAINTEXT', saslMechanism: 'SCRAM-SHA-256',
            sourceCredentials: { username: 'mirror', password },
          })
          const mirror = new MirrorTopic(topic, { linkName: link.linkName, sourceTopicName: topic, onDelete: 'DELETE_TOPIC' })
          return { credentials: link.sourceCredentials, status: mirror.mirrorStatus }
        },
      })
      try {
        const up = await saslStack.stack.up()
        assert.equal(up.outputs.credentials?.secret, true)
        await waitForMirror(client, saslLink, topic, (m) => m?.mirror_lags?.[0]?.last_source_fetch_offset === 12, 'the 12 records copied from the SASL source', { timeoutMs: 60_000 })
        assert.equal((await client.getLinkConfig(saslLink, 'sasl.password')).value, null)
        const stored = await readStoredState(saslStack.stateDir)
        assert.match(stored, /sourceCredentials/)
        assert.equal(stored.includes(password), false, 'the source password is stored encrypted')
        await saslStack.stack.preview({ refresh: true, expectNoChanges: true })
        await saslStack.stack.destroy()
        assert.equal(await client.findLink(saslLink), undefined)
      } finally {
        await saslStack.dispose({ destroy: true })
      }
    } finally {
      await saslSource.stop()
    }
  })
})
