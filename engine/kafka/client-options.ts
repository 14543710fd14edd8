// The one builder of Kafka client options from a cluster's connection config: SASL, TLS (with host name verification), SNI, timeouts.
import { isIP } from 'node:net'
import { createHash } from 'node:crypto'
import type { BaseOptions, ConnectionOptions, SASLOptions } from '@platformatic/kafka'
import { EngineError } from '../errors.ts'
import type { KafkaConnectionConfig, KafkaSaslConfig, KerberosConfig } from './connection-config.ts'
import { KerberosError } from './gssapi/kerberos-error.ts'
import { OAuthTokenSources } from './oauth-token-source.ts'
import { gssapiAuthenticator, type SaslAuthenticator } from './sasl-mechanisms.ts'

export interface ClientTimeouts {
  readonly connectTimeoutMs: number
  readonly requestTimeoutMs: number
}

/** Control-plane calls (admin, state, group membership): fail fast, the jobs retry. */
export const CONTROL_TIMEOUTS: ClientTimeouts = { connectTimeoutMs: 5_000, requestTimeoutMs: 15_000 }
/** The data path: produce and long-polling fetches. */
export const DATA_TIMEOUTS: ClientTimeouts = { connectTimeoutMs: 5_000, requestTimeoutMs: 30_000 }

/** Every client of one OAuth identity shares its token (one token request per refresh, not one per connection). */
const tokenSources = new OAuthTokenSources()

export function parseBootstrapServers(servers: readonly string[]): Array<{ host: string; port: number }> {
  return servers.map((s) => {
    const i = s.lastIndexOf(':')
    const port = Number(s.slice(i + 1))
    if (i <= 0 || !Number.isInteger(port) || port < 1 || port > 65_535) {
      throw new EngineError('INVALID_INPUT', `bootstrap server '${s}' must be host:port`)
    }
    return { host: s.slice(0, i).replace(/^\[|\]$/g, ''), port }
  })
}

/**
 * One Kerberos login per identity: every connection of a principal with one keytab (or password) and service name shares one
 * authenticator, so one TGT (fetched again shortly before it ends) serves every client of the link or of the destination.
 */
const kerberosLogins = new Map<string, SaslAuthenticator>()

/** A Kerberos failure becomes an EngineError that names the principal and what the KDC or keytab said (it holds no secret). */
function withEngineErrors(kerberos: KerberosConfig, authenticate: SaslAuthenticator): SaslAuthenticator {
  return (mechanism, connection, api, username, password, token, callback) => {
    authenticate(mechanism, connection, api, username, password, token, (error, response) => {
      if (!(error instanceof KerberosError)) return callback(error, response)
      callback(new EngineError('UNAUTHORIZED', `GSSAPI login of ${kerberos.principal} failed: ${error.message}`, {
        // No KRB-ERROR code: the KDC did not answer or the keytab could not be read, which may be over on the next try.
        retriable: error.code === undefined, cause: error, context: { kerberosError: error.codeName ?? 'local' },
      }))
    })
  }
}

function kerberosLoginFor(kerberos: KerberosConfig): SaslAuthenticator | undefined {
  const passwordDigest = kerberos.password === undefined ? '' : createHash('sha256').update(kerberos.password).digest('hex')
  const key = JSON.stringify([kerberos.principal, kerberos.keytabPath ?? '', passwordDigest, kerberos.serviceName])
  const shared = kerberosLogins.get(key)
  if (shared) return shared
  const authenticate = gssapiAuthenticator(kerberos)
  if (!authenticate) return undefined
  const login = withEngineErrors(kerberos, authenticate)
  kerberosLogins.set(key, login)
  return login
}

function saslOptionsFor(sasl: KafkaSaslConfig): SASLOptions {
  switch (sasl.mechanism) {
    case 'OAUTHBEARER': {
      const oauth = sasl.oauthBearer
      if (!oauth) throw new EngineError('CONFIG_ERROR', 'sasl.mechanism OAUTHBEARER needs sasl.oauthbearer.token.endpoint.url and client credentials')
      const source = tokenSources.for(oauth)
      // A provider, not a value: every (re)authentication (KIP-368, the broker's session lifetime) asks for a valid token.
      return { mechanism: 'OAUTHBEARER', token: () => source.token(), ...(oauth.extensions ? { oauthBearerExtensions: { ...oauth.extensions } } : {}) }
    }
    case 'GSSAPI': {
      if (!sasl.kerberos) throw new EngineError('CONFIG_ERROR', 'sasl.mechanism GSSAPI needs sasl.kerberos.principal and a keytab or password')
      const authenticate = kerberosLoginFor(sasl.kerberos)
      if (!authenticate) throw new EngineError('CONFIG_ERROR', 'sasl.mechanism GSSAPI is not available in this engine build (no Kerberos authenticator registered)')
      return { mechanism: 'GSSAPI', authenticate }
    }
    default:
      return { mechanism: sasl.mechanism, username: sasl.username, password: sasl.password }
  }
}

/**
 * Connection options for a ConnectionPool. TLS: the chain is checked against `ca` (or the system CAs) unless
 * rejectUnauthorized is false; the broker name is checked like Kafka's ssl.endpoint.identification.algorithm=https
 * (the certificate must name the host dialed, an IP address needs an IP SAN) unless verifyHostname is false. SNI
 * carries the host name dialed; not for IP literals (RFC 6066 forbids them in SNI).
 */
export function connectionOptionsFor(config: KafkaConnectionConfig, timeouts: ClientTimeouts): ConnectionOptions {
  const options: ConnectionOptions = {
    connectTimeout: timeouts.connectTimeoutMs, requestTimeout: timeouts.requestTimeoutMs, maxInflights: 5,
  }
  if (config.tls) {
    const tls = config.tls
    options.tls = {
      ...(tls.ca ? { ca: tls.ca } : {}), ...(tls.cert ? { cert: tls.cert } : {}), ...(tls.key ? { key: tls.key } : {}),
      rejectUnauthorized: tls.rejectUnauthorized ?? true,
      ...(tls.verifyHostname === false ? { checkServerIdentity: () => undefined } : {}),
    }
    const hosts = parseBootstrapServers(config.bootstrapServers).map((b) => b.host)
    if (hosts.every((host) => isIP(host) === 0)) options.tlsServerName = true
  }
  if (config.sasl) options.sasl = saslOptionsFor(config.sasl)
  return options
}

/** Options for the client's Admin, Producer and Consumer classes (the control plane). */
export function clientOptionsFor(
  config: KafkaConnectionConfig, clientId: string, timeouts: ClientTimeouts = CONTROL_TIMEOUTS,
): BaseOptions {
  return {
    ...connectionOptionsFor(config, timeouts),
    clientId: config.clientId ?? clientId,
    bootstrapBrokers: [...config.bootstrapServers],
    retries: 1,
    retryDelay: 250,
  }
}
