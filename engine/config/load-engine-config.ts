// Builds the engine configuration from a JSON file, CLUSTERLINK_* environment variables and CLI flags (later wins), reporting every problem at once.
import { readFileSync } from 'node:fs'
import { parseArgs } from 'node:util'
import type { z } from 'zod'
import { EngineError } from '../errors.ts'
import { authProblems, EngineConfigSchema, type EngineConfig } from './engine-config.ts'

export interface LoadEngineConfigOptions {
  readonly argv?: readonly string[]
  /** Environment to read; default process.env (config/ is the only reader of process.env). */
  readonly env?: Readonly<Record<string, string | undefined>>
  readonly readFile?: (path: string) => string
}

/** The CLI flags of `clusterlink engine`, with their help text. */
export const ENGINE_FLAGS = {
  'config': { type: 'string', help: 'JSON config file (see the schema in engine/config/engine-config.ts)' },
  'host': { type: 'string', help: 'listener host (default 127.0.0.1)' },
  'port': { type: 'string', help: 'listener port (default 8090, 0 = any free port)' },
  'tls-cert-file': { type: 'string', help: 'serve HTTPS with this PEM certificate chain' },
  'tls-key-file': { type: 'string', help: 'PEM private key for --tls-cert-file' },
  'destination-bootstrap': { type: 'string', help: 'destination cluster bootstrap servers, host:port[,host:port]' },
  'destination-sasl-mechanism': { type: 'string', help: 'PLAIN, SCRAM-SHA-256 or SCRAM-SHA-512' },
  'destination-sasl-username': { type: 'string', help: 'SASL username for the destination cluster' },
  'destination-sasl-password-file': { type: 'string', help: 'file holding the SASL password for the destination cluster' },
  'destination-tls-ca-file': { type: 'string', help: 'connect to the destination with TLS, trusting this PEM CA' },
  'token': { type: 'string', multiple: true, help: 'accepted admin bearer token (repeatable; visible in ps: prefer --token-file)' },
  'token-file': { type: 'string', help: 'file with bearer tokens, one a line: TOKEN or admin:TOKEN (admin), read:TOKEN (read-only)' },
  'basic': { type: 'string', multiple: true, help: 'accepted HTTP basic KEY:SECRET pair (repeatable; visible in ps: prefer --basic-file)' },
  'basic-file': { type: 'string', help: 'file with HTTP basic pairs, one a line: KEY:SECRET (admin) or read:KEY:SECRET (read-only)' },
  'source-networks': { type: 'string', help: 'comma list of CIDR networks links may reach (default any)' },
  'credentials-key-file': { type: 'string', help: 'file holding the key that encrypts link credentials at rest' },
  'allow-no-auth': { type: 'boolean', help: 'serve without authentication (loopback listener only)' },
  'state-topic': { type: 'string', help: 'state topic on the destination (default _clusterlink-state)' },
  'log-level': { type: 'string', help: 'fatal|error|warn|info|debug|trace|silent (default info)' },
  'promote-timeout-ms': { type: 'string', help: 'how long promote waits for lag zero (default 120000)' },
  'replica-coordination': { type: 'string', help: 'group (replicas share mirror topics, default) or none (one engine runs everything)' },
  'replica-session-timeout-ms': { type: 'string', help: 'how long before a silent replica\'s mirror topics move to the others (default 10000)' },
  'help': { type: 'boolean', help: 'show this help' },
} as const

type Raw = Record<string, unknown>

function setPath(target: Raw, path: readonly string[], value: unknown): void {
  let node = target
  for (const key of path.slice(0, -1)) {
    const next = node[key]
    if (typeof next !== 'object' || next === null || Array.isArray(next)) node[key] = {}
    node = node[key] as Raw
  }
  node[path.at(-1) as string] = value
}

function splitList(text: string): string[] {
  return text.split(/[,\n]/).map((item) => item.trim()).filter((item) => item.length > 0)
}

/** Splits token lines into admin and read-only tokens: `read:TOKEN`, `admin:TOKEN`, or a bare TOKEN (admin, the old format). */
function splitTokens(lines: readonly string[]): { admin: string[]; read: string[] } {
  const admin: string[] = []
  const read: string[] = []
  for (const line of lines) {
    if (line.startsWith('read:')) read.push(line.slice('read:'.length))
    else admin.push(line.startsWith('admin:') ? line.slice('admin:'.length) : line)
  }
  return { admin, read }
}

/** Splits basic pair lines into admin and read-only pairs: `read:KEY:SECRET` is read-only, `KEY:SECRET` admin. */
function splitBasic(lines: readonly string[], problems: string[], where: string): Record<'admin' | 'read', Array<{ key: string; secret: string }>> {
  const isRead = (line: string) => line.startsWith('read:') && line.split(':').length >= 3
  const readLines = lines.filter(isRead).map((line) => line.slice('read:'.length))
  const adminLines = lines.filter((line) => !isRead(line)).map((line) => line.replace(/^admin:(?=[^:]+:)/, ''))
  return { admin: parseBasic(adminLines, problems, where), read: parseBasic(readLines, problems, where) }
}

const PROTOTYPE_KEYS = new Set(['__proto__', 'constructor', 'prototype'])

/** Paths of keys that would reach an object's prototype when merged (a config file is JSON from outside the engine). */
function prototypeKeyPaths(value: unknown, path: string[] = []): string[] {
  if (typeof value !== 'object' || value === null) return []
  return Object.keys(value).flatMap((key) => (PROTOTYPE_KEYS.has(key)
    ? [[...path, key].join('.')]
    : prototypeKeyPaths((value as Raw)[key], [...path, key])))
}

/** Where JSON.parse stopped, without quoting the text (a config file may hold secrets). */
function jsonErrorPosition(text: string, error: unknown): string {
  const message = error instanceof Error ? error.message : ''
  // V8 says either "at position N" or quotes the text around the bad token; only the position is kept.
  const quoted = /Unexpected token '(.)', (?:\.\.\.)?"(.*)"(?:\.\.\.)? is not valid JSON/s.exec(message)
  const found = quoted ? text.indexOf(quoted[2] as string) : -1
  const fromQuote = quoted && found >= 0 ? String(found + (quoted[2] as string).indexOf(quoted[1] as string)) : undefined
  const at = /position (\d+)/.exec(message)?.[1] ?? fromQuote
  if (at === undefined) return 'not valid JSON'
  const before = text.slice(0, Number(at))
  const line = before.split('\n').length
  return `not valid JSON (line ${line}, column ${Number(at) - before.lastIndexOf('\n')})`
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

function toNumber(text: string, where: string, problems: string[]): number | undefined {
  if (!/^\d+$/.test(text.trim())) {
    problems.push(`${where}: expected a whole number, got '${text}'`)
    return undefined
  }
  return Number(text)
}

/** Formats zod issues as `path: message` lines. */
export function formatIssues(issues: readonly z.core.$ZodIssue[]): string[] {
  return issues.map((issue) => `${issue.path.length > 0 ? issue.path.join('.') : '(root)'}: ${issue.message}`)
}

/** Reads and validates the configuration; throws one EngineError(CONFIG_ERROR) listing every problem. */
export function loadEngineConfig(options: LoadEngineConfigOptions = {}): EngineConfig {
  const env = options.env ?? process.env
  const readFile = options.readFile ?? ((path: string) => readFileSync(path, 'utf8'))
  const problems: string[] = []
  const raw: Raw = {}

  const read = (path: string, where: string): string | undefined => {
    try {
      return readFile(path)
    } catch {
      problems.push(`${where}: cannot read file '${path}'`)
      return undefined
    }
  }
  /** A value from VAR or from the file named by VAR_FILE (as Kubernetes mounts secrets). */
  const fromEnv = (name: string): string | undefined => {
    const direct = env[name]
    if (direct !== undefined && direct !== '') return direct
    const file = env[`${name}_FILE`]
    if (file) return read(file, `${name}_FILE`)?.trim()
    return undefined
  }

  let flags: Record<string, unknown> = {}
  try {
    flags = parseArgs({ args: [...(options.argv ?? [])], options: ENGINE_FLAGS, strict: true, allowPositionals: false }).values
  } catch (error) {
    problems.push(`flags: ${error instanceof Error ? error.message : String(error)}`)
  }

  const configFile = typeof flags['config'] === 'string' ? flags['config'] : env['CLUSTERLINK_CONFIG']
  if (configFile) {
    const text = read(configFile, '--config')
    if (text !== undefined) {
      try {
        const parsed: unknown = JSON.parse(text)
        const bad = prototypeKeyPaths(parsed)
        if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) problems.push(`--config: '${configFile}' must hold a JSON object`)
        else if (bad.length > 0) problems.push(`--config: '${configFile}' uses reserved key(s) ${bad.join(', ')}; remove them`)
        else Object.assign(raw, parsed)
      } catch (error) {
        problems.push(`--config: '${configFile}' is ${jsonErrorPosition(text, error)}`)
      }
    }
  }

  const apply = (path: readonly string[], value: unknown): void => {
    if (value !== undefined) setPath(raw, path, value)
  }
  // Environment variables.
  const bootstrap = fromEnv('CLUSTERLINK_DESTINATION_BOOTSTRAP')
  apply(['destination', 'bootstrapServers'], bootstrap === undefined ? undefined : splitList(bootstrap))
  apply(['destination', 'clientId'], fromEnv('CLUSTERLINK_DESTINATION_CLIENT_ID'))
  const saslMechanism = fromEnv('CLUSTERLINK_DESTINATION_SASL_MECHANISM')
  if (saslMechanism !== undefined) {
    apply(['destination', 'sasl', 'mechanism'], saslMechanism)
    apply(['destination', 'sasl', 'username'], fromEnv('CLUSTERLINK_DESTINATION_SASL_USERNAME'))
    apply(['destination', 'sasl', 'password'], fromEnv('CLUSTERLINK_DESTINATION_SASL_PASSWORD'))
  }
  for (const [name, key] of [['CA', 'ca'], ['CERT', 'cert'], ['KEY', 'key']] as const) {
    apply(['destination', 'tls', key], fromEnv(`CLUSTERLINK_DESTINATION_TLS_${name}`))
  }
  apply(['listener', 'host'], fromEnv('CLUSTERLINK_HOST'))
  const envPort = fromEnv('CLUSTERLINK_PORT')
  if (envPort !== undefined) apply(['listener', 'port'], toNumber(envPort, 'CLUSTERLINK_PORT', problems))
  apply(['listener', 'tls', 'cert'], fromEnv('CLUSTERLINK_TLS_CERT'))
  apply(['listener', 'tls', 'key'], fromEnv('CLUSTERLINK_TLS_KEY'))
  const envTokens = fromEnv('CLUSTERLINK_TOKENS')
  if (envTokens !== undefined) {
    const { admin, read } = splitTokens(splitList(envTokens))
    apply(['auth', 'tokens'], admin)
    apply(['auth', 'readTokens'], read)
  }
  const envBasic = fromEnv('CLUSTERLINK_BASIC_AUTH')
  if (envBasic !== undefined) {
    const { admin, read } = splitBasic(splitList(envBasic), problems, 'CLUSTERLINK_BASIC_AUTH')
    apply(['auth', 'basic'], admin)
    apply(['auth', 'readBasic'], read)
  }
  const envNetworks = fromEnv('CLUSTERLINK_SOURCE_NETWORKS')
  if (envNetworks !== undefined) apply(['api', 'sourceNetworks'], splitList(envNetworks))
  const limits = [
    ['CLUSTERLINK_REQUEST_TIMEOUT_MS', 'requestTimeoutMs'], ['CLUSTERLINK_RATE_LIMIT_PER_SECOND', 'rateLimitPerSecond'],
    ['CLUSTERLINK_RATE_LIMIT_BURST', 'rateLimitBurst'],
  ] as const
  for (const [name, key] of limits) {
    const value = fromEnv(name)
    if (value !== undefined) apply(['api', key], toNumber(value, name, problems))
  }
  const envNoAuth = fromEnv('CLUSTERLINK_ALLOW_NO_AUTH')
  if (envNoAuth !== undefined) apply(['auth', 'allowNoAuth'], envNoAuth === 'true' || envNoAuth === '1')
  apply(['credentialsKey'], fromEnv('CLUSTERLINK_CREDENTIALS_KEY'))
  apply(['stateTopic'], fromEnv('CLUSTERLINK_STATE_TOPIC'))
  apply(['logLevel'], fromEnv('CLUSTERLINK_LOG_LEVEL'))
  apply(['replicas', 'coordination'], fromEnv('CLUSTERLINK_REPLICA_COORDINATION'))
  const envSession = fromEnv('CLUSTERLINK_REPLICA_SESSION_TIMEOUT_MS')
  if (envSession !== undefined) apply(['replicas', 'sessionTimeoutMs'], toNumber(envSession, 'CLUSTERLINK_REPLICA_SESSION_TIMEOUT_MS', problems))
  const envPromote = fromEnv('CLUSTERLINK_PROMOTE_TIMEOUT_MS')
  if (envPromote !== undefined) apply(['promoteTimeoutMs'], toNumber(envPromote, 'CLUSTERLINK_PROMOTE_TIMEOUT_MS', problems))

  // CLI flags.
  const flag = (name: keyof typeof ENGINE_FLAGS): string | undefined => (typeof flags[name] === 'string' ? flags[name] : undefined)
  const flagFile = (name: keyof typeof ENGINE_FLAGS): string | undefined => {
    const path = flag(name)
    return path === undefined ? undefined : read(path, `--${name}`)?.trim()
  }
  apply(['listener', 'host'], flag('host'))
  const port = flag('port')
  if (port !== undefined) apply(['listener', 'port'], toNumber(port, '--port', problems))
  const certFile = flag('tls-cert-file')
  if (certFile !== undefined) apply(['listener', 'tls', 'cert'], read(certFile, '--tls-cert-file'))
  const keyFile = flag('tls-key-file')
  if (keyFile !== undefined) apply(['listener', 'tls', 'key'], read(keyFile, '--tls-key-file'))
  const flagBootstrap = flag('destination-bootstrap')
  if (flagBootstrap !== undefined) apply(['destination', 'bootstrapServers'], splitList(flagBootstrap))
  apply(['destination', 'sasl', 'mechanism'], flag('destination-sasl-mechanism'))
  apply(['destination', 'sasl', 'username'], flag('destination-sasl-username'))
  apply(['destination', 'sasl', 'password'], flagFile('destination-sasl-password-file'))
  apply(['destination', 'tls', 'ca'], flagFile('destination-tls-ca-file'))
  const tokens = splitTokens([...((flags['token'] as string[] | undefined) ?? []), ...splitList(flagFile('token-file') ?? '')])
  if (tokens.admin.length > 0 || tokens.read.length > 0) {
    apply(['auth', 'tokens'], tokens.admin)
    apply(['auth', 'readTokens'], tokens.read)
  }
  const basicLines = [...((flags['basic'] as string[] | undefined) ?? []), ...splitList(flagFile('basic-file') ?? '')]
  const basic = splitBasic(basicLines, problems, '--basic')
  if (basic.admin.length > 0 || basic.read.length > 0) {
    apply(['auth', 'basic'], basic.admin)
    apply(['auth', 'readBasic'], basic.read)
  }
  const networks = flag('source-networks')
  if (networks !== undefined) apply(['api', 'sourceNetworks'], splitList(networks))
  if (flags['allow-no-auth'] === true) apply(['auth', 'allowNoAuth'], true)
  apply(['credentialsKey'], flagFile('credentials-key-file'))
  apply(['stateTopic'], flag('state-topic'))
  apply(['logLevel'], flag('log-level'))
  apply(['replicas', 'coordination'], flag('replica-coordination'))
  const session = flag('replica-session-timeout-ms')
  if (session !== undefined) apply(['replicas', 'sessionTimeoutMs'], toNumber(session, '--replica-session-timeout-ms', problems))
  const promote = flag('promote-timeout-ms')
  if (promote !== undefined) apply(['promoteTimeoutMs'], toNumber(promote, '--promote-timeout-ms', problems))

  if (raw['destination'] === undefined) raw['destination'] = {}
  const result = EngineConfigSchema.safeParse(raw)
  if (!result.success) {
    const issues = formatIssues(result.error.issues).map((line) => line.startsWith('destination.bootstrapServers: Invalid input: expected array')
      ? 'destination.bootstrapServers: required (--destination-bootstrap or CLUSTERLINK_DESTINATION_BOOTSTRAP)' : line)
    problems.push(...issues)
    // Object-level rules do not run when a field fails; check them here so every problem is reported at once.
    if (!issues.some((line) => line.startsWith('auth'))) {
      const auth = (raw['auth'] ?? {}) as Parameters<typeof authProblems>[0]
      const listener = (raw['listener'] ?? {}) as { host?: string }
      problems.push(...authProblems(auth, listener.host ?? '127.0.0.1').map((p) => `${p.path}: ${p.message}`))
    }
  }
  if (problems.length > 0 || !result.success) {
    throw new EngineError('CONFIG_ERROR', `invalid engine configuration:\n  ${problems.join('\n  ')}`, { context: { problems } })
  }
  return result.data
}

/** Help text for `clusterlink engine --help`. */
export function engineUsage(): string {
  const lines = Object.entries(ENGINE_FLAGS).map(([name, spec]) => `  --${name.padEnd(32)} ${spec.help}`)
  return `usage: clusterlink engine [options]\n\n${lines.join('\n')}\n\nEvery option can also come from the environment (CLUSTERLINK_DESTINATION_BOOTSTRAP, CLUSTERLINK_TOKENS, CLUSTERLINK_BASIC_AUTH, CLUSTERLINK_CREDENTIALS_KEY, CLUSTERLINK_SOURCE_NETWORKS, CLUSTERLINK_RATE_LIMIT_PER_SECOND, CLUSTERLINK_REQUEST_TIMEOUT_MS, ...; secrets also as *_FILE).\nSecrets given as flags (--token, --basic) are visible to every user of the machine (ps, /proc): prefer the *-file flags or *_FILE variables.\n`
}
