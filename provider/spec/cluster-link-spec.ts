// The one definition of a ClusterLink's inputs (zod), its defaults, diff rules, validation messages, and its mapping to and
// from link configs.
import { z } from 'zod'
import { LINK_CONFIGS, validateLinkConfigs } from '../../engine/link/link-configs.ts'
import { diffFields, secretFields, type FieldRules, type InputDiff } from './field-rules.ts'
import { validateInputs, type InputFailure, type ValidationResult } from './validate-inputs.ts'
import { engineConnectionShape } from './engine-connection-spec.ts'

/** Link names and topic names: Kafka's topic name alphabet, at most 249 characters. */
export const NAME_PATTERN = /^[a-zA-Z0-9._-]{1,249}$/

export const LINK_NAME_MESSAGE = 'must be 1 to 249 characters from a-z, A-Z, 0-9, ".", "_" and "-"'

/** Link names also start with a letter or digit. */
export const LINK_NAME_PATTERN = /^[a-zA-Z0-9][a-zA-Z0-9._-]{0,248}$/

/** Link configs that typed inputs own; `configs` may not set them. */
export const TYPED_LINK_CONFIGS: Readonly<Record<string, string>> = {
  'bootstrap.servers': 'sourceBootstrapServers',
  'link.mode': 'linkMode',
  'connection.mode': 'connectionMode',
  'cluster.link.prefix': 'prefix',
  'security.protocol': 'securityProtocol',
  'sasl.mechanism': 'saslMechanism',
  'sasl.username': 'sourceCredentials',
  'sasl.password': 'sourceCredentials',
  'sasl.jaas.config': 'sourceCredentials',
  'ssl.truststore.certificates': 'sourceTls',
  'ssl.keystore.certificate.chain': 'sourceTls',
  'ssl.keystore.key': 'sourceTls',
  'ssl.endpoint.identification.algorithm': 'sourceTls',
}

/** The link configs settable through the `configs` map (everything in the engine's catalogue that no typed input owns). */
export const SETTABLE_LINK_CONFIGS: readonly string[] = Object.keys(LINK_CONFIGS).filter((name) => !(name in TYPED_LINK_CONFIGS))

const linkConfigsSchema = z.record(z.string(), z.string({ error: 'link config values are strings (write "true", "5000")' })).superRefine((configs, ctx) => {
  for (const [name, value] of Object.entries(configs)) {
    const owner = TYPED_LINK_CONFIGS[name]
    if (owner) {
      ctx.addIssue({ code: 'custom', path: [name], message: `set ${owner} instead of configs["${name}"]` })
      continue
    }
    const definition = LINK_CONFIGS[name]
    if (!definition) {
      ctx.addIssue({ code: 'custom', path: [name], message: `unknown link config '${name}'; settable configs: ${SETTABLE_LINK_CONFIGS.join(', ')}` })
      continue
    }
    const problem = definition.check(value)
    if (problem) ctx.addIssue({ code: 'custom', path: [name], message: problem })
  }
})

export const clusterLinkInputsSchema = z.strictObject({
  linkName: z.string({ error: 'linkName is required: the cluster link name on the engine' }).regex(LINK_NAME_PATTERN, `linkName ${LINK_NAME_MESSAGE}, starting with a letter or digit`)
    .describe('Name of the cluster link on the engine. Changing it replaces the link.'),
  sourceBootstrapServers: z.string({ error: 'sourceBootstrapServers is required: the source cluster bootstrap servers, host:port[,host:port]' })
    .refine((value) => LINK_CONFIGS['bootstrap.servers']?.check(value) === undefined, { error: (issue) => `sourceBootstrapServers: ${LINK_CONFIGS['bootstrap.servers']?.check(String(issue.input))}` })
    .describe('Source cluster bootstrap servers, host:port[,host:port] (link config bootstrap.servers; the other cluster of a BIDIRECTIONAL '
      + 'link). Updates in place.'),
  sourceClusterId: z.string().min(1).optional()
    .describe('Expected cluster id of the source; the engine checks it when the link is created. Changing it replaces the link.'),
  linkMode: z.enum(['DESTINATION', 'BIDIRECTIONAL'], {
    error: 'linkMode must be DESTINATION or BIDIRECTIONAL (a source-initiated link is linkMode DESTINATION with connectionMode INBOUND)',
  }).default('DESTINATION')
    .describe('Link mode (link.mode): DESTINATION (default), or BIDIRECTIONAL (declare one link of the same name on each side\'s engine, '
      + 'sourceBootstrapServers naming the other cluster). Changing it replaces the link.'),
  connectionMode: z.enum(['OUTBOUND', 'INBOUND'], { error: 'connectionMode must be OUTBOUND or INBOUND' }).default('OUTBOUND')
    .describe('Connection mode (connection.mode): OUTBOUND (default), or INBOUND for a source-initiated link: the resource creates the '
      + 'INBOUND half and then its source half (which carries the source connection) on the engine next to the source. '
      + 'Changing it replaces the link.'),
  prefix: z.string().regex(/^[a-zA-Z0-9._-]{1,12}$/, 'prefix must be 1 to 12 characters from a-z, A-Z, 0-9, ".", "_" and "-"').optional()
    .describe('Mirror topic names are prefix + source topic name (cluster.link.prefix). Default none. Changing it replaces the link.'),
  securityProtocol: z.enum(['PLAINTEXT', 'SSL', 'SASL_PLAINTEXT', 'SASL_SSL'], { error: 'securityProtocol must be PLAINTEXT, SSL, SASL_PLAINTEXT or SASL_SSL' }).default('PLAINTEXT')
    .describe('How the engine reaches the source (security.protocol). Default PLAINTEXT. Updates in place.'),
  saslMechanism: z.enum(['PLAIN', 'SCRAM-SHA-256', 'SCRAM-SHA-512'], { error: 'saslMechanism must be PLAIN, SCRAM-SHA-256 or SCRAM-SHA-512' }).default('PLAIN')
    .describe('SASL mechanism for SASL_* protocols (sasl.mechanism). Default PLAIN. Updates in place.'),
  sourceCredentials: z.strictObject({
    username: z.string().min(1, 'sourceCredentials.username must not be empty'),
    password: z.string().min(1, 'sourceCredentials.password must not be empty'),
  }).optional().describe('SASL username and password for the source (secret). Required with SASL_PLAINTEXT and SASL_SSL. Updates in place.'),
  sourceTls: z.strictObject({
    caCertificates: z.string().includes('-----BEGIN ', { message: 'sourceTls.caCertificates must be inline PEM text' }).optional(),
    certificateChain: z.string().includes('-----BEGIN ', { message: 'sourceTls.certificateChain must be inline PEM text' }).optional(),
    privateKey: z.string().includes('-----BEGIN ', { message: 'sourceTls.privateKey must be inline PEM text' }).optional(),
    verifyHostname: z.boolean().default(true),
  }).optional().describe('TLS material for SSL and SASL_SSL, inline PEM (secret). Updates in place.'),
  configs: linkConfigsSchema.default({})
    .describe(`Other link configs, by name (${SETTABLE_LINK_CONFIGS.join(', ')}). Removing a key resets it to its default. Updates in place.`),
  ...engineConnectionShape,
  adopt: z.boolean().default(false)
    .describe('When a link with this name already exists on the engine, take it over (and align its configs) instead of failing. Default false.'),
  forceDelete: z.boolean().default(false)
    .describe('Delete the link even while mirror topics on it are not STOPPED. Default false: delete refuses and names them.'),
})

/** Inputs as a user writes them (defaults optional). */
export type ClusterLinkInputsArgs = z.input<typeof clusterLinkInputsSchema>
/** Inputs after validation, defaults applied. */
export type ClusterLinkInputs = z.output<typeof clusterLinkInputsSchema>

export const CLUSTER_LINK_FIELDS: FieldRules<keyof ClusterLinkInputs> = {
  linkName: { onChange: 'replace', identity: true, description: 'link name' },
  sourceBootstrapServers: { onChange: 'update', description: 'bootstrap.servers' },
  sourceClusterId: { onChange: 'replace', computed: true, description: 'expected source cluster id' },
  linkMode: { onChange: 'replace', description: 'link.mode' },
  connectionMode: { onChange: 'replace', description: 'connection.mode' },
  prefix: { onChange: 'replace', description: 'cluster.link.prefix' },
  securityProtocol: { onChange: 'update', description: 'security.protocol' },
  saslMechanism: { onChange: 'update', description: 'sasl.mechanism' },
  sourceCredentials: { onChange: 'update', secret: true, description: 'sasl.username, sasl.password' },
  sourceTls: { onChange: 'update', secret: true, description: 'ssl.* PEM material' },
  configs: { onChange: 'update', description: 'other link configs' },
  endpoint: { onChange: 'update', stateOnly: true, description: 'engine URL' },
  token: { onChange: 'update', stateOnly: true, secret: true, description: 'engine bearer token' },
  clusterId: { onChange: 'replace', computed: true, description: 'destination cluster id' },
  adopt: { onChange: 'update', stateOnly: true, description: 'adopt an existing link' },
  forceDelete: { onChange: 'update', stateOnly: true, description: 'delete while mirrors run' },
}

export const CLUSTER_LINK_SECRET_FIELDS = secretFields(CLUSTER_LINK_FIELDS)

/** The full set of link configs these inputs stand for (what create sends and update aligns to). */
export function toLinkConfigs(inputs: ClusterLinkInputs): Record<string, string> {
  const configs: Record<string, string> = {
    'link.mode': inputs.linkMode,
    'connection.mode': inputs.connectionMode,
    'bootstrap.servers': inputs.sourceBootstrapServers,
    'security.protocol': inputs.securityProtocol,
  }
  if (inputs.prefix !== undefined) configs['cluster.link.prefix'] = inputs.prefix
  if (inputs.securityProtocol.startsWith('SASL_')) configs['sasl.mechanism'] = inputs.saslMechanism
  if (inputs.sourceCredentials) {
    configs['sasl.username'] = inputs.sourceCredentials.username
    configs['sasl.password'] = inputs.sourceCredentials.password
  }
  const tls = inputs.sourceTls
  if (tls) {
    if (tls.caCertificates !== undefined) configs['ssl.truststore.certificates'] = tls.caCertificates
    if (tls.certificateChain !== undefined) configs['ssl.keystore.certificate.chain'] = tls.certificateChain
    if (tls.privateKey !== undefined) configs['ssl.keystore.key'] = tls.privateKey
    if (!tls.verifyHostname) configs['ssl.endpoint.identification.algorithm'] = ''
  }
  return { ...configs, ...inputs.configs }
}

/**
 * Stands for a secret set on the engine outside this stack (the engine never returns it): differs from any declared value,
 * so it shows as drift.
 */
export const UNREADABLE_SECRET = '(set outside this stack)'

/** One link config as the engine reports it: sensitive values come back as null. */
export interface ObservedLinkConfig {
  readonly name: string
  readonly value: string | null
  readonly isDefault: boolean
}

/** The inputs that the engine's actual link configs stand for; secrets the engine never returns are taken from `previous`. */
export function fromLinkConfigs(observed: readonly ObservedLinkConfig[], previous: ClusterLinkInputs): Omit<ClusterLinkInputs, 'linkName' | 'endpoint' | 'token' | 'clusterId' | 'adopt' | 'forceDelete' | 'sourceClusterId'> {
  const byName = new Map(observed.map((config) => [config.name, config]))
  const valueOf = (name: string): string | undefined => {
    const config = byName.get(name)
    if (!config || config.value === null) return undefined
    return config.value
  }
  const isSet = (name: string): boolean => byName.get(name)?.isDefault === false
  const protocol = valueOf('security.protocol') ?? 'PLAINTEXT'
  const hasCredentials = isSet('sasl.username') || isSet('sasl.password') || isSet('sasl.jaas.config')
  const hasTls = isSet('ssl.truststore.certificates') || isSet('ssl.keystore.certificate.chain') || isSet('ssl.keystore.key') || isSet('ssl.endpoint.identification.algorithm')
  const configs: Record<string, string> = {}
  for (const name of SETTABLE_LINK_CONFIGS) {
    if (!isSet(name) && !(name in previous.configs)) continue
    const value = valueOf(name) ?? LINK_CONFIGS[name]?.default
    if (value !== undefined && value !== null) configs[name] = value
  }
  const prefix = valueOf('cluster.link.prefix')
  return {
    sourceBootstrapServers: valueOf('bootstrap.servers') ?? '',
    linkMode: (valueOf('link.mode') ?? 'DESTINATION') as ClusterLinkInputs['linkMode'],
    connectionMode: (valueOf('connection.mode') ?? 'OUTBOUND') as ClusterLinkInputs['connectionMode'],
    prefix: prefix === undefined || prefix === '' ? undefined : prefix,
    securityProtocol: protocol as ClusterLinkInputs['securityProtocol'],
    saslMechanism: (valueOf('sasl.mechanism') ?? previous.saslMechanism) as ClusterLinkInputs['saslMechanism'],
    sourceCredentials: hasCredentials
      ? { username: valueOf('sasl.username') ?? previous.sourceCredentials?.username ?? UNREADABLE_SECRET, password: previous.sourceCredentials?.password ?? UNREADABLE_SECRET }
      : undefined,
    sourceTls: hasTls
      ? {
          caCertificates: valueOf('ssl.truststore.certificates') ?? undefined,
          certificateChain: valueOf('ssl.keystore.certificate.chain') ?? undefined,
          privateKey: previous.sourceTls?.privateKey,
          verifyHostname: valueOf('ssl.endpoint.identification.algorithm') !== '',
        }
      : undefined,
    configs,
  }
}

/** Maps a problem from the engine's config rules back to the input that causes it. */
function propertyOfConfigProblem(problem: string): string {
  const name = /^([a-z.]+)[: ]/.exec(problem)?.[1] ?? ''
  const owner = TYPED_LINK_CONFIGS[name]
  if (owner) return owner
  return name in LINK_CONFIGS ? `configs.${name}` : 'configs'
}

/** Rules between inputs, with the engine's own config rules (features without filters, SASL without credentials). */
function crossCheckClusterLink(inputs: ClusterLinkInputs): InputFailure[] {
  const failures: InputFailure[] = []
  if (inputs.securityProtocol.startsWith('SASL_') && !inputs.sourceCredentials) {
    failures.push({ property: 'sourceCredentials', reason: `securityProtocol ${inputs.securityProtocol} needs sourceCredentials { username, password }` })
  }
  if (!inputs.securityProtocol.startsWith('SASL_') && inputs.sourceCredentials) {
    failures.push({ property: 'sourceCredentials', reason: `sourceCredentials are set but securityProtocol is ${inputs.securityProtocol}; use SASL_PLAINTEXT or SASL_SSL` })
  }
  if (inputs.sourceTls && !inputs.securityProtocol.endsWith('SSL')) {
    failures.push({ property: 'sourceTls', reason: `sourceTls is set but securityProtocol is ${inputs.securityProtocol}; use SSL or SASL_SSL` })
  }
  if (inputs.linkMode === 'BIDIRECTIONAL' && inputs.connectionMode === 'INBOUND') {
    failures.push({ property: 'connectionMode', reason: 'connectionMode INBOUND is not run for BIDIRECTIONAL links: each side\'s engine dials '
      + 'the other cluster; use OUTBOUND on both sides' })
  }
  if (failures.length > 0) return failures
  for (const problem of validateLinkConfigs(toLinkConfigs(inputs))) {
    failures.push({ property: propertyOfConfigProblem(problem), reason: problem })
  }
  return failures
}

/** Validates ClusterLink inputs without any network call; every problem is reported at once. */
export function validateClusterLinkInputs(raw: unknown): ValidationResult<ClusterLinkInputs> {
  return validateInputs(clusterLinkInputsSchema, raw, crossCheckClusterLink)
}

/** Which changes replace the link and which update it in place; a replacement that keeps the link name deletes first. */
export function diffClusterLinkInputs(olds: Readonly<Record<string, unknown>>, news: Readonly<Record<string, unknown>>): InputDiff {
  return diffFields(CLUSTER_LINK_FIELDS, olds, news)
}
