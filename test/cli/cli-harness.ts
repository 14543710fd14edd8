// Runs the link and mirror commands in-process against an engine on fakes listening on a loopback port.
import { PassThrough } from 'node:stream'
import { buildTestApp, TOKEN, type TestApp } from '../engine/api/test-app.ts'

export interface CliRun {
  readonly code: number
  readonly stdout: string
  readonly stderr: string
}

export async function startCliEngine(): Promise<{ t: TestApp; url: string }> {
  const t = await buildTestApp({ credentialsKey: 'cli-credentials-key-0123456789' })
  const url = await t.app.server.listen({ host: '127.0.0.1', port: 0 })
  return { t, url }
}

type CliIo = { stdout: NodeJS.WritableStream; stderr: NodeJS.WritableStream; env: Record<string, string | undefined> }

export async function runCli(
  command: (argv: readonly string[], io: CliIo) => Promise<number>, argv: readonly string[], url: string,
  env: Record<string, string | undefined> = {},
): Promise<CliRun> {
  const out = new PassThrough()
  const err = new PassThrough()
  const chunks = { out: [] as string[], err: [] as string[] }
  out.on('data', (c) => chunks.out.push(String(c)))
  err.on('data', (c) => chunks.err.push(String(c)))
  const code = await command(argv, { stdout: out, stderr: err, env: { CLUSTERLINK_URL: url, CLUSTERLINK_TOKEN: TOKEN, ...env } })
  return { code, stdout: chunks.out.join(''), stderr: chunks.err.join('') }
}
