// The engine's one configuration schema: a JSON file, CLUSTERLINK_* environment variables and CLI flags merged and validated at once.
import { z } from 'zod'

const hostPort = z.string().regex(/^[^\s:,]+:\d{1,5}$/, 'expected host:port')

const pem = z.string().min(1).describe('PEM text (inline)')

export const DestinationSchema = z.strictObject({
  bootstrapServers: z.array(hostPort).min(1).describe('Destination cluster bootstrap servers, host:port (required)'),
  clientId: z.string().min(1).default('clusterlink-engine').describe('Kafka client id; default clusterlink-engine'),
  sasl: z.strictObject({
    mechanism: z.enum(['PLAIN', 'SCRAM-SHA-256', 'SCRAM-SHA-512']).describe('SASL mechanism'),
    username: z.string().min(1).describe('SASL username'),
    password: z.string().min(1).describe('SASL password (secret)'),
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

export const AuthSchema = z.strictObject({
  tokens: z.array(z.string().min(16, 'bearer tokens need at least 16 characters')).default([]).describe('Accepted bearer tokens; default none'),
  basic: z.array(z.strictObject({
    key: z.string().min(1).describe('API key'),
    secret: z.string().min(8, 'basic auth secrets need at least 8 characters').describe('API secret'),
  })).default([]).describe('Accepted HTTP basic key/secret pairs; default none'),
  allowNoAuth: z.boolean().default(false).describe('Serve without authentication (loopback listeners only); default false'),
}).describe('REST authentication')

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

export const REPLICAS_DEFAULTS = { coordination: 'group', sessionTimeoutMs: 10_000, rebalanceTimeoutMs: 30_000, workPartitions: 32, statusIntervalMs: 1000 } as const

export const EngineConfigSchema = z.strictObject({
  destination: DestinationSchema,
  listener: ListenerSchema.default({ host: '127.0.0.1', port: 8090 }),
  auth: AuthSchema.default({ tokens: [], basic: [], allowNoAuth: false }),
  credentialsKey: z.string().min(16, 'credentialsKey needs at least 16 characters').optional()
    .describe('Key that encrypts link credentials at rest (AES-256-GCM); without it links with credentials are refused'),
  stateTopic: z.string().regex(/^[a-zA-Z0-9._-]{1,249}$/, 'a valid Kafka topic name').default('_clusterlink-state')
    .describe('Compacted topic on the destination that stores links and mirror topics; default _clusterlink-state'),
  logLevel: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info').describe('Log level; default info'),
  promoteTimeoutMs: z.number().int().min(0).max(3_600_000).default(120_000)
    .describe('How long promote waits for lag zero before answering with an error; default 120000'),
  jobIntervalScale: z.number().positive().max(1).default(1)
    .describe('Multiplier applied to link job intervals (tests shorten them); default 1'),
  replicas: ReplicasSchema.default(REPLICAS_DEFAULTS),
}).superRefine((config, ctx) => {
  for (const problem of authProblems(config.auth, config.listener.host)) ctx.addIssue({ code: 'custom', path: [problem.path], message: problem.message })
}).describe('clusterlink engine configuration')

export type EngineConfig = z.infer<typeof EngineConfigSchema>
export type DestinationConfig = EngineConfig['destination']

/** The rules between auth and listener: some authentication, or an explicit no-auth flag on a loopback listener. */
export function authProblems(auth: { tokens?: readonly unknown[]; basic?: readonly unknown[]; allowNoAuth?: boolean }, host: string): Array<{ path: string; message: string }> {
  const problems: Array<{ path: string; message: string }> = []
  const hasAuth = (auth.tokens?.length ?? 0) > 0 || (auth.basic?.length ?? 0) > 0
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
