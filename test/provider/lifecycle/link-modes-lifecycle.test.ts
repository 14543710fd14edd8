// The shared IaC create flow against the engine's own REST layer (on fakes): a declared INBOUND link is created as both halves
// in order and reads back as declared (no drift); a refused mode combination creates nothing.
import assert from 'node:assert/strict'
import { after, before, describe, test } from 'node:test'
import { EngineClient } from '../../../provider/client/index.ts'
import { createOrAdoptLink } from '../../../provider/lifecycle/index.ts'
import { diffClusterLinkInputs, fromLinkConfigs, validateClusterLinkInputs, type ClusterLinkInputs } from '../../../provider/spec/index.ts'
import { buildTestApp, SOURCE_BOOTSTRAP, TOKEN, type TestApp } from '../../engine/api/test-app.ts'

function inputsOf(raw: Record<string, unknown>): ClusterLinkInputs {
  const result = validateClusterLinkInputs(raw)
  assert.ok(result.ok, JSON.stringify(result))
  return result.value
}

describe('link modes through the IaC create flow', () => {
  let t: TestApp
  let client: EngineClient
  before(async () => {
    t = await buildTestApp({ credentialsKey: 'a-credentials-key-for-tests' })
    // Routes the client's requests into the engine app without a socket.
    const inject: typeof fetch = async (input, init) => {
      const url = new URL(String(input))
      const response = await t.app.server.inject({
        method: (init?.method ?? 'GET') as 'GET', url: url.pathname + url.search,
        headers: Object.fromEntries(Object.entries((init?.headers ?? {}) as Record<string, string>)),
        ...(init?.body ? { payload: String(init.body) } : {}),
      })
      return new Response(response.statusCode === 204 ? null : response.body, { status: response.statusCode, headers: { 'content-type': 'application/json' } })
    }
    client = new EngineClient({ endpoint: 'http://engine.test', token: TOKEN, fetch: inject })
  })
  after(async () => { await t.app.close() })

  const hooks = (linkName: string) => ({
    refuseExisting: (name: string) => new Error(`refused ${name}`),
    readBack: async () => (await client.listLinkConfigs(linkName))
      .map((c) => ({ name: c.name, value: c.value, isDefault: c.is_default === true })),
  })

  test('connectionMode INBOUND should create both halves in order and read back without drift', async () => {
    const inputs = inputsOf({ linkName: 'si-iac', sourceBootstrapServers: SOURCE_BOOTSTRAP, connectionMode: 'INBOUND', configs: { 'topic.config.sync.ms': '7000' } })
    const observed = await createOrAdoptLink(client, inputs, hooks('si-iac'))
    const read = fromLinkConfigs(observed, inputs)
    assert.equal(read.connectionMode, 'INBOUND')
    assert.equal(read.sourceBootstrapServers, SOURCE_BOOTSTRAP)
    const diff = diffClusterLinkInputs({ ...inputs }, { ...inputs, ...read })
    assert.deepEqual(diff.changed, [], JSON.stringify(diff))
    assert.equal(((await client.findLink('si-iac')) as { link_state?: string } | undefined)?.link_state, 'ACTIVE')
  })

  test('linkMode BIDIRECTIONAL should be created as one link', async () => {
    const inputs = inputsOf({ linkName: 'bidi-iac', sourceBootstrapServers: SOURCE_BOOTSTRAP, linkMode: 'BIDIRECTIONAL', prefix: 'west.' })
    const observed = await createOrAdoptLink(client, inputs, hooks('bidi-iac'))
    assert.equal(fromLinkConfigs(observed, inputs).linkMode, 'BIDIRECTIONAL')
  })
})
