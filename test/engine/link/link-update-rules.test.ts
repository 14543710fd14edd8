// Tests of the credential redirect rule: a link that holds credentials changes where or how they travel only with them again.
import assert from 'node:assert/strict'
import { test } from 'node:test'
import { changedRouteConfigs, credentialRedirectProblem, heldCredentials, withCredentialsForRouteChanges } from '../../../engine/link/link-update-rules.ts'

const JAAS = 'org.apache.kafka.common.security.plain.PlainLoginModule required username="u" password="p";'
const held = { 'bootstrap.servers': 'src:9092', 'security.protocol': 'SASL_SSL', 'sasl.jaas.config': JAAS }

test('credentialRedirectProblem should refuse a new address, protocol, mechanism or trust without the credentials', () => {
  const changes: Array<Record<string, string>> = [
    { 'bootstrap.servers': 'evil:9092' }, { 'security.protocol': 'SASL_PLAINTEXT' }, { 'sasl.mechanism': 'SCRAM-SHA-512' },
    { 'ssl.truststore.certificates': '-----BEGIN CERTIFICATE-----' }, { 'ssl.endpoint.identification.algorithm': '' },
  ]
  for (const change of changes) {
    const problem = credentialRedirectProblem(held, { ...held, ...change }, new Set(Object.keys(change)))
    assert.match(problem ?? '', new RegExp(`changing ${Object.keys(change)[0]} .*also SET sasl.jaas.config`), JSON.stringify(change))
  }
})

test('credentialRedirectProblem should allow a route change with the credentials again or deleted', () => {
  const next = { ...held, 'bootstrap.servers': 'other:9092' }
  assert.equal(credentialRedirectProblem(held, next, new Set(['bootstrap.servers', 'sasl.jaas.config'])), undefined)
  const { 'sasl.jaas.config': _dropped, ...cleared } = next
  assert.equal(credentialRedirectProblem(held, { ...cleared, 'security.protocol': 'PLAINTEXT' }, new Set(['bootstrap.servers'])), undefined)
})

test('credentialRedirectProblem should allow any change of a link without credentials and non-route changes of one with them', () => {
  const plain = { 'bootstrap.servers': 'src:9092' }
  assert.equal(credentialRedirectProblem(plain, { 'bootstrap.servers': 'evil:9092' }, new Set(['bootstrap.servers'])), undefined)
  assert.equal(credentialRedirectProblem(held, { ...held, 'topic.config.sync.ms': '9000' }, new Set(['topic.config.sync.ms'])), undefined)
  // Setting a route config to its effective value is no change.
  assert.equal(credentialRedirectProblem(held, { ...held, 'sasl.mechanism': 'PLAIN' }, new Set(['sasl.mechanism'])), undefined)
})

test('heldCredentials and changedRouteConfigs should list sensitive configs and effective route changes', () => {
  assert.deepEqual(heldCredentials({ ...held, 'ssl.keystore.key': 'k', 'sasl.password': 'p' }), ['sasl.jaas.config', 'sasl.password', 'ssl.keystore.key'])
  assert.deepEqual(changedRouteConfigs(held, { ...held, 'security.protocol': 'SASL_SSL', 'bootstrap.servers': 'x:1' }), ['bootstrap.servers'])
})

test('withCredentialsForRouteChanges should resend declared credentials only with a route change', () => {
  const declared = { ...held, 'topic.config.sync.ms': '9000' }
  const route = withCredentialsForRouteChanges([{ name: 'bootstrap.servers', value: 'b:9092', operation: 'SET' as const }], declared)
  assert.deepEqual(route, [{ name: 'bootstrap.servers', value: 'b:9092', operation: 'SET' }, { name: 'sasl.jaas.config', value: JAAS, operation: 'SET' }])
  const other = [{ name: 'topic.config.sync.ms', value: '9000', operation: 'SET' as const }]
  assert.deepEqual(withCredentialsForRouteChanges(other, declared), other)
  const next = { ...held, 'bootstrap.servers': 'b:9092' }
  assert.equal(credentialRedirectProblem(held, next, new Set(route.map((op) => op.name))), undefined)
})
