// Serves a provider over go-plugin's gRPC transport: checks the launch environment, listens on a private unix socket
// with mutual TLS, prints the handshake line, and answers until Terraform asks it to shut down.
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { ServerCredentials, ServiceDefinition } from '@grpc/grpc-js'
import type { Logger } from '../../engine/logging/index.ts'
import type { ProviderRpcHandlers } from './provider-rpc-handlers.ts'

/** go-plugin's handshake for Terraform providers (hashicorp/terraform internal/plugin6/serve.go). */
export const MAGIC_COOKIE_KEY = 'TF_PLUGIN_MAGIC_COOKIE'
export const MAGIC_COOKIE_VALUE = 'd602bf8f470bc67ca7faa0386276bbdd4330efaf76d1a219cb4d6991ca9872b2'
export const PROTOCOL_VERSION = 6
const CORE_PROTOCOL_VERSION = 1

export interface PluginEnvironment {
  readonly magicCookie: string | undefined
  readonly protocolVersions: string | undefined
  readonly clientCertificatePem: string | undefined
  readonly tlsDisabled: boolean
}

export function readPluginEnvironment(env: NodeJS.ProcessEnv): PluginEnvironment {
  return {
    magicCookie: env[MAGIC_COOKIE_KEY],
    protocolVersions: env.PLUGIN_PROTOCOL_VERSIONS,
    clientCertificatePem: env.PLUGIN_CLIENT_CERT,
    tlsDisabled: (env.TF_DISABLE_PLUGIN_TLS ?? '') !== '',
  }
}

/** Returns why the process cannot serve (run by hand, or by a Terraform that lacks protocol 6), or undefined. */
export function checkPluginEnvironment(environment: PluginEnvironment): string | undefined {
  if (environment.magicCookie !== MAGIC_COOKIE_VALUE) {
    return 'This is a Terraform provider plugin: Terraform starts it itself. Install it with `./clusterlink terraform install` and run `terraform init`.'
  }
  if (environment.protocolVersions) {
    const versions = environment.protocolVersions.split(',').map((version) => Number(version.trim()))
    if (!versions.includes(PROTOCOL_VERSION)) {
      return `This provider speaks plugin protocol ${PROTOCOL_VERSION}, but Terraform offered ${environment.protocolVersions}; use Terraform 1.0 or later, or OpenTofu.`
    }
  }
  if (!environment.tlsDisabled && !environment.clientCertificatePem) {
    return 'PLUGIN_CLIENT_CERT is missing: Terraform always sends it (AutoMTLS); set TF_DISABLE_PLUGIN_TLS=1 only for debugging.'
  }
  return undefined
}

export interface ServeOptions<Client> {
  /** May still be loading: the handshake goes out first, and every RPC waits for it. */
  readonly handlers: ProviderRpcHandlers<Client> | Promise<ProviderRpcHandlers<Client>>
  readonly environment: PluginEnvironment
  readonly logger: Logger
  /** Where the handshake line goes (process.stdout); nothing else may be written there. */
  readonly writeHandshake: (line: string) => void
}

export interface RunningPlugin {
  readonly socketPath: string
  /** Resolves when Terraform asked for shutdown (GRPCController.Shutdown) or `close` was called. */
  readonly closed: Promise<void>
  close(): Promise<void>
}

type UnaryCallback = (error: Error | null, response?: object) => void
type UnaryHandler = (call: { request: Record<string, unknown> }, callback: UnaryCallback) => void

export async function servePlugin<Client>(options: ServeOptions<Client>): Promise<RunningPlugin> {
  const [grpc, protoLoader, { createPluginCertificate }] = await Promise.all([
    import('@grpc/grpc-js'),
    import('@grpc/proto-loader'),
    import('./plugin-certificate.ts'),
  ])
  const { environment, logger } = options
  const handlersReady = Promise.resolve(options.handlers)
  // Every RPC reports this failure itself; this only keeps an early one from being an unhandled rejection.
  handlersReady.catch((error: unknown) => { logger.error({ err: error }, 'provider definition failed to load (a bug)') })
  const protocolDir = join(import.meta.dirname, 'protocol')
  const definition = await protoLoader.load(['tfplugin6.proto', 'go-plugin.proto', 'health.proto'], {
    includeDirs: [protocolDir], keepCase: true, longs: Number, enums: String, bytes: Buffer, defaults: true, oneofs: true,
  })
  const loaded = grpc.loadPackageDefinition(definition) as unknown as {
    tfplugin6: { Provider: { service: ServiceDefinition } }
    plugin: { GRPCController: { service: ServiceDefinition } }
    grpc: { health: { v1: { Health: { service: ServiceDefinition } } } }
  }

  type Run = (request: Record<string, unknown>, handlers: ProviderRpcHandlers<Client>) => object | Promise<object>
  const unary = (name: string, run: Run): UnaryHandler =>
    (call, callback) => {
      handlersReady
        .then((handlers) => run(call.request, handlers))
        .then((response) => callback(null, response), (error: unknown) => {
          logger.error({ err: error, rpc: name }, 'rpc failed (unexpected error)')
          callback(error instanceof Error ? error : new Error(String(error)))
        })
    }

  const server = new grpc.Server({ 'grpc.max_receive_message_length': 256 << 20, 'grpc.max_send_message_length': 256 << 20 })
  let resolveClosed: () => void = () => {}
  const closed = new Promise<void>((resolve) => { resolveClosed = resolve })
  const dir = mkdtempSync(join(tmpdir(), 'clusterlink-tf-'))
  const socketPath = join(dir, 'plugin.sock')
  let isClosing = false
  const close = async (): Promise<void> => {
    if (isClosing) return closed
    isClosing = true
    await new Promise<void>((resolve) => server.tryShutdown(() => resolve()))
    rmSync(dir, { recursive: true, force: true })
    resolveClosed()
  }

  server.addService(loaded.tfplugin6.Provider.service, {
    GetMetadata: unary('GetMetadata', (_request, handlers) => handlers.getMetadata()),
    GetProviderSchema: unary('GetProviderSchema', (_request, handlers) => handlers.getProviderSchema()),
    ValidateProviderConfig: unary('ValidateProviderConfig', (request, handlers) => handlers.validateProviderConfig(request)),
    ValidateResourceConfig: unary('ValidateResourceConfig', (request, handlers) => handlers.validateResourceConfig(request)),
    ValidateDataResourceConfig: unary('ValidateDataResourceConfig', (request, handlers) => handlers.validateDataResourceConfig(request)),
    UpgradeResourceState: unary('UpgradeResourceState', (request, handlers) => handlers.upgradeResourceState(request)),
    ConfigureProvider: unary('ConfigureProvider', (request, handlers) => handlers.configureProvider(request)),
    ReadResource: unary('ReadResource', (request, handlers) => handlers.readResource(request)),
    PlanResourceChange: unary('PlanResourceChange', (request, handlers) => handlers.planResourceChange(request)),
    ApplyResourceChange: unary('ApplyResourceChange', (request, handlers) => handlers.applyResourceChange(request)),
    ImportResourceState: unary('ImportResourceState', (request, handlers) => handlers.importResourceState(request)),
    ReadDataSource: unary('ReadDataSource', (request, handlers) => handlers.readDataSource(request)),
    StopProvider: unary('StopProvider', (_request, handlers) => handlers.stopProvider()),
  })
  server.addService(loaded.plugin.GRPCController.service, {
    // Answer first, then close: Terraform waits for the reply before it stops waiting on the process.
    Shutdown: unary('Shutdown', () => {
      setImmediate(() => { void close() })
      return {}
    }),
  })
  server.addService(loaded.grpc.health.v1.Health.service, {
    Check: unary('Check', () => ({ status: 'SERVING' })),
  })

  let credentials: ServerCredentials
  let certificateField = ''
  if (environment.tlsDisabled) {
    credentials = grpc.ServerCredentials.createInsecure()
  } else {
    const certificate = createPluginCertificate()
    certificateField = certificate.handshakeBase64
    credentials = grpc.ServerCredentials.createSsl(
      Buffer.from(environment.clientCertificatePem ?? ''),
      [{ private_key: Buffer.from(certificate.privateKeyPem), cert_chain: Buffer.from(certificate.certificatePem) }],
      true,
    )
  }
  await new Promise<void>((resolve, reject) => {
    server.bindAsync(`unix://${socketPath}`, credentials, (error) => (error ? reject(error) : resolve()))
  })
  options.writeHandshake(`${CORE_PROTOCOL_VERSION}|${PROTOCOL_VERSION}|unix|${socketPath}|grpc|${certificateField}\n`)
  logger.debug({ socketPath }, 'provider plugin listening')
  return { socketPath, closed, close }
}
