// SASL/GSSAPI (Kerberos 5) for @platformatic/kafka connections in pure TypeScript: the custom authenticator, registered
// with the access layer's SASL mechanism registry.
import { lookupService } from 'node:dns/promises'
import { isIP } from 'node:net'
import type { Connection, SASLCustomAuthenticator } from '@platformatic/kafka'
import type { KerberosConfig } from '../connection-config.ts'
import { registerSaslMechanism, type SaslAuthenticator } from '../sasl-mechanisms.ts'
import { GssInitiatorContext } from './gss-context.ts'
import { KerberosCredentials, type KerberosCredentialsConfig } from './kerberos-credentials.ts'
import { KerberosError } from './kerberos-error.ts'
import { kdcFromKrb5Conf } from './krb5-conf.ts'

export { KerberosError, krbErrorName } from './kerberos-error.ts'
export { parseKeytab, findKey, type KeytabEntry } from './keytab.ts'
export { parseKrb5Conf, kdcFromKrb5Conf } from './krb5-conf.ts'

type SASLAuthenticationAPI = Parameters<SASLCustomAuthenticator>[2]
type SaslAuthenticateResponse = NonNullable<Parameters<Parameters<SASLCustomAuthenticator>[6]>[1]>

export interface GssapiConfig extends KerberosCredentialsConfig {
  /** The broker's Kerberos service name (sasl.kerberos.service.name); default kafka. */
  readonly serviceName?: string
}

/**
 * The host part of the broker's service principal. Like Kafka's Java client, an IP address is turned into a host name
 * (getnameinfo, so /etc/hosts counts): 127.0.0.1 becomes localhost.
 */
async function serviceHostOf(connection: Connection): Promise<string> {
  const host = connection.host
  if (!host) throw new KerberosError('the connection has no broker host to name the service principal after')
  if (!isIP(host)) return host.toLowerCase()
  try {
    return (await lookupService(host, connection.port ?? 9092)).hostname.toLowerCase()
  } catch {
    return host
  }
}

function step(api: SASLAuthenticationAPI, connection: Connection, bytes: Buffer): Promise<SaslAuthenticateResponse> {
  return new Promise((resolve, reject) => {
    api(connection, bytes, (error: Error | null, response?: SaslAuthenticateResponse) => (error ? reject(error) : resolve(response!)))
  })
}

/**
 * The RFC 4752 exchange over SaslAuthenticate: AP-REQ → AP-REP; empty → wrapped security-layer offer; wrapped "no
 * layer" → done. Tickets come from `credentials` (cached, fetched again before they end).
 */
async function authenticateOnce(
  credentials: KerberosCredentials, serviceName: string, connection: Connection, api: SASLAuthenticationAPI,
): Promise<SaslAuthenticateResponse> {
  const ticket = await credentials.serviceTicket(serviceName, await serviceHostOf(connection))
  const context = new GssInitiatorContext(ticket)
  const first = await step(api, connection, context.initialToken(credentials.client, credentials.realm))
  if (first.authBytes.length > 0) context.acceptReply(first.authBytes)
  const offer = await step(api, connection, Buffer.alloc(0))
  return step(api, connection, context.answerSecurityLayerOffer(offer.authBytes))
}

/** The authenticate function for `sasl: { mechanism: 'GSSAPI', authenticate }` of @platformatic/kafka. */
export function gssapiAuthenticator(config: GssapiConfig): SaslAuthenticator {
  const credentials = new KerberosCredentials(config)
  const serviceName = config.serviceName ?? 'kafka'
  return (_mechanism, connection, api, _username, _password, _token, callback) => {
    authenticateOnce(credentials, serviceName, connection, api).then(
      response => callback(null, response),
      (error: unknown) => callback(error instanceof Error ? error : new KerberosError(String(error))),
    )
  }
}

/** Where the KDC is found when the config does not say: the krb5.conf Kafka's Java clients would read. */
export const DEFAULT_KRB5_CONF_PATH = '/etc/krb5.conf'

/** The krb5.conf to read: the config's, else MIT's `KRB5_CONFIG` environment variable (first file), else /etc/krb5.conf. */
// KRB5_CONFIG is MIT Kerberos' own variable (read by every Kerberos library, like the JVM's java.security.krb5.conf),
// not an engine setting, so it is read here rather than through engine/config.
// eslint-disable-next-line no-restricted-properties
export function krb5ConfPathOf(configured: string | undefined, env: NodeJS.ProcessEnv = process.env): string {
  return configured ?? env['KRB5_CONFIG']?.split(':').find((path) => path !== '') ?? DEFAULT_KRB5_CONF_PATH
}

/**
 * The registry hook: the access layer's KerberosConfig plus where the KDC is, given directly (`krb5`) or read from a
 * krb5.conf (`krb5ConfPath`, else `KRB5_CONFIG`, else /etc/krb5.conf) at the first connection.
 */
export function gssapiAuthenticatorFor(
  config: KerberosConfig & { readonly krb5?: GssapiConfig['krb5']; readonly krb5ConfPath?: string },
): SaslAuthenticator {
  if (config.krb5) return gssapiAuthenticator({ ...config, krb5: config.krb5 })
  let resolved: Promise<SaslAuthenticator> | undefined
  return (mechanism, connection, api, username, password, token, callback) => {
    const current = resolved ??= kdcFromKrb5Conf(krb5ConfPathOf(config.krb5ConfPath), config.principal)
      .then(krb5 => gssapiAuthenticator({ ...config, krb5 }))
    current.then(
      authenticate => authenticate(mechanism, connection, api, username, password, token, callback),
      (error: Error) => {
        if (resolved === current) resolved = undefined
        callback(error)
      },
    )
  }
}

registerSaslMechanism('GSSAPI', gssapiAuthenticatorFor)
