// Tests of the ClusterLink spec: validation messages, defaults, diff rules, and the mapping to and from link configs.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import {
  UNKNOWN_VALUE, UNREADABLE_SECRET, diffClusterLinkInputs, fromLinkConfigs, toLinkConfigs, validateClusterLinkInputs,
  type ClusterLinkInputs,
} from '../../../provider/spec/index.ts'

const valid = { linkName: 'dr-link', sourceBootstrapServers: '127.0.0.1:9092' }

function parsed(raw: Record<string, unknown>): ClusterLinkInputs {
  const result = validateClusterLinkInputs(raw)
  assert.ok(result.ok, JSON.stringify(result))
  return result.value
}

function failures(raw: Record<string, unknown>): Record<string, string> {
  const result = validateClusterLinkInputs(raw)
  assert.equal(result.ok, false)
  return Object.fromEntries((result.ok ? [] : result.failures).map((f) => [f.property, f.reason]))
}

test('validateClusterLinkInputs should apply the documented defaults', () => {
  const inputs = parsed(valid)
  assert.equal(inputs.linkMode, 'DESTINATION')
  assert.equal(inputs.connectionMode, 'OUTBOUND')
  assert.equal(inputs.securityProtocol, 'PLAINTEXT')
  assert.deepEqual(inputs.configs, {})
  assert.equal(inputs.adopt, false)
  assert.equal(inputs.forceDelete, false)
})

test('validateClusterLinkInputs should report every problem at once, named by property, saying what to fix', () => {
  const problems = failures({ linkName: 'bad name', sourceBootstrapServers: 'nohost', configs: { 'bootstrap.servers': 'x:1', 'no.such.config': '1', 'consumer.offset.sync.ms': 'soon' } })
  assert.match(problems.linkName!, /1 to 249 characters/)
  assert.match(problems.sourceBootstrapServers!, /host:port/)
  assert.match(problems['configs.bootstrap.servers']!, /set sourceBootstrapServers instead/)
  assert.match(problems['configs.no.such.config']!, /unknown link config 'no.such.config'; settable configs: .*consumer.offset.sync.enable/)
  assert.match(problems['configs.consumer.offset.sync.ms']!, /whole number/)
})

test('validateClusterLinkInputs should require a linkName and a sourceBootstrapServers', () => {
  const problems = failures({})
  assert.match(problems.linkName!, /linkName is required/)
  assert.match(problems.sourceBootstrapServers!, /sourceBootstrapServers is required/)
})

test('validateClusterLinkInputs should reject features switched on without filters', () => {
  const problems = failures({ ...valid, configs: { 'auto.create.mirror.topics.enable': 'true' } })
  assert.match(problems['configs.auto.create.mirror.topics.enable']!, /filters is empty; set filters such as/)
})

test('validateClusterLinkInputs should tie credentials to the security protocol', () => {
  assert.match(failures({ ...valid, securityProtocol: 'SASL_SSL' }).sourceCredentials!, /needs sourceCredentials/)
  assert.match(failures({ ...valid, sourceCredentials: { username: 'u', password: 'p' } }).sourceCredentials!, /use SASL_PLAINTEXT or SASL_SSL/)
  assert.equal(validateClusterLinkInputs({ ...valid, securityProtocol: 'SASL_PLAINTEXT', sourceCredentials: { username: 'u', password: 'p' } }).ok, true)
})

test('validateClusterLinkInputs should accept the link modes a resource declares and refuse the others, with the reason', () => {
  assert.equal(parsed({ ...valid, linkMode: 'BIDIRECTIONAL' }).linkMode, 'BIDIRECTIONAL')
  assert.equal(parsed({ ...valid, connectionMode: 'INBOUND' }).connectionMode, 'INBOUND')
  assert.match(failures({ ...valid, linkMode: 'SOURCE' }).linkMode!, /must be DESTINATION or BIDIRECTIONAL \(a source-initiated link is linkMode DESTINATION with connectionMode INBOUND\)/)
  assert.match(failures({ ...valid, connectionMode: 'SIDEWAYS' }).connectionMode!, /must be OUTBOUND or INBOUND/)
  assert.match(failures({ ...valid, linkMode: 'BIDIRECTIONAL', connectionMode: 'INBOUND' }).connectionMode!, /use OUTBOUND on both sides/)
  const groupPrefix = { linkMode: 'BIDIRECTIONAL', prefix: 'a.', configs: { 'consumer.group.prefix.enable': 'true' } }
  assert.match(failures({ ...valid, ...groupPrefix })['configs.consumer.group.prefix.enable']!, /cannot be true on a BIDIRECTIONAL link/)
  assert.match(failures({ ...valid, prefix: 'much-too-long-prefix' }).prefix!, /1 to 12 characters/)
  assert.match(failures({ ...valid, endpoint: 'localhost:8090' }).endpoint!, /http:\/\/ or https:\/\//)
  assert.match(failures({ ...valid, surprise: 1 }).surprise!, /unknown input 'surprise'; valid inputs: linkName, sourceBootstrapServers/)
})

test('validateClusterLinkInputs should leave values not known yet out of the check', () => {
  const result = validateClusterLinkInputs({ linkName: UNKNOWN_VALUE, sourceBootstrapServers: UNKNOWN_VALUE, configs: { 'cluster.link.paused': UNKNOWN_VALUE } })
  assert.ok(result.ok)
  assert.deepEqual([...result.unknownFields].sort(), ['configs', 'linkName', 'sourceBootstrapServers'])
  assert.equal(result.value.linkName, UNKNOWN_VALUE)
})

test('diffClusterLinkInputs should replace on identity and mode changes and update configs in place', () => {
  const olds = parsed(valid)
  const update = diffClusterLinkInputs(olds, parsed({ ...valid, sourceBootstrapServers: '127.0.0.2:9092', configs: { 'cluster.link.paused': 'true' } }))
  assert.deepEqual(update, { changed: ['sourceBootstrapServers', 'configs'], replaces: [], deleteBeforeReplace: false })
  const rename = diffClusterLinkInputs(olds, parsed({ ...valid, linkName: 'other' }))
  assert.deepEqual(rename, { changed: ['linkName'], replaces: ['linkName'], deleteBeforeReplace: false })
  const prefix = diffClusterLinkInputs(olds, parsed({ ...valid, prefix: 'a.' }))
  assert.deepEqual(prefix, { changed: ['prefix'], replaces: ['prefix'], deleteBeforeReplace: true })
})

test('diffClusterLinkInputs should not count a computed field left out as a change, nor key order in configs', () => {
  const olds = { ...parsed({ ...valid, configs: { 'cluster.link.paused': 'true', 'consumer.offset.sync.ms': '5000' } }), clusterId: 'c1', sourceClusterId: 's1', linkState: 'ACTIVE' }
  const news = parsed({ ...valid, configs: { 'consumer.offset.sync.ms': '5000', 'cluster.link.paused': 'true' } })
  assert.deepEqual(diffClusterLinkInputs(olds, news).changed, [])
  assert.deepEqual(diffClusterLinkInputs(olds, { ...news, clusterId: 'c2' }).replaces, ['clusterId'])
})

test('diffClusterLinkInputs should count a value not known yet as a change that replaces when its rule says so', () => {
  const diff = diffClusterLinkInputs(parsed(valid), { ...parsed(valid), linkName: UNKNOWN_VALUE })
  assert.deepEqual(diff.replaces, ['linkName'])
})

test('toLinkConfigs should map typed inputs to link configs and keep other configs', () => {
  const configs = toLinkConfigs(parsed({
    ...valid, prefix: 'dr.', securityProtocol: 'SASL_SSL', saslMechanism: 'SCRAM-SHA-512', sourceCredentials: { username: 'u', password: 'p' },
    sourceTls: { caCertificates: '-----BEGIN CERTIFICATE-----x', verifyHostname: false }, configs: { 'consumer.offset.sync.ms': '5000' },
  }))
  assert.deepEqual(configs, {
    'link.mode': 'DESTINATION', 'connection.mode': 'OUTBOUND', 'bootstrap.servers': '127.0.0.1:9092', 'security.protocol': 'SASL_SSL',
    'cluster.link.prefix': 'dr.', 'sasl.mechanism': 'SCRAM-SHA-512', 'sasl.username': 'u', 'sasl.password': 'p',
    'ssl.truststore.certificates': '-----BEGIN CERTIFICATE-----x', 'ssl.endpoint.identification.algorithm': '', 'consumer.offset.sync.ms': '5000',
  })
})

test('fromLinkConfigs should read every field back, keeping secrets the engine never returns', () => {
  const previous = parsed({ ...valid, securityProtocol: 'SASL_PLAINTEXT', sourceCredentials: { username: 'u', password: 'secret' }, configs: { 'consumer.offset.sync.ms': '5000' } })
  const observed = fromLinkConfigs([
    { name: 'bootstrap.servers', value: '10.0.0.1:9092', isDefault: false },
    { name: 'link.mode', value: 'DESTINATION', isDefault: false },
    { name: 'security.protocol', value: 'SASL_PLAINTEXT', isDefault: false },
    { name: 'sasl.mechanism', value: 'PLAIN', isDefault: false },
    { name: 'sasl.username', value: 'changed-user', isDefault: false },
    { name: 'sasl.password', value: null, isDefault: false },
    { name: 'consumer.offset.sync.ms', value: '30000', isDefault: true },
    { name: 'cluster.link.paused', value: 'true', isDefault: false },
    { name: 'topic.config.sync.ms', value: '5000', isDefault: true },
  ], previous)
  assert.equal(observed.sourceBootstrapServers, '10.0.0.1:9092')
  assert.deepEqual(observed.sourceCredentials, { username: 'changed-user', password: 'secret' })
  // a declared config reset behind the tool's back reads as its default; an undeclared one set behind its back shows up
  assert.deepEqual(observed.configs, { 'consumer.offset.sync.ms': '30000', 'cluster.link.paused': 'true' })
})

test('fromLinkConfigs should show credentials set outside the stack as a value no declaration matches', () => {
  const observed = fromLinkConfigs([
    { name: 'bootstrap.servers', value: valid.sourceBootstrapServers, isDefault: false },
    { name: 'security.protocol', value: 'SASL_PLAINTEXT', isDefault: false },
    { name: 'sasl.password', value: null, isDefault: false },
  ], parsed(valid))
  assert.deepEqual(observed.sourceCredentials, { username: UNREADABLE_SECRET, password: UNREADABLE_SECRET })
  assert.equal(validateClusterLinkInputs({ ...valid, securityProtocol: 'SASL_PLAINTEXT', sourceCredentials: observed.sourceCredentials }).ok, true)
  assert.deepEqual(diffClusterLinkInputs({ ...parsed(valid), ...observed }, parsed(valid)).changed, ['securityProtocol', 'sourceCredentials'])
})
