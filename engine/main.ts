// The engine process: reads the config, starts the app, listens, prints one `listening` JSON line, and closes gracefully on SIGTERM/SIGINT.
import { createEngineApp, type EngineApp } from './app.ts'
import { engineUsage, loadEngineConfig } from './config/index.ts'
import { isEngineError } from './errors.ts'
import { createLogger } from './logging/index.ts'

export interface RunEngineOptions {
  readonly stdout?: NodeJS.WritableStream
  readonly stderr?: NodeJS.WritableStream
  /** Resolves when the engine should stop (default: SIGTERM or SIGINT). */
  readonly stopSignal?: Promise<void>
}

function signalPromise(): Promise<string> {
  return new Promise((resolve) => {
    process.once('SIGTERM', () => resolve('SIGTERM'))
    process.once('SIGINT', () => resolve('SIGINT'))
  })
}

/** Runs until stopped; returns the process exit code (2 for a bad configuration, 1 for a start failure). */
export async function runEngine(argv: readonly string[], options: RunEngineOptions = {}): Promise<number> {
  const stdout = options.stdout ?? process.stdout
  const stderr = options.stderr ?? process.stderr
  if (argv.includes('--help') || argv.includes('-h')) {
    stdout.write(engineUsage())
    return 0
  }
  let config
  try {
    config = loadEngineConfig({ argv })
  } catch (error) {
    stderr.write(`clusterlink engine: ${error instanceof Error ? error.message : String(error)}\n`)
    return 2
  }
  // Logs go to stderr so that stdout carries only the machine-readable `listening` line.
  const logger = createLogger({ level: config.logLevel, destination: process.stderr })
  let app: EngineApp | undefined
  try {
    app = await createEngineApp(config, { logger })
    const address = await app.server.listen({ host: config.listener.host, port: config.listener.port })
    const url = address.replace('[::1]', 'localhost')
    stdout.write(`${JSON.stringify({ event: 'listening', url, clusterId: app.clusterId })}\n`)
    logger.info({ url, clusterId: app.clusterId }, 'engine listening')
    if (config.auth.allowNoAuth) logger.warn({ url }, 'engine serving without authentication (--allow-no-auth, loopback only)')
    if (!config.credentialsKey) logger.warn('no credentialsKey: links with credentials will be refused')
    const reason = await (options.stopSignal ?? signalPromise())
    logger.info({ reason: reason ?? 'stop' }, 'engine stopping')
    await app.close()
    logger.info('engine stopped')
    return 0
  } catch (error) {
    logger.fatal({ err: error }, 'engine failed to start')
    stderr.write(`clusterlink engine: ${isEngineError(error) ? error.message : 'failed to start (see the log above)'}\n`)
    await app?.close().catch(() => undefined)
    return 1
  }
}
