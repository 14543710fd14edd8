// Drop-in rules for Confluent's REST v3: path prefixes, Confluent link configs the engine accepts but does not apply, and warnings.

/** Confluent Cloud serves `/kafka/v3/...`, Confluent Platform `/v3/...`; the engine serves both with the same routes. */
export const CLOUD_PREFIX = '/kafka/v3'
export const PLATFORM_PREFIX = '/v3'

/** The prefix the client used, so `metadata.self` links point back where it called. */
export function apiPrefixOf(url: string): string {
  return url.startsWith(`${PLATFORM_PREFIX}/`) || url === PLATFORM_PREFIX ? PLATFORM_PREFIX : CLOUD_PREFIX
}

/**
 * Link configs Confluent documents (cluster-linking-surface.md §4) that the engine does not implement. Scripts written
 * for Confluent send them; they are accepted (never stored or applied) and every answer that took one says so in a
 * `Warning` header. Any other unknown name is still a 400.
 */
export const CONFLUENT_ONLY_LINK_CONFIGS: ReadonlySet<string> = new Set([
  'cluster.link.retry.timeout.ms', 'num.cluster.link.fetchers', 'client.dns.lookup',
  'replica.fetch.max.bytes', 'replica.fetch.response.max.bytes', 'replica.fetch.min.bytes', 'replica.fetch.wait.max.ms',
  'replica.fetch.backoff.ms', 'replica.socket.timeout.ms', 'replica.socket.receive.buffer.bytes',
  'request.timeout.ms', 'metadata.max.age.ms', 'connections.max.idle.ms', 'retry.backoff.ms',
  'socket.connection.setup.timeout.ms', 'socket.connection.setup.timeout.max.ms',
  'ssl.enabled.protocols', 'ssl.protocol', 'ssl.keystore.type', 'ssl.truststore.type', 'ssl.cipher.suites',
  'sasl.login.callback.handler.class', 'sasl.client.callback.handler.class',
  'local.security.protocol', 'local.sasl.mechanism', 'local.sasl.jaas.config', 'local.listener',
])

export function isConfluentOnlyLinkConfig(name: string): boolean {
  return CONFLUENT_ONLY_LINK_CONFIGS.has(name)
}

/** Splits config names into those the engine handles and Confluent-only ones (ignored with a warning). */
export function splitConfluentOnly<T extends { readonly name: string }>(items: readonly T[]): { kept: T[]; ignored: string[] } {
  const kept: T[] = []
  const ignored: string[] = []
  for (const item of items) {
    if (isConfluentOnlyLinkConfig(item.name)) ignored.push(item.name)
    else kept.push(item)
  }
  return { kept, ignored }
}

/** The warning for ignored Confluent-only configs (names only: a value may be a secret). */
export function ignoredConfigsWarning(names: readonly string[]): string {
  const what = names.length === 1 ? 'a Confluent link config' : 'Confluent link configs'
  return `accepted but not applied (${what} that clusterlink does not implement): ${names.join(', ')}`
}

/** One RFC 7234 `Warning` header value (code 299, persistent): quotes and control characters cannot break the header. */
export function warningHeaderValue(message: string): string {
  const text = message.replace(/[^\x20-\x7e]/g, ' ').replace(/["\\]/g, "'")
  return `299 clusterlink "${text}"`
}
