// Builds the engine configuration from a JSON file, then the CLUSTERLINK_* variables and flags of the config table (later wins),
// reporting every problem at once.
import { readFileSync } from 'node:fs'
import { parseArgs } from 'node:util'
import type { z } from 'zod'
import { EngineError } from '../errors.ts'
import { CONFIG_SETTINGS, splitList, type ConfigSetting } from './config-table.ts'
import { authProblems, EngineConfigSchema, type EngineConfig } from './engine-config.ts'

export interface LoadEngineConfigOptions {
  readonly argv?: readonly string[]
  /** Environment to read; default process.env (config/ is the only reader of process.env). */
  readonly env?: Readonly<Record<string, string | undefined>>
  readonly readFile?: (path: string) => string
}

interface FlagSpec {
  readonly type: 'string' | 'boolean'
  readonly multiple?: boolean
  readonly help: string
}

/** The CLI flags of `clusterlink engine`, with their help text: --config, --help and the flags of every CONFIG_SETTINGS entry. */
export const ENGINE_FLAGS: Readonly<Record<string, FlagSpec>> = Object.fromEntries([
  ['config', { type: 'string', help: 'JSON config file (see the schema in engine/config/engine-config.ts)' }],
  ...CONFIG_SETTINGS.flatMap((s): Array<[string, FlagSpec]> => {
    const out: Array<[string, FlagSpec]> = []
    if (s.flag !== undefined) out.push([s.flag, { type: s.switch ? 'boolean' : 'string', multiple: s.multiple === true, help: s.help }])
    if (s.fileFlag !== undefined) out.push([s.fileFlag, { type: 'string', help: s.flag ? `file with ${s.help}` : s.help }])
    return out
  }),
  ['help', { type: 'boolean', help: 'show this help' }],
])

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

  // Environment variables, then flags (later wins), for every setting of the one table.
  const fromFlags = (setting: ConfigSetting): string[] | undefined => {
    if (setting.switch) return setting.flag !== undefined && flags[setting.flag] === true ? ['true'] : undefined
    const items: string[] = []
    const value = setting.flag === undefined ? undefined : flags[setting.flag]
    let given = value !== undefined
    if (Array.isArray(value)) items.push(...(value as string[]))
    else if (typeof value === 'string') items.push(...(setting.list ? splitList(value) : [value]))
    const path = setting.fileFlag === undefined ? undefined : flags[setting.fileFlag]
    const content = typeof path === 'string' ? read(path, `--${setting.fileFlag}`)?.trim() : undefined
    if (content !== undefined) items.push(...(setting.list ? splitList(content) : [content]))
    given ||= content !== undefined
    return !given || (setting.list && items.length === 0) ? undefined : items
  }
  const fromEnvironment = (setting: ConfigSetting): string[] | undefined => {
    const value = fromEnv(setting.env)
    return value === undefined ? undefined : setting.list ? splitList(value) : [value]
  }
  const sources = [
    { items: fromEnvironment, where: (s: ConfigSetting) => s.env },
    { items: fromFlags, where: (s: ConfigSetting) => `--${s.flag ?? s.fileFlag}` },
  ]
  for (const source of sources) {
    for (const setting of CONFIG_SETTINGS) {
      const items = source.items(setting)
      if (items === undefined) continue
      const value = setting.parse(items, source.where(setting), problems)
      if (value === undefined) continue
      if (setting.readPath === undefined) {
        setPath(raw, setting.path.split('.'), value)
      } else {
        const { admin, read } = value as { admin: unknown[]; read: unknown[] }
        setPath(raw, setting.path.split('.'), admin)
        setPath(raw, setting.readPath.split('.'), read)
      }
    }
  }

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
