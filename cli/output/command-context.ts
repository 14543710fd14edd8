// Shared plumbing of the link and mirror commands: engine connection flags, output format, exit codes and error printing.
import { readFileSync } from 'node:fs'
import { EngineClient, isEngineApiError } from '../../provider/client/index.ts'

/** Exit codes scripts can rely on. */
export const EXIT = {
  OK: 0,
  /** The engine refused the request (4xx), or an action failed for at least one mirror topic. */
  REFUSED: 1,
  /** Wrong command-line usage. */
  USAGE: 2,
  /** The engine could not be reached or answered 5xx; retrying may help. */
  UNAVAILABLE: 3,
  /** A wait (promote) ran out of time. */
  TIMEOUT: 4,
} as const

export interface CommandIo {
  readonly stdout: NodeJS.WritableStream
  readonly stderr: NodeJS.WritableStream
  readonly env: Readonly<Record<string, string | undefined>>
}

export const CONNECTION_FLAGS = {
  url: { type: 'string' },
  token: { type: 'string' },
  'token-file': { type: 'string' },
  'api-key': { type: 'string' },
  'api-secret': { type: 'string' },
  'api-secret-file': { type: 'string' },
  output: { type: 'string', short: 'o' },
  help: { type: 'boolean', short: 'h' },
} as const

export const CONNECTION_HELP = `connection options:
  --url URL            engine URL (env CLUSTERLINK_URL; default http://127.0.0.1:8090)
  --token-file F       file holding the bearer token (env CLUSTERLINK_TOKEN or CLUSTERLINK_TOKEN_FILE)
  --api-key K --api-secret-file F   HTTP basic instead of a token (env CLUSTERLINK_API_KEY, CLUSTERLINK_API_SECRET[_FILE])
  --token T, --api-secret S   the same on the command line: visible to other users in ps, prefer the files or env
  --output table|json  output format (default table)

exit codes: 0 ok, 1 refused by the engine or failed for some topic, 2 usage, 3 engine unreachable, 4 wait timed out
`

export class UsageError extends Error {}

export type OutputFormat = 'table' | 'json'

export function outputFormat(values: Record<string, unknown>): OutputFormat {
  const format = (values['output'] as string | undefined) ?? 'table'
  if (format !== 'table' && format !== 'json') throw new UsageError(`--output must be table or json, got '${format}'`)
  return format
}

/**
 * A secret from `--name`, `--name-file`, then the env variable or the file its `_FILE` twin names. Files and env keep
 * secrets out of argv, which every user of the machine can read (ps, /proc/<pid>/cmdline).
 */
function secretOption(
  values: Record<string, unknown>, env: CommandIo['env'], flag: string, envName: string, readFile: (path: string) => string,
): string | undefined {
  const fromFile = (path: string, where: string): string => {
    try {
      return readFile(path).trim()
    } catch {
      throw new UsageError(`${where}: cannot read '${path}'`)
    }
  }
  const direct = values[flag] as string | undefined
  if (direct !== undefined) return direct
  const file = values[`${flag}-file`] as string | undefined
  if (file !== undefined) return fromFile(file, `--${flag}-file`)
  if (env[envName]) return env[envName]
  const envFile = env[`${envName}_FILE`]
  return envFile ? fromFile(envFile, `${envName}_FILE`) : undefined
}

export function createClient(
  values: Record<string, unknown>, env: CommandIo['env'], readFile: (path: string) => string = (path) => readFileSync(path, 'utf8'),
): EngineClient {
  const endpoint = (values['url'] as string | undefined) ?? env['CLUSTERLINK_URL'] ?? 'http://127.0.0.1:8090'
  const token = secretOption(values, env, 'token', 'CLUSTERLINK_TOKEN', readFile)
  const username = (values['api-key'] as string | undefined) ?? env['CLUSTERLINK_API_KEY']
  const password = secretOption(values, env, 'api-secret', 'CLUSTERLINK_API_SECRET', readFile)
  if (!/^https?:\/\//.test(endpoint)) throw new UsageError(`--url must start with http:// or https://, got '${endpoint}'`)
  return new EngineClient({ endpoint, ...(token ? { token } : username && password ? { username, password } : {}) })
}

/** Parses repeated `--config name=value` flags. */
export function parseConfigPairs(pairs: readonly string[] | undefined): Array<{ name: string; value: string }> {
  return (pairs ?? []).map((pair) => {
    const at = pair.indexOf('=')
    if (at <= 0) throw new UsageError(`--config expects name=value, got '${pair}'`)
    return { name: pair.slice(0, at), value: pair.slice(at + 1) }
  })
}

export function printJson(io: CommandIo, value: unknown): void {
  io.stdout.write(`${JSON.stringify(value, null, 2)}\n`)
}

/** Prints an error the way scripts expect (one line on stderr) and returns its exit code. */
export function reportError(io: CommandIo, command: string, error: unknown): number {
  if (error instanceof UsageError) {
    io.stderr.write(`clusterlink ${command}: ${error.message}\n`)
    return EXIT.USAGE
  }
  if (isEngineApiError(error)) {
    io.stderr.write(`clusterlink ${command}: ${error.message}\n`)
    return error.httpStatus === 0 || error.httpStatus >= 500 ? EXIT.UNAVAILABLE : EXIT.REFUSED
  }
  io.stderr.write(`clusterlink ${command}: ${error instanceof Error ? error.message : String(error)}\n`)
  return EXIT.REFUSED
}

export function defaultIo(): CommandIo {
  return { stdout: process.stdout, stderr: process.stderr, env: process.env }
}
