// Runs one provider process: refuses to start outside Terraform, serves the plugin, and exits after shutdown.
import type { TerraformProviderDefinition } from './resource-type.ts'

export interface ServeProviderOptions<Client> {
  /** Built lazily, after the environment check, so a process started by hand prints its message fast. */
  readonly createDefinition: () => Promise<TerraformProviderDefinition<Client>>
  readonly env: NodeJS.ProcessEnv
}

/** Returns the process exit code. */
export async function serveProvider<Client>(options: ServeProviderOptions<Client>): Promise<number> {
  const { checkPluginEnvironment, readPluginEnvironment, servePlugin } = await import('./plugin-server.ts')
  const environment = readPluginEnvironment(options.env)
  const problem = checkPluginEnvironment(environment)
  if (problem) {
    process.stderr.write(`terraform-provider-clusterlink: ${problem}\n`)
    return 1
  }
  const [{ createLogger }, { pino }, { ProviderRpcHandlers }] = await Promise.all([
    import('../../engine/logging/index.ts'),
    import('pino'),
    import('./provider-rpc-handlers.ts'),
  ])
  const level = (options.env.TF_LOG_PROVIDER ?? options.env.TF_LOG ?? '').toLowerCase()
  const logger = createLogger({
    level: ['trace', 'debug', 'info', 'warn', 'error'].includes(level) ? level : 'warn',
    destination: pino.destination({ fd: 2, sync: true }),
  }).child({ component: 'terraform-provider' })
  // Loaded while the server starts and the handshake goes out; every RPC waits for it.
  const handlers = options.createDefinition().then((definition) => new ProviderRpcHandlers(definition))
  // Terraform forwards Ctrl-C to the whole process group and then calls StopProvider; it owns the lifecycle.
  process.on('SIGINT', () => { logger.debug('interrupt ignored (Terraform stops the provider itself)') })
  const plugin = await servePlugin({
    handlers,
    environment,
    logger,
    writeHandshake: (line) => { process.stdout.write(line) },
  })
  await plugin.closed
  return 0
}
