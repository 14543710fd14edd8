// Tests of the pure link rules: config validation, name filters, mirror status precedence, link state and allowed actions.
import assert from 'node:assert/strict'
import { test } from 'node:test'
import { checkMirrorAction, isNameSelected, parseNameFilters, toLinkState, toMirrorStatus, validateLinkConfigs } from '../../../engine/link/index.ts'
import { clampOffset, classifyLinkError } from '../../../engine/link/link-jobs.ts'

const base = { 'bootstrap.servers': 'src:9092' }

test('validateLinkConfigs should accept a minimal link and list the valid names for an unknown key', () => {
  assert.deepEqual(validateLinkConfigs(base), [])
  const [problem] = validateLinkConfigs({ ...base, 'no.such.config': 'true' })
  assert.match(problem ?? '', /unknown link config 'no.such.config'; valid configs: .*cluster.link.prefix/)
})

test('validateLinkConfigs should check values and the rules between configs', () => {
  const problems = validateLinkConfigs({
    'consumer.offset.sync.ms': '-5', 'security.protocol': 'SASL_SSL', 'cluster.link.prefix': 'much-too-long-prefix',
    'mirror.start.offset.spec': 'yesterday', 'topic.config.sync.include': 'retention.ms,confluent.value.schema.validation',
    'consumer.offset.sync.enable': 'true', 'ssl.keystore.key': '-----BEGIN PRIVATE KEY-----',
  })
  const text = problems.join('\n')
  for (const expected of ['bootstrap.servers: required', 'consumer.offset.sync.ms', 'needs credentials', 'cluster.link.prefix', 'mirror.start.offset.spec', 'confluent.value.schema.validation', 'consumer.offset.group.filters is empty', 'go together']) {
    assert.ok(text.includes(expected), `missing '${expected}' in:\n${text}`)
  }
})

test('validateLinkConfigs should accept SASL via jaas or username and password', () => {
  assert.deepEqual(validateLinkConfigs({ ...base, 'security.protocol': 'SASL_PLAINTEXT', 'sasl.jaas.config': 'x required username="u" password="p";' }), [])
  assert.deepEqual(validateLinkConfigs({ ...base, 'security.protocol': 'SASL_SSL', 'sasl.mechanism': 'SCRAM-SHA-512', 'sasl.username': 'u', 'sasl.password': 'p' }), [])
  assert.match(validateLinkConfigs({ ...base, 'security.protocol': 'SASL_SSL', 'sasl.jaas.config': 'nothing useful' }).join(), /JAAS line/)
})

test('name filters should include, exclude and match prefixes', () => {
  const parsed = parseNameFilters(JSON.stringify({ topicFilters: [
    { name: 'orders.', patternType: 'PREFIXED', filterType: 'INCLUDE' },
    { name: 'orders.secret', patternType: 'LITERAL', filterType: 'EXCLUDE' },
    { name: 'audit', patternType: 'LITERAL', filterType: 'INCLUDE' },
  ] }), 'topicFilters')
  assert.ok('filters' in parsed)
  const filters = 'filters' in parsed ? parsed.filters : []
  assert.equal(isNameSelected(filters, 'orders.eu'), true)
  assert.equal(isNameSelected(filters, 'orders.secret'), false)
  assert.equal(isNameSelected(filters, 'audit'), true)
  assert.equal(isNameSelected(filters, 'audit2'), false)
  assert.equal(isNameSelected([{ name: '*', patternType: 'LITERAL', filterType: 'INCLUDE' }], 'anything'), true)
  assert.ok('problem' in parseNameFilters('{"groupFilters":[{"name":"x","patternType":"REGEX"}]}', 'groupFilters'))
  assert.ok('problem' in parseNameFilters('not json', 'groupFilters'))
})

test('toMirrorStatus should apply stop, failure, link state and pause in that order', () => {
  const s = (linkState: 'ACTIVE' | 'PAUSED' | 'UNAVAILABLE' | 'FAILED', desiredStatus: 'ACTIVE' | 'PAUSED' | 'STOPPED', runState?: 'ACTIVE' | 'FAILED' | 'PENDING_MIRROR' | 'SOURCE_UNAVAILABLE', isStopping = false) =>
    toMirrorStatus({ linkState, desiredStatus, runState, isStopping })
  assert.equal(s('ACTIVE', 'ACTIVE', 'ACTIVE'), 'ACTIVE')
  assert.equal(s('ACTIVE', 'ACTIVE', undefined), 'PENDING_MIRROR')
  assert.equal(s('ACTIVE', 'ACTIVE', 'ACTIVE', true), 'PENDING_STOPPED')
  assert.equal(s('FAILED', 'STOPPED', undefined), 'STOPPED')
  assert.equal(s('PAUSED', 'ACTIVE', 'FAILED'), 'FAILED')
  assert.equal(s('FAILED', 'ACTIVE', 'ACTIVE'), 'LINK_FAILED')
  assert.equal(s('PAUSED', 'PAUSED', 'ACTIVE'), 'LINK_PAUSED')
  assert.equal(s('UNAVAILABLE', 'ACTIVE', 'ACTIVE'), 'SOURCE_UNAVAILABLE')
  assert.equal(s('ACTIVE', 'ACTIVE', 'SOURCE_UNAVAILABLE'), 'SOURCE_UNAVAILABLE')
  assert.equal(s('ACTIVE', 'PAUSED', undefined), 'PAUSED')
})

test('toLinkState should go UNAVAILABLE at the failure threshold', () => {
  assert.equal(toLinkState({ paused: false, failed: false, consecutiveFailures: 4, threshold: 5 }), 'ACTIVE')
  assert.equal(toLinkState({ paused: false, failed: false, consecutiveFailures: 5, threshold: 5 }), 'UNAVAILABLE')
  assert.equal(toLinkState({ paused: true, failed: false, consecutiveFailures: 5, threshold: 5 }), 'PAUSED')
  assert.equal(toLinkState({ paused: true, failed: true, consecutiveFailures: 0, threshold: 5 }), 'FAILED')
})

test('checkMirrorAction should allow failover from FAILED and refuse promote without a source', () => {
  assert.equal(checkMirrorAction('failover', 'FAILED'), undefined)
  assert.equal(checkMirrorAction('failover', 'SOURCE_UNAVAILABLE'), undefined)
  assert.equal(checkMirrorAction('failover', 'LINK_FAILED'), undefined)
  assert.match(checkMirrorAction('promote', 'SOURCE_UNAVAILABLE') ?? '', /use failover/)
  assert.match(checkMirrorAction('pause', 'STOPPED') ?? '', /writable/)
  assert.equal(checkMirrorAction('promote', 'STOPPED'), undefined)
  assert.equal(checkMirrorAction('resume', 'PAUSED'), undefined)
})

test('clampOffset should keep offsets inside the destination range', () => {
  assert.equal(clampOffset(50, 0, 40), 40)
  assert.equal(clampOffset(5, 10, 40), 10)
  assert.equal(clampOffset(20, 10, 40), 20)
})

test('classifyLinkError should name connection failures', () => {
  assert.equal(classifyLinkError(new Error('connect ECONNREFUSED 127.0.0.1:1')), 'BOOTSTRAP_TCP_CONNECTION_FAILED_ERROR')
  assert.equal(classifyLinkError(new Error('getaddrinfo ENOTFOUND nohost')), 'UNRESOLVABLE_BOOTSTRAP_ERROR')
  assert.equal(classifyLinkError(new Error('SASL authentication failed')), 'AUTHENTICATION_ERROR')
  assert.equal(classifyLinkError(new Error('no answer within 10 ms')), 'TIMEOUT_ERROR')
})
