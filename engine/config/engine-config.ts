// The engine's one configuration schema: a JSON file, CLUSTERLINK_* environment variables and CLI flags merged and validated at once.
import { isIP } from 'node:net'
import { z } from 'zod'

const hostPort = z.string().regex(/^[^\s:,]+:\d{1,5}$/, 'expected host:port')

const pem = z.string().min(1).describe('PEM text (inline)')

export const DestinationSchema = z.strictObject({
  bootstrapServers: z.array(hostPort).min(1).describe('Destination cluster bootstrap servers, host:port (required)'),
  clientId: z.string().min(1).default('clusterlink-engine').describe('Kafka client id; default clusterlink-engine'),
  sasl: z.strictObject({
    mechanism: z.enum(['PLAIN', 'SCRAM-SHA-256', 'SCRAM-SHA-512', 'OAUTHBEARER', 'GSSAPI']).describe('SASL mechanism'),
    username: z.string().min(1).optional().describe('SASL username (PLAIN, SCRAM)'),
    password: z.string().min(1).optional().describe('SASL password (PLAIN, SCRAM; secret)'),
    oauthBearer: z.strictObject({
      tokenEndpointUrl: z.url({ protocol: /^https?$/, error: 'tokenEndpointUrl must be an http(s) URL' }).describe('OAuth token endpoint (client credentials grant)'),
      clientId: z.string().min(1).describe('OAuth client id (the token subject names the engine)'),
      clientSecret: z.string().min(1).describe('OAuth client secret (secret)'),
      scope: z.string().min(1).optional().describe('Scope to request; default none'),
    }).optional().describe('OAUTHBEARER only: where and how the engine gets its tokens'),
    kerberos: z.strictObject({
      principal: z.string().regex(/^[^\s@/]+(\/[^\s@/]+)*(@[^\s@/]+)?$/, 'a Kerberos principal, name[/instance]@REALM')
        .describe('The engine\'s Kerberos principal (sasl.kerberos.principal), name@REALM'),
      keytabLocation: z.string().min(1).describe('Keytab file holding the principal\'s keys (a path, read at each login; its contents are secret)'),
      serviceName: z.string().min(1).default('kafka').describe('The brokers\' Kerberos service name (sasl.kerberos.service.name); default kafka'),
    }).optional().describe('GSSAPI only: the principal and keytab the engine logs in with; the KDC comes from KRB5_CONFIG or /etc/krb5.conf'),
  }).superRefine((sasl, ctx) => {
    if (sasl.mechanism === 'OAUTHBEARER' && !sasl.oauthBearer) {
      ctx.addIssue({ code: 'custom', path: ['oauthBearer'], message: 'mechanism OAUTHBEARER needs oauthBearer {tokenEndpointUrl, clientId, clientSecret}' })
    }
    if (sasl.mechanism === 'GSSAPI' && !sasl.kerberos) {
      ctx.addIssue({ code: 'custom', path: ['kerberos'], message: 'mechanism GSSAPI needs kerberos {principal, keytabLocation}' })
    }
    if (sasl.mechanism !== 'GSSAPI' && sasl.kerberos) {
      ctx.addIssue({ code: 'custom', path: ['kerberos'], message: `kerberos is read only with mechanism GSSAPI (mechanism is ${sasl.mechanism})` })
    }
    const needsPassword = sasl.mechanism !== 'OAUTHBEARER' && sasl.mechanism !== 'GSSAPI'
    if (needsPassword && (sasl.username === undefined || sasl.password === undefined)) {
      ctx.addIssue({ code: 'custom', path: ['username'], message: `mechanism ${sasl.mechanism} needs username and password` })
    }
  }).optional().describe('SASL authentication to the destination cluster; default none'),
  tls: z.strictObject({
    ca: pem.optional().describe('CA certificate(s), PEM'),
    cert: pem.optional().describe('Client certificate, PEM (mTLS)'),
    key: pem.optional().describe('Client private key, PEM (mTLS, secret)'),
    rejectUnauthorized: z.boolean().default(true).describe('Verify the broker certificate; default true'),
  }).optional().describe('TLS to the destination cluster; default plaintext'),
}).describe('Destination cluster connection')

export const ListenerSchema = z.strictObject({
  host: z.string().min(1).default('127.0.0.1').describe('Listener host; default 127.0.0.1'),
  port: z.number().int().min(0).max(65535).default(8090).describe('Listener port (0 picks a free port); default 8090'),
  tls: z.strictObject({
    cert: pem.describe('Server certificate chain, PEM'),
    key: pem.describe('Server private key, PEM (secret)'),
  }).optional().describe('Serve HTTPS with this certificate; default plain HTTP'),
}).describe('REST listener')

const token = z.string().min(16, 'bearer tokens need at least 16 characters')
const basicPair = z.strictObject({
  key: z.string().min(1).describe('API key'),
  secret: z.string().min(8, 'basic auth secrets need at least 8 characters').describe('API secret'),
})

export const AuthSchema = z.strictObject({
  tokens: z.array(token).default([]).describe('Accepted admin bearer tokens (every operation); default none'),
  readTokens: z.array(token).default([]).describe('Accepted read-only bearer tokens (GET only; 403 on any change); default none'),
  basic: z.array(basicPair).default([]).describe('Accepted admin HTTP basic key/secret pairs; default none'),
  readBasic: z.array(basicPair).default([]).describe('Accepted read-only HTTP basic key/secret pairs; default none'),
  allowNoAuth: z.boolean().default(false)
    .describe('Serve without authentication: loopback listener, loopback clients and loopback Host headers only; default false'),
}).describe('REST authentication')

const cidr = z.string().refine((value) => parseCidr(value) !== undefined, 'expected a network like 10.0.0.0/8, 192.168.1.7/32 or fd00::/8')

export const ApiSchema = z.strictObject({
  requestTimeoutMs: z.number().int().min(1000).max(600_000).default(30_000)
    .describe('A client must send its whole request within this time, or the connection is closed; default 30000'),
  rateLimitPerSecond: z.number().min(0).max(100_000).default(50)
    .describe('Requests per second each client address may send on average (429 with Retry-After beyond); 0 turns it off; default 50'),
  rateLimitBurst: z.number().int().min(1).max(1_000_000).default(500)
    .describe('Requests a client address may send at once before the average applies; default 500'),
  sourceNetworks: z.array(cidr).default([])
    .describe('When set, links may only reach source brokers whose addresses fall in these networks (CIDR); default any'),
}).describe('REST API limits and the networks links may reach')

/** Parses an IPv4 or IPv6 CIDR (a bare address is a /32 or /128). */
export function parseCidr(value: string): { address: string; prefix: number; family: 'ipv4' | 'ipv6' } | undefined {
  const [address = '', bits, ...rest] = value.trim().split('/')
  const family = isIP(address) === 4 ? 'ipv4' : isIP(address) === 6 ? 'ipv6' : undefined
  if (!family || rest.length > 0) return undefined
  const max = family === 'ipv4' ? 32 : 128
  const prefix = bits === undefined ? max : /^\d{1,3}$/.test(bits) ? Number(bits) : NaN
  return Number.isInteger(prefix) && prefix >= 0 && prefix <= max ? { address, prefix, family } : undefined
}

export const ReplicasSchema = z.strictObject({
  coordination: z.enum(['group', 'none']).default('group')
    .describe('group: replicas share mirror topics through a consumer group on the destination (one writer each); none: this engine runs every mirror topic (only ever one replica); default group'),
  sessionTimeoutMs: z.number().int().min(1000).max(300_000).default(10_000)
    .describe('How long the group waits for a silent replica before giving its mirror topics to the others (the broker allows group.min.session.timeout.ms, 6000 by default, and up); default 10000'),
  rebalanceTimeoutMs: z.number().int().min(1000).max(600_000).default(30_000)
    .describe('How long a replica may take to stop its copiers at a rebalance before the group drops it; default 30000'),
  workPartitions: z.number().int().min(1).max(1000).default(32)
    .describe('Partitions of the work topic <stateTopic>-work when this engine creates it (mirror topics hash onto them); default 32'),
  statusIntervalMs: z.number().int().min(100).max(60_000).default(1000)
    .describe('How often an owner publishes the status and lag of its mirror topics for the other replicas; default 1000'),
}).describe('Engine replicas')

export const MirrorSchema = z.strictObject({
  fetchBudgetBytes: z.number().int().min(1 << 20, 'fetchBudgetBytes must be at least 1048576 (1 MiB)').optional()
    .describe('Most fetched bytes the engine holds in memory at once, over every mirror topic (a fetch waits for room; a '
      + 'single batch larger than this still passes, alone); default a quarter of the container memory limit (cgroup), '
      + '256 MiB when there is none'),
}).describe('Data path')

export const EngineConfigSchema = z.strictObject({
  destination: DestinationSchema,
  // prefault: an absent section is parsed as {}, so each field's own default (written once, beside it) applies.
  listener: ListenerSchema.prefault({}),
  auth: AuthSchema.prefault({}),
  api: ApiSchema.prefault({}),
  credentialsKey: z.string().min(16, 'credentialsKey needs at least 16 characters').optional()
    .describe('Key that encrypts link credentials at rest (AES-256-GCM); without it links with credentials are refused'),
  stateTopic: z.string().regex(/^[a-zA-Z0-9._-]{1,249}$/, 'a valid Kafka topic name').default('_clusterlink-state')
    .describe('Compacted topic on the destination that stores links and mirror topics; default _clusterlink-state'),
  logLevel: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info').describe('Log level; default info'),
  promoteTimeoutMs: z.number().int().min(0).max(3_600_000).default(120_000)
    .describe('How long promote waits for lag zero before answering with an error; default 120000'),
  jobIntervalScale: z.number().positive().max(1).default(1)
    .describe('Multiplier applied to link job intervals (tests shorten them); default 1'),
  replicas: ReplicasSchema.prefault({}),
  mirror: MirrorSchema.prefault({}),
}).superRefine((config, ctx) => {
  for (const problem of authProblems(config.auth, config.listener.host)) ctx.addIssue({ code: 'custom', path: [problem.path], message: problem.message })
}).describe('clusterlink engine configuration')

export type EngineConfig = z.infer<typeof EngineConfigSchema>
export type DestinationConfig = EngineConfig['destination']

/** The rules between auth and listener: some authentication, or an explicit no-auth flag on a loopback listener. */
export function authProblems(
  auth: {
    tokens?: readonly unknown[]; readTokens?: readonly unknown[]; basic?: readonly unknown[]; readBasic?: readonly unknown[]
    allowNoAuth?: boolean
  },
  host: string,
): Array<{ path: string; message: string }> {
  const problems: Array<{ path: string; message: string }> = []
  const hasAuth = [auth.tokens, auth.readTokens, auth.basic, auth.readBasic].some((list) => (list?.length ?? 0) > 0)
  if (auth.allowNoAuth && !isLoopbackHost(host)) {
    problems.push({ path: 'auth.allowNoAuth', message: `allowNoAuth is refused on a non-loopback listener (${host}); listen on 127.0.0.1 or configure tokens` })
  }
  if (!hasAuth && !auth.allowNoAuth) {
    problems.push({ path: 'auth', message: 'no authentication configured: set --token / CLUSTERLINK_TOKENS, --basic / CLUSTERLINK_BASIC_AUTH, or --allow-no-auth on a loopback listener' })
  }
  return problems
}

export function isLoopbackHost(host: string): boolean {
  return host === 'localhost' || host === '::1' || host === '[::1]' || /^127\.\d+\.\d+\.\d+$/.test(host)
}
