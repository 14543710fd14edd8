// Pure tests of the Kafka access layer's options builder, OAuth token cache and error mapping (no I/O: fakes only).
import assert from 'node:assert/strict'
import { test } from 'node:test'
import { AuthenticationError, MultipleErrors, NetworkError } from '@platformatic/kafka'
import { EngineError } from '../../../engine/errors.ts'
import { clientOptionsFor, connectionOptionsFor, CONTROL_TIMEOUTS } from '../../../engine/kafka/client-options.ts'
import { toEngineError } from '../../../engine/kafka/kafka-errors.ts'
import { OAuthTokenSource } from '../../../engine/kafka/oauth-token-source.ts'
import '../../../engine/kafka/gssapi/index.ts'

const oauth = { tokenEndpointUrl: 'https://idp.example.com/token', clientId: 'engine', clientSecret: 's3cret' }

test('connectionOptionsFor should verify host names by default and skip only the name check when told', () => {
  const verified = connectionOptionsFor({ bootstrapServers: ['kafka-1.example.com:9093'], tls: { ca: 'PEM' } }, CONTROL_TIMEOUTS)
  assert.equal(verified.tls?.rejectUnauthorized, true)
  assert.equal(verified.tls?.checkServerIdentity, undefined)
  assert.equal(verified.tlsServerName, true)
  const skipped = connectionOptionsFor({ bootstrapServers: ['127.0.0.1:9093'], tls: { ca: 'PEM', verifyHostname: false } }, CONTROL_TIMEOUTS)
  assert.equal(skipped.tls?.rejectUnauthorized, true)
  assert.equal(skipped.tls?.checkServerIdentity?.('other.host', {} as never), undefined)
  // SNI never carries an IP literal (RFC 6066).
  assert.equal(skipped.tlsServerName, undefined)
})

test('clientOptionsFor should give OAUTHBEARER a token provider and refuse GSSAPI without a registered authenticator', async () => {
  const options = clientOptionsFor({ bootstrapServers: ['a:1'], sasl: { mechanism: 'OAUTHBEARER', username: 'engine', password: '', oauthBearer: oauth } }, 'x')
  assert.equal(options.sasl?.mechanism, 'OAUTHBEARER')
  assert.equal(typeof options.sasl?.token, 'function')
  assert.equal(options.sasl?.password, undefined)
  assert.throws(() => clientOptionsFor({ bootstrapServers: ['a:1'], sasl: { mechanism: 'GSSAPI', username: 'p', password: '' } }, 'x'), /GSSAPI needs/)
  assert.throws(() => connectionOptionsFor({ bootstrapServers: ['nohost'], tls: {} }, CONTROL_TIMEOUTS), /must be host:port/)
})

test('OAuthTokenSource should reuse a token until 80% of its lifetime and never cache a refusal', async () => {
  const bodies: string[] = []
  let status = 200
  const fake = (async (_url: string | URL | Request, init?: RequestInit) => {
    bodies.push(String(init?.body))
    assert.equal((init?.headers as Record<string, string>)['authorization'], `Basic ${Buffer.from('engine:s3cret').toString('base64')}`)
    return status === 200
      ? new Response(JSON.stringify({ access_token: `t${bodies.length}`, expires_in: 3600 }), { status })
      : new Response(JSON.stringify({ error: 'invalid_client', error_description: 'echo s3cret' }), { status })
  }) as typeof fetch
  const source = new OAuthTokenSource(oauth, fake)
  assert.deepEqual(await Promise.all([source.token(), source.token()]), ['t1', 't1'])
  assert.equal(await source.token(), 't1')
  assert.equal(bodies.length, 1)
  assert.equal(new URLSearchParams(bodies[0]).get('grant_type'), 'client_credentials')
  status = 401
  const refusing = new OAuthTokenSource(oauth, fake)
  const error = await refusing.token().catch((e: unknown) => e)
  assert.ok(error instanceof EngineError && error.code === 'UNAUTHORIZED', String(error))
  assert.match(error.message, /refused the client credentials of client 'engine' \(HTTP 401 invalid_client\)/)
  assert.ok(!error.message.includes('s3cret'))
  status = 200
  assert.equal(await refusing.token(), 't3')
  assert.equal(bodies.length, 3)
})

test('toEngineError should classify by error class and code, never by message', () => {
  const tls = Object.assign(new Error('whatever text'), { code: 'ERR_TLS_CERT_ALTNAME_INVALID' })
  const mapped = toEngineError(new MultipleErrors('x', [new NetworkError('y', { cause: tls })]), 'source', 'connect')
  assert.equal(mapped.code, 'CONFIG_ERROR')
  assert.match(mapped.message, /does not name the host/)
  assert.equal(toEngineError(new AuthenticationError('no'), 'destination', 'connect').code, 'UNAUTHORIZED')
  const refused = Object.assign(new Error('SASL authenticate failed'), { code: 'ECONNREFUSED' })
  const unavailable = toEngineError(new NetworkError('z', { cause: refused }), 'source', 'connect')
  assert.equal(unavailable.code, 'SOURCE_UNAVAILABLE')
  assert.equal(unavailable.context['systemErrorCode'], 'ECONNREFUSED')
  const inner = new EngineError('UNAUTHORIZED', 'OAUTHBEARER: refused')
  assert.equal(toEngineError(new NetworkError('c', { cause: new AuthenticationError('p', { cause: inner }) }), 'source', 'connect'), inner)
})

test('toEngineError should name a refused TLS client certificate, with the settings of its side, as a config error', () => {
  for (const code of ['ERR_SSL_SSL/TLS_ALERT_BAD_CERTIFICATE', 'ERR_SSL_SSLV3_ALERT_CERTIFICATE_UNKNOWN', 'ERR_SSL_TLSV13_ALERT_CERTIFICATE_REQUIRED']) {
    const alert = Object.assign(new Error('whatever text'), { code })
    const destination = toEngineError(new MultipleErrors('x', [new NetworkError('y', { cause: alert })]), 'destination', 'metadata')
    assert.equal(destination.code, 'CONFIG_ERROR', code)
    assert.equal(destination.retriable, false)
    assert.match(destination.message, /destination broker refused the engine's TLS client certificate .*destination\.tls\.cert/)
    assert.match(toEngineError(new NetworkError('y', { cause: alert }), 'source', 'connect').message, /ssl\.keystore\.certificate\.chain/)
  }
  const handshake = Object.assign(new Error('whatever text'), { code: 'ERR_SSL_SSL/TLS_ALERT_HANDSHAKE_FAILURE' })
  assert.equal(toEngineError(new NetworkError('y', { cause: handshake }), 'destination', 'connect').code, 'DESTINATION_UNAVAILABLE')
})

test('connectionOptionsFor should give every connection of one Kerberos identity one login, and another keytab its own', () => {
  const kerberos = { principal: 'engine@CL.TEST', keytabPath: '/keytabs/engine.keytab', serviceName: 'kafka' }
  const gssapi = (config: typeof kerberos) => ({ mechanism: 'GSSAPI' as const, username: config.principal, password: '', kerberos: config })
  const first = connectionOptionsFor({ bootstrapServers: ['a:1'], sasl: gssapi(kerberos) }, CONTROL_TIMEOUTS).sasl?.authenticate
  const second = clientOptionsFor({ bootstrapServers: ['b:1'], sasl: gssapi({ ...kerberos }) }, 'other-client').sasl?.authenticate
  assert.equal(typeof first, 'function')
  assert.equal(first, second)
  const otherKeytab = connectionOptionsFor({ bootstrapServers: ['a:1'], sasl: gssapi({ ...kerberos, keytabPath: '/keytabs/other.keytab' }) },
    CONTROL_TIMEOUTS).sasl?.authenticate
  assert.notEqual(otherKeytab, first)
})

test('a Kerberos login failure should reach the client as an EngineError naming the principal and the cause', async () => {
  const previous = process.env['KRB5_CONFIG']
  process.env['KRB5_CONFIG'] = '/nonexistent/clusterlink-test-krb5.conf'
  try {
    const kerberos = { principal: 'failing@CL.TEST', keytabPath: '/keytabs/failing.keytab', serviceName: 'kafka' }
    const sasl = connectionOptionsFor({ bootstrapServers: ['a:1'], sasl: { mechanism: 'GSSAPI', username: '', password: '', kerberos } },
      CONTROL_TIMEOUTS).sasl
    const failure = await new Promise<unknown>((resolve) => {
      sasl?.authenticate?.('GSSAPI', {} as never, (() => undefined) as never, undefined, undefined, undefined, ((error: unknown) => resolve(error)) as never)
    })
    assert.ok(failure instanceof EngineError && failure.code === 'UNAUTHORIZED', String(failure))
    assert.match(failure.message, /^GSSAPI login of failing@CL\.TEST failed: cannot read the Kerberos configuration \/nonexistent/)
    assert.equal(toEngineError(new AuthenticationError('SASL authentication failed.', { cause: failure }), 'destination', 'metadata'), failure)
  } finally {
    if (previous === undefined) delete process.env['KRB5_CONFIG']
    else process.env['KRB5_CONFIG'] = previous
  }
})
