// The command layer over every cluster link and mirror topic: checks each change with the rules, stores it first, then applies it.
import { randomUUID } from 'node:crypto'
import { EngineError } from '../errors.ts'
import type { Logger } from '../logging/index.ts'
import type { MetricsRegistry } from '../metrics/index.ts'
import type { KafkaConnectionConfig } from '../mirror/contract.ts'
import { jobMetrics } from '../periodic-job.ts'
import type { WorkOwnership } from '../replicas/index.ts'
import type { LinkState, MirrorState, StateChange, StateStore } from '../state/index.ts'
import type { AlterResult } from './alter-result.ts'
import type { ClusterAdmin } from './kafka-admin.ts'
import { linkConfigValue, validateLinkConfigs } from './link-configs.ts'
import { LinkRegistry } from './link-registry.ts'
import type { LinkRuntime } from './link-runtime.ts'
import { applyLinkConfigChanges, credentialsKeyProblems, linkDeleteProblems, type ConfigChange } from './link-rules.ts'
import type { RunnerFactory } from './mirror-controller-options.ts'
import type { MirrorView } from './mirror-view.ts'
import { mirrorCreateProblems, type CreateMirrorInput } from './mirror-rules.ts'
import type { MirrorAction, MirrorStatus } from './mirror-status.ts'
import { alterMirrorTopics } from './mirror-actions.ts'
import { linkView, mirrorViews, replicaView, type LinkView, type ReplicaView } from './link-views.ts'
import { registerLinkMetrics } from './link-metrics.ts'
import { registerAclSyncMetrics } from './acl-sync.ts'
import { MirrorStatusPublisher } from './mirror-status-publisher.ts'
import { MirrorWriteGuard } from './mirror-write-guard.ts'
import { failbackMirrorTopics, type FailbackAction } from './mirror-failback.ts'
import { reconcileOwnership } from './ownership-reconciler.ts'
import { stopOwnersFirst } from './mirror-removal.ts'
import { probeSourceClusterId } from './source-probe.ts'
import { StateFollower } from './state-follower.ts'
import { compileNamePattern, type NamePattern } from './name-pattern.ts'
import { sourceNetworkList, sourceNetworkProblem } from './source-networks.ts'
import { awaitsSourceHalf, linkCreateModeProblems, linkModeOf, type LinkCreateIds } from './link-modes.ts'
import { completeSourceHalf } from './source-initiated-link.ts'

export type { AlterResult } from './alter-result.ts'
export type { ConfigChange } from './link-rules.ts'
export type { CreateMirrorInput } from './mirror-rules.ts'
export type { LinkView, ReplicaView } from './link-views.ts'

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
  /** The state topic's name, which the remote engine of a BIDIRECTIONAL link uses too; default _clusterlink-state. */
  readonly stateTopic?: string
}

const OWN_EVERYTHING: WorkOwnership = {
  isOwned: () => true, isLinkCoordinator: () => true, setReconciler: () => undefined,
  start: async () => undefined, close: async () => undefined,
  describe: () => ({ memberId: null, generationId: 0, ownedWorkPartitions: [], workPartitions: 0 }),
}

/** `validateOnly`: check everything, change nothing. */
type DryRun = { readonly validateOnly: boolean }

/** Throws one INVALID_INPUT error carrying every problem a rule module found. */
function refuse(problems: readonly string[], prefix: string, context: Record<string, unknown> = {}): void {
  if (problems.length > 0) throw new EngineError('INVALID_INPUT', `${prefix}${problems.join('; ')}`, { context: { ...context, problems } })
}

export class LinkManager {
  readonly #registry: LinkRegistry
  readonly #follower: StateFollower
  readonly #creating = new Set<string>()
  readonly #options: LinkManagerOptions
  readonly #log: Logger
  readonly #ownership: WorkOwnership
  readonly #statusPublisher: MirrorStatusPublisher
  #loaded = false

  constructor(options: LinkManagerOptions) {
    this.#options = options
    this.#log = options.logger.child({ component: 'link-manager' })
    this.#ownership = options.ownership ?? OWN_EVERYTHING
    this.#registry = new LinkRegistry({
      ...options, jobIntervalScale: options.jobIntervalScale ?? 1, ownership: this.#ownership,
      writeGuard: new MirrorWriteGuard(options.destinationAdmin, options.enginePrincipal ?? 'User:ANONYMOUS', options.logger),
      createMirror: (linkName, sourceTopicName) => this.createMirror(linkName, { sourceTopicName }, { validateOnly: false }),
    })
    this.#follower = new StateFollower(this.#registry, this.#log)
    this.#statusPublisher = new MirrorStatusPublisher({
      store: options.store, owned: () => this.#registry.mirrors().filter((m) => m.isOwned),
      owner: () => this.#ownership.describe().memberId ?? `pid-${process.pid}`,
      intervalMs: options.statusIntervalMs ?? 1000, logger: this.#log, metrics: jobMetrics(options.metrics),
    })
    registerLinkMetrics(options.metrics, this)
    registerAclSyncMetrics(options.metrics, () => this.linkRuntimes().map((r) => ({ link: r.state.linkName, status: r.aclSyncStatus })))
  }

  /** This replica in the work group and the mirror topics it runs now (GET /clusterlink/v1/replica). */
  describeReplica(): ReplicaView {
    return replicaView(this.#registry, this.#ownership)
  }

  /** Every mirror topic this replica knows (the work group leader balances by them). */
  workItems(): Array<{ linkName: string; mirrorTopicName: string }> {
    return this.#registry.mirrors().map((m) => ({ linkName: m.state.linkName, mirrorTopicName: m.state.mirrorTopicName }))
  }

  get isLoaded(): boolean {
    return this.#loaded
  }

  get destinationClusterId(): string {
    return this.#options.destinationClusterId
  }

  /** Reads the state store and resumes every link and mirror topic by itself. */
  async start(): Promise<void> {
    const registry = this.#registry
    const snapshot = await this.#options.store.load()
    for (const link of snapshot.links) registry.addLink(link)
    for (const mirror of snapshot.mirrors) {
      if (!registry.hasLink(mirror.linkName)) {
        const topic = mirror.mirrorTopicName
        this.#log.warn({ link: mirror.linkName, topic }, 'mirror topic without its link in the state topic (ignored)')
        continue
      }
      registry.activateMirror(mirror)
    }
    for (const status of snapshot.statuses ?? []) registry.mirror(status.mirrorTopicName)?.setRemoteStatus(status)
    this.#options.store.follow((change) => this.applyStateChange(change))
    const forget = (name: string) => this.#statusPublisher.forget(name)
    this.#ownership.setReconciler(() => reconcileOwnership(registry.mirrors(), this.#ownership, forget, this.#log))
    this.#statusPublisher.start()
    this.#loaded = true
    this.#log.info({ links: registry.linkCount, mirrors: registry.mirrorCount }, 'links and mirror topics recovered')
  }

  /** Applies a record another replica wrote (or this one, when the follower saw it before the write returned); idempotent. */
  applyStateChange(change: StateChange): void {
    this.#follower.apply(change)
  }

  /**
   * Creates a link, or (link.mode SOURCE) completes the INBOUND link of the same name with its source half (link-modes.ts).
   * Returns the config names accepted and not stored, for the answer's warning.
   */
  async createLink(
    input: { linkName: string; configs: Readonly<Record<string, string>> } & LinkCreateIds,
    options: { validateOnly: boolean; validateLink: boolean },
  ): Promise<string[]> {
    refuse(linkCreateModeProblems(input.configs, input, this.#options.destinationClusterId), 'invalid link configs: ', { link: input.linkName })
    if (linkModeOf(input.configs) === 'SOURCE') {
      const context = {
        registry: this.#registry, store: this.#options.store, createAdmin: this.#options.createAdmin, log: this.#log,
        hasCredentialsKey: this.#options.hasCredentialsKey, sourceNetworks: this.#options.sourceNetworks ?? [],
      }
      return completeSourceHalf(context, input.linkName, input.configs, options)
    }
    if (this.#registry.hasLink(input.linkName) || this.#creating.has(`link:${input.linkName}`)) {
      throw new EngineError('ALREADY_EXISTS', `cluster link '${input.linkName}' already exists`)
    }
    refuse(validateLinkConfigs(input.configs), 'invalid link configs: ', { link: input.linkName })
    refuse(credentialsKeyProblems(input.configs, this.#options.hasCredentialsKey), '')
    const expectedId = input.sourceClusterId ?? input.remoteClusterId
    this.#creating.add(`link:${input.linkName}`)
    try {
      const bootstrap = linkConfigValue(input.configs, 'bootstrap.servers')
      const outside = await sourceNetworkProblem(bootstrap, sourceNetworkList(this.#options.sourceNetworks ?? []))
      if (outside !== undefined) throw new EngineError('INVALID_INPUT', outside, { context: { link: input.linkName } })
      // The id the source reported is recorded, so that a later change of cluster behind bootstrap.servers fails the link.
      // An INBOUND link has no address yet: its source half is checked when it comes.
      const validatedId = options.validateLink && !awaitsSourceHalf(input.configs)
        ? await probeSourceClusterId(this.#options.createAdmin, this.#log, input.linkName, input.configs, expectedId)
        : undefined
      if (options.validateOnly) return []
      const state: LinkState = {
        linkName: input.linkName, linkId: randomUUID(), sourceClusterId: expectedId ?? validatedId ?? null,
        configs: { ...input.configs }, createdAtMs: Date.now(),
      }
      await this.#options.store.putLink(state)
      this.#registry.addLink(state)
      this.#log.info({ link: input.linkName }, 'cluster link created')
      return []
    } finally {
      this.#creating.delete(`link:${input.linkName}`)
    }
  }

  listLinks(): LinkView[] {
    return this.#registry.linkNames().sort().map((name) => this.getLink(name))
  }

  getLink(linkName: string): LinkView {
    return linkView(this.#registry, linkName, this.#options.destinationClusterId)
  }

  /** Effective configs of a link (sensitive values included: callers must hide them). */
  linkConfigs(linkName: string): Readonly<Record<string, string>> {
    return this.#registry.requireLink(linkName).state.configs
  }

  /** Refused while a mirror topic is PENDING_STOPPED, or is live and `force` is not set; force stops the live ones. */
  async deleteLink(linkName: string, options: { force: boolean; validateOnly: boolean }): Promise<void> {
    this.#registry.requireLink(linkName)
    const mirrors = this.#registry.mirrorsOf(linkName)
    const statuses = mirrors.map((m) => ({ name: m.state.mirrorTopicName, status: m.view(this.#registry.linkStateOf(linkName)).status }))
    const problems = linkDeleteProblems(linkName, statuses, options.force)
    if (problems.length > 0) throw new EngineError('INVALID_STATE', problems.join('; '))
    if (options.validateOnly) return
    await stopOwnersFirst(mirrors)
    for (const mirror of mirrors) await this.#removeMirror(mirror.state.mirrorTopicName)
    await this.#options.store.deleteLink(linkName)
    await this.#registry.removeLink(linkName)
    this.#log.info({ link: linkName, force: options.force }, 'cluster link deleted')
  }

  /** Applies SET/DELETE changes atomically: all are validated against the resulting configs before anything is written. */
  async alterLinkConfigs(linkName: string, changes: readonly ConfigChange[], options: { validateOnly: boolean }): Promise<void> {
    const link = this.#registry.requireLink(linkName)
    const { next, problems } = applyLinkConfigChanges(link.state.configs, changes)
    const bootstrap = linkConfigValue(next, 'bootstrap.servers')
    if (bootstrap !== linkConfigValue(link.state.configs, 'bootstrap.servers')) {
      const outside = await sourceNetworkProblem(bootstrap, sourceNetworkList(this.#options.sourceNetworks ?? []))
      if (outside !== undefined) problems.push(outside)
    }
    refuse(problems, 'invalid link configs: ', { link: linkName })
    refuse(credentialsKeyProblems(next, this.#options.hasCredentialsKey), '')
    if (options.validateOnly) return
    const state: LinkState = { ...link.state, configs: next }
    await this.#options.store.putLink(state)
    const reconnect = await link.applyState(state)
    if (reconnect) for (const mirror of this.#registry.mirrorsOf(linkName)) await mirror.reconnect()
    this.#log.info({ link: linkName, configs: changes.map((c) => c.name) }, 'link configs altered')
  }

  async createMirror(linkName: string, input: CreateMirrorInput, options: { validateOnly: boolean }): Promise<void> {
    const link = this.#registry.requireLink(linkName)
    const { mirrorTopicName, problems } = mirrorCreateProblems(linkConfigValue(link.state.configs, 'cluster.link.prefix'), input)
    refuse(problems, '')
    if (this.#registry.mirror(mirrorTopicName) || this.#creating.has(`mirror:${mirrorTopicName}`)) {
      throw new EngineError('ALREADY_EXISTS', `mirror topic '${mirrorTopicName}' already exists`)
    }
    if (link.awaitsSourceHalf) throw new EngineError('INVALID_STATE', link.linkErrorMessage ?? `link '${linkName}' has no source yet`)
    if (link.linkState() === 'FAILED') {
      const reason = link.linkErrorMessage ?? 'unknown reason'
      throw new EngineError('INVALID_STATE', `link '${linkName}' is FAILED (${reason}); fix it before adding mirror topics`)
    }
    this.#creating.add(`mirror:${mirrorTopicName}`)
    try {
      const sourcePartitions = await this.#checkMirrorTopics(link, input, mirrorTopicName)
      if (options.validateOnly) return
      const now = Date.now()
      const state: MirrorState = {
        linkName, mirrorTopicName, sourceTopicName: input.sourceTopicName, replicationFactor: input.replicationFactor ?? null,
        configs: { ...input.configs }, desiredStatus: 'ACTIVE', pendingPromote: false, stoppedBy: null,
        createdAtMs: now, statusChangedAtMs: now,
      }
      await this.#options.store.putMirror(state)
      const controller = this.#registry.addMirror(state)
      controller.setKnownPartitions(sourcePartitions)
      controller.activate(link.linkState() === 'PAUSED')
      this.#log.info({ link: linkName, topic: mirrorTopicName }, 'mirror topic created')
    } finally {
      this.#creating.delete(`mirror:${mirrorTopicName}`)
    }
  }

  /** The source topic exists, the destination has no topic of that name yet, and has brokers for the replication factor. */
  async #checkMirrorTopics(link: LinkRuntime, input: CreateMirrorInput, mirrorTopicName: string): Promise<number> {
    const linkName = link.state.linkName
    const destination = this.#options.destinationAdmin
    const sourcePartitions = await link.source.partitionCount(input.sourceTopicName).catch((error: unknown) => {
      throw new EngineError('SOURCE_UNAVAILABLE', `the source cluster of link '${linkName}' did not answer; check the link state and retry`,
        { retriable: true, cause: error })
    })
    if (sourcePartitions === undefined) {
      const topic = input.sourceTopicName
      throw new EngineError('INVALID_INPUT', `source topic '${topic}' does not exist on the source cluster of link '${linkName}'`)
    }
    const excluded = await link.excludedSourceTopics().catch((error: unknown) => {
      throw new EngineError('SOURCE_UNAVAILABLE', `the remote engine's state topic of bidirectional link '${linkName}' could not be read, so `
        + `'${input.sourceTopicName}' cannot be shown not to be a mirror topic there; check the link state and retry`, { retriable: true, cause: error })
    })
    if (excluded(input.sourceTopicName)) {
      throw new EngineError('INVALID_INPUT', `'${input.sourceTopicName}' on the remote cluster of bidirectional link '${linkName}' is a mirror topic `
        + '(or an engine topic) there; mirroring it back would loop: its data is already on this cluster')
    }
    if ((await destination.partitionCount(mirrorTopicName)) !== undefined) {
      throw new EngineError('ALREADY_EXISTS', `a topic named '${mirrorTopicName}' already exists on the destination cluster; `
        + 'a mirror topic must be a new topic')
    }
    if (input.replicationFactor !== undefined && input.replicationFactor > (await destination.brokerCount())) {
      const factor = input.replicationFactor
      throw new EngineError('INVALID_INPUT', `replication_factor ${factor} is larger than the destination cluster's broker count`)
    }
    return sourcePartitions
  }

  listMirrors(linkName: string | undefined, statuses?: ReadonlySet<MirrorStatus>): MirrorView[] {
    return mirrorViews(this.#registry, linkName, statuses)
  }

  describeMirror(linkName: string, mirrorTopicName: string): MirrorView {
    this.#registry.requireLink(linkName)
    const mirror = this.#registry.mirrorOf(linkName, mirrorTopicName)
    if (!mirror) throw new EngineError('NOT_FOUND', `mirror topic '${mirrorTopicName}' does not exist on link '${linkName}'`)
    return mirror.view(this.#registry.linkStateOf(linkName))
  }

  /** Resolves names or a whole-name regular expression to this link's mirror topics. */
  selectMirrors(linkName: string, selector: { names?: readonly string[] | undefined; pattern?: string | undefined }): string[] {
    this.#registry.requireLink(linkName)
    if (selector.names) return [...new Set(selector.names)]
    // A linear-time matcher, never RegExp: a backtracking pattern must not stall the engine (issue 13).
    let pattern: NamePattern
    try {
      pattern = compileNamePattern(selector.pattern ?? '')
    } catch (error) {
      const reason = error instanceof Error ? error.message : String(error)
      throw new EngineError('INVALID_INPUT', `mirror_topic_name_pattern is refused (${reason}); `
        + 'use literals, ., [classes], (groups), | and * + ? {n,m}')
    }
    return this.#registry.mirrorsOf(linkName).map((m) => m.state.mirrorTopicName).filter((name) => pattern.matches(name)).sort()
  }

  /** Runs an action on each selected mirror topic; answers per topic (errorCode null on success), never all-or-nothing. */
  alterMirrors(linkName: string, action: MirrorAction, names: readonly string[], options: DryRun): Promise<AlterResult[]> {
    return alterMirrorTopics(this.#registry, linkName, action, names, options.validateOnly, this.#log)
  }

  /** Failback actions (mirror-failback.ts) on each selected mirror topic; answers per topic like alterMirrors. */
  async failbackMirrors(linkName: string, action: FailbackAction, names: readonly string[], options: DryRun): Promise<AlterResult[]> {
    const link = this.#registry.requireLink(linkName)
    const context = {
      connections: () => ({ source: link.sourceConnection(), destination: this.#options.destination }),
      adminOf: (side: 'source' | 'destination') => (side === 'source' ? link.source : this.#options.destinationAdmin),
    }
    const target = { linkName, find: (name: string) => this.#registry.mirror(name), linkState: () => link.linkState(), log: this.#log }
    return failbackMirrorTopics(target, action, names, context, options)
  }

  /**
   * Deletes a mirror topic in any state, and its destination topic (as deleting a mirror topic does on Confluent): it stops
   * and its write denials are removed first. Only the source of a reversed mirror is refused.
   */
  async deleteMirrorTopic(mirrorTopicName: string): Promise<void> {
    const mirror = this.#registry.mirror(mirrorTopicName)
    if (!mirror) throw new EngineError('NOT_FOUND', `topic '${mirrorTopicName}' is not a mirror topic of this engine`)
    if (mirror.direction === 'REVERSE') {
      throw new EngineError('INVALID_STATE', `topic '${mirrorTopicName}' is the source of a reversed mirror (failback: its mirror is `
        + `'${mirror.state.sourceTopicName}' on the source cluster); promote or fail the mirror over and reverse it back before deleting`)
    }
    await stopOwnersFirst([mirror])
    await this.#removeMirror(mirrorTopicName)
    await this.#options.destinationAdmin.deleteTopic(mirrorTopicName).catch((error: unknown) => {
      this.#log.warn({ err: error, topic: mirrorTopicName }, 'destination topic delete failed (mirror record removed)')
    })
  }

  /** Deletes the mirror record, stops the mirror topic and removes its write denials. */
  async #removeMirror(mirrorTopicName: string): Promise<void> {
    const mirror = this.#registry.mirror(mirrorTopicName)
    if (!mirror) return
    await this.#options.store.deleteMirror(mirror.state.linkName, mirrorTopicName)
    this.#registry.removeMirror(mirrorTopicName)
    await mirror.close()
    await mirror.releaseWrites()
  }

  /** Read-only views for metrics. */
  linkRuntimes(): LinkRuntime[] {
    return this.#registry.links()
  }

  async close(): Promise<void> {
    this.#statusPublisher.stop()
    await this.#registry.close()
  }
}
