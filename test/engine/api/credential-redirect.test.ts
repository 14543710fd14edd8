// REST tests on fakes: a token holder cannot point a link that holds credentials somewhere else without sending them again.
import assert from 'node:assert/strict'
import { after, before, describe, test } from 'node:test'
import { buildTestApp, linkBody, type TestApp } from './test-app.ts'

const JAAS = 'org.apache.kafka.common.security.plain.PlainLoginModule required username="u" password="stored-secret-77";'

describe('credential redirect', () => {
  let t: TestApp
  before(async () => {
    t = await buildTestApp({ credentialsKey: 'a-credentials-key-for-tests' })
    const res = await t.request('POST', `${t.base}/links?link_name=held`, linkBody({ 'security.protocol': 'SASL_PLAINTEXT', 'sasl.jaas.config': JAAS }))
    assert.equal(res.status, 204, res.body)
  })
  after(async () => { await t.app.close() })

  const bootstrapOf = () => t.store.links.get('held')?.configs['bootstrap.servers']

  test('credential redirect should refuse configs:alter, PUT and DELETE of route configs without the credentials', async () => {
    const alter = await t.request('POST', `${t.base}/links/held/configs:alter`, { data: [{ name: 'bootstrap.servers', value: 'evil.example:9092' }] })
    assert.equal(alter.status, 400, alter.body)
    assert.match(alter.body, /needs the credentials again in the same request: also SET sasl.jaas.config/)
    const put = await t.request('PUT', `${t.base}/links/held/configs/sasl.mechanism`, { value: 'SCRAM-SHA-256' })
    assert.equal(put.status, 400, put.body)
    const trust = await t.request('PUT', `${t.base}/links/held/configs/ssl.endpoint.identification.algorithm`, { value: '' })
    assert.equal(trust.status, 400, trust.body)
    assert.equal(bootstrapOf(), 'source.example:9092')
    assert.equal(t.store.links.get('held')?.configs['sasl.mechanism'], undefined)
  })

  test('credential redirect should accept a route change with the credentials again, or with them deleted', async () => {
    const again = await t.request('POST', `${t.base}/links/held/configs:alter`, { data: [
      { name: 'bootstrap.servers', value: 'source.example:9093' }, { name: 'sasl.jaas.config', value: JAAS },
    ] })
    assert.equal(again.status, 204, again.body)
    assert.equal(bootstrapOf(), 'source.example:9093')
    const cleared = await t.request('POST', `${t.base}/links/held/configs:alter`, { data: [
      { name: 'bootstrap.servers', value: 'source.example:9092' }, { name: 'security.protocol', value: 'PLAINTEXT' }, { name: 'sasl.jaas.config', operation: 'DELETE' },
    ] })
    assert.equal(cleared.status, 204, cleared.body)
    assert.equal(t.store.links.get('held')?.configs['sasl.jaas.config'], undefined)
  })

  test('credential redirect should refuse to create a link over an existing name', async () => {
    const res = await t.request('POST', `${t.base}/links?link_name=held&validate_link=false`, linkBody({ 'bootstrap.servers': 'evil.example:9092' }))
    assert.equal(res.status, 409)
  })
})
