// Tests of the ClusterLink provider methods against a fake engine: check without network, diff rules, create, read drift,
// update, delete safety, adoption.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { EngineClient } from '../../../provider/client/index.ts'
import { createClusterLinkProvider, type ResourceProviderMethods } from '../../../provider/pulumi/index.ts'
import { FakeEngine } from '../client/fake-engine.ts'

function setup(defaults: { endpoint?: string; token?: string } = { endpoint: 'http://engine.test', token: 't0k' }): { engine: FakeEngine; provider: ResourceProviderMethods } {
  const engine = new FakeEngine({ token: 't0k' })
  const provider = createClusterLinkProvider({
    defaults,
    clientFor: (connection) => new EngineClient({ ...connection, fetch: engine.fetch }),
    pollIntervalMs: 5,
  })
  return { engine, provider }
}

async function checked(provider: ResourceProviderMethods, raw: Record<string, unknown>): Promise<Record<string, unknown>> {
  const result = await provider.check({}, raw)
  assert.deepEqual(result.failures ?? [], [])
  return result.inputs
}

const declared = { linkName: 'dr', sourceBootstrapServers: 'src:9092', configs: { 'consumer.offset.sync.ms': '5000' } }

test('ClusterLink check should validate with the spec, apply defaults and make no network call', async () => {
  const { engine, provider } = setup()
  const bad = await provider.check({}, { linkName: 'dr', sourceBootstrapServers: 'src', configs: { 'no.such.config': 'true' } })
  assert.deepEqual(bad.failures?.map((f) => f.property), ['sourceBootstrapServers', 'configs.no.such.config'])
  const good = await checked(provider, declared)
  assert.equal(good.securityProtocol, 'PLAINTEXT')
  assert.deepEqual(engine.requests, [])
})

test('ClusterLink diff should update configs in place and replace a prefix change, deleting first', async () => {
  const { provider } = setup()
  const olds = await checked(provider, declared)
  assert.deepEqual(await provider.diff('id', olds, await checked(provider, { ...declared, configs: {} })), { changes: true, replaces: [], deleteBeforeReplace: false })
  assert.deepEqual(await provider.diff('id', olds, await checked(provider, { ...declared, prefix: 'dr.' })), { changes: true, replaces: ['prefix'], deleteBeforeReplace: true })
  assert.deepEqual(await provider.diff('id', olds, olds), { changes: false, replaces: [], deleteBeforeReplace: false })
})

test('ClusterLink create should create the link with its configs and output its id and state', async () => {
  const { engine, provider } = setup()
  const { id, outs } = await provider.create(await checked(provider, { ...declared, prefix: 'dr.' }))
  assert.equal(id, 'fake-cluster/dr')
  assert.equal(outs.linkId, 'link-id-1')
  assert.equal(outs.linkState, 'ACTIVE')
  assert.equal(outs.prefix, 'dr.')
  assert.deepEqual(outs.configs, { 'consumer.offset.sync.ms': '5000' })
  assert.equal(outs.clusterId, 'fake-cluster')
  assert.deepEqual(outs.linkTasks, [{ name: 'ConsumerOffsetSync', state: 'ACTIVE', errors: [] }])
  const link = engine.links.get('dr')!
  assert.equal(link.configs.get('bootstrap.servers'), 'src:9092')
  assert.equal(link.configs.get('cluster.link.prefix'), 'dr.')
})

test('ClusterLink create should refuse an existing link unless adopt, and adopt aligns its configs', async () => {
  const { engine, provider } = setup()
  const client = new EngineClient({ endpoint: 'http://engine.test', token: 't0k', fetch: engine.fetch })
  await client.createLink('dr', { configs: [{ name: 'bootstrap.servers', value: 'old:9092' }, { name: 'cluster.link.paused', value: 'true' }] })
  await assert.rejects(provider.create(await checked(provider, declared)), /cluster link dr already exists on the engine .*set adopt: true/)
  const { outs } = await provider.create(await checked(provider, { ...declared, adopt: true }))
  assert.equal(outs.sourceBootstrapServers, 'src:9092')
  assert.deepEqual(outs.configs, { 'consumer.offset.sync.ms': '5000' })
  assert.equal(engine.links.get('dr')!.configs.has('cluster.link.paused'), false)
})

test('ClusterLink create should refuse to adopt a link whose fixed configs differ', async () => {
  const { engine, provider } = setup()
  const client = new EngineClient({ endpoint: 'http://engine.test', token: 't0k', fetch: engine.fetch })
  await client.createLink('dr', { configs: [{ name: 'bootstrap.servers', value: 'src:9092' }, { name: 'cluster.link.prefix', value: 'x.' }] })
  await assert.rejects(provider.create(await checked(provider, { ...declared, adopt: true })), /cannot adopt cluster link dr: cluster.link.prefix is 'x.' on the engine but '' here/)
})

test('ClusterLink create should leave nothing behind when it fails after the link was made', async () => {
  const { engine, provider } = setup()
  engine.failures.push({ match: /^GET .*\/links\/dr\/configs$/, status: 400, message: 'broken' })
  await assert.rejects(provider.create(await checked(provider, declared)), /broken/)
  assert.equal(engine.links.size, 0)
})

test('ClusterLink read should return the engine actual state so drift shows in every field', async () => {
  const { engine, provider } = setup()
  const { id, outs } = await provider.create(await checked(provider, declared))
  const link = engine.links.get('dr')!
  link.configs.set('bootstrap.servers', 'moved:9092')
  link.configs.set('cluster.link.paused', 'true')
  link.configs.delete('consumer.offset.sync.ms')
  link.configs.set('link.mode', 'SOURCE')
  const { props } = await provider.read(id, outs)
  assert.equal(props.sourceBootstrapServers, 'moved:9092')
  assert.equal(props.linkMode, 'SOURCE')
  assert.deepEqual(props.configs, { 'consumer.offset.sync.ms': '30000', 'cluster.link.paused': 'true' })
  const diff = await provider.diff(id, props, await checked(provider, declared))
  assert.deepEqual(diff, { changes: true, replaces: ['linkMode'], deleteBeforeReplace: true })
})

test('ClusterLink read should report a link deleted behind the tool as gone', async () => {
  const { engine, provider } = setup()
  const { id, outs } = await provider.create(await checked(provider, declared))
  engine.links.clear()
  assert.deepEqual(await provider.read(id, outs), { id: '', props: {} })
})

test('ClusterLink update should set changed configs, reset removed ones and resend secrets only when they or their route change',
  async () => {
  const { engine, provider } = setup()
  const withSasl = { ...declared, securityProtocol: 'SASL_PLAINTEXT', sourceCredentials: { username: 'u', password: 'p1' } }
  const { id, outs } = await provider.create(await checked(provider, withSasl))
  engine.requests.length = 0
  const next = await checked(provider, { ...withSasl, sourceBootstrapServers: 'src2:9092', configs: { 'cluster.link.paused': 'true' } })
  const { outs: updated } = await provider.update(id, outs, next)
  const link = engine.links.get('dr')!
  assert.equal(link.configs.get('bootstrap.servers'), 'src2:9092')
  assert.equal(link.configs.get('cluster.link.paused'), 'true')
  assert.equal(link.configs.has('consumer.offset.sync.ms'), false)
  assert.deepEqual(updated.configs, { 'cluster.link.paused': 'true' })
  assert.deepEqual(updated.sourceCredentials, { username: 'u', password: 'p1' })
  link.configs.set('sasl.password', 'untouched-marker')
  await provider.update(id, updated, next)
  assert.equal(link.configs.get('sasl.password'), 'untouched-marker')
  await provider.update(id, updated, await checked(provider, { ...withSasl, sourceCredentials: { username: 'u', password: 'p2' }, configs: { 'cluster.link.paused': 'true' }, sourceBootstrapServers: 'src2:9092' }))
  assert.equal(link.configs.get('sasl.password'), 'p2')
})

test('ClusterLink update should move the bootstrap servers of a link with a password, sending it in the same request', async () => {
  const engine = new FakeEngine()
  const alterBodies: { name: string; value?: string; operation?: string }[][] = []
  const recording: typeof fetch = async (input, init) => {
    if (String(input).includes('/configs:alter')) alterBodies.push((JSON.parse(String(init?.body)) as { data: [] }).data)
    return engine.fetch(input, init)
  }
  const clientFor = (c: { endpoint: string }): EngineClient => new EngineClient({ ...c, fetch: recording })
  const provider = createClusterLinkProvider({ defaults: { endpoint: 'http://engine.test' }, clientFor })
  const credentials = { securityProtocol: 'SASL_SSL', sourceCredentials: { username: 'u', password: 'p1' } }
  const withSasl = { linkName: 'dr', sourceBootstrapServers: 'src:9092', ...credentials }
  const { id, outs } = await provider.create(await checked(provider, withSasl))
  const client = new EngineClient({ endpoint: 'http://engine.test', fetch: engine.fetch })
  const redirect = [{ name: 'bootstrap.servers', value: 'evil:9092', operation: 'SET' as const }]
  await assert.rejects(client.alterLinkConfigs('dr', redirect), /also SET sasl.password/)
  const { outs: updated } = await provider.update(id, outs, await checked(provider, { ...withSasl, sourceBootstrapServers: 'src2:9092' }))
  assert.equal(updated.sourceBootstrapServers, 'src2:9092')
  assert.equal(alterBodies.length, 1)
  assert.deepEqual(alterBodies[0]?.filter((op) => op.name === 'bootstrap.servers' || op.name === 'sasl.password'), [
    { name: 'bootstrap.servers', value: 'src2:9092', operation: 'SET' },
    { name: 'sasl.password', value: 'p1', operation: 'SET' },
  ])
  assert.equal(engine.links.get('dr')!.configs.get('sasl.password'), 'p1')
})

test('ClusterLink delete should refuse while mirrors are not STOPPED, unless forced', async () => {
  const { engine, provider } = setup()
  const { id, outs } = await provider.create(await checked(provider, declared))
  const client = new EngineClient({ endpoint: 'http://engine.test', token: 't0k', fetch: engine.fetch })
  await client.createMirror('dr', { source_topic_name: 'orders' })
  await assert.rejects(provider.delete(id, outs), /still has 1 mirror topic\(s\) that are not STOPPED: orders \(ACTIVE\).*forceDelete: true/)
  assert.ok(engine.links.has('dr'))
  await provider.delete(id, { ...outs, forceDelete: true })
  assert.equal(engine.links.has('dr'), false)
  await provider.delete(id, outs)
})

test('ClusterLink methods should take the endpoint and token from inputs over stack config, and say where to set them', async () => {
  const { provider } = setup({})
  await assert.rejects(provider.create(await checked(provider, declared)), /no clusterlink engine endpoint: set the endpoint input, or run: pulumi config set clusterlink:endpoint/)
  const { outs } = await provider.create(await checked(provider, { ...declared, endpoint: 'http://engine.test', token: 't0k' }))
  assert.equal(outs.linkState, 'ACTIVE')
})
