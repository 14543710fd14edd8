// Rules for changing a link's configs: stored credentials are only ever sent where, and how, they were first sent.
import { isSensitiveLinkConfig, linkConfigValue } from './link-configs.ts'

/**
 * Configs that decide where the stored credentials go and how they travel: the address, the protocol (TLS or not),
 * the SASL mechanism (PLAIN sends the password itself), the user they are sent for, and what the TLS client trusts.
 * Changing one of these on a link that holds credentials would let a token holder receive them (issue 13, item 4).
 */
export const CREDENTIAL_ROUTE_CONFIGS = [
  'bootstrap.servers', 'security.protocol', 'sasl.mechanism', 'sasl.username',
  'ssl.truststore.certificates', 'ssl.endpoint.identification.algorithm',
  // OAUTHBEARER sends the client secret to the token endpoint; GSSAPI tickets are for one service principal.
  'sasl.oauthbearer.token.endpoint.url', 'sasl.oauthbearer.client.credentials.client.id', 'sasl.kerberos.service.name', 'sasl.kerberos.principal',
] as const

/** The credentials a set of link configs holds (the sensitive configs that are set). */
export function heldCredentials(configs: Readonly<Record<string, string>>): string[] {
  return Object.keys(configs).filter(isSensitiveLinkConfig).sort()
}

/** Route configs whose effective value differs between two sets of link configs. */
export function changedRouteConfigs(previous: Readonly<Record<string, string>>, next: Readonly<Record<string, string>>): string[] {
  return CREDENTIAL_ROUTE_CONFIGS.filter((name) => linkConfigValue(previous, name) !== linkConfigValue(next, name))
}

/**
 * Checks a config change of an existing link. When a route config changes and the link holds credentials, every
 * credential that stays must be sent again in the same request (`supplied`: the names SET by this request); deleting
 * them is fine too. Returns a message that says what to fix, or undefined when the change is allowed.
 */
export function credentialRedirectProblem(
  previous: Readonly<Record<string, string>>, next: Readonly<Record<string, string>>, supplied: ReadonlySet<string>,
): string | undefined {
  const held = heldCredentials(previous)
  if (held.length === 0) return undefined
  const routes = changedRouteConfigs(previous, next)
  if (routes.length === 0) return undefined
  const stale = held.filter((name) => next[name] !== undefined && !supplied.has(name))
  if (stale.length === 0) return undefined
  return `changing ${routes.join(', ')} of a link that holds credentials needs the credentials again in the same request: ` +
    `also SET ${stale.join(', ')} (or DELETE ${stale.length > 1 ? 'them' : 'it'}); ` +
    'the engine never sends stored credentials to a new address or over a new route'
}

/**
 * For clients that send only what changed (the Pulumi and Terraform providers): when `operations` change a route
 * config, adds a SET of every declared credential that the operations do not already carry, so that the change is
 * accepted. `declared` holds the caller's full desired configs, credentials included.
 */
type ConfigOperation = { readonly name: string; readonly operation: 'SET' | 'DELETE'; readonly value?: string | undefined }

export function withCredentialsForRouteChanges<T extends ConfigOperation>(
  operations: readonly T[], declared: Readonly<Record<string, string>>,
): Array<T | { name: string; value: string; operation: 'SET' }> {
  const routes: readonly string[] = CREDENTIAL_ROUTE_CONFIGS
  if (!operations.some((op) => routes.includes(op.name))) return [...operations]
  const carried = new Set(operations.map((op) => op.name))
  const resend = heldCredentials(declared).filter((name) => !carried.has(name))
  return [...operations, ...resend.map((name) => ({ name, value: declared[name] as string, operation: 'SET' as const }))]
}
