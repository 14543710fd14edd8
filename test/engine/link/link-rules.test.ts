// Tests of the pure link rules: config validation, name filters, mirror status precedence, link state and allowed actions.
import assert from 'node:assert/strict'
import { test } from 'node:test'
import { checkMirrorAction, isNameSelected, parseNameFilters, toLinkState, toMirrorStatus, validateLinkConfigs } from '../../../engine/link/index.ts'
import { EngineError } from '../../../engine/errors.ts'
import { clampOffset, classifyLinkError } from '../../../engine/link/link-jobs.ts'
import { LINK_CONFIGS } from '../../../engine/link/link-configs.ts'
import {
  applyLinkConfigChanges, credentialsKeyProblems, IMMUTABLE_LINK_CONFIGS, linkDeleteProblems,
} from '../../../engine/link/link-rules.ts'

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
  const refusedCertificate = new EngineError('CONFIG_ERROR', 'refused', { context: { systemErrorCode: 'ERR_SSL_SSL/TLS_ALERT_UNKNOWN_CA' } })
  assert.equal(classifyLinkError(refusedCertificate), 'AUTHENTICATION_ERROR')
})

test('applyLinkConfigChanges should refuse changing every config LINK_CONFIGS marks immutable', () => {
  assert.ok(IMMUTABLE_LINK_CONFIGS.includes('cluster.link.prefix'))
  assert.deepEqual([...IMMUTABLE_LINK_CONFIGS].sort(), Object.keys(LINK_CONFIGS).filter((n) => LINK_CONFIGS[n]?.immutable).sort())
  for (const name of IMMUTABLE_LINK_CONFIGS) {
    const { problems } = applyLinkConfigChanges(base, [{ name, operation: 'SET', value: 'other' }])
    assert.ok(problems.some((p) => p.startsWith(`${name} cannot change after the link is created`)), name)
  }
  const unchanged = applyLinkConfigChanges(base, [{ name: 'cluster.link.prefix', operation: 'SET', value: '' }])
  assert.deepEqual(unchanged.problems, [])
})

test('applyLinkConfigChanges should apply SET and DELETE in order and report a SET without a value', () => {
  const { next, problems } = applyLinkConfigChanges({ ...base, 'consumer.offset.sync.enable': 'true' }, [
    { name: 'consumer.offset.sync.enable', operation: 'DELETE' },
    { name: 'consumer.offset.sync.ms', operation: 'SET', value: '5000' },
    { name: 'topic.config.sync.ms', operation: 'SET' },
  ])
  assert.deepEqual(next, { ...base, 'consumer.offset.sync.ms': '5000' })
  assert.deepEqual(problems, ['topic.config.sync.ms: SET needs a value'])
})

test('credentialsKeyProblems should refuse credentials only on an engine without a credentials key', () => {
  const withSecret = { ...base, 'sasl.password': 'secret' }
  assert.equal(credentialsKeyProblems(withSecret, false).length, 1)
  assert.match(credentialsKeyProblems(withSecret, false)[0] ?? '', /no credentialsKey.*\(sasl.password\)/)
  assert.deepEqual(credentialsKeyProblems(withSecret, true), [])
  assert.deepEqual(credentialsKeyProblems(base, false), [])
})

test('linkDeleteProblems should refuse PENDING_STOPPED always and live mirror topics unless forced', () => {
  const stopped = { name: 'a', status: 'STOPPED' as const }
  const live = { name: 'b', status: 'ACTIVE' as const }
  const pending = { name: 'c', status: 'PENDING_STOPPED' as const }
  assert.deepEqual(linkDeleteProblems('dr', [stopped], false), [])
  assert.match(linkDeleteProblems('dr', [stopped, live], false)[0] ?? '', /not STOPPED \(b: ACTIVE\).*force=true/)
  assert.deepEqual(linkDeleteProblems('dr', [stopped, live], true), [])
  assert.match(linkDeleteProblems('dr', [pending], true)[0] ?? '', /c are PENDING_STOPPED/)
})
