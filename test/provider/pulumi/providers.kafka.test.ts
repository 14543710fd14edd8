// Each provider method of ClusterLink and MirrorTopic against a real engine and real brokers (no Pulumi CLI): create, read,
// update, delete, adoption, status changes.
import { after, before, describe, test } from 'node:test'
import assert from 'node:assert/strict'
import { startLocalStack, type LocalStack } from '../../../cli/local/local-stack.ts'
import { EngineClient, waitForMirror } from '../../../provider/client/index.ts'
import { createClusterLinkProvider, createMirrorTopicProvider, type ProviderContext, type ResourceProviderMethods } from '../../../provider/pulumi/index.ts'
import { createTopics, deleteTopics, kafkaOf, produce } from '../../e2e/pulumi-harness.ts'

describe('Pulumi provider methods on a real engine', { timeout: 300_000 }, () => {
  const id = Date.now().toString(36)
  const linkName = `methods-${id}`
  const topics = { a: `alpha-${id}`, b: `beta-${id}`, c: `gamma-${id}`, d: `delta-${id}`, e: `epsilon-${id}` }
  let local: LocalStack
  let client: EngineClient
  let links: ResourceProviderMethods
  let mirrors: ResourceProviderMethods
  let source: string
  let destination: string
  let linkOuts: Record<string, unknown>

  before(async () => {
    local = await startLocalStack({ clusters: 2 })
    destination = local.clusters[0]!.bootstrapServers
    source = local.clusters[1]!.bootstrapServers
    client = new EngineClient({ endpoint: local.engine.url, token: local.engine.token })
    const context: ProviderContext = {
      defaults: { endpoint: local.engine.url, token: local.engine.token },
      clientFor: (connection) => new EngineClient(connection),
      pollIntervalMs: 100,
    }
    links = createClusterLinkProvider(context)
    mirrors = createMirrorTopicProvider(context)
    await createTopics(source, Object.values(topics))
    for (const topic of Object.values(topics)) await produce(source, topic, 30, 'methods')
  })

  after(async () => {
    if (!local) return
    await client.deleteLink(linkName, { force: true }).catch(() => undefined)
    await deleteTopics(destination, Object.values(topics)).catch(() => undefined)
    await local.stop()
  })

  /** High watermark per partition, read with kafkajs (not the engine). */
  async function highWatermarks(bootstrap: string, topic: string): Promise<Record<number, number>> {
    const admin = kafkaOf(bootstrap).admin()
    await admin.connect()
    try {
      return Object.fromEntries((await admin.fetchTopicOffsets(topic)).map((p) => [p.partition, Number(p.high)]))
    } finally {
      await admin.disconnect()
    }
  }

  async function checked(
    provider: ResourceProviderMethods, raw: Record<string, unknown>, olds: Record<string, unknown> = {},
  ): Promise<Record<string, unknown>> {
    const result = await provider.check(olds, raw)
    assert.deepEqual(result.failures ?? [], [])
    return result.inputs
  }

  test('ClusterLink create, read and update should round-trip every field through the engine', async () => {
    const created = await links.create(await checked(links, { linkName, sourceBootstrapServers: source, configs: { 'consumer.offset.sync.ms': '4000' } }))
    linkOuts = created.outs
    assert.equal(created.id, `${local.engine.clusterId}/${linkName}`)
    assert.equal(linkOuts.linkState, 'ACTIVE')
    assert.deepEqual(linkOuts.configs, { 'consumer.offset.sync.ms': '4000' })
    await client.setLinkConfig(linkName, 'topic.config.sync.ms', '6000')
    const read = await links.read(created.id, linkOuts)
    assert.deepEqual(read.props.configs, { 'consumer.offset.sync.ms': '4000', 'topic.config.sync.ms': '6000' })
    assert.equal(read.props.linkMode, 'DESTINATION')
    const news = await checked(links, { linkName, sourceBootstrapServers: source, configs: { 'cluster.link.paused': 'false', 'consumer.offset.sync.ms': '3000' } })
    assert.deepEqual(await links.diff(created.id, read.props, news), { changes: true, replaces: [], deleteBeforeReplace: false })
    const updated = await links.update(created.id, read.props, news)
    assert.deepEqual(updated.outs.configs, { 'cluster.link.paused': 'false', 'consumer.offset.sync.ms': '3000' })
    assert.equal((await client.getLinkConfig(linkName, 'topic.config.sync.ms')).is_default, true)
    linkOuts = updated.outs
  })

  test('MirrorTopic create, pause, resume and failover should drive the engine mirror', async () => {
    const { id: mirrorId, outs } = await mirrors.create(await checked(mirrors, { linkName, sourceTopicName: topics.a, status: 'PAUSED' }))
    assert.equal(outs.mirrorStatus, 'PAUSED')
    assert.equal(outs.partitionCount, 2)
    const active = await mirrors.update(mirrorId, outs, await checked(mirrors, { linkName, sourceTopicName: topics.a }, outs))
    assert.equal(active.outs.mirrorStatus, 'ACTIVE')
    // the copiers run again once a new source record arrives at the destination (the engine reports ACTIVE before that)
    await produce(source, topics.a, 1, 'after-resume')
    const sourceEnds = await highWatermarks(source, topics.a)
    await waitForMirror(client, linkName, topics.a, (m) => (m?.mirror_lags ?? []).every((l) => l.last_source_fetch_offset === sourceEnds[l.partition]), 'the resumed copiers', { timeoutMs: 60_000 })
    await client.alterMirror(linkName, 'pause', topics.a)
    const drifted = await mirrors.read(mirrorId, active.outs)
    assert.equal(drifted.props.status, 'PAUSED')
    const failedOver = await mirrors.update(mirrorId, drifted.props, await checked(mirrors, { linkName, sourceTopicName: topics.a, status: 'FAILED_OVER' }, outs))
    assert.equal(failedOver.outs.mirrorStatus, 'STOPPED')
    assert.equal(failedOver.outs.status, 'FAILED_OVER')
    await assert.rejects(mirrors.diff(mirrorId, failedOver.outs, await checked(mirrors, { linkName, sourceTopicName: topics.a })), /cannot go back to ACTIVE/)
  })

  test('MirrorTopic PROMOTED should stop at lag 0 with every source record copied', async () => {
    const { id: mirrorId, outs } = await mirrors.create(await checked(mirrors, { linkName, sourceTopicName: topics.b }))
    await produce(source, topics.b, 20, 'late')
    const promoted = await mirrors.update(mirrorId, outs, await checked(mirrors, { linkName, sourceTopicName: topics.b, status: 'PROMOTED', promoteTimeoutMs: 60_000 }, outs))
    assert.equal(promoted.outs.mirrorStatus, 'STOPPED')
    assert.equal(promoted.outs.totalLag, 0)
    assert.deepEqual(await highWatermarks(destination, topics.b), await highWatermarks(source, topics.b))
  })

  test('MirrorTopic adopt should take over a mirror made through the API, and DELETE_TOPIC should remove it', async () => {
    await client.createMirror(linkName, { source_topic_name: topics.c })
    await assert.rejects(mirrors.create(await checked(mirrors, { linkName, sourceTopicName: topics.c })), /already exists on link .*set adopt: true/)
    const { id: mirrorId, outs } = await mirrors.create(await checked(mirrors, { linkName, sourceTopicName: topics.c, adopt: true, onDelete: 'DELETE_TOPIC' }))
    assert.equal(outs.mirrorTopicName, topics.c)
    await mirrors.delete(mirrorId, outs)
    assert.equal(await client.findMirror(linkName, topics.c), undefined)
    const admin = kafkaOf(destination).admin()
    await admin.connect()
    try {
      assert.equal((await admin.listTopics()).includes(topics.c), false)
    } finally {
      await admin.disconnect()
    }
  })

  test('ClusterLink delete should refuse while a mirror is ACTIVE, then succeed once it is stopped', async () => {
    const { id: mirrorId, outs } = await mirrors.create(await checked(mirrors, { linkName, sourceTopicName: topics.d }))
    await assert.rejects(links.delete(`x/${linkName}`, linkOuts), new RegExp(`${topics.d} \\(ACTIVE\\)`))
    assert.ok(await client.findLink(linkName))
    await mirrors.delete(mirrorId, outs)
    assert.equal((await client.getMirror(linkName, topics.d)).mirror_status, 'STOPPED')
    await links.delete(`x/${linkName}`, linkOuts)
    assert.equal(await client.findLink(linkName), undefined)
  })

  test('MirrorTopic FAILED_OVER should stop a mirror whose source cluster is down and leave a writable topic', async () => {
    const downLink = `down-${id}`
    const link = await links.create(await checked(links, {
      linkName: downLink, sourceBootstrapServers: source,
      configs: { 'availability.check.ms': '500', 'availability.check.consecutive.failure.threshold': '2' },
    }))
    const { id: mirrorId, outs } = await mirrors.create(await checked(mirrors, { linkName: downLink, sourceTopicName: topics.e }))
    const sourceEnds = await highWatermarks(source, topics.e)
    await waitForMirror(client, downLink, topics.e, (m) => (m?.mirror_lags ?? []).every((l) => l.last_source_fetch_offset === sourceEnds[l.partition]), 'every record copied', { timeoutMs: 60_000 })
    await local.clusters[1]!.stop()
    const unavailable = await waitForMirror(client, downLink, topics.e, (m) => m?.mirror_status === 'SOURCE_UNAVAILABLE' || m?.mirror_status === 'FAILED', 'the engine to see the source down', { timeoutMs: 90_000 })
    const failedOver = await mirrors.update(mirrorId, { ...outs, mirrorStatus: unavailable?.mirror_status }, await checked(mirrors, { linkName: downLink, sourceTopicName: topics.e, status: 'FAILED_OVER' }, outs))
    assert.equal(failedOver.outs.mirrorStatus, 'STOPPED')
    assert.deepEqual(await highWatermarks(destination, topics.e), sourceEnds)
    const sent = await produce(destination, topics.e, 3, 'after-failover')
    assert.ok(sent.every(({ partition, baseOffset }) => Number(baseOffset) >= sourceEnds[partition]!))
    await mirrors.delete(mirrorId, failedOver.outs)
    await links.delete(link.id, link.outs)
    assert.equal(await client.findLink(downLink), undefined)
  })
})
