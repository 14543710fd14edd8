// Entry point of the pulumi-language-nodejs wrapper: the Pulumi CLI starts it with its flags and, last, the engine's
// address; it prints the port it serves on (the only thing on stdout) and exits when the engine goes away.
import { connect } from 'node:net'
import { startLanguageHost } from './language-runtime.ts'

/** The CLI passes `[--logtostderr] [-v=N] [--tracing <url>] <engine address>` (sdk/go/common/resource/plugin/plugin.go). */
export function engineAddressOf(argv: readonly string[]): string | undefined {
  const last = argv.at(-1)
  if (last === undefined || last.startsWith('-') || argv.at(-2) === '--tracing' || argv.at(-2) === '-tracing') return undefined
  return last
}

function isReachable(address: string): Promise<boolean> {
  const colon = address.lastIndexOf(':')
  return new Promise((resolve) => {
    const socket = connect({ host: address.slice(0, colon) || '127.0.0.1', port: Number(address.slice(colon + 1)) })
    socket.setTimeout(5_000)
    socket.once('connect', () => { socket.destroy(); resolve(true) })
    socket.once('error', () => resolve(false))
    socket.once('timeout', () => { socket.destroy(); resolve(false) })
  })
}

async function main(): Promise<void> {
  const host = await startLanguageHost({ engineAddress: engineAddressOf(process.argv.slice(2)), version: '0.1.0', env: process.env })
  process.stdout.write(`${host.port}\n`)
  const stop = (): void => { host.close().finally(() => process.exit(0)) }
  process.once('SIGTERM', stop)
  process.once('SIGINT', stop)
  // Like Pulumi's host, leave when the engine that started us is gone (three failed connection attempts in a row).
  let failures = 0
  setInterval(() => {
    const address = engineAddressOf(process.argv.slice(2))
    if (!address) return
    isReachable(address).then((ok) => {
      failures = ok ? 0 : failures + 1
      if (failures >= 3) stop()
    }, () => undefined)
  }, 2_000).unref()
}

if (import.meta.main) {
  main().catch((error: unknown) => {
    process.stderr.write(`pulumi-language-nodejs: ${error instanceof Error ? error.stack ?? error.message : String(error)}\n`)
    process.exit(1)
  })
}
