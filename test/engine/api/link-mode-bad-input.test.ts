// Bad link input on fakes: an unknown or unrun link mode combination and ACL filters that do not parse are 4xx answers that
// say what to fix, and change nothing (issue 11).
import assert from 'node:assert/strict'
import { after, before, describe, test } from 'node:test'
import { buildTestApp, linkBody, type TestApp } from './test-app.ts'

type Json = Record<string, unknown>

describe('link input refusals', () => {
  let t: TestApp
  before(async () => {
    t = await buildTestApp({ credentialsKey: 'a-credentials-key-for-tests' })
  })
  after(async () => { await t.app.close() })

  test('link create should refuse unknown and unrun link modes with what to set, and create nothing', async () => {
    const cases: Array<[Record<string, string>, RegExp]> = [
      [{ 'link.mode': 'SIDEWAYS' }, /link\.mode: must be one of DESTINATION, SOURCE, BIDIRECTIONAL/],
      [{ 'connection.mode': 'UPWARDS' }, /connection\.mode: must be one of OUTBOUND, INBOUND/],
      [{ 'link.mode': 'SOURCE', 'connection.mode': 'INBOUND' }, /SOURCE needs connection\.mode OUTBOUND/],
      [{ 'link.mode': 'BIDIRECTIONAL', 'connection.mode': 'INBOUND' }, /set connection\.mode OUTBOUND on both sides/],
      [{ 'connection.mode': 'INBOUND' }, /INBOUND takes no bootstrap\.servers/],
      [{ 'link.mode': 'SOURCE', 'local.bootstrap.servers': 'onprem:9092' }, /the destination half, which must exist first/],
    ]
    for (const [configs, expected] of cases) {
      const res = await t.request('POST', `${t.base}/links?link_name=modes`, linkBody(configs))
      assert.equal(res.status, 400, `${JSON.stringify(configs)}: ${res.body}`)
      assert.match((res.json() as Json)['message'] as string, expected)
      assert.equal((await t.request('GET', `${t.base}/links/modes`)).status, 404, `${JSON.stringify(configs)} created nothing`)
    }
    assert.equal(t.store.links.has('modes'), false, 'nothing was stored')
  })

  test('configs:alter should refuse ACL filters that are not JSON, and leave the link as it was', async () => {
    assert.equal((await t.request('POST', `${t.base}/links?link_name=acls`, linkBody())).status, 204)
    const res = await t.request('PUT', `${t.base}/links/acls/configs:alter`, {
      data: [{ name: 'acl.sync.enable', value: 'true' }, { name: 'acl.filters', value: '{"aclFilters":[' }],
    })
    assert.equal(res.status, 400, res.body)
    assert.match((res.json() as Json)['message'] as string, /acl\.filters: is not JSON/)
    const enabled = (await t.request('GET', `${t.base}/links/acls/configs/acl.sync.enable`)).json() as Json
    assert.equal(enabled['value'], 'false', 'the valid half of the request was not applied either')
  })

  test('link create should refuse ACL filters that are not JSON, and create nothing', async () => {
    const res = await t.request('POST', `${t.base}/links?link_name=bad-acls`, linkBody({ 'acl.sync.enable': 'true', 'acl.filters': 'not json' }))
    assert.equal(res.status, 400, res.body)
    assert.match((res.json() as Json)['message'] as string, /acl\.filters: is not JSON/)
    assert.equal((await t.request('GET', `${t.base}/links/bad-acls`)).status, 404)
  })
})
