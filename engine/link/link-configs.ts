// The catalogue of supported link configs (defaults, sensitivity, validation) and the rules between them.
import { parseAclFilters } from './acl-sync-filters.ts'
import { isNameSelected, parseNameFilters } from './name-filters.ts'

export interface LinkConfigDefinition {
  readonly default: string | null
  /** Sensitive values are encrypted at rest and never returned (value null, is_sensitive true). */
  readonly sensitive: boolean
  /** Settable only when the link is created. */
  readonly immutable: boolean
  readonly doc: string
  /** Returns a message that says what to fix, or undefined when the value is valid. */
  readonly check: (value: string) => string | undefined
}

const isBool = (value: string): string | undefined => (value === 'true' || value === 'false' ? undefined : 'must be true or false')
const isIntIn = (min: number, max: number) => (value: string): string | undefined =>
  /^\d+$/.test(value) && Number(value) >= min && Number(value) <= max ? undefined : `must be a whole number from ${min} to ${max}`
const oneOf = (...values: string[]) => (value: string): string | undefined =>
  values.includes(value) ? undefined : `must be one of ${values.join(', ')}`
const isPem = (value: string): string | undefined => (value.includes('-----BEGIN ') ? undefined : 'must be inline PEM text (-----BEGIN ...)')
const anything = (): undefined => undefined
const notEmpty = (value: string): string | undefined => (value.length > 0 ? undefined : 'must not be empty')

/** Topic configs synced from the source on every topic config sync, whatever `topic.config.sync.include` says. */
export const ALWAYS_SYNCED_TOPIC_CONFIGS = ['cleanup.policy', 'max.message.bytes', 'message.timestamp.difference.max.ms'] as const

/**
 * Topic configs synced only when listed in `topic.config.sync.include` (compression.type and message.timestamp.type are
 * fixed by the data path).
 */
export const CONFIGURABLE_TOPIC_CONFIGS = [
  'min.compaction.lag.ms', 'max.compaction.lag.ms', 'segment.bytes', 'segment.ms', 'segment.jitter.ms', 'segment.index.bytes',
  'min.insync.replicas', 'flush.messages', 'flush.ms', 'index.interval.bytes', 'min.cleanable.dirty.ratio', 'file.delete.delay.ms',
  'preallocate', 'unclean.leader.election.enable', 'delete.retention.ms', 'retention.bytes', 'retention.ms',
  'message.timestamp.before.max.ms', 'message.timestamp.after.max.ms',
] as const

function checkBootstrap(value: string): string | undefined {
  const servers = value.split(',').map((s) => s.trim())
  const bad = servers.find((server) => !/^([A-Z_]+:\/\/)?[^\s:/,]+:\d{1,5}$/.test(server))
  return bad === undefined ? undefined : `expected host:port[,host:port], got '${bad}'`
}

function checkStartOffset(value: string): string | undefined {
  if (value === 'earliest' || value === 'latest') return undefined
  return /^\d{4}-\d{2}-\d{2}T/.test(value) && !Number.isNaN(Date.parse(value)) ? undefined : 'must be earliest, latest or an ISO-8601 timestamp'
}

function checkInclude(value: string): string | undefined {
  const names = value.split(',').map((s) => s.trim()).filter((s) => s !== '')
  const allowed = new Set<string>([...ALWAYS_SYNCED_TOPIC_CONFIGS, ...CONFIGURABLE_TOPIC_CONFIGS])
  const bad = names.filter((name) => !allowed.has(name))
  return bad.length === 0 ? undefined : `cannot sync ${bad.join(', ')}; allowed: ${[...CONFIGURABLE_TOPIC_CONFIGS].join(', ')}`
}

function checkJaas(value: string): string | undefined {
  return parseJaasCredentials(value) || parseJaasOAuthCredentials(value) || parseJaasKerberos(value) ? undefined
    : 'must be a JAAS line with username="..." and password="..." (PLAIN, SCRAM), clientId="..." and clientSecret="..." (OAUTHBEARER), ' +
      'or principal="..." and keyTab="..." (GSSAPI)'
}

/** https, or http to a loopback host only (a client secret never travels in clear text over a network). */
function checkTokenEndpoint(value: string): string | undefined {
  let url: URL
  try {
    url = new URL(value)
  } catch {
    return 'must be a URL such as https://idp.example.com/oauth2/token'
  }
  if (url.protocol === 'https:') return undefined
  const isLoopback = ['localhost', '127.0.0.1', '[::1]'].includes(url.hostname)
  return url.protocol === 'http:' && isLoopback ? undefined : 'must be an https URL (http only to localhost)'
}

/** Confluent's link modes and connection modes; linkModeProblems says which combinations this engine runs and how. */
export const LINK_MODES = ['DESTINATION', 'SOURCE', 'BIDIRECTIONAL'] as const
export const CONNECTION_MODES = ['OUTBOUND', 'INBOUND'] as const

const define = (d: Partial<LinkConfigDefinition> & Pick<LinkConfigDefinition, 'doc'>): LinkConfigDefinition =>
  ({ default: null, sensitive: false, immutable: false, check: anything, ...d })

export const LINK_CONFIGS: Readonly<Record<string, LinkConfigDefinition>> = {
  'link.mode': define({ default: 'DESTINATION', immutable: true, check: oneOf(...LINK_MODES), doc: 'DESTINATION (this cluster mirrors the remote one), SOURCE (the source half of a source-initiated link) or BIDIRECTIONAL; see linkModeProblems' }),
  'connection.mode': define({ default: 'OUTBOUND', immutable: true, check: oneOf(...CONNECTION_MODES), doc: 'OUTBOUND (the engine dials the remote cluster) or INBOUND (the destination half of a source-initiated link: its source half brings the address)' }),
  'bootstrap.servers': define({ check: checkBootstrap, doc: 'Source cluster bootstrap servers (required)' }),
  'security.protocol': define({ default: 'PLAINTEXT', check: oneOf('PLAINTEXT', 'SSL', 'SASL_PLAINTEXT', 'SASL_SSL'), doc: 'How to reach the source' }),
  'sasl.mechanism': define({ default: 'PLAIN', check: oneOf('PLAIN', 'SCRAM-SHA-256', 'SCRAM-SHA-512', 'OAUTHBEARER', 'GSSAPI'), doc: 'SASL mechanism' }),
  'sasl.jaas.config': define({ sensitive: true, check: checkJaas, doc: 'JAAS line with the credentials of the SASL mechanism' }),
  'sasl.oauthbearer.token.endpoint.url': define({ check: checkTokenEndpoint, doc: 'OAUTHBEARER: OAuth token endpoint (client credentials grant)' }),
  'sasl.oauthbearer.client.credentials.client.id': define({ check: notEmpty, doc: 'OAUTHBEARER: client id (alternative to clientId in sasl.jaas.config)' }),
  'sasl.oauthbearer.client.credentials.client.secret': define({ sensitive: true, check: notEmpty, doc: 'OAUTHBEARER: client secret (alternative to clientSecret in sasl.jaas.config)' }),
  'sasl.oauthbearer.scope': define({ check: notEmpty, doc: 'OAUTHBEARER: scope to request; default none' }),
  'sasl.kerberos.service.name': define({ default: 'kafka', check: notEmpty, doc: 'GSSAPI: the brokers\' Kerberos service name' }),
  'sasl.kerberos.principal': define({ check: notEmpty, doc: 'GSSAPI: the engine\'s principal (alternative to principal in sasl.jaas.config)' }),
  'sasl.kerberos.keytab.location': define({ check: notEmpty, doc: 'GSSAPI: keytab file on the engine host (alternative to keyTab in sasl.jaas.config)' }),
  'sasl.username': define({ check: (v) => (v.length > 0 ? undefined : 'must not be empty'), doc: 'SASL username (alternative to sasl.jaas.config)' }),
  'sasl.password': define({ sensitive: true, check: (v) => (v.length > 0 ? undefined : 'must not be empty'), doc: 'SASL password (alternative to sasl.jaas.config)' }),
  'ssl.truststore.certificates': define({ check: isPem, doc: 'CA certificates that sign the source brokers, PEM' }),
  'ssl.keystore.certificate.chain': define({ check: isPem, doc: 'Client certificate chain for mTLS, PEM' }),
  'ssl.keystore.key': define({ sensitive: true, check: isPem, doc: 'Client private key for mTLS, PEM' }),
  'ssl.endpoint.identification.algorithm': define({ default: 'https', check: oneOf('https', ''), doc: 'https verifies the broker host name; empty skips it' }),
  'consumer.offset.sync.enable': define({ default: 'false', check: isBool, doc: 'Copy committed consumer group offsets for mirror topics' }),
  'consumer.offset.sync.ms': define({ default: '30000', check: isIntIn(1000, 86_400_000), doc: 'Consumer offset sync interval' }),
  'consumer.offset.group.filters': define({ default: '', check: (v) => problemOf(parseNameFilters(v, 'groupFilters')), doc: 'JSON {"groupFilters":[...]}' }),
  'topic.config.sync.ms': define({ default: '5000', check: isIntIn(1000, 86_400_000), doc: 'Topic config and partition count sync interval' }),
  'topic.config.sync.include': define({ default: '', check: checkInclude, doc: 'Comma list of configurable topic configs to sync besides the always-synced set' }),
  'mirror.start.offset.spec': define({ default: 'earliest', check: checkStartOffset, doc: 'Where new mirrors start: earliest, latest or an ISO-8601 timestamp' }),
  'cluster.link.prefix': define({ default: '', immutable: true, check: (v) => (/^[a-zA-Z0-9._-]{0,12}$/.test(v) ? undefined : 'at most 12 characters from [a-zA-Z0-9._-]'), doc: 'Mirror topic names are prefix + source topic name' }),
  'cluster.link.paused': define({ default: 'false', check: isBool, doc: 'Pause every mirror of the link (mirrors show LINK_PAUSED)' }),
  'availability.check.ms': define({ default: '60000', check: isIntIn(100, 3_600_000), doc: 'Source availability check interval' }),
  'availability.check.consecutive.failure.threshold': define({ default: '5', check: isIntIn(1, 1000), doc: 'Failed checks before the link is UNAVAILABLE' }),
  'auto.create.mirror.topics.enable': define({ default: 'false', check: isBool, doc: 'Create mirror topics for source topics matching the filters' }),
  'mirror.coalesce.below.bytes': define({ default: '1024', check: isIntIn(0, 1_048_576), doc: 'One-record source batches up to this size are merged into larger mirror batches (records, offsets and timestamps identical, bytes rebuilt, counted as rebuilt batches with reason coalesce); 0 forwards every batch byte for byte' }),
  'auto.create.mirror.topics.filters': define({ default: '', check: (v) => problemOf(parseNameFilters(v, 'topicFilters')), doc: 'JSON {"topicFilters":[...]}' }),
  'acl.sync.enable': define({ default: 'false', check: isBool, doc: 'Copy the source ACLs selected by acl.filters to the destination (see README, ACL sync)' }),
  'acl.sync.ms': define({ default: '5000', check: isIntIn(1000, 86_400_000), doc: 'ACL sync interval' }),
  'acl.filters': define({ default: '', check: (v) => problemOf(parseAclFilters(v)), doc: 'JSON {"aclFilters":[{"resourceFilter":{...},"accessFilter":{...}}]}' }),
  'consumer.group.prefix.enable': define({ default: 'false', check: isBool, doc: 'Consumer offset sync writes groups as cluster.link.prefix + group name' }),
}

function problemOf(result: { problem: string } | object): string | undefined {
  return 'problem' in result ? result.problem : undefined
}

export const LINK_CONFIG_NAMES = Object.keys(LINK_CONFIGS)

export function isSensitiveLinkConfig(name: string): boolean {
  return LINK_CONFIGS[name]?.sensitive ?? false
}

/** The effective value of a config: the set value or the default. */
export function linkConfigValue(configs: Readonly<Record<string, string>>, name: string): string {
  return configs[name] ?? LINK_CONFIGS[name]?.default ?? ''
}

/** clientId, clientSecret and scope of an OAuthBearerLoginModule line (Kafka's client credentials login, KIP-768). */
export function parseJaasOAuthCredentials(jaas: string): { clientId: string; clientSecret: string; scope?: string } | undefined {
  const clientId = /clientId\s*=\s*"([^"]*)"/.exec(jaas)?.[1]
  const clientSecret = /clientSecret\s*=\s*"([^"]*)"/.exec(jaas)?.[1]
  const scope = /scope\s*=\s*"([^"]*)"/.exec(jaas)?.[1]
  return clientId && clientSecret ? { clientId, clientSecret, ...(scope ? { scope } : {}) } : undefined
}

/** principal and keyTab of a Krb5LoginModule line. */
export function parseJaasKerberos(jaas: string): { principal: string; keyTab: string } | undefined {
  const principal = /principal\s*=\s*"([^"]*)"/.exec(jaas)?.[1]
  const keyTab = /keyTab\s*=\s*"([^"]*)"/.exec(jaas)?.[1]
  return principal && keyTab ? { principal, keyTab } : undefined
}

export function parseJaasCredentials(jaas: string): { username: string; password: string } | undefined {
  const username = /username\s*=\s*"([^"]*)"/.exec(jaas)?.[1]
  const password = /password\s*=\s*"([^"]*)"/.exec(jaas)?.[1]
  return username !== undefined && password !== undefined ? { username, password } : undefined
}

/**
 * Checks a complete set of link configs (after a change is applied) and returns every problem.
 * Rejects features switched on without filters (confluentinc/cli#3072) instead of leaving a task in error.
 */
export function validateLinkConfigs(configs: Readonly<Record<string, string>>): string[] {
  const problems: string[] = []
  for (const [name, value] of Object.entries(configs)) {
    const definition = LINK_CONFIGS[name]
    if (!definition) {
      problems.push(`unknown link config '${name}'; valid configs: ${LINK_CONFIG_NAMES.join(', ')}`)
      continue
    }
    if (typeof value !== 'string') {
      problems.push(`${name}: value must be a string`)
      continue
    }
    const problem = definition.check(value)
    if (problem) problems.push(`${name}: ${problem}`)
  }
  // The destination half of a source-initiated link waits for its source half, which brings the address (link-modes.ts).
  const awaitsSource = linkConfigValue(configs, 'connection.mode') === 'INBOUND'
  if (!configs['bootstrap.servers'] && !awaitsSource) problems.push('bootstrap.servers: required (the source cluster bootstrap servers, host:port)')
  const protocol = linkConfigValue(configs, 'security.protocol')
  if (protocol.startsWith('SASL_')) problems.push(...saslCredentialProblems(configs, protocol))
  const secrets = ['sasl.jaas.config', 'sasl.password', 'sasl.oauthbearer.client.credentials.client.secret']
  if (!protocol.startsWith('SASL_') && secrets.some((name) => configs[name] !== undefined)) {
    problems.push(`SASL credentials are set but security.protocol is ${protocol}; use SASL_PLAINTEXT or SASL_SSL`)
  }
  if ((configs['ssl.keystore.key'] === undefined) !== (configs['ssl.keystore.certificate.chain'] === undefined)) {
    problems.push('ssl.keystore.key and ssl.keystore.certificate.chain go together (mTLS needs both)')
  }
  if (linkConfigValue(configs, 'auto.create.mirror.topics.enable') === 'true' && linkConfigValue(configs, 'auto.create.mirror.topics.filters').trim() === '') {
    problems.push('auto.create.mirror.topics.enable is true but auto.create.mirror.topics.filters is empty; set filters such as {"topicFilters":[{"name":"orders.","patternType":"PREFIXED","filterType":"INCLUDE"}]}')
  }
  if (linkConfigValue(configs, 'consumer.offset.sync.enable') === 'true' && linkConfigValue(configs, 'consumer.offset.group.filters').trim() === '') {
    problems.push('consumer.offset.sync.enable is true but consumer.offset.group.filters is empty; set filters such as {"groupFilters":[{"name":"*","patternType":"LITERAL","filterType":"INCLUDE"}]}')
  }
  problems.push(...aclSyncProblems(configs))
  return problems
}

/** What the chosen SASL mechanism needs: a JAAS line of its kind, or the equivalent separate configs. */
function saslCredentialProblems(configs: Readonly<Record<string, string>>, protocol: string): string[] {
  const mechanism = linkConfigValue(configs, 'sasl.mechanism')
  const jaas = configs['sasl.jaas.config']
  if (mechanism === 'OAUTHBEARER') {
    const problems: string[] = []
    if (!configs['sasl.oauthbearer.token.endpoint.url']) problems.push('sasl.mechanism OAUTHBEARER needs sasl.oauthbearer.token.endpoint.url')
    const hasSeparate = configs['sasl.oauthbearer.client.credentials.client.id'] !== undefined && configs['sasl.oauthbearer.client.credentials.client.secret'] !== undefined
    if (!hasSeparate && !(jaas && parseJaasOAuthCredentials(jaas))) {
      problems.push('sasl.mechanism OAUTHBEARER needs client credentials: set sasl.oauthbearer.client.credentials.client.id and ' +
        '.client.secret, or sasl.jaas.config with OAuthBearerLoginModule clientId="..." clientSecret="..."')
    }
    return problems
  }
  if (mechanism === 'GSSAPI') {
    const hasSeparate = configs['sasl.kerberos.principal'] !== undefined && configs['sasl.kerberos.keytab.location'] !== undefined
    return hasSeparate || (jaas && parseJaasKerberos(jaas)) ? [] : ['sasl.mechanism GSSAPI needs sasl.kerberos.principal and ' +
      'sasl.kerberos.keytab.location, or sasl.jaas.config with Krb5LoginModule principal="..." keyTab="..."']
  }
  const hasCredentials = (jaas !== undefined && parseJaasCredentials(jaas) !== undefined) || (configs['sasl.username'] !== undefined && configs['sasl.password'] !== undefined)
  return hasCredentials ? [] : [`security.protocol ${protocol} needs credentials: set sasl.jaas.config, or sasl.username and sasl.password`]
}

/** ACL sync needs filters (confluentinc/cli#3072); the prefixes apply to names the link writes, never to copied ACLs. */
function aclSyncProblems(configs: Readonly<Record<string, string>>): string[] {
  const problems: string[] = []
  const prefix = linkConfigValue(configs, 'cluster.link.prefix')
  if (linkConfigValue(configs, 'acl.sync.enable') === 'true') {
    if (linkConfigValue(configs, 'acl.filters').trim() === '') {
      problems.push('acl.sync.enable is true but acl.filters is empty; set filters such as {"aclFilters":[{"resourceFilter":{"resourceType":"TOPIC","patternType":"PREFIXED","name":"orders"},"accessFilter":{"operation":"ANY","permissionType":"ANY"}}]}')
    }
    if (prefix !== '') problems.push('acl.sync.enable cannot be combined with cluster.link.prefix (copied ACLs name source topics and groups, not prefixed ones); use a link without a prefix')
  }
  if (linkConfigValue(configs, 'consumer.group.prefix.enable') === 'true' && linkConfigValue(configs, 'link.mode') === 'BIDIRECTIONAL') {
    problems.push('consumer.group.prefix.enable cannot be true on a BIDIRECTIONAL link (as on Confluent): synced groups keep their names')
  }
  if (linkConfigValue(configs, 'consumer.group.prefix.enable') === 'true' && prefix === '') {
    problems.push('consumer.group.prefix.enable is true but the link has no cluster.link.prefix; set cluster.link.prefix when creating the link, or leave consumer.group.prefix.enable false')
  }
  return problems
}

/** Whether a source topic is selected for auto-create by the link's filters. */
export function isAutoCreateSelected(configs: Readonly<Record<string, string>>, topic: string): boolean {
  if (linkConfigValue(configs, 'auto.create.mirror.topics.enable') !== 'true') return false
  const parsed = parseNameFilters(linkConfigValue(configs, 'auto.create.mirror.topics.filters'), 'topicFilters')
  return 'filters' in parsed && isNameSelected(parsed.filters, topic)
}

/** Whether a consumer group is selected for offset sync by the link's filters. */
export function isOffsetSyncSelected(configs: Readonly<Record<string, string>>, group: string): boolean {
  const parsed = parseNameFilters(linkConfigValue(configs, 'consumer.offset.group.filters'), 'groupFilters')
  return 'filters' in parsed && isNameSelected(parsed.filters, group)
}
