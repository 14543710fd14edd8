// Tests of the shared link flows against the in-process fake engine: config alignment with credentials, create, adopt, refuse, undo.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { EngineClient } from '../../../provider/client/index.ts'
import { createOrAdoptLink, planLinkConfigChanges } from '../../../provider/lifecycle/index.ts'
import { createRequests } from '../../../provider/lifecycle/link-lifecycle.ts'
import { toLinkConfigs, validateClusterLinkInputs, type ClusterLinkInputs } from '../../../provider/spec/index.ts'
import { FakeEngine } from '../client/fake-engine.ts'

function inputsOf(raw: Record<string, unknown>): ClusterLinkInputs {
  const result = validateClusterLinkInputs(raw)
  assert.ok(result.ok)
  return result.value
}

function setup(): { engine: FakeEngine; client: EngineClient } {
  const engine = new FakeEngine()
  return { engine, client: new EngineClient({ endpoint: 'http://engine.test', fetch: engine.fetch }) }
}

const refuse = (linkName: string): Error => new Error(`refused ${linkName}`)
const hooks = { refuseExisting: refuse, readBack: async () => 'read' }
const declared = { linkName: 'dr', sourceBootstrapServers: 'src:9092', configs: { 'consumer.offset.sync.ms': '5000' } }

test('planLinkConfigChanges should resend a declared password with a route change and only then', () => {
  const desired = { 'bootstrap.servers': 'b2:9092', 'security.protocol': 'SASL_SSL', 'sasl.username': 'u', 'sasl.password': 'p' }
  const observed = [
    { name: 'bootstrap.servers', value: 'b1:9092', is_default: false },
    { name: 'security.protocol', value: 'SASL_SSL', is_default: false },
    { name: 'sasl.username', value: 'u', is_default: false },
    { name: 'sasl.password', value: null, is_default: false, is_sensitive: true },
  ]
  assert.deepEqual(planLinkConfigChanges(desired, observed, desired), [
    { name: 'bootstrap.servers', value: 'b2:9092', operation: 'SET' },
    { name: 'sasl.password', value: 'p', operation: 'SET' },
  ])
  const unmoved = { ...desired, 'bootstrap.servers': 'b1:9092' }
  assert.deepEqual(planLinkConfigChanges(unmoved, observed, unmoved), [])
})

test('createOrAdoptLink should create a new link with every declared config and return the read-back', async () => {
  const { engine, client } = setup()
  const result = await createOrAdoptLink(client, inputsOf(declared), { refuseExisting: refuse, readBack: async () => 'read' })
  assert.equal(result, 'read')
  assert.equal(engine.links.get('dr')?.configs.get('consumer.offset.sync.ms'), '5000')
  assert.equal(engine.links.get('dr')?.configs.get('bootstrap.servers'), 'src:9092')
})

test('createOrAdoptLink should refuse an existing link with the front end error unless adopt, and adopt aligns its configs', async () => {
  const { engine, client } = setup()
  await client.createLink('dr', {
    configs: [{ name: 'bootstrap.servers', value: 'old:9092' }, { name: 'cluster.link.paused', value: 'true' }],
  })
  await assert.rejects(createOrAdoptLink(client, inputsOf(declared), hooks), /^Error: refused dr$/)
  await createOrAdoptLink(client, inputsOf({ ...declared, adopt: true }), { refuseExisting: refuse, readBack: async () => 'read' })
  const configs = engine.links.get('dr')!.configs
  assert.equal(configs.get('bootstrap.servers'), 'src:9092')
  assert.equal(configs.get('consumer.offset.sync.ms'), '5000')
  assert.equal(configs.has('cluster.link.paused'), false)
  assert.equal(engine.requests.filter((r) => r.startsWith('POST') && r.endsWith('/links')).length, 1)
})

test('createOrAdoptLink should adopt a link with a password and a new address by sending the password in the same request', async () => {
  const { engine, client } = setup()
  await client.createLink('dr', { configs: [
    { name: 'bootstrap.servers', value: 'old:9092' }, { name: 'security.protocol', value: 'SASL_SSL' },
    { name: 'sasl.username', value: 'u' }, { name: 'sasl.password', value: 'old' }] })
  const inputs = inputsOf({ ...declared, adopt: true, securityProtocol: 'SASL_SSL', sourceCredentials: { username: 'u', password: 'new' } })
  await createOrAdoptLink(client, inputs, { refuseExisting: refuse, readBack: async () => 'read' })
  assert.equal(engine.links.get('dr')!.configs.get('sasl.password'), 'new')
  assert.equal(engine.links.get('dr')!.configs.get('bootstrap.servers'), 'src:9092')
})

test('createOrAdoptLink should refuse to adopt a link whose fixed configs differ, changing nothing', async () => {
  const { engine, client } = setup()
  await client.createLink('dr', {
    configs: [{ name: 'bootstrap.servers', value: 'old:9092' }, { name: 'cluster.link.prefix', value: 'x.' }],
  })
  await assert.rejects(createOrAdoptLink(client, inputsOf({ ...declared, adopt: true }), hooks),
    /cannot adopt cluster link dr: cluster.link.prefix is 'x.' on the engine but '' here/)
  assert.equal(engine.links.get('dr')!.configs.get('bootstrap.servers'), 'old:9092')
})

test('createOrAdoptLink should delete the link it made when the read-back fails, and never an adopted one', async () => {
  const { engine, client } = setup()
  const failing = { refuseExisting: refuse, readBack: async (): Promise<string> => { throw new Error('read failed') } }
  await assert.rejects(createOrAdoptLink(client, inputsOf(declared), failing), /read failed/)
  assert.equal(engine.links.size, 0)
  await client.createLink('dr', { configs: [{ name: 'bootstrap.servers', value: 'old:9092' }] })
  await assert.rejects(createOrAdoptLink(client, inputsOf({ ...declared, adopt: true }), failing), /read failed/)
  assert.ok(engine.links.has('dr'))
})

test('createRequests should send one request, or for connectionMode INBOUND both halves in order with the connection as local.*', () => {
  const outbound = inputsOf({ ...declared, linkMode: 'BIDIRECTIONAL' })
  const [only, none] = createRequests(outbound, toLinkConfigs(outbound))
  assert.equal(none, undefined)
  assert.deepEqual(only.configs.find((c) => c.name === 'link.mode'), { name: 'link.mode', value: 'BIDIRECTIONAL' })
  const inbound = inputsOf({
    ...declared, sourceClusterId: 'src-id', connectionMode: 'INBOUND', securityProtocol: 'SASL_SSL', sourceCredentials: { username: 'u', password: 'p' },
  })
  const [first, second] = createRequests(inbound, toLinkConfigs(inbound))
  assert.equal(first.source_cluster_id, 'src-id')
  assert.deepEqual(Object.fromEntries(first.configs.map((c) => [c.name, c.value])), {
    'link.mode': 'DESTINATION', 'connection.mode': 'INBOUND', 'consumer.offset.sync.ms': '5000',
  })
  assert.deepEqual(Object.fromEntries(second!.configs.map((c) => [c.name, c.value])), {
    'link.mode': 'SOURCE', 'connection.mode': 'OUTBOUND', 'local.bootstrap.servers': 'src:9092', 'local.security.protocol': 'SASL_SSL',
    'local.sasl.mechanism': 'PLAIN', 'local.sasl.username': 'u', 'local.sasl.password': 'p',
  })
})
