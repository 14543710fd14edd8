// Wires the engine: destination admin, state store, link manager, runner factory and the API server (main.ts does the listening).
import type { FastifyInstance } from 'fastify'
import { createApiServer } from './api/index.ts'
import type { EngineConfig } from './config/index.ts'
import { EngineError } from './errors.ts'
import { createClusterAdmin, isSensitiveLinkConfig, LinkManager, type ClusterAdmin, type RunnerFactory } from './link/index.ts'
import { createLogger, type Logger } from './logging/index.ts'
import { MetricsRegistry } from './metrics/index.ts'
import type { KafkaConnectionConfig, MirrorTopicRunner, MirrorTopicStatus } from './mirror/contract.ts'
import { ownEverything, WorkGroup, type WorkOwnership } from './replicas/index.ts'
import { CredentialsCipher, KafkaStateStore, type StateStore } from './state/index.ts'

export interface EngineDeps {
  readonly logger?: Logger
  readonly createAdmin?: (connection: KafkaConnectionConfig, clientId: string) => ClusterAdmin
  readonly createRunner?: RunnerFactory
  readonly store?: StateStore
  /** How long to wait for the destination cluster to answer at start; default 60 s. */
  readonly destinationWaitMs?: number
  /**
   * Which mirror topics this replica runs. Default: a work group on the destination when replicas.coordination is
   * group and the state lives in the destination's state topic (no `store` given), else every mirror topic.
   */
  readonly ownership?: (manager: LinkManager) => WorkOwnership
}

export interface EngineApp {
  readonly server: FastifyInstance
  readonly manager: LinkManager
  readonly ownership: WorkOwnership
  readonly clusterId: string
  readonly logger: Logger
  close(): Promise<void>
}

export function toDestinationConnection(config: EngineConfig): KafkaConnectionConfig {
  const d = config.destination
  return {
    bootstrapServers: d.bootstrapServers, clientId: d.clientId,
    ...(d.sasl ? { sasl: d.sasl } : {}),
    ...(d.tls ? { tls: d.tls } : {}),
  }
}

/** A runner that fails with a clear error when this build has no data path (engine/mirror/index.ts absent). */
function unavailableRunnerFactory(): RunnerFactory {
  return () => {
    let status: MirrorTopicStatus = { state: 'PENDING_MIRROR', stateTimeMs: Date.now(), partitions: [] }
    const runner: MirrorTopicRunner = {
      start: async () => {
        status = { state: 'FAILED', stateTimeMs: Date.now(), partitions: [], error: { code: 'UNKNOWN', message: 'this engine build has no mirror data path (engine/mirror/index.ts)' } }
        throw new EngineError('INTERNAL', 'this engine build has no mirror data path')
      },
      pause: async () => undefined, resume: async () => undefined,
      stop: async () => { status = { ...status, state: 'STOPPED', stateTimeMs: Date.now() } },
      status: () => status, onStateChange: () => undefined,
    }
    return runner
  }
}

async function loadRunnerFactory(logger: Logger): Promise<RunnerFactory> {
  // A computed specifier keeps the type checker independent of whether the data path is built yet.
  const specifier = './mirror/index.ts'
  try {
    const module = (await import(specifier)) as { createMirrorTopicRunner?: RunnerFactory }
    if (typeof module.createMirrorTopicRunner === 'function') return module.createMirrorTopicRunner
  } catch (error) {
    logger.warn({ err: error }, 'mirror data path not available (mirror topics will be FAILED)')
  }
  return unavailableRunnerFactory()
}

async function waitForClusterId(admin: ClusterAdmin, waitMs: number): Promise<string> {
  const deadline = Date.now() + waitMs
  for (;;) {
    try {
      return await admin.clusterId()
    } catch (error) {
      if (Date.now() >= deadline) throw new EngineError('DESTINATION_UNAVAILABLE', `the destination cluster did not answer within ${waitMs} ms; check destination.bootstrapServers and its security settings`, { cause: error })
      await new Promise((resolve) => setTimeout(resolve, 500))
    }
  }
}

/** Connects to the destination, loads the state topic, resumes every link and mirror, and builds the API server. */
export async function createEngineApp(config: EngineConfig, deps: EngineDeps = {}): Promise<EngineApp> {
  const logger = deps.logger ?? createLogger({ level: config.logLevel })
  const createAdmin = deps.createAdmin ?? createClusterAdmin
  const destination = toDestinationConnection(config)
  const destinationAdmin = createAdmin(destination, 'clusterlink-engine-admin')
  const clusterId = await waitForClusterId(destinationAdmin, deps.destinationWaitMs ?? 60_000)
  const cipher = config.credentialsKey ? new CredentialsCipher(config.credentialsKey) : undefined
  const store = deps.store ?? new KafkaStateStore({ destination, topic: config.stateTopic, cipher, isSensitive: isSensitiveLinkConfig, logger })
  const metrics = new MetricsRegistry()
  const manager = new LinkManager({
    store, destination, destinationAdmin, destinationClusterId: clusterId, createAdmin,
    createRunner: deps.createRunner ?? await loadRunnerFactory(logger),
    logger, metrics, hasCredentialsKey: cipher !== undefined, promoteTimeoutMs: config.promoteTimeoutMs, jobIntervalScale: config.jobIntervalScale,
    enginePrincipal: `User:${config.destination.sasl?.username ?? 'ANONYMOUS'}`,
    ownership: { isOwned: (l, m) => ownership.isOwned(l, m), isLinkCoordinator: (l) => ownership.isLinkCoordinator(l), setReconciler: (r) => ownership.setReconciler(r), start: () => ownership.start(), close: () => ownership.close(), describe: () => ownership.describe() },
    statusIntervalMs: config.replicas.statusIntervalMs, sourceNetworks: config.api.sourceNetworks,
  })
  const ownership: WorkOwnership = deps.ownership?.(manager) ?? (config.replicas.coordination === 'group' && !deps.store
    ? new WorkGroup({
      destination, admin: destinationAdmin, stateTopic: config.stateTopic, workPartitions: config.replicas.workPartitions,
      sessionTimeoutMs: config.replicas.sessionTimeoutMs, rebalanceTimeoutMs: config.replicas.rebalanceTimeoutMs,
      workItems: () => manager.workItems(), logger,
    })
    : ownEverything())
  await manager.start()
  try {
    await ownership.start()
  } catch (error) {
    await manager.close()
    await store.close()
    await destinationAdmin.close()
    throw new EngineError('DESTINATION_UNAVAILABLE', 'could not join the engine work group on the destination cluster (the engine principal needs to create and describe the work topic and to join the group)', { cause: error })
  }
  const server = createApiServer({
    manager, metrics, logger, auth: config.auth, limits: config.api,
    isReady: async () => (await destinationAdmin.clusterId()) === clusterId,
    ...(config.listener.tls ? { https: config.listener.tls } : {}),
  })
  return {
    server, manager, ownership, clusterId, logger,
    close: async () => {
      await server.close()
      // Stops this replica's runners (in-flight produce requests finish), then leaves the group: the others take over at once.
      await ownership.close()
      await manager.close()
      await store.close()
      await destinationAdmin.close()
    },
  }
}
