// Tests of the engine configuration: file + environment + flags, secrets from *_FILE, the no-auth rule, all problems at once.
import assert from 'node:assert/strict'
import { test } from 'node:test'
import { loadEngineConfig } from '../../../engine/config/index.ts'
import { EngineError } from '../../../engine/errors.ts'

const files: Record<string, string> = {
  '/cfg.json': JSON.stringify({ destination: { bootstrapServers: ['file:9092'] }, listener: { port: 9000 }, auth: { tokens: ['file-token-0123456789'] } }),
  '/run/secrets/key': 'a-credentials-key-from-file\n',
  '/run/secrets/tokens': 'token-from-file-0123456789\n',
}
const readFile = (path: string): string => {
  const text = files[path]
  if (text === undefined) throw new Error('ENOENT')
  return text
}

function problemsOf(fn: () => unknown): string[] {
  try {
    fn()
  } catch (error) {
    assert.ok(error instanceof EngineError)
    assert.equal(error.code, 'CONFIG_ERROR')
    return error.context['problems'] as string[]
  }
  assert.fail('expected a configuration error')
}

test('loadEngineConfig should merge file, environment and flags with flags last', () => {
  const config = loadEngineConfig({
    argv: ['--config', '/cfg.json', '--port', '9100'],
    env: { CLUSTERLINK_PORT: '9050', CLUSTERLINK_DESTINATION_BOOTSTRAP: 'env:9092,env2:9092', CLUSTERLINK_CREDENTIALS_KEY_FILE: '/run/secrets/key' },
    readFile,
  })
  assert.equal(config.listener.port, 9100)
  assert.deepEqual(config.destination.bootstrapServers, ['env:9092', 'env2:9092'])
  assert.equal(config.credentialsKey, 'a-credentials-key-from-file')
  assert.deepEqual(config.auth.tokens, ['file-token-0123456789'])
  assert.equal(config.listener.host, '127.0.0.1')
  assert.equal(config.stateTopic, '_clusterlink-state')
})

test('loadEngineConfig should read tokens and basic pairs from the environment and files', () => {
  const config = loadEngineConfig({
    argv: ['--destination-bootstrap', 'd:9092'],
    env: { CLUSTERLINK_TOKENS_FILE: '/run/secrets/tokens', CLUSTERLINK_BASIC_AUTH: 'key1:secret-one-1,key2:secret:with:colons' },
    readFile,
  })
  assert.deepEqual(config.auth.tokens, ['token-from-file-0123456789'])
  assert.deepEqual(config.auth.basic, [{ key: 'key1', secret: 'secret-one-1' }, { key: 'key2', secret: 'secret:with:colons' }])
})

test('loadEngineConfig should report every problem at once', () => {
  const problems = problemsOf(() => loadEngineConfig({ argv: ['--port', 'abc', '--bogus'], env: { CLUSTERLINK_CREDENTIALS_KEY_FILE: '/missing' }, readFile }))
  assert.ok(problems.some((p) => p.includes('--bogus') || p.includes("Unknown option")), problems.join('\n'))
  assert.ok(problems.some((p) => p.includes('CLUSTERLINK_CREDENTIALS_KEY_FILE')), problems.join('\n'))
  assert.ok(problems.some((p) => p.startsWith('destination')), problems.join('\n'))
  assert.ok(problems.some((p) => p.startsWith('auth')), problems.join('\n'))
})

test('loadEngineConfig should allow no auth only on a loopback listener', () => {
  const ok = loadEngineConfig({ argv: ['--destination-bootstrap', 'd:9092', '--allow-no-auth'], env: {}, readFile })
  assert.equal(ok.auth.allowNoAuth, true)
  const problems = problemsOf(() => loadEngineConfig({ argv: ['--destination-bootstrap', 'd:9092', '--allow-no-auth', '--host', '0.0.0.0'], env: {}, readFile }))
  assert.ok(problems.some((p) => p.includes('non-loopback')), problems.join('\n'))
})

test('loadEngineConfig should reject short tokens and malformed bootstrap servers', () => {
  const problems = problemsOf(() => loadEngineConfig({ argv: ['--destination-bootstrap', 'nohostport', '--token', 'short'], env: {}, readFile }))
  assert.ok(problems.some((p) => p.includes('host:port')), problems.join('\n'))
  assert.ok(problems.some((p) => p.includes('16 characters')), problems.join('\n'))
})

test('loadEngineConfig should never echo secret values in its messages', () => {
  const problems = problemsOf(() => loadEngineConfig({ argv: ['--basic', 'nocolon-supersecret'], env: {}, readFile }))
  assert.ok(!problems.join('\n').includes('supersecret'), problems.join('\n'))
})

test('loadEngineConfig should default to group coordination and take replica settings from the environment and flags', () => {
  const base = ['--destination-bootstrap', 'k:9092', '--allow-no-auth']
  const defaults = loadEngineConfig({ argv: base, env: {} })
  assert.deepEqual(defaults.replicas, { coordination: 'group', sessionTimeoutMs: 10_000, rebalanceTimeoutMs: 30_000, workPartitions: 32, statusIntervalMs: 1000 })
  const fromEnv = loadEngineConfig({ argv: base, env: { CLUSTERLINK_REPLICA_COORDINATION: 'none', CLUSTERLINK_REPLICA_SESSION_TIMEOUT_MS: '6000' } })
  assert.equal(fromEnv.replicas.coordination, 'none')
  assert.equal(fromEnv.replicas.sessionTimeoutMs, 6000)
  const fromFlags = loadEngineConfig({ argv: [...base, '--replica-session-timeout-ms', '3000'], env: { CLUSTERLINK_REPLICA_SESSION_TIMEOUT_MS: '6000' } })
  assert.equal(fromFlags.replicas.sessionTimeoutMs, 3000)
  const problems = problemsOf(() => loadEngineConfig({ argv: [...base, '--replica-coordination', 'raft', '--replica-session-timeout-ms', '10'], env: {} }))
  assert.ok(problems.some((p) => p.startsWith('replicas.coordination')), problems.join('\n'))
  assert.ok(problems.some((p) => p.startsWith('replicas.sessionTimeoutMs')), problems.join('\n'))
})

test('loadEngineConfig should read admin and read-only tokens and basic pairs, bare lines meaning admin', () => {
  const roles: Record<string, string> = {
    '/tokens': 'old-style-token-0123456789\nadmin:admin-token-0123456789\nread:reader-token-0123456789\n',
    '/basic': 'ops:ops-secret-123\nread:viewer:viewer-secret-1\n',
  }
  const config = loadEngineConfig({ argv: ['--destination-bootstrap', 'd:9092', '--token-file', '/tokens', '--basic-file', '/basic'], env: {}, readFile: (p) => roles[p] ?? readFile(p) })
  assert.deepEqual(config.auth.tokens, ['old-style-token-0123456789', 'admin-token-0123456789'])
  assert.deepEqual(config.auth.readTokens, ['reader-token-0123456789'])
  assert.deepEqual(config.auth.basic, [{ key: 'ops', secret: 'ops-secret-123' }])
  assert.deepEqual(config.auth.readBasic, [{ key: 'viewer', secret: 'viewer-secret-1' }])
  const fromEnv = loadEngineConfig({ argv: [], env: { CLUSTERLINK_DESTINATION_BOOTSTRAP: 'd:9092', CLUSTERLINK_TOKENS: 'read:reader-token-0123456789' }, readFile })
  assert.deepEqual([fromEnv.auth.tokens, fromEnv.auth.readTokens], [[], ['reader-token-0123456789']])
})

test('loadEngineConfig should refuse prototype keys in the config file and never quote the file in a parse error', () => {
  const bad: Record<string, string> = {
    '/proto.json': '{"destination":{"bootstrapServers":["d:9092"]},"auth":{"tokens":["file-token-0123456789"]},"__proto__":{"logLevel":"silent"}}',
    '/nested.json': '{"destination":{"bootstrapServers":["d:9092"],"constructor":{}},"auth":{"tokens":["file-token-0123456789"]}}',
    '/broken.json': '{"credentialsKey": hunter2-super-secret-key,\n "x": 1}',
  }
  const load = (path: string) => problemsOf(() => loadEngineConfig({ argv: ['--config', path], env: {}, readFile: (p) => bad[p] ?? readFile(p) }))
  assert.match(load('/proto.json').join('\n'), /reserved key\(s\) __proto__/)
  assert.match(load('/nested.json').join('\n'), /reserved key\(s\) destination.constructor/)
  const broken = load('/broken.json').join('\n')
  assert.match(broken, /not valid JSON \(line 1, column \d+\)/)
  assert.ok(!broken.includes('hunter2'), broken)
})

test('loadEngineConfig should take API limits and source networks, refusing malformed networks', () => {
  const config = loadEngineConfig({
    argv: ['--destination-bootstrap', 'd:9092', '--token', 'flag-token-0123456789', '--source-networks', '10.0.0.0/8, fd00::/8,192.168.1.7'],
    env: { CLUSTERLINK_RATE_LIMIT_PER_SECOND: '5', CLUSTERLINK_REQUEST_TIMEOUT_MS: '10000' }, readFile,
  })
  assert.deepEqual(config.api, { requestTimeoutMs: 10_000, rateLimitPerSecond: 5, rateLimitBurst: 500, sourceNetworks: ['10.0.0.0/8', 'fd00::/8', '192.168.1.7'] })
  const problems = problemsOf(() => loadEngineConfig({ argv: ['--destination-bootstrap', 'd:9092', '--token', 'flag-token-0123456789', '--source-networks', '10.0.0.0/33,example.com'], env: {}, readFile }))
  assert.equal(problems.filter((p) => p.startsWith('api.sourceNetworks')).length, 2, problems.join('\n'))
})

test('loadEngineConfig should take a GSSAPI destination login from flags and refuse it without a principal and keytab', () => {
  const config = loadEngineConfig({
    argv: ['--destination-bootstrap', 'd:9092', '--allow-no-auth', '--destination-kerberos-keytab', '/etc/clusterlink/engine.keytab'],
    env: { CLUSTERLINK_DESTINATION_SASL_MECHANISM: 'GSSAPI', CLUSTERLINK_DESTINATION_KERBEROS_PRINCIPAL: 'engine/host.example.com@EXAMPLE.COM' },
    readFile,
  })
  assert.deepEqual(config.destination.sasl?.kerberos,
    { principal: 'engine/host.example.com@EXAMPLE.COM', keytabLocation: '/etc/clusterlink/engine.keytab', serviceName: 'kafka' })
  const missing = problemsOf(() => loadEngineConfig({ argv: ['--destination-bootstrap', 'd:9092', '--allow-no-auth',
    '--destination-sasl-mechanism', 'GSSAPI'], readFile }))
  assert.deepEqual(missing, ['destination.sasl.kerberos: mechanism GSSAPI needs kerberos {principal, keytabLocation}'])
  const misplaced = problemsOf(() => loadEngineConfig({ argv: ['--destination-bootstrap', 'd:9092', '--allow-no-auth',
    '--destination-sasl-mechanism', 'PLAIN', '--destination-sasl-username', 'u', '--destination-kerberos-principal', 'engine@R',
    '--destination-kerberos-keytab', '/k'], env: { CLUSTERLINK_DESTINATION_SASL_PASSWORD: 'p' }, readFile }))
  assert.deepEqual(misplaced, ['destination.sasl.kerberos: kerberos is read only with mechanism GSSAPI (mechanism is PLAIN)'])
  const badPrincipal = problemsOf(() => loadEngineConfig({ argv: ['--destination-bootstrap', 'd:9092', '--allow-no-auth',
    '--destination-sasl-mechanism', 'GSSAPI', '--destination-kerberos-principal', 'two words@R', '--destination-kerberos-keytab', '/k'], readFile }))
  assert.deepEqual(badPrincipal, ['destination.sasl.kerberos.principal: a Kerberos principal, name[/instance]@REALM'])
})
