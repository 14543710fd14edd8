// The one table of engine settings: where each lives in the config file, its environment variable, its flags and its parser.

/** What a parser gets: the items of one source (a list setting gets one item per entry), where they came from, and the problem list. */
export type ConfigParser = (items: readonly string[], where: string, problems: string[]) => unknown

export interface ConfigSetting {
  /** Dot path in the JSON config file and in EngineConfig. */
  readonly path: string
  /** Environment variable; `${env}_FILE` names a file holding the value (as Kubernetes mounts secrets). */
  readonly env: string
  /** Flag taking the value itself (secrets have none: argv is visible to every user of the machine). */
  readonly flag?: string
  /** Flag naming a file that holds the value (secrets and PEM text). */
  readonly fileFlag?: string
  /** The value flag is repeatable (each occurrence is one item). */
  readonly multiple?: boolean
  /** A list: env values, file contents and the value flag are split on commas and new lines. */
  readonly list?: boolean
  /** A boolean flag that sets `true` when present. */
  readonly switch?: boolean
  /** A list of `read:`-prefixed and plain entries: the read-only ones go to this path. */
  readonly readPath?: string
  readonly parse: ConfigParser
  readonly help: string
}

/** Splits a text on commas and new lines, dropping empty entries. */
export function splitList(text: string): string[] {
  return text.split(/[,\n]/).map((item) => item.trim()).filter((item) => item.length > 0)
}

const text: ConfigParser = (items) => items[0]

const list: ConfigParser = (items) => [...items]

const wholeNumber: ConfigParser = (items, where, problems) => {
  const value = items[0] ?? ''
  if (/^\d+$/.test(value.trim())) return Number(value)
  problems.push(`${where}: expected a whole number, got '${value}'`)
  return undefined
}

const decimal: ConfigParser = (items, where, problems) => {
  const value = (items[0] ?? '').trim()
  if (/^\d+(\.\d+)?$/.test(value)) return Number(value)
  problems.push(`${where}: expected a number, got '${value}'`)
  return undefined
}

const bool: ConfigParser = (items) => items[0] === 'true' || items[0] === '1'

/** Admin and read-only tokens: `read:TOKEN`, `admin:TOKEN`, or a bare TOKEN (admin, the old format). */
const tokens: ConfigParser = (items) => {
  const admin: string[] = []
  const read: string[] = []
  for (const line of items) {
    if (line.startsWith('read:')) read.push(line.slice('read:'.length))
    else admin.push(line.startsWith('admin:') ? line.slice('admin:'.length) : line)
  }
  return { admin, read }
}

function parseBasic(pairs: readonly string[], problems: string[], where: string): Array<{ key: string; secret: string }> {
  const out: Array<{ key: string; secret: string }> = []
  for (const pair of pairs) {
    const at = pair.indexOf(':')
    if (at <= 0) problems.push(`${where}: expected KEY:SECRET pairs`)
    else out.push({ key: pair.slice(0, at), secret: pair.slice(at + 1) })
  }
  return out
}

/** Admin and read-only HTTP basic pairs: `read:KEY:SECRET` is read-only, `KEY:SECRET` (or `admin:KEY:SECRET`) admin. */
const basicPairs: ConfigParser = (items, where, problems) => {
  const isRead = (line: string) => line.startsWith('read:') && line.split(':').length >= 3
  const readLines = items.filter(isRead).map((line) => line.slice('read:'.length))
  const adminLines = items.filter((line) => !isRead(line)).map((line) => line.replace(/^admin:(?=[^:]+:)/, ''))
  return { admin: parseBasic(adminLines, problems, where), read: parseBasic(readLines, problems, where) }
}

/** Every setting of the engine; `clusterlink engine --help` and the README's config table are generated from it. */
export const CONFIG_SETTINGS: readonly ConfigSetting[] = [
  { path: 'destination.bootstrapServers', env: 'CLUSTERLINK_DESTINATION_BOOTSTRAP', flag: 'destination-bootstrap', list: true, parse: list,
    help: 'destination cluster bootstrap servers, host:port[,host:port]' },
  { path: 'destination.clientId', env: 'CLUSTERLINK_DESTINATION_CLIENT_ID', flag: 'destination-client-id', parse: text,
    help: 'Kafka client id on the destination (default clusterlink-engine)' },
  { path: 'destination.sasl.mechanism', env: 'CLUSTERLINK_DESTINATION_SASL_MECHANISM', flag: 'destination-sasl-mechanism', parse: text,
    help: 'PLAIN, SCRAM-SHA-256, SCRAM-SHA-512, OAUTHBEARER or GSSAPI' },
  { path: 'destination.sasl.username', env: 'CLUSTERLINK_DESTINATION_SASL_USERNAME', flag: 'destination-sasl-username', parse: text,
    help: 'SASL username for the destination cluster' },
  { path: 'destination.sasl.password', env: 'CLUSTERLINK_DESTINATION_SASL_PASSWORD', fileFlag: 'destination-sasl-password-file',
    parse: text, help: 'file holding the SASL password for the destination cluster' },
  { path: 'destination.sasl.oauthBearer.tokenEndpointUrl', env: 'CLUSTERLINK_DESTINATION_OAUTH_TOKEN_ENDPOINT_URL',
    flag: 'destination-oauth-token-endpoint-url', parse: text, help: 'OAUTHBEARER: OAuth token endpoint (client credentials grant)' },
  { path: 'destination.sasl.oauthBearer.clientId', env: 'CLUSTERLINK_DESTINATION_OAUTH_CLIENT_ID', flag: 'destination-oauth-client-id',
    parse: text, help: 'OAUTHBEARER: OAuth client id' },
  { path: 'destination.sasl.oauthBearer.clientSecret', env: 'CLUSTERLINK_DESTINATION_OAUTH_CLIENT_SECRET',
    fileFlag: 'destination-oauth-client-secret-file', parse: text, help: 'OAUTHBEARER: file holding the OAuth client secret' },
  { path: 'destination.sasl.oauthBearer.scope', env: 'CLUSTERLINK_DESTINATION_OAUTH_SCOPE', flag: 'destination-oauth-scope', parse: text,
    help: 'OAUTHBEARER: scope to request (default none)' },
  { path: 'destination.sasl.kerberos.principal', env: 'CLUSTERLINK_DESTINATION_KERBEROS_PRINCIPAL', flag: 'destination-kerberos-principal',
    parse: text, help: 'GSSAPI: the engine\'s Kerberos principal, name@REALM (the KDC comes from KRB5_CONFIG or /etc/krb5.conf)' },
  { path: 'destination.sasl.kerberos.keytabLocation', env: 'CLUSTERLINK_DESTINATION_KERBEROS_KEYTAB', flag: 'destination-kerberos-keytab',
    parse: text, help: 'GSSAPI: path of the keytab holding the principal\'s keys (read at each login; keep the file private)' },
  { path: 'destination.sasl.kerberos.serviceName', env: 'CLUSTERLINK_DESTINATION_KERBEROS_SERVICE_NAME',
    flag: 'destination-kerberos-service-name', parse: text, help: 'GSSAPI: the brokers\' Kerberos service name (default kafka)' },
  { path: 'destination.tls.ca', env: 'CLUSTERLINK_DESTINATION_TLS_CA', fileFlag: 'destination-tls-ca-file', parse: text,
    help: 'connect to the destination with TLS, trusting this PEM CA' },
  { path: 'destination.tls.cert', env: 'CLUSTERLINK_DESTINATION_TLS_CERT', fileFlag: 'destination-tls-cert-file', parse: text,
    help: 'PEM client certificate for the destination (mTLS)' },
  { path: 'destination.tls.key', env: 'CLUSTERLINK_DESTINATION_TLS_KEY', fileFlag: 'destination-tls-key-file', parse: text,
    help: 'PEM client private key for the destination (mTLS)' },
  { path: 'destination.tls.rejectUnauthorized', env: 'CLUSTERLINK_DESTINATION_TLS_REJECT_UNAUTHORIZED',
    flag: 'destination-tls-reject-unauthorized', parse: bool,
    help: 'true|false: verify the destination broker certificate (default true)' },
  { path: 'listener.host', env: 'CLUSTERLINK_HOST', flag: 'host', parse: text, help: 'listener host (default 127.0.0.1)' },
  { path: 'listener.port', env: 'CLUSTERLINK_PORT', flag: 'port', parse: wholeNumber,
    help: 'listener port (default 8090, 0 = any free port)' },
  { path: 'listener.tls.cert', env: 'CLUSTERLINK_TLS_CERT', fileFlag: 'tls-cert-file', parse: text,
    help: 'serve HTTPS with this PEM certificate chain' },
  { path: 'listener.tls.key', env: 'CLUSTERLINK_TLS_KEY', fileFlag: 'tls-key-file', parse: text,
    help: 'PEM private key for --tls-cert-file' },
  { path: 'auth.tokens', readPath: 'auth.readTokens', env: 'CLUSTERLINK_TOKENS', flag: 'token', multiple: true, fileFlag: 'token-file',
    list: true, parse: tokens,
    help: 'bearer tokens, one a line: TOKEN or admin:TOKEN (admin), read:TOKEN (read-only); --token is visible in ps: prefer the file' },
  { path: 'auth.basic', readPath: 'auth.readBasic', env: 'CLUSTERLINK_BASIC_AUTH', flag: 'basic', multiple: true, fileFlag: 'basic-file',
    list: true, parse: basicPairs,
    help: 'HTTP basic pairs, one a line: KEY:SECRET (admin) or read:KEY:SECRET (read-only); --basic is visible in ps: prefer the file' },
  { path: 'auth.allowNoAuth', env: 'CLUSTERLINK_ALLOW_NO_AUTH', flag: 'allow-no-auth', switch: true, parse: bool,
    help: 'serve without authentication (loopback listener only)' },
  { path: 'api.requestTimeoutMs', env: 'CLUSTERLINK_REQUEST_TIMEOUT_MS', flag: 'request-timeout-ms', parse: wholeNumber,
    help: 'a client must send its whole request within this time (default 30000)' },
  { path: 'api.rateLimitPerSecond', env: 'CLUSTERLINK_RATE_LIMIT_PER_SECOND', flag: 'rate-limit-per-second', parse: wholeNumber,
    help: 'requests per second each client address may send on average; 0 turns it off (default 50)' },
  { path: 'api.rateLimitBurst', env: 'CLUSTERLINK_RATE_LIMIT_BURST', flag: 'rate-limit-burst', parse: wholeNumber,
    help: 'requests a client address may send at once (default 500)' },
  { path: 'api.sourceNetworks', env: 'CLUSTERLINK_SOURCE_NETWORKS', flag: 'source-networks', list: true, parse: list,
    help: 'comma list of CIDR networks links may reach (default any)' },
  { path: 'credentialsKey', env: 'CLUSTERLINK_CREDENTIALS_KEY', fileFlag: 'credentials-key-file', parse: text,
    help: 'file holding the key that encrypts link credentials at rest' },
  { path: 'stateTopic', env: 'CLUSTERLINK_STATE_TOPIC', flag: 'state-topic', parse: text,
    help: 'state topic on the destination (default _clusterlink-state)' },
  { path: 'logLevel', env: 'CLUSTERLINK_LOG_LEVEL', flag: 'log-level', parse: text,
    help: 'fatal|error|warn|info|debug|trace|silent (default info)' },
  { path: 'promoteTimeoutMs', env: 'CLUSTERLINK_PROMOTE_TIMEOUT_MS', flag: 'promote-timeout-ms', parse: wholeNumber,
    help: 'how long promote waits for lag zero (default 120000)' },
  { path: 'jobIntervalScale', env: 'CLUSTERLINK_JOB_INTERVAL_SCALE', flag: 'job-interval-scale', parse: decimal,
    help: 'multiplier (at most 1) applied to link job intervals (default 1)' },
  { path: 'replicas.coordination', env: 'CLUSTERLINK_REPLICA_COORDINATION', flag: 'replica-coordination', parse: text,
    help: 'group (replicas share mirror topics, default) or none (one engine runs everything)' },
  { path: 'replicas.sessionTimeoutMs', env: 'CLUSTERLINK_REPLICA_SESSION_TIMEOUT_MS', flag: 'replica-session-timeout-ms',
    parse: wholeNumber, help: 'how long before a silent replica\'s mirror topics move to the others (default 10000)' },
  { path: 'replicas.rebalanceTimeoutMs', env: 'CLUSTERLINK_REPLICA_REBALANCE_TIMEOUT_MS', flag: 'replica-rebalance-timeout-ms',
    parse: wholeNumber, help: 'how long a replica may take to stop its copiers at a rebalance (default 30000)' },
  { path: 'replicas.workPartitions', env: 'CLUSTERLINK_REPLICA_WORK_PARTITIONS', flag: 'replica-work-partitions', parse: wholeNumber,
    help: 'partitions of the work topic when this engine creates it (default 32)' },
  { path: 'replicas.statusIntervalMs', env: 'CLUSTERLINK_REPLICA_STATUS_INTERVAL_MS', flag: 'replica-status-interval-ms',
    parse: wholeNumber, help: 'how often an owner publishes the status of its mirror topics (default 1000)' },
  { path: 'mirror.fetchBudgetBytes', env: 'CLUSTERLINK_FETCH_BUDGET_BYTES', flag: 'fetch-budget-bytes', parse: wholeNumber,
    help: 'most fetched bytes held in memory at once, all mirror topics together (default a quarter of the container memory limit, '
      + '256 MiB without one)' },
]

/** The README's config table, one row a setting (test/engine/config/config-table.test.ts keeps the README equal to it). */
export function configTableMarkdown(): string {
  const rows = CONFIG_SETTINGS.map((s) => {
    const flags = [s.flag, s.fileFlag].filter((f) => f !== undefined).map((f) => `\`--${f}\``).join(', ')
    return `| \`${s.path}\` | \`${s.env}\` | ${flags} | ${s.help.replaceAll('|', '\\|')} |`
  })
  return ['| Config file | Environment (or `_FILE`) | Flags | What |', '|---|---|---|---|', ...rows].join('\n')
}
