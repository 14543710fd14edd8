// Tests of the tfplugin6 RPC handlers on the clusterlink provider with an in-memory engine: wire values, validation,
// planning with replacement and unknowns, apply, refresh with drift, import, state upgrade, stop.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import type { EngineClient } from '../../../provider/client/index.ts'
import { createClusterlinkProvider } from '../../../provider/terraform/clusterlink-provider.ts'
import { ProviderRpcHandlers } from '../../../provider/terraform/provider-rpc-handlers.ts'
import { conformToBlock } from '../../../provider/terraform/terraform-schema.ts'
import { LINK_RESOURCE_SCHEMA } from '../../../provider/terraform/link-resource.ts'
import { MIRROR_TOPIC_RESOURCE_SCHEMA } from '../../../provider/terraform/mirror-topic-resource.ts'
import { decodeDynamicValue, encodeDynamicValue, isUnknown, UNKNOWN, type TerraformObject } from '../../../provider/terraform/terraform-value.ts'
import { FakeEngine } from './fake-engine-client.ts'

type Diagnostics = { severity: string; summary: string; detail: string; attribute?: { steps: object[] } }[]

function setup(): { engine: FakeEngine; handlers: ProviderRpcHandlers<EngineClient> } {
  const engine = new FakeEngine()
  const definition = { ...createClusterlinkProvider({}), configure: () => engine.engineClient }
  const handlers = new ProviderRpcHandlers(definition)
  const configured = handlers.configureProvider({ config: encodeDynamicValue({ endpoint: 'http://127.0.0.1:1', token: 't', cluster_id: null, request_timeout_ms: null }) })
  assert.deepEqual(configured.diagnostics, [])
  return { engine, handlers }
}

const linkConfig = (extra: TerraformObject = {}): TerraformObject =>
  conformToBlock(LINK_RESOURCE_SCHEMA, { link_name: 'dr', source_bootstrap_servers: 'source:9092', ...extra })

/** What Terraform proposes: the config, with prior values of computed attributes the config leaves null. */
function proposed(config: TerraformObject, prior: TerraformObject | null, schema = LINK_RESOURCE_SCHEMA): TerraformObject {
  const out: Record<string, unknown> = { ...config }
  for (const attribute of schema.attributes) {
    if (attribute.computed && (config[attribute.name] ?? null) === null) out[attribute.name] = prior?.[attribute.name] ?? null
  }
  return out as TerraformObject
}

function plan(
  handlers: ProviderRpcHandlers<EngineClient>, type: string, prior: TerraformObject | null, config: TerraformObject,
  schema = LINK_RESOURCE_SCHEMA,
) {
  const response = handlers.planResourceChange({
    type_name: type,
    prior_state: encodeDynamicValue(prior),
    proposed_new_state: encodeDynamicValue(proposed(config, prior, schema)),
    config: encodeDynamicValue(config),
  }) as { planned_state: { msgpack: Buffer }; requires_replace: { steps: { attribute_name: string }[] }[]; diagnostics: Diagnostics }
  return {
    planned: decodeDynamicValue(response.planned_state) as TerraformObject,
    requiresReplace: response.requires_replace.map((path) => path.steps[0]?.attribute_name), diagnostics: response.diagnostics,
  }
}

type StateResponse = { new_state: { msgpack: Buffer }; diagnostics: Diagnostics }

async function apply(
  handlers: ProviderRpcHandlers<EngineClient>, type: string, prior: TerraformObject | null, planned: TerraformObject | null,
) {
  const response = await handlers.applyResourceChange({
    type_name: type, prior_state: encodeDynamicValue(prior), planned_state: encodeDynamicValue(planned),
  }) as StateResponse
  return { state: decodeDynamicValue(response.new_state) as TerraformObject | null, diagnostics: response.diagnostics }
}

async function read(handlers: ProviderRpcHandlers<EngineClient>, type: string, current: TerraformObject) {
  const response = await handlers.readResource({
    type_name: type, current_state: encodeDynamicValue(current),
  }) as StateResponse
  return decodeDynamicValue(response.new_state) as TerraformObject | null
}

test('getProviderSchema should list both resources and both data sources with plan_destroy', () => {
  const { handlers } = setup()
  const schema = handlers.getProviderSchema() as {
    resource_schemas: object; data_source_schemas: object; server_capabilities: { plan_destroy: boolean }
  }
  assert.deepEqual(Object.keys(schema.resource_schemas).sort(), ['clusterlink_link', 'clusterlink_mirror_topic'])
  assert.deepEqual(Object.keys(schema.data_source_schemas).sort(), ['clusterlink_link', 'clusterlink_mirror_topic'])
  assert.equal(schema.server_capabilities.plan_destroy, true)
  const metadata = handlers.getMetadata() as { resources: { type_name: string }[] }
  assert.equal(metadata.resources.length, 2)
})

test('validateResourceConfig should return diagnostics with attribute paths and skip unknown values', () => {
  const { handlers } = setup()
  const bad = handlers.validateResourceConfig({ type_name: 'clusterlink_link', config: encodeDynamicValue(linkConfig({ configs: { 'cluster.link.paused': 'maybe' } })) }) as { diagnostics: Diagnostics }
  assert.equal(bad.diagnostics.length, 1)
  assert.deepEqual(bad.diagnostics[0]?.attribute?.steps, [{ attribute_name: 'configs' }, { element_key_string: 'cluster.link.paused' }])
  const unknown = handlers.validateResourceConfig({ type_name: 'clusterlink_link', config: encodeDynamicValue(linkConfig({ source_bootstrap_servers: UNKNOWN })) }) as { diagnostics: Diagnostics }
  assert.deepEqual(unknown.diagnostics, [])
  const missing = handlers.validateResourceConfig({ type_name: 'clusterlink_nope', config: encodeDynamicValue({}) }) as { diagnostics: Diagnostics }
  assert.match(missing.diagnostics[0]?.summary ?? '', /Unknown type clusterlink_nope/)
})

test('validateProviderConfig should reject an endpoint that is not an http URL', () => {
  const { handlers } = setup()
  const response = handlers.validateProviderConfig({ config: encodeDynamicValue({ endpoint: 'ftp://x', token: null, cluster_id: null, request_timeout_ms: null }) }) as { diagnostics: Diagnostics }
  assert.match(response.diagnostics[0]?.detail ?? '', /http:\/\/ or https:\/\//)
})

test('configureProvider should refuse a configuration that is not known yet', () => {
  const handlers = new ProviderRpcHandlers(createClusterlinkProvider({}))
  const config = encodeDynamicValue({ endpoint: UNKNOWN, token: null, cluster_id: null, request_timeout_ms: null })
  const response = handlers.configureProvider({ config }) as { diagnostics: Diagnostics }
  assert.match(response.diagnostics[0]?.summary ?? '', /not known yet/)
})

test('a link should be planned, created, read back unchanged and planned again with no change', async () => {
  const { engine, handlers } = setup()
  const config = linkConfig({ configs: { 'topic.config.sync.ms': '10000' } })
  const created = plan(handlers, 'clusterlink_link', null, config)
  assert.equal(created.planned.id, 'dr')
  assert.equal(created.planned.link_mode, 'DESTINATION')
  assert.ok(isUnknown(created.planned.link_state))
  const { state, diagnostics } = await apply(handlers, 'clusterlink_link', null, created.planned)
  assert.deepEqual(diagnostics, [])
  assert.ok(state)
  assert.equal(engine.links.get('dr')?.configs.get('topic.config.sync.ms'), '10000')
  const refreshed = await read(handlers, 'clusterlink_link', state)
  assert.deepEqual(refreshed, state)
  const again = plan(handlers, 'clusterlink_link', state, config)
  assert.deepEqual(again.planned, state)
  assert.deepEqual(again.requiresReplace, [])
})

test('a config changed behind Terraform should show in the refreshed state and be set back by an in-place update', async () => {
  const { engine, handlers } = setup()
  const config = linkConfig({ configs: { 'topic.config.sync.ms': '10000' } })
  const { state } = await apply(handlers, 'clusterlink_link', null, plan(handlers, 'clusterlink_link', null, config).planned)
  engine.links.get('dr')?.configs.set('topic.config.sync.ms', '20000')
  engine.links.get('dr')?.configs.set('cluster.link.paused', 'true')
  const refreshed = await read(handlers, 'clusterlink_link', state as TerraformObject)
  assert.deepEqual(refreshed?.configs, { 'topic.config.sync.ms': '20000', 'cluster.link.paused': 'true' })
  const repair = plan(handlers, 'clusterlink_link', refreshed, config)
  assert.deepEqual(repair.requiresReplace, [])
  assert.ok(isUnknown(repair.planned.link_state), 'volatile outputs are unknown on an update')
  const { state: repaired } = await apply(handlers, 'clusterlink_link', refreshed, repair.planned)
  assert.deepEqual(repaired?.configs, { 'topic.config.sync.ms': '10000' })
  assert.ok(engine.calls.some((call) => call.includes('SET:topic.config.sync.ms') && call.includes('DELETE:cluster.link.paused')))
})

test('a new link name should require replacement', async () => {
  const { handlers } = setup()
  const { state } = await apply(handlers, 'clusterlink_link', null, plan(handlers, 'clusterlink_link', null, linkConfig()).planned)
  const replaced = plan(handlers, 'clusterlink_link', state, linkConfig({ link_name: 'dr2' }))
  assert.deepEqual(replaced.requiresReplace, ['link_name'])
})

test('a password is kept from state (the engine never returns it) and sent again when it changes', async () => {
  const { engine, handlers } = setup()
  const config = linkConfig({ security_protocol: 'SASL_PLAINTEXT', source_credentials: { username: 'u', password: 'p1' } })
  const { state } = await apply(handlers, 'clusterlink_link', null, plan(handlers, 'clusterlink_link', null, config).planned)
  assert.deepEqual(state?.source_credentials, { username: 'u', password: 'p1' })
  const next = linkConfig({ security_protocol: 'SASL_PLAINTEXT', source_credentials: { username: 'u', password: 'p2' } })
  const { state: updated } = await apply(handlers, 'clusterlink_link', state, plan(handlers, 'clusterlink_link', state, next).planned)
  assert.equal(engine.links.get('dr')?.configs.get('sasl.password'), 'p2')
  assert.deepEqual(updated?.source_credentials, { username: 'u', password: 'p2' })
})

test('a bootstrap servers change on a link with a password should send the password again in the same request', async () => {
  const { engine, handlers } = setup()
  const sasl = { security_protocol: 'SASL_SSL', source_credentials: { username: 'u', password: 'p1' } }
  const { state } = await apply(handlers, 'clusterlink_link', null, plan(handlers, 'clusterlink_link', null, linkConfig(sasl)).planned)
  const redirect = [{ name: 'bootstrap.servers', value: 'evil:9092', operation: 'SET' }]
  await assert.rejects(engine.client.alterLinkConfigs('dr', redirect), /also SET sasl.password/)
  const moved = plan(handlers, 'clusterlink_link', state, linkConfig({ ...sasl, source_bootstrap_servers: 'source2:9092' }))
  assert.deepEqual(moved.requiresReplace, [])
  const { state: updated, diagnostics } = await apply(handlers, 'clusterlink_link', state, moved.planned)
  assert.deepEqual(diagnostics, [])
  assert.equal(updated?.source_bootstrap_servers, 'source2:9092')
  assert.ok(engine.calls.includes('alterLinkConfigs dr SET:bootstrap.servers,SET:sasl.password'))
  assert.equal(engine.links.get('dr')?.configs.get('bootstrap.servers'), 'source2:9092')
})

test('a failed create should leave nothing on the engine', async () => {
  const { engine, handlers } = setup()
  const planned = plan(handlers, 'clusterlink_link', null, linkConfig()).planned
  const original = engine.client.listLinkConfigs
  engine.client.listLinkConfigs = async () => { throw new Error('engine went away') }
  const { state, diagnostics } = await apply(handlers, 'clusterlink_link', null, planned)
  engine.client.listLinkConfigs = original
  assert.equal(state, null)
  assert.match(diagnostics[0]?.detail ?? '', /engine went away/)
  assert.equal(engine.links.size, 0)
  assert.ok(engine.calls.includes('deleteLink dr force'))
})

test('destroy should delete the link, and a link already gone should read as null', async () => {
  const { engine, handlers } = setup()
  const { state } = await apply(handlers, 'clusterlink_link', null, plan(handlers, 'clusterlink_link', null, linkConfig()).planned)
  const destroyed = await apply(handlers, 'clusterlink_link', state, null)
  assert.equal(destroyed.state, null)
  assert.equal(engine.links.size, 0)
  assert.equal(await read(handlers, 'clusterlink_link', state as TerraformObject), null)
})

test('importResourceState should turn a link name into a state that reads back in full', async () => {
  const { handlers } = setup()
  const { state } = await apply(handlers, 'clusterlink_link', null, plan(handlers, 'clusterlink_link', null, linkConfig({ prefix: 'dc1.' })).planned)
  const imported = await handlers.importResourceState({ type_name: 'clusterlink_link', id: 'dr' }) as { imported_resources: { state: { msgpack: Buffer } }[] }
  const importedState = decodeDynamicValue(imported.imported_resources[0]?.state) as TerraformObject
  const refreshed = await read(handlers, 'clusterlink_link', importedState)
  assert.equal(refreshed?.prefix, 'dc1.')
  assert.equal(refreshed?.source_bootstrap_servers, state?.source_bootstrap_servers)
  const badId = await handlers.importResourceState({ type_name: 'clusterlink_link', id: 'a b' }) as { diagnostics: Diagnostics }
  assert.match(badId.diagnostics[0]?.detail ?? '', /is not a link name/)
})

test('a mirror topic status change should be planned in place and applied as a pause, then refused back from PROMOTED', async () => {
  const { engine, handlers } = setup()
  await apply(handlers, 'clusterlink_link', null, plan(handlers, 'clusterlink_link', null, linkConfig()).planned)
  const mirrorConfig = (status: string | null): TerraformObject => conformToBlock(MIRROR_TOPIC_RESOURCE_SCHEMA, { link_name: 'dr', source_topic_name: 'orders', status })
  const created = plan(handlers, 'clusterlink_mirror_topic', null, mirrorConfig(null), MIRROR_TOPIC_RESOURCE_SCHEMA)
  assert.ok(isUnknown(created.planned.mirror_topic_name))
  const { state } = await apply(handlers, 'clusterlink_mirror_topic', null, created.planned)
  assert.equal(state?.id, 'dr/orders')
  assert.equal(state?.partition_count, 2)
  const pausing = plan(handlers, 'clusterlink_mirror_topic', state, mirrorConfig('PAUSED'), MIRROR_TOPIC_RESOURCE_SCHEMA)
  assert.deepEqual(pausing.requiresReplace, [])
  const { state: paused } = await apply(handlers, 'clusterlink_mirror_topic', state, pausing.planned)
  assert.equal(engine.mirrors.get('dr/orders')?.mirror_status, 'PAUSED')
  const { state: promoted } = await apply(handlers, 'clusterlink_mirror_topic', paused, plan(handlers, 'clusterlink_mirror_topic', paused, mirrorConfig('PROMOTED'), MIRROR_TOPIC_RESOURCE_SCHEMA).planned)
  assert.equal(promoted?.status, 'PROMOTED')
  assert.equal(promoted?.mirror_status, 'STOPPED')
  const back = plan(handlers, 'clusterlink_mirror_topic', promoted, mirrorConfig('ACTIVE'), MIRROR_TOPIC_RESOURCE_SCHEMA)
  assert.equal(back.diagnostics[0]?.summary, 'Impossible status change')
  assert.match(back.diagnostics[0]?.detail ?? '', /clusterlink_mirror_topic/)
})

test('a mirror topic without mirror_topic_name should find the existing mirror of its default name: refused, or adopted', async () => {
  const { engine, handlers } = setup()
  await apply(handlers, 'clusterlink_link', null, plan(handlers, 'clusterlink_link', null, linkConfig()).planned)
  await engine.client.createMirror('dr', { source_topic_name: 'orders' })
  const mirrorConfig = (adopt: boolean | null): TerraformObject =>
    conformToBlock(MIRROR_TOPIC_RESOURCE_SCHEMA, { link_name: 'dr', source_topic_name: 'orders', adopt })
  const planFor = (adopt: boolean | null) => plan(handlers, 'clusterlink_mirror_topic', null, mirrorConfig(adopt), MIRROR_TOPIC_RESOURCE_SCHEMA).planned
  const refused = await apply(handlers, 'clusterlink_mirror_topic', null, planFor(null))
  assert.equal(refused.state, null)
  assert.match(refused.diagnostics[0]?.detail ?? '', /mirror topic orders already exists on link dr; import it .* or set adopt = true/)
  const adopted = await apply(handlers, 'clusterlink_mirror_topic', null, planFor(true))
  assert.deepEqual(adopted.diagnostics, [])
  assert.equal(adopted.state?.id, 'dr/orders')
  assert.equal(engine.calls.filter((call) => call.startsWith('createMirror')).length, 1)
})

test('an update of state-only attributes should be recorded without calling the engine', async () => {
  const { engine, handlers } = setup()
  await apply(handlers, 'clusterlink_link', null, plan(handlers, 'clusterlink_link', null, linkConfig()).planned)
  const mirrorConfig = (onDelete: string | null): TerraformObject => conformToBlock(MIRROR_TOPIC_RESOURCE_SCHEMA, { link_name: 'dr', source_topic_name: 'orders', on_delete: onDelete })
  const { state } = await apply(handlers, 'clusterlink_mirror_topic', null, plan(handlers, 'clusterlink_mirror_topic', null, mirrorConfig(null), MIRROR_TOPIC_RESOURCE_SCHEMA).planned)
  const next = plan(handlers, 'clusterlink_mirror_topic', state, mirrorConfig('DELETE_TOPIC'), MIRROR_TOPIC_RESOURCE_SCHEMA)
  assert.deepEqual(next.planned.mirror_lags, state?.mirror_lags, 'outputs stay known')
  const calls = engine.calls.length
  const { state: updated } = await apply(handlers, 'clusterlink_mirror_topic', state, next.planned)
  assert.equal(engine.calls.length, calls)
  assert.equal(updated?.on_delete, 'DELETE_TOPIC')
  await apply(handlers, 'clusterlink_mirror_topic', updated, null)
  assert.ok(engine.calls.includes('deleteTopic orders'))
  assert.equal(engine.mirrors.size, 0)
})

test('upgradeResourceState should read the JSON state and refuse a newer schema version', () => {
  const { handlers } = setup()
  const json = Buffer.from(JSON.stringify({ link_name: 'dr', source_bootstrap_servers: 's:1' }))
  const upgraded = handlers.upgradeResourceState({ type_name: 'clusterlink_link', version: 0, raw_state: { json } }) as { upgraded_state: { msgpack: Buffer } }
  const state = decodeDynamicValue(upgraded.upgraded_state) as TerraformObject
  assert.equal(state.link_name, 'dr')
  assert.equal(state.prefix, null)
  const newer = handlers.upgradeResourceState({ type_name: 'clusterlink_link', version: 9, raw_state: { json } }) as { diagnostics: Diagnostics }
  assert.match(newer.diagnostics[0]?.detail ?? '', /newer provider/)
})

test('readDataSource should read a mirror topic and refuse one the engine does not have', async () => {
  const { handlers } = setup()
  await apply(handlers, 'clusterlink_link', null, plan(handlers, 'clusterlink_link', null, linkConfig()).planned)
  await apply(handlers, 'clusterlink_mirror_topic', null, plan(handlers, 'clusterlink_mirror_topic', null, conformToBlock(MIRROR_TOPIC_RESOURCE_SCHEMA, { link_name: 'dr', source_topic_name: 'orders' }), MIRROR_TOPIC_RESOURCE_SCHEMA).planned)
  const found = await handlers.readDataSource({ type_name: 'clusterlink_mirror_topic', config: encodeDynamicValue({ link_name: 'dr', mirror_topic_name: 'orders' }) }) as { state: { msgpack: Buffer } }
  const state = decodeDynamicValue(found.state) as TerraformObject
  assert.equal(state.source_topic_name, 'orders')
  assert.deepEqual(state.mirror_lags, [
    { partition: 0, lag: 0, last_source_fetch_offset: 0 }, { partition: 1, lag: 3, last_source_fetch_offset: 7 },
  ])
  const link = await handlers.readDataSource({ type_name: 'clusterlink_link', config: encodeDynamicValue({ link_name: 'dr' }) }) as { state: { msgpack: Buffer } }
  assert.equal((decodeDynamicValue(link.state) as TerraformObject).link_state, 'ACTIVE')
  const missing = await handlers.readDataSource({ type_name: 'clusterlink_mirror_topic', config: encodeDynamicValue({ link_name: 'dr', mirror_topic_name: 'nope' }) }) as { diagnostics: Diagnostics }
  assert.match(missing.diagnostics[0]?.detail ?? '', /no mirror topic nope/)
})

test('stopProvider should abort the signal that long waits watch', () => {
  const { handlers } = setup()
  assert.equal(handlers.isStopped, false)
  handlers.stopProvider()
  assert.equal(handlers.isStopped, true)
})

test('readResource should keep the state and report the engine error when the engine cannot be reached', async () => {
  const { engine, handlers } = setup()
  const { state } = await apply(handlers, 'clusterlink_link', null, plan(handlers, 'clusterlink_link', null, linkConfig()).planned)
  engine.client.findLink = async () => { throw new Error('cannot reach the clusterlink engine at http://127.0.0.1:1 (ECONNREFUSED)') }
  const response = await handlers.readResource({ type_name: 'clusterlink_link', current_state: encodeDynamicValue(state) }) as { new_state: { msgpack: Buffer }; diagnostics: Diagnostics }
  assert.deepEqual(decodeDynamicValue(response.new_state), state)
  assert.equal(response.diagnostics[0]?.summary, 'Cannot read clusterlink_link')
  assert.match(response.diagnostics[0]?.detail ?? '', /ECONNREFUSED/)
})
