// End to end with the real Pulumi CLI, a real engine and real brokers: the disaster-recovery example through up, in-place update,
// drift, repair, promote, destroy, and adoption.
import { after, before, describe, test } from 'node:test'
import assert from 'node:assert/strict'
import { startLocalStack, type LocalStack } from '../../cli/local/local-stack.ts'
import { disasterRecovery, type DisasterRecoveryOptions } from '../../examples/pulumi/disaster-recovery/program.ts'
import { ClusterLink, MirrorTopic } from '../../provider/pulumi/index.ts'
import type { EngineClient } from '../../provider/client/index.ts'
import { createTestStack, createTopics, deleteTopics, engineClientOf, isFullyMirrored, kafkaOf, produce, readStoredState, verifyMirror, waitFor, type TestStack } from './pulumi-harness.ts'

describe('Pulumi disaster-recovery example', { timeout: 600_000 }, () => {
  const id = Date.now().toString(36)
  const linkName = `dr-${id}`
  const topics = [`orders-${id}`, `payments-${id}`]
  let local: LocalStack
  let client: EngineClient
  let source: string
  let destination: string
  let test1: TestStack
  let options: DisasterRecoveryOptions

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
    for (const topic of topics) await produce(source, topic, 200, 'before-up')
    options = { linkName, primaryBootstrapServers: source, topics, offsetSyncMs: 5000 }
    test1 = await createTestStack({ projectName: 'clusterlink-dr', program: async () => disasterRecovery(options), engine: local.engine })
  })

  after(async () => {
    await test1?.dispose({ destroy: true })
    if (local) {
      await deleteTopics(destination, topics).catch(() => undefined)
      await local.stop()
    }
  })

  test('up should create the link and mirror topics that copy records at identical offsets', async () => {
    const result = await test1.stack.up()
    assert.equal(result.summary.result, 'succeeded')
    assert.equal(result.summary.resourceChanges?.create, 1 + 1 + topics.length)
    assert.equal(result.outputs.linkState?.value, 'ACTIVE')
    assert.ok(String(result.outputs.linkId?.value).length > 0)
    const mirrors = result.outputs.mirrors?.value as Record<string, { status: string; partitionCount: number }>
    assert.deepEqual(Object.keys(mirrors).sort(), [...topics].sort())
    assert.equal(mirrors[topics[0]!]!.status, 'ACTIVE')
    assert.equal(mirrors[topics[0]!]!.partitionCount, 2)
    const link = await client.getLink(linkName)
    assert.deepEqual([...(link.topic_names ?? [])].sort(), [...topics].sort())
    for (const topic of topics) {
      const verified = await waitFor(`${topic} mirrored at identical offsets`, async () => {
        const v = await verifyMirror(source, destination, topic)
        return isFullyMirrored(v, 200) ? v : undefined
      }, 120_000)
      assert.equal(verified.result?.identical, true)
    }
  })

  test('a config change should update the link in place', async () => {
    options = { ...options, offsetSyncMs: 2000 }
    const result = await test1.stack.up()
    assert.equal(result.summary.resourceChanges?.update, 1)
    assert.equal(result.summary.resourceChanges?.replace ?? 0, 0)
    assert.equal(result.summary.resourceChanges?.create ?? 0, 0)
    const config = await client.getLinkConfig(linkName, 'consumer.offset.sync.ms')
    assert.equal(config.value, '2000')
  })

  test('preview should make no call to the engine', async () => {
    await test1.stack.setConfig('clusterlink:endpoint', { value: 'http://127.0.0.1:9' })
    try {
      const preview = await test1.stack.preview({ expectNoChanges: true })
      assert.equal(preview.changeSummary.same, 1 + 1 + topics.length)
    } finally {
      await test1.stack.setConfig('clusterlink:endpoint', { value: local.engine.url })
    }
  })

  test('consumer offset sync should copy a committed consumer group offset to the DR cluster', async () => {
    const groupId = `dr-consumers-${id}`
    const sourceAdmin = kafkaOf(source).admin()
    const destinationAdmin = kafkaOf(destination).admin()
    await Promise.all([sourceAdmin.connect(), destinationAdmin.connect()])
    try {
      const ends = await sourceAdmin.fetchTopicOffsets(topics[0]!)
      const committed = ends.map((end) => ({ partition: end.partition, offset: String(Math.floor(Number(end.high) / 2)) }))
      await sourceAdmin.setOffsets({ groupId, topic: topics[0]!, partitions: committed })
      const synced = await waitFor(`offsets of ${groupId} on the DR cluster`, async () => {
        const [fetched] = await destinationAdmin.fetchOffsets({ groupId, topics: [topics[0]!] })
        const byPartition = Object.fromEntries((fetched?.partitions ?? []).map((p) => [p.partition, p.offset]))
        return committed.every((c) => byPartition[c.partition] === c.offset) ? byPartition : undefined
      }, 60_000)
      assert.deepEqual(synced, Object.fromEntries(committed.map((c) => [c.partition, c.offset])))
    } finally {
      await Promise.all([sourceAdmin.disconnect(), destinationAdmin.disconnect()])
    }
  })

  test('a change behind Pulumi\'s back should fail preview --refresh --expect-no-changes, and up --refresh should repair it', async () => {
    await test1.stack.preview({ refresh: true, expectNoChanges: true })
    await client.alterLinkConfigs(linkName, [{ name: 'consumer.offset.sync.ms', value: '9999' }, { name: 'cluster.link.paused', value: 'false', operation: 'SET' }])
    await client.alterMirror(linkName, 'pause', topics[1]!)
    await assert.rejects(test1.stack.preview({ refresh: true, expectNoChanges: true }), /no changes were expected/)
    const repaired = await test1.stack.up({ refresh: true })
    assert.equal(repaired.summary.resourceChanges?.update, 2)
    assert.equal((await client.getLinkConfig(linkName, 'consumer.offset.sync.ms')).value, '2000')
    assert.equal((await client.getLinkConfig(linkName, 'cluster.link.paused')).is_default, true)
    assert.equal((await client.getMirror(linkName, topics[1]!)).mirror_status, 'ACTIVE')
    await test1.stack.preview({ refresh: true, expectNoChanges: true })
  })

  test('state should hold no engine token and only a small provider that loads the current code', async () => {
    const stored = await readStoredState(test1.stateDir)
    assert.match(stored, /clusterlink:token/)
    assert.equal(stored.includes(local.engine.token), false, 'the engine token from stack config is stored encrypted')
    const deployment = (await test1.stack.exportStack()).deployment as { resources: { type: string; inputs?: Record<string, unknown> }[] }
    const link = deployment.resources.find((r) => r.type === 'pulumi-nodejs:dynamic/clusterlink:ClusterLink')
    assert.ok(link, 'the ClusterLink type token is pulumi-nodejs:dynamic/clusterlink:ClusterLink')
    assert.ok(deployment.resources.some((r) => r.type === 'pulumi-nodejs:dynamic/clusterlink:MirrorTopic'))
    const serialized = await test1.stack.exportStack().then((s) => JSON.stringify(s.deployment))
    assert.match(serialized, /provider-handlers\.ts/)
    assert.doesNotMatch(serialized, /alterLinkConfigs|planConfigChanges/)
  })

  test('status PROMOTED should wait for lag 0, stop mirroring, and leave topics that accept producers', async () => {
    await produce(source, topics[0]!, 50, 'before-promote')
    options = { ...options, status: 'PROMOTED' }
    const result = await test1.stack.up()
    const mirrors = result.outputs.mirrors?.value as Record<string, { status: string; mirrorStatus: string; totalLag: number }>
    for (const topic of topics) {
      assert.equal(mirrors[topic]!.status, 'PROMOTED')
      assert.equal(mirrors[topic]!.mirrorStatus, 'STOPPED')
      assert.equal(mirrors[topic]!.totalLag, 0)
    }
    const verified = await verifyMirror(source, destination, topics[0]!)
    assert.equal(verified.result?.identical, true, verified.stderr)
    assert.ok(isFullyMirrored(verified, 250), JSON.stringify(verified.result?.partitions))
    const sent = await produce(destination, topics[0]!, 10, 'after-promote')
    for (const { partition, baseOffset } of sent) {
      const sourceEnd = verified.result!.partitions.find((p) => p.partition === partition)?.sourceEndOffset
      assert.ok(BigInt(baseOffset) >= BigInt(sourceEnd ?? '0'), `partition ${partition}: new records go after the mirrored ones`)
    }
    await test1.stack.preview({ refresh: true, expectNoChanges: true })
  })

  test('destroy should leave nothing on the engine', async () => {
    const result = await test1.stack.destroy()
    assert.equal(result.summary.result, 'succeeded')
    assert.equal(await client.findLink(linkName), undefined)
    const left = (await client.listMirrors()).filter((m) => m.link_name === linkName)
    assert.deepEqual(left, [])
  })

  test('adopt should take over a link created outside Pulumi and keep an explicit token secret', async () => {
    const adoptName = `adopted-${id}`
    await client.createLink(adoptName, { configs: [{ name: 'bootstrap.servers', value: source }, { name: 'cluster.link.paused', value: 'true' }] })
    const stack = await createTestStack({
      projectName: 'clusterlink-adopt',
      engine: { url: 'http://127.0.0.1:9', token: 'not-this-one' },
      program: async () => {
        const link = new ClusterLink(adoptName, {
          linkName: adoptName, sourceBootstrapServers: source, adopt: true, endpoint: local.engine.url, token: local.engine.token,
        })
        return { linkId: link.linkId }
      },
    })
    try {
      const refused = await createTestStack({
        projectName: 'clusterlink-adopt-refused',
        engine: local.engine,
        program: async () => ({ link: new ClusterLink(adoptName, { linkName: adoptName, sourceBootstrapServers: source }).linkId }),
      })
      await assert.rejects(refused.stack.up(), /already exists on the engine .*set adopt: true/)
      await refused.dispose()
      const result = await stack.stack.up()
      assert.equal(result.outputs.linkId?.value, (await client.getLink(adoptName)).cluster_link_id)
      assert.equal((await client.getLinkConfig(adoptName, 'cluster.link.paused')).is_default, true)
      const stored = await readStoredState(stack.stateDir)
      assert.match(stored, /"token"/)
      assert.equal(stored.includes(local.engine.token), false, 'an explicit token is stored encrypted in inputs and outputs')
      await stack.stack.destroy()
      assert.equal(await client.findLink(adoptName), undefined)
    } finally {
      await stack.dispose()
    }
  })

  test('a mirror topic the engine refuses should fail the up with its message and leave no mirror behind', async () => {
    const missing = `no-such-topic-${id}`
    const failing = await createTestStack({
      projectName: 'clusterlink-failed-create',
      engine: local.engine,
      program: async () => {
        const link = new ClusterLink(`failing-${id}`, { linkName: `failing-${id}`, sourceBootstrapServers: source })
        return { mirror: new MirrorTopic(missing, { linkName: link.linkName, sourceTopicName: missing }).mirrorStatus }
      },
    })
    try {
      await assert.rejects(failing.stack.up(), new RegExp(missing))
      assert.deepEqual((await client.listMirrors()).filter((m) => m.mirror_topic_name === missing), [])
      await failing.stack.destroy()
      assert.equal(await client.findLink(`failing-${id}`), undefined)
    } finally {
      await failing.dispose()
    }
  })
})
