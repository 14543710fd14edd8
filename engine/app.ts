// Wires the engine: destination admin, state store, link manager, runner factory and the API server (main.ts does the listening).
import type { FastifyInstance } from 'fastify'
import { createApiServer } from './api/index.ts'
import type { EngineConfig } from './config/index.ts'
import { EngineError } from './errors.ts'
import { createClusterAdmin, isSensitiveLinkConfig, LinkManager, type ClusterAdmin, type RunnerFactory } from './link/index.ts'
import { createLogger, type Logger } from './logging/index.ts'
import { MetricsRegistry } from './metrics/index.ts'
import { ByteBudget, ClusterClientPool, createMirrorTopicRunner, fetchBudgetForMemoryLimit, readMemoryLimit, type KafkaConnectionConfig } from './mirror/index.ts'
import { jobMetrics } from './periodic-job.ts'
import { ownEverything, WorkGroup, type WorkOwnership } from './replicas/index.ts'
import { CredentialsCipher, KafkaStateStore, type StateStore } from './state/index.ts'
import { waitForDestination } from './wait-for-destination.ts'

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
  const kerberos = d.sasl?.kerberos
  return {
    bootstrapServers: d.bootstrapServers, clientId: d.clientId,
    ...(d.sasl ? { sasl: {
      mechanism: d.sasl.mechanism, username: d.sasl.username ?? d.sasl.oauthBearer?.clientId ?? kerberos?.principal ?? '',
      password: d.sasl.password ?? '',
      ...(d.sasl.oauthBearer ? { oauthBearer: d.sasl.oauthBearer } : {}),
      ...(kerberos
        ? { kerberos: { principal: kerberos.principal, keytabPath: kerberos.keytabLocation, serviceName: kerberos.serviceName } }
        : {}),
    } } : {}),
    ...(d.tls ? { tls: d.tls } : {}),
  }
}

/**
 * The Kafka principal the destination sees for the engine. GSSAPI: the short name Kafka's default
 * sasl.kerberos.principal.to.local.rules give (the first component of a principal in the broker's realm: engine/host@R → engine;
 * clients/src/main/java/org/apache/kafka/common/security/kerberos/KerberosRule.java).
 */
function enginePrincipalOf(destination: KafkaConnectionConfig): string {
  const sasl = destination.sasl
  if (sasl?.kerberos) return `User:${sasl.kerberos.principal.split(/[/@]/)[0]}`
  return `User:${sasl?.username || 'ANONYMOUS'}`
}

/** Connects to the destination, loads the state topic, resumes every link and mirror, and builds the API server. */
export async function createEngineApp(config: EngineConfig, deps: EngineDeps = {}): Promise<EngineApp> {
  const logger = deps.logger ?? createLogger({ level: config.logLevel })
  const createAdmin = deps.createAdmin ?? createClusterAdmin
  const destination = toDestinationConnection(config)
  const destinationAdmin = deps.createAdmin ? deps.createAdmin(destination, 'clusterlink-engine-admin') : createClusterAdmin(destination, 'clusterlink-engine-admin', 'destination')
  const clusterId = await waitForDestination(destinationAdmin, deps.destinationWaitMs ?? 60_000)
  const cipher = config.credentialsKey ? new CredentialsCipher(config.credentialsKey) : undefined
  const store = deps.store
    ?? new KafkaStateStore({ destination, topic: config.stateTopic, cipher, isSensitive: isSensitiveLinkConfig, logger })
  const metrics = new MetricsRegistry()
  // One fetch budget for every mirror topic of this engine: fetched bytes held in memory stay within it.
  const fetchBudget = new ByteBudget(config.mirror.fetchBudgetBytes ?? fetchBudgetForMemoryLimit(readMemoryLimit()))
  logger.info({ fetchBudgetBytes: fetchBudget.capacityBytes }, 'fetch budget')
  // One data-path client per cluster connection: a link's mirror topics share its source client, all share the destination's.
  const clients = new ClusterClientPool()
  const manager = new LinkManager({
    store, destination, destinationAdmin, destinationClusterId: clusterId, createAdmin,
    createRunner: deps.createRunner
      ?? ((options) => createMirrorTopicRunner({ ...options, limits: { sharedBudget: fetchBudget, clients } })),
    logger, metrics, hasCredentialsKey: cipher !== undefined,
    promoteTimeoutMs: config.promoteTimeoutMs, jobIntervalScale: config.jobIntervalScale,
    enginePrincipal: enginePrincipalOf(destination),
    // The work group needs the manager (its work items) and the manager the group: it reads `ownership` only once it is set.
    ownership: {
      isOwned: (l, m) => ownership.isOwned(l, m), isLinkCoordinator: (l) => ownership.isLinkCoordinator(l),
      setReconciler: (r) => ownership.setReconciler(r), start: () => ownership.start(), close: () => ownership.close(),
      describe: () => ownership.describe(),
    },
    statusIntervalMs: config.replicas.statusIntervalMs, sourceNetworks: config.api.sourceNetworks, stateTopic: config.stateTopic,
  })
  const ownership: WorkOwnership = deps.ownership?.(manager) ?? (config.replicas.coordination === 'group' && !deps.store
    ? new WorkGroup({
      destination, admin: destinationAdmin, stateTopic: config.stateTopic, workPartitions: config.replicas.workPartitions,
      sessionTimeoutMs: config.replicas.sessionTimeoutMs, rebalanceTimeoutMs: config.replicas.rebalanceTimeoutMs,
      workItems: () => manager.workItems(), logger, metrics: jobMetrics(metrics),
    })
    : ownEverything())
  await manager.start()
  try {
    await ownership.start()
  } catch (error) {
    await manager.close()
    await store.close()
    await destinationAdmin.close()
    throw new EngineError('DESTINATION_UNAVAILABLE', 'could not join the engine work group on the destination cluster (the engine '
      + 'principal needs to create and describe the work topic and to join the group)', { cause: error })
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
