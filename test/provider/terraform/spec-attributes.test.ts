// Tests of the spec adapter: name mapping, conversion of states to spec inputs and back, and failure wording.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { UNKNOWN_VALUE } from '../../../provider/spec/index.ts'
import { LINK_INPUT_ATTRIBUTES, LINK_SPEC_FIELDS } from '../../../provider/terraform/link-resource.ts'
import {
  failureToDiagnostic, fromSpecInputs, toCamelCase, toSnakeCase, toSpecInputs, toTerraformWording,
} from '../../../provider/terraform/spec-attributes.ts'
import { UNKNOWN } from '../../../provider/terraform/terraform-value.ts'

test('toSnakeCase and toCamelCase should be inverse for spec field names', () => {
  for (const name of ['linkName', 'sourceBootstrapServers', 'promoteTimeoutMs', 'configs']) assert.equal(toCamelCase(toSnakeCase(name)), name)
  assert.equal(toSnakeCase('sourceTls'), 'source_tls')
})

test('toSpecInputs should rename attributes, nested ones too, keep config keys and drop nulls', () => {
  const inputs = toSpecInputs(LINK_INPUT_ATTRIBUTES, {
    link_name: 'dr',
    source_bootstrap_servers: 's:9092',
    prefix: null,
    source_tls: { ca_certificates: 'pem', certificate_chain: null, private_key: null, verify_hostname: false },
    configs: { 'topic.config.sync.ms': '1000' },
  })
  assert.deepEqual(inputs, {
    linkName: 'dr',
    sourceBootstrapServers: 's:9092',
    sourceTls: { caCertificates: 'pem', verifyHostname: false },
    configs: { 'topic.config.sync.ms': '1000' },
  })
})

test('toSpecInputs should pass unknown values as the spec marker, or leave them out at apply', () => {
  assert.deepEqual(toSpecInputs(LINK_INPUT_ATTRIBUTES, { link_name: UNKNOWN }), { linkName: UNKNOWN_VALUE })
  assert.deepEqual(toSpecInputs(LINK_INPUT_ATTRIBUTES, { link_name: 'a', source_cluster_id: UNKNOWN }, { unknown: 'absent' }), { linkName: 'a' })
})

test('fromSpecInputs should produce every input attribute with nulls for absent ones', () => {
  const state = fromSpecInputs(LINK_INPUT_ATTRIBUTES, { linkName: 'dr', sourceCredentials: { username: 'u', password: 'p' } })
  assert.equal(state.link_name, 'dr')
  assert.deepEqual(state.source_credentials, { username: 'u', password: 'p' })
  assert.equal(state.prefix, null)
  assert.equal(Object.keys(state).length, LINK_INPUT_ATTRIBUTES.length)
})

test('failureToDiagnostic should point at a map key and speak Terraform names', () => {
  const diagnostic = failureToDiagnostic({ property: 'configs.cluster.link.paused', reason: 'must be true or false' }, LINK_SPEC_FIELDS, ['configs'], 'Invalid')
  assert.deepEqual(diagnostic.path, ['configs', { key: 'cluster.link.paused' }])
  assert.equal(diagnostic.detail, 'configs["cluster.link.paused"]: must be true or false')
  const nested = failureToDiagnostic({ property: 'sourceCredentials', reason: 'securityProtocol SASL_SSL needs sourceCredentials { username, password }' }, LINK_SPEC_FIELDS, ['configs'], 'Invalid')
  assert.deepEqual(nested.path, ['source_credentials'])
  assert.match(nested.detail ?? '', /security_protocol SASL_SSL needs source_credentials/)
})

test('toTerraformWording should rewrite spec names inside messages', () => {
  assert.equal(toTerraformWording('declare a new MirrorTopic (another mirrorTopicName, or onDelete: DELETE_TOPIC)', ['mirrorTopicName', 'onDelete']),
    'declare a new clusterlink_mirror_topic (another mirror_topic_name, or on_delete = "DELETE_TOPIC")')
})
