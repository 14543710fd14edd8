// Owns every cluster link and mirror topic of the engine: validates each change, writes it to the state store first, then applies it.
import { randomUUID } from 'node:crypto'
import { EngineError } from '../errors.ts'
import type { Logger } from '../logging/index.ts'
import { dataPathObserver, type MetricsRegistry } from '../metrics/index.ts'
import type { KafkaConnectionConfig, MirrorStartOffsetSpec } from '../mirror/contract.ts'
import type { WorkOwnership } from '../replicas/index.ts'
import type { LinkState, MirrorState, StateChange, StateStore } from '../state/index.ts'
import type { ClusterAdmin } from './kafka-admin.ts'
import { CONFIGURABLE_TOPIC_CONFIGS, isSensitiveLinkConfig, linkConfigValue, validateLinkConfigs } from './link-configs.ts'
import { LinkRuntime, type LinkTask } from './link-runtime.ts'
import { MirrorController, type MirrorView, type RunnerFactory } from './mirror-controller.ts'
import { checkMirrorAction, type LinkStateName, type MirrorAction, type MirrorStatus } from './mirror-status.ts'
import { registerLinkMetrics } from './link-metrics.ts'
import { registerAclSyncMetrics } from './acl-sync.ts'
import { MirrorStatusPublisher } from './mirror-status-publisher.ts'
import { MirrorWriteGuard } from './mirror-write-guard.ts'
import { failbackMirrorTopics, type FailbackAction } from './mirror-failback.ts'
import type { RestoreOutcome } from './mirror-restore.ts'
import { toSourceConnection } from './source-connection.ts'
import { credentialRedirectProblem } from './link-update-rules.ts'
import { compileNamePattern, type NamePattern } from './name-pattern.ts'
import { sourceNetworkList, sourceNetworkProblem } from './source-networks.ts'

export interface LinkManagerOptions {
  readonly store: StateStore
  readonly destination: KafkaConnectionConfig
  readonly destinationAdmin: ClusterAdmin
  readonly destinationClusterId: string
  readonly createAdmin: (connection: KafkaConnectionConfig, clientId: string) => ClusterAdmin
  readonly createRunner: RunnerFactory
  readonly logger: Logger
  readonly metrics: MetricsRegistry
  readonly hasCredentialsKey: boolean
  readonly promoteTimeoutMs: number
  readonly jobIntervalScale?: number
  /** The engine's principal on the destination (User:<sasl user>, or User:ANONYMOUS); never denied writes. */
  readonly enginePrincipal?: string
  /** Which mirror topics this replica runs (replicas share them through group membership); default all of them. */
  readonly ownership?: WorkOwnership
  /** How often an owner publishes the status of the mirror topics it runs; default 1000 ms. */
  readonly statusIntervalMs?: number
  /** CIDR networks links may reach (bootstrap.servers is resolved and checked on create and change); default any. */
  readonly sourceNetworks?: readonly string[]
}

const OWN_EVERYTHING: WorkOwnership = {
  isOwned: () => true, isLinkCoordinator: () => true, setReconciler: () => undefined, start: async () => undefined, close: async () => undefined,
  describe: () => ({ memberId: null, generationId: 0, ownedWorkPartitions: [], workPartitions: 0 }),
}


export interface LinkView {
  readonly linkName: string
  readonly linkId: string
  readonly sourceClusterId: string | null
  readonly destinationClusterId: string
  readonly linkState: LinkStateName
  readonly linkError: string
  readonly linkErrorMessage: string | null
  readonly topicNames: string[]
  readonly mirrorStatuses: MirrorStatus[]
  readonly tasks: LinkTask[]
}

export interface ConfigChange {
  readonly name: string
  readonly value?: string | undefined
  readonly operation: 'SET' | 'DELETE'
}

export interface CreateMirrorInput {
  readonly sourceTopicName: string
  readonly mirrorTopicName?: string | undefined
  readonly replicationFactor?: number | undefined
  readonly configs?: Readonly<Record<string, string>> | undefined
}

export interface AlterResult {
  readonly mirrorTopicName: string
  readonly errorCode: number
  readonly errorMessage: string | null
  readonly view: MirrorView | undefined
  /** truncate-and-restore: what was set aside, and where (mirror-restore.ts). */
  readonly truncation?: RestoreOutcome
}

const notFound = (what: string) => new EngineError('NOT_FOUND', what)
const sourcePrincipal = (connection: KafkaConnectionConfig) => (connection.sasl ? `User:${connection.sasl.username}` : 'User:ANONYMOUS')

function parseStartOffset(spec: string): MirrorStartOffsetSpec {
  return spec === 'earliest' || spec === 'latest' ? spec : { timestampMs: Date.parse(spec) }
}

export class LinkManager {
  readonly #links = new Map<string, LinkRuntime>()
  /** Mirror topics by mirror topic name (names are unique on the destination cluster). */
  readonly #mirrors = new Map<string, MirrorController>()
  readonly #creating = new Set<string>()
  readonly #options: LinkManagerOptions
  readonly #log: Logger
  readonly #writeGuard: MirrorWriteGuard
  readonly #ownership: WorkOwnership
  /** Mirror records read before their link record (compaction may reorder them), by mirror topic name. */
  readonly #orphans = new Map<string, MirrorState>()
  readonly #statusPublisher: MirrorStatusPublisher
  #loaded = false

  constructor(options: LinkManagerOptions) {
    this.#options = options
    this.#log = options.logger.child({ component: 'link-manager' })
    this.#writeGuard = new MirrorWriteGuard(options.destinationAdmin, options.enginePrincipal ?? 'User:ANONYMOUS', options.logger)
    this.#ownership = options.ownership ?? OWN_EVERYTHING
    this.#statusPublisher = new MirrorStatusPublisher({
      store: options.store, owned: () => [...this.#mirrors.values()].filter((m) => m.isOwned),
      owner: () => this.#ownership.describe().memberId ?? `pid-${process.pid}`,
      intervalMs: options.statusIntervalMs ?? 1000, logger: this.#log,
    })
    registerLinkMetrics(options.metrics, this)
    registerAclSyncMetrics(options.metrics, () => this.linkRuntimes().map((r) => ({ link: r.state.linkName, status: r.aclSyncStatus })))
  }

  /** This replica in the work group and the mirror topics it runs now (GET /clusterlink/v1/replica). */
  describeReplica(): { memberId: string | null; generationId: number; workPartitions: number; ownedWorkPartitions: readonly number[]; ownedMirrorTopics: Array<{ linkName: string; mirrorTopicName: string }> } {
    const group = this.#ownership.describe()
    const ownedMirrorTopics = [...this.#mirrors.values()].filter((m) => m.isOwned)
      .map((m) => ({ linkName: m.state.linkName, mirrorTopicName: m.state.mirrorTopicName }))
      .sort((a, b) => a.mirrorTopicName.localeCompare(b.mirrorTopicName))
    return { ...group, ownedMirrorTopics }
  }

  /** Every mirror topic this replica knows (the work group leader balances by them). */
  workItems(): Array<{ linkName: string; mirrorTopicName: string }> {
    return [...this.#mirrors.values()].map((m) => ({ linkName: m.state.linkName, mirrorTopicName: m.state.mirrorTopicName }))
  }

  get isLoaded(): boolean {
    return this.#loaded
  }

  get destinationClusterId(): string {
    return this.#options.destinationClusterId
  }

  /** Reads the state store and resumes every link and mirror topic by itself. */
  async start(): Promise<void> {
    const snapshot = await this.#options.store.load()
    for (const link of snapshot.links) this.#addLink(link)
    for (const mirror of snapshot.mirrors) {
      if (!this.#links.has(mirror.linkName)) {
        this.#log.warn({ link: mirror.linkName, topic: mirror.mirrorTopicName }, 'mirror topic without its link in the state topic (ignored)')
        continue
      }
      this.#activateMirror(mirror)
    }
    for (const status of snapshot.statuses ?? []) this.#mirrors.get(status.mirrorTopicName)?.setRemoteStatus(status)
    this.#options.store.follow((change) => this.applyStateChange(change))
    this.#ownership.setReconciler(() => this.#reconcileOwnership())
    this.#statusPublisher.start()
    this.#loaded = true
    this.#log.info({ links: this.#links.size, mirrors: this.#mirrors.size }, 'links and mirror topics recovered')
  }

  #activateMirror(mirror: MirrorState): MirrorController {
    const link = this.#requireLink(mirror.linkName)
    const controller = this.#addMirror(mirror)
    controller.activate(link.linkState() === 'PAUSED')
    // Mirrors without a runner (STOPPED, PAUSED, owned by another replica) still report their partition count.
    this.#options.destinationAdmin.partitionCount(mirror.mirrorTopicName)
      .then((count) => { if (count !== undefined) controller.setKnownPartitions(count) }, () => undefined)
    return controller
  }

  /** Applies a record another replica wrote (or this one, when the follower saw it before the write returned); idempotent. */
  applyStateChange(change: StateChange): void {
    if (change.kind === 'status') {
      this.#mirrors.get(change.mirrorTopicName)?.setRemoteStatus(change.status)
      return
    }
    if (change.kind === 'link') {
      const existing = this.#links.get(change.linkName)
      if (change.link === null) {
        if (existing) void this.#forgetLink(change.linkName)
        return
      }
      if (!existing) {
        this.#addLink(change.link)
        for (const orphan of [...this.#orphans.values()].filter((m) => m.linkName === change.linkName)) {
          this.#orphans.delete(orphan.mirrorTopicName)
          this.#activateMirror(orphan)
        }
        this.#log.info({ link: change.linkName }, 'cluster link created by another replica')
      } else if (JSON.stringify(existing.state) !== JSON.stringify(change.link)) {
        void existing.applyState(change.link).then(async (reconnect) => {
          if (reconnect) for (const mirror of this.#mirrorsOf(change.linkName)) await mirror.reconnect()
        }).catch((error: unknown) => this.#log.error({ err: error, link: change.linkName }, 'applying link configs failed'))
      }
      return
    }
    const controller = this.#mirrors.get(change.mirrorTopicName)
    if (change.mirror === null) {
      this.#orphans.delete(change.mirrorTopicName)
      if (controller && controller.state.linkName === change.linkName) {
        this.#mirrors.delete(change.mirrorTopicName)
        void controller.close()
      }
      return
    }
    if (controller) controller.applyRemoteState(change.mirror)
    else if (!this.#links.has(change.linkName)) this.#orphans.set(change.mirrorTopicName, change.mirror)
    else this.#activateMirror(change.mirror)
  }

  async #forgetLink(linkName: string): Promise<void> {
    const link = this.#links.get(linkName)
    this.#links.delete(linkName)
    for (const mirror of this.#mirrorsOf(linkName)) {
      this.#mirrors.delete(mirror.state.mirrorTopicName)
      await mirror.close()
    }
    await link?.close()
  }

  /** Stops what this replica lost (awaited: the new owner waits for it), then starts what it gained. */
  async #reconcileOwnership(): Promise<void> {
    const mirrors = [...this.#mirrors.values()]
    const isOwned = (m: MirrorController) => this.#ownership.isOwned(m.state.linkName, m.state.mirrorTopicName)
    const lost = mirrors.filter((m) => m.isOwned && !isOwned(m))
    const gained = mirrors.filter((m) => !m.isOwned && isOwned(m))
    await Promise.all(lost.map((m) => m.setOwned(false)))
    for (const m of lost) this.#statusPublisher.forget(m.state.mirrorTopicName)
    await Promise.all(gained.map((m) => m.setOwned(true)))
    if (lost.length > 0 || gained.length > 0) this.#log.info({ stopped: lost.length, started: gained.length, owned: mirrors.filter(isOwned).length }, 'mirror topic ownership changed')
  }

  #addLink(state: LinkState): LinkRuntime {
    const existing = this.#links.get(state.linkName)
    if (existing) return existing
    const runtime = new LinkRuntime({
      state,
      destination: this.#options.destinationAdmin,
      createAdmin: this.#options.createAdmin,
      mirrors: () => this.#mirrorsOf(state.linkName),
      createMirror: async (sourceTopic) => { await this.createMirror(state.linkName, { sourceTopicName: sourceTopic }, { validateOnly: false }) },
      onLinkStateChange: (linkState) => { for (const m of this.#mirrorsOf(state.linkName)) m.setLinkPaused(linkState === 'PAUSED') },
      jobRuns: this.#options.metrics.counter('clusterlink_link_job_runs_total', 'Link job runs by link and job'),
      jobErrors: this.#options.metrics.counter('clusterlink_link_job_errors_total', 'Failed link job runs by link and job'),
      aclSyncChanges: this.#options.metrics.counter('clusterlink_acl_sync_changes_total', 'ACL bindings the ACL sync created or deleted on the destination, by link and change'),
      persistState: (next) => this.#options.store.putLink(next),
      jobIntervalScale: this.#options.jobIntervalScale ?? 1,
      logger: this.#options.logger,
      isCoordinator: () => this.#ownership.isLinkCoordinator(state.linkName),
    })
    this.#links.set(state.linkName, runtime)
    runtime.startJobs()
    return runtime
  }

  #addMirror(state: MirrorState): MirrorController {
    const existing = this.#mirrors.get(state.mirrorTopicName)
    if (existing) {
      existing.applyRemoteState(state)
      return existing
    }
    const link = () => this.#requireLink(state.linkName)
    const controller = new MirrorController({
      state,
      createRunner: this.#options.createRunner,
      persist: (next) => this.#options.store.putMirror(next),
      connections: () => ({ source: link().sourceConnection(), destination: this.#options.destination }),
      startOffsetSpec: () => parseStartOffset(linkConfigValue(link().state.configs, 'mirror.start.offset.spec')),
      coalesceBelowBytes: () => Number(linkConfigValue(link().state.configs, 'mirror.coalesce.below.bytes')),
      logger: this.#options.logger,
      promoteTimeoutMs: this.#options.promoteTimeoutMs,
      syncOffsetsNow: () => link().syncOffsetsNow(),
      writeGuard: this.#writeGuard,
      // A REVERSE mirror writes the source-cluster topic: it is guarded there, with the link's own principal exempt.
      sourceWriteGuard: {
        protect: (topic) => new MirrorWriteGuard(link().source, sourcePrincipal(link().sourceConnection()), this.#log).protect(topic),
        release: (topic) => new MirrorWriteGuard(link().source, sourcePrincipal(link().sourceConnection()), this.#log).release(topic),
      },
      owned: this.#ownership.isOwned(state.linkName, state.mirrorTopicName),
      observer: dataPathObserver(this.#options.metrics, state.linkName, state.mirrorTopicName),
    })
    this.#mirrors.set(state.mirrorTopicName, controller)
    return controller
  }

  #requireLink(linkName: string): LinkRuntime {
    const link = this.#links.get(linkName)
    if (!link) throw notFound(`cluster link '${linkName}' does not exist`)
    return link
  }

  #mirrorsOf(linkName: string): MirrorController[] {
    return [...this.#mirrors.values()].filter((m) => m.state.linkName === linkName)
  }

  #checkCredentialsKey(configs: Readonly<Record<string, string>>): void {
    const sensitive = Object.keys(configs).filter(isSensitiveLinkConfig)
    if (sensitive.length > 0 && !this.#options.hasCredentialsKey) {
      throw new EngineError('INVALID_INPUT', `this engine has no credentialsKey, so it refuses to store link credentials (${sensitive.join(', ')}); start the engine with --credentials-key-file or CLUSTERLINK_CREDENTIALS_KEY`)
    }
  }

  async createLink(input: { linkName: string; sourceClusterId?: string | undefined; configs: Readonly<Record<string, string>> }, options: { validateOnly: boolean; validateLink: boolean }): Promise<void> {
    if (this.#links.has(input.linkName) || this.#creating.has(`link:${input.linkName}`)) throw new EngineError('ALREADY_EXISTS', `cluster link '${input.linkName}' already exists`)
    const problems = validateLinkConfigs(input.configs)
    if (problems.length > 0) throw new EngineError('INVALID_INPUT', `invalid link configs: ${problems.join('; ')}`, { context: { link: input.linkName, problems } })
    this.#checkCredentialsKey(input.configs)
    this.#creating.add(`link:${input.linkName}`)
    try {
      const outside = await sourceNetworkProblem(linkConfigValue(input.configs, 'bootstrap.servers'), sourceNetworkList(this.#options.sourceNetworks ?? []))
      if (outside !== undefined) throw new EngineError('INVALID_INPUT', outside, { context: { link: input.linkName } })
      // The id the source reported is recorded, so that a later change of cluster behind bootstrap.servers fails the link.
      const validatedId = options.validateLink ? await this.#validateSource(input.linkName, input.configs, input.sourceClusterId) : undefined
      if (options.validateOnly) return
      const state: LinkState = { linkName: input.linkName, linkId: randomUUID(), sourceClusterId: input.sourceClusterId ?? validatedId ?? null, configs: { ...input.configs }, createdAtMs: Date.now() }
      await this.#options.store.putLink(state)
      this.#addLink(state)
      this.#log.info({ link: input.linkName }, 'cluster link created')
    } finally {
      this.#creating.delete(`link:${input.linkName}`)
    }
  }

  async #validateSource(linkName: string, configs: Readonly<Record<string, string>>, expectedId: string | undefined): Promise<string> {
    const probe = this.#options.createAdmin(toSourceConnection(linkName, configs), `clusterlink-${linkName}-validate`)
    let actual: string
    try {
      actual = await Promise.race([
        probe.clusterId(),
        new Promise<never>((_, reject) => setTimeout(() => reject(new Error('no answer within 10000 ms')), 10_000).unref()),
      ])
    } catch (error) {
      // One answer whether the port was closed, silent or spoke something else: validate_link must not be a port scanner.
      this.#log.info({ err: error, link: linkName }, 'source cluster validation failed')
      throw new EngineError('INVALID_INPUT', `could not connect to a Kafka cluster at bootstrap.servers=${linkConfigValue(configs, 'bootstrap.servers')} within 10 s with the given security configs; check the address and security configs (the engine log has the details), or create with validate_link=false`, { cause: error })
    } finally {
      await probe.close()
    }
    if (expectedId !== undefined && actual !== expectedId) {
      throw new EngineError('INVALID_INPUT', `source_cluster_id is '${expectedId}' but the cluster at bootstrap.servers has id '${actual}'; fix source_cluster_id or bootstrap.servers`)
    }
    return actual
  }

  listLinks(): LinkView[] {
    return [...this.#links.keys()].sort().map((name) => this.getLink(name))
  }

  getLink(linkName: string): LinkView {
    const link = this.#requireLink(linkName)
    return {
      linkName, linkId: link.state.linkId, sourceClusterId: link.state.sourceClusterId, destinationClusterId: this.#options.destinationClusterId,
      linkState: link.linkState(), linkError: link.linkError, linkErrorMessage: link.linkErrorMessage,
      topicNames: this.#mirrorsOf(linkName).map((m) => m.state.mirrorTopicName).sort(), tasks: link.tasks(),
      mirrorStatuses: this.#mirrorsOf(linkName).map((m) => m.view(link.linkState()).status),
    }
  }

  /** Effective configs of a link (sensitive values included: callers must hide them). */
  linkConfigs(linkName: string): Readonly<Record<string, string>> {
    return this.#requireLink(linkName).state.configs
  }

  async deleteLink(linkName: string, options: { force: boolean; validateOnly: boolean }): Promise<void> {
    this.#requireLink(linkName)
    const mirrors = this.#mirrorsOf(linkName)
    const statuses = mirrors.map((m) => ({ name: m.state.mirrorTopicName, status: this.describeMirror(linkName, m.state.mirrorTopicName).status }))
    const pending = statuses.filter((s) => s.status === 'PENDING_STOPPED')
    if (pending.length > 0) throw new EngineError('INVALID_STATE', `mirror topics ${pending.map((s) => s.name).join(', ')} are PENDING_STOPPED; wait until they are STOPPED before deleting link '${linkName}'`)
    const live = statuses.filter((s) => s.status !== 'STOPPED')
    if (live.length > 0 && !options.force) {
      throw new EngineError('INVALID_STATE', `link '${linkName}' still has mirror topics that are not STOPPED (${live.map((s) => `${s.name}: ${s.status}`).join(', ')}); promote or fail them over first, or delete with force=true`)
    }
    if (options.validateOnly) return
    for (const mirror of mirrors) {
      await this.#options.store.deleteMirror(linkName, mirror.state.mirrorTopicName)
      this.#mirrors.delete(mirror.state.mirrorTopicName)
      await mirror.close()
      await mirror.releaseWrites()
    }
    await this.#options.store.deleteLink(linkName)
    const link = this.#links.get(linkName)
    this.#links.delete(linkName)
    await link?.close()
    this.#log.info({ link: linkName, force: options.force }, 'cluster link deleted')
  }

  /** Applies SET/DELETE changes atomically: all are validated against the resulting configs before anything is written. */
  async alterLinkConfigs(linkName: string, changes: readonly ConfigChange[], options: { validateOnly: boolean }): Promise<void> {
    const link = this.#requireLink(linkName)
    const next: Record<string, string> = { ...link.state.configs }
    const problems: string[] = []
    for (const change of changes) {
      if (['link.mode', 'connection.mode', 'cluster.link.prefix'].includes(change.name) && (change.operation === 'DELETE' ? next[change.name] !== undefined : change.value !== linkConfigValue(next, change.name))) {
        problems.push(`${change.name} cannot change after the link is created; delete and re-create the link`)
      }
      if (change.operation === 'DELETE') delete next[change.name]
      else if (change.value === undefined) problems.push(`${change.name}: SET needs a value`)
      else next[change.name] = change.value
    }
    problems.push(...validateLinkConfigs(next))
    const redirect = credentialRedirectProblem(link.state.configs, next, new Set(changes.filter((c) => c.operation === 'SET').map((c) => c.name)))
    if (redirect !== undefined) problems.push(redirect)
    if (linkConfigValue(next, 'bootstrap.servers') !== linkConfigValue(link.state.configs, 'bootstrap.servers')) {
      const outside = await sourceNetworkProblem(linkConfigValue(next, 'bootstrap.servers'), sourceNetworkList(this.#options.sourceNetworks ?? []))
      if (outside !== undefined) problems.push(outside)
    }
    if (problems.length > 0) throw new EngineError('INVALID_INPUT', `invalid link configs: ${problems.join('; ')}`, { context: { link: linkName, problems } })
    this.#checkCredentialsKey(next)
    if (options.validateOnly) return
    const state: LinkState = { ...link.state, configs: next }
    await this.#options.store.putLink(state)
    const reconnect = await link.applyState(state)
    if (reconnect) for (const mirror of this.#mirrorsOf(linkName)) await mirror.reconnect()
    this.#log.info({ link: linkName, configs: changes.map((c) => c.name) }, 'link configs altered')
  }

  async createMirror(linkName: string, input: CreateMirrorInput, options: { validateOnly: boolean }): Promise<void> {
    const link = this.#requireLink(linkName)
    const prefix = linkConfigValue(link.state.configs, 'cluster.link.prefix')
    const expected = `${prefix}${input.sourceTopicName}`
    const mirrorTopicName = input.mirrorTopicName ?? expected
    if (mirrorTopicName !== expected) {
      throw new EngineError('INVALID_INPUT', prefix
        ? `mirror_topic_name must be the link prefix plus the source topic name ('${expected}'), got '${mirrorTopicName}'`
        : `mirror_topic_name must equal source_topic_name ('${expected}') on a link without cluster.link.prefix, got '${mirrorTopicName}'`)
    }
    if (mirrorTopicName.length > 249) throw new EngineError('INVALID_INPUT', `mirror topic name '${mirrorTopicName.slice(0, 40)}...' is longer than 249 characters`)
    const badConfigs = Object.keys(input.configs ?? {}).filter((name) => !(CONFIGURABLE_TOPIC_CONFIGS as readonly string[]).includes(name))
    if (badConfigs.length > 0) throw new EngineError('INVALID_INPUT', `mirror topic configs ${badConfigs.join(', ')} cannot be set; settable: ${CONFIGURABLE_TOPIC_CONFIGS.join(', ')}`)
    if (this.#mirrors.has(mirrorTopicName) || this.#creating.has(`mirror:${mirrorTopicName}`)) throw new EngineError('ALREADY_EXISTS', `mirror topic '${mirrorTopicName}' already exists`)
    if (link.linkState() === 'FAILED') throw new EngineError('INVALID_STATE', `link '${linkName}' is FAILED (${link.linkErrorMessage ?? 'unknown reason'}); fix it before adding mirror topics`)
    this.#creating.add(`mirror:${mirrorTopicName}`)
    try {
      const sourcePartitions = await link.source.partitionCount(input.sourceTopicName).catch((error: unknown) => {
        throw new EngineError('SOURCE_UNAVAILABLE', `the source cluster of link '${linkName}' did not answer; check the link state and retry`, { retriable: true, cause: error })
      })
      if (sourcePartitions === undefined) throw new EngineError('INVALID_INPUT', `source topic '${input.sourceTopicName}' does not exist on the source cluster of link '${linkName}'`)
      if ((await this.#options.destinationAdmin.partitionCount(mirrorTopicName)) !== undefined) {
        throw new EngineError('ALREADY_EXISTS', `a topic named '${mirrorTopicName}' already exists on the destination cluster; a mirror topic must be a new topic`)
      }
      if (input.replicationFactor !== undefined && input.replicationFactor > (await this.#options.destinationAdmin.brokerCount())) {
        throw new EngineError('INVALID_INPUT', `replication_factor ${input.replicationFactor} is larger than the destination cluster's broker count`)
      }
      if (options.validateOnly) return
      const now = Date.now()
      const state: MirrorState = {
        linkName, mirrorTopicName, sourceTopicName: input.sourceTopicName, replicationFactor: input.replicationFactor ?? null,
        configs: { ...input.configs }, desiredStatus: 'ACTIVE', pendingPromote: false, stoppedBy: null, createdAtMs: now, statusChangedAtMs: now,
      }
      await this.#options.store.putMirror(state)
      const controller = this.#addMirror(state)
      controller.setKnownPartitions(sourcePartitions)
      controller.activate(link.linkState() === 'PAUSED')
      this.#log.info({ link: linkName, topic: mirrorTopicName }, 'mirror topic created')
    } finally {
      this.#creating.delete(`mirror:${mirrorTopicName}`)
    }
  }

  #linkStateOf(linkName: string): LinkStateName {
    return this.#links.get(linkName)?.linkState() ?? 'FAILED'
  }

  listMirrors(linkName: string | undefined, statuses?: ReadonlySet<MirrorStatus>): MirrorView[] {
    if (linkName !== undefined) this.#requireLink(linkName)
    return [...this.#mirrors.values()]
      .filter((m) => linkName === undefined || m.state.linkName === linkName)
      .map((m) => m.view(this.#linkStateOf(m.state.linkName)))
      .filter((v) => !statuses || statuses.has(v.status))
      .sort((a, b) => a.mirrorTopicName.localeCompare(b.mirrorTopicName))
  }

  describeMirror(linkName: string, mirrorTopicName: string): MirrorView {
    this.#requireLink(linkName)
    const mirror = this.#mirrors.get(mirrorTopicName)
    if (!mirror || mirror.state.linkName !== linkName) throw notFound(`mirror topic '${mirrorTopicName}' does not exist on link '${linkName}'`)
    return mirror.view(this.#linkStateOf(linkName))
  }

  /** Resolves names or a whole-name regular expression to this link's mirror topics. */
  selectMirrors(linkName: string, selector: { names?: readonly string[] | undefined; pattern?: string | undefined }): string[] {
    this.#requireLink(linkName)
    if (selector.names) return [...new Set(selector.names)]
    // A linear-time matcher, never RegExp: a backtracking pattern must not stall the engine (issue 13).
    let pattern: NamePattern
    try {
      pattern = compileNamePattern(selector.pattern ?? '')
    } catch (error) {
      throw new EngineError('INVALID_INPUT', `mirror_topic_name_pattern is refused (${error instanceof Error ? error.message : String(error)}); use literals, ., [classes], (groups), | and * + ? {n,m}`)
    }
    return this.#mirrorsOf(linkName).map((m) => m.state.mirrorTopicName).filter((name) => pattern.matches(name)).sort()
  }

  /** Runs an action on each selected mirror topic; answers per topic (error_code 0 on success), never all-or-nothing. */
  async alterMirrors(linkName: string, action: MirrorAction, names: readonly string[], options: { validateOnly: boolean }): Promise<AlterResult[]> {
    const link = this.#requireLink(linkName)
    const results: AlterResult[] = []
    for (const name of names) {
      const mirror = this.#mirrors.get(name)
      if (!mirror || mirror.state.linkName !== linkName) {
        results.push({ mirrorTopicName: name, errorCode: 404, errorMessage: `mirror topic '${name}' does not exist on link '${linkName}'`, view: undefined })
        continue
      }
      const problem = checkMirrorAction(action, mirror.view(link.linkState()).status)
      if (problem) {
        results.push({ mirrorTopicName: name, errorCode: 409, errorMessage: problem, view: mirror.view(link.linkState()) })
        continue
      }
      if (!options.validateOnly) {
        try {
          await mirror[action]()
        } catch (error) {
          this.#log.error({ err: error, link: linkName, topic: name, action }, 'mirror action failed')
          results.push({ mirrorTopicName: name, errorCode: 503, errorMessage: `${action} could not be stored (the destination cluster did not answer); nothing changed, retry`, view: mirror.view(link.linkState()) })
          continue
        }
      }
      results.push({ mirrorTopicName: name, errorCode: 0, errorMessage: null, view: mirror.view(link.linkState()) })
    }
    return results
  }

  /** Failback actions (mirror-failback.ts) on each selected mirror topic; answers per topic like alterMirrors. */
  async failbackMirrors(linkName: string, action: FailbackAction, names: readonly string[], options: { validateOnly: boolean }): Promise<AlterResult[]> {
    const link = this.#requireLink(linkName)
    const context = {
      connections: () => ({ source: link.sourceConnection(), destination: this.#options.destination }),
      adminOf: (side: 'source' | 'destination') => (side === 'source' ? link.source : this.#options.destinationAdmin),
    }
    return failbackMirrorTopics({ linkName, find: (name) => this.#mirrors.get(name), linkState: () => link.linkState(), log: this.#log }, action, names, context, options)
  }

  /** Deletes a mirror topic (and the destination topic); refused for live mirrors unless they are stopped first. */
  async deleteMirrorTopic(mirrorTopicName: string): Promise<void> {
    const mirror = this.#mirrors.get(mirrorTopicName)
    if (!mirror) throw notFound(`topic '${mirrorTopicName}' is not a mirror topic of this engine`)
    if (mirror.direction === 'REVERSE') {
      throw new EngineError('INVALID_STATE', `topic '${mirrorTopicName}' is the source of a reversed mirror (failback: its mirror is '${mirror.state.sourceTopicName}' on the source cluster); promote or fail the mirror over and reverse it back before deleting`)
    }
    await this.#options.store.deleteMirror(mirror.state.linkName, mirrorTopicName)
    this.#mirrors.delete(mirrorTopicName)
    await mirror.close()
    await mirror.releaseWrites()
    await this.#options.destinationAdmin.deleteTopic(mirrorTopicName).catch((error: unknown) => {
      this.#log.warn({ err: error, topic: mirrorTopicName }, 'destination topic delete failed (mirror record removed)')
    })
  }

  /** Read-only views for metrics. */
  linkRuntimes(): LinkRuntime[] {
    return [...this.#links.values()]
  }

  async close(): Promise<void> {
    this.#statusPublisher.stop()
    await Promise.allSettled([...this.#mirrors.values()].map((m) => m.close()))
    await Promise.allSettled([...this.#links.values()].map((l) => l.close()))
  }
}
