// One cluster link at run time: its configs, source connection, availability, link state and scheduled jobs.
import type { EngineError } from '../errors.ts'
import { KafkaClusterClient } from '../kafka/index.ts'
import type { Logger } from '../logging/index.ts'
import type { Counter } from '../metrics/index.ts'
import type { KafkaConnectionConfig } from '../mirror/contract.ts'
import type { LinkState } from '../state/index.ts'
import { toRecordedAclBindings } from './acl-sync-filters.ts'
import { runAclSync, type AclSyncContext, type AclSyncStatus } from './acl-sync.ts'
import { JobScheduler, type JobStatus } from './job-scheduler.ts'
import type { ClusterAdmin } from './kafka-admin.ts'
import { linkConfigValue } from './link-configs.ts'
import { awaitsSourceHalf, linkModeOf } from './link-modes.ts'
import {
  JOB_NAMES, runAutoCreate, runAvailabilityCheck, runConsumerOffsetSync, runTopicConfigSync, runWriteProtection, type LinkJobContext,
} from './link-jobs.ts'
import type { MirrorController } from './mirror-controller.ts'
import { nextAvailability, toLinkState, type LinkStateName } from './mirror-status.ts'
import { peerStateAccess, PeerMirrorTracker } from './peer-mirrors.ts'
import { toSourceConnection } from './source-connection.ts'

export interface LinkRuntimeOptions {
  readonly state: LinkState
  readonly destination: ClusterAdmin
  readonly createAdmin: (connection: KafkaConnectionConfig, clientId: string) => ClusterAdmin
  readonly mirrors: () => MirrorController[]
  readonly createMirror: (sourceTopic: string) => Promise<void>
  readonly onLinkStateChange: (state: LinkStateName) => void
  readonly jobRuns: Counter
  readonly jobErrors: Counter
  /** ACL bindings the ACL sync created and deleted on the destination, by link and change. */
  readonly aclSyncChanges?: Counter
  /** Writes the link's state record (the ACL sync keeps what it created there); without it ACL sync stays off. */
  readonly persistState?: (state: LinkState) => Promise<void>
  readonly jobIntervalScale: number
  readonly logger: Logger
  /** Whether this replica runs the writing jobs of the link; default always (a single engine). */
  readonly isCoordinator?: () => boolean
  /** The engines' state topic (on the remote cluster of a BIDIRECTIONAL link: that side's mirror topics); default _clusterlink-state. */
  readonly stateTopic?: string
  /** Checks the source brokers' API versions (ApiVersions) against what the engine needs; default: checkSourceBrokerVersions. */
  readonly checkSourceVersions?: (connection: KafkaConnectionConfig) => Promise<EngineError | undefined>
}

/** Asks every source broker for its API versions; an "unsupported broker version" error when one lacks what the engine needs. */
export async function checkSourceBrokerVersions(connection: KafkaConnectionConfig): Promise<EngineError | undefined> {
  const client = new KafkaClusterClient(connection, { side: 'source', requestTimeoutMs: 10_000 })
  try {
    return await client.checkBrokerVersions('source')
  } finally {
    await client.close()
  }
}

export interface LinkTask {
  readonly task_name: string
  readonly state: 'ACTIVE' | 'IN_ERROR' | 'NOT_CONFIGURED' | 'LINK_PAUSED' | 'LINK_UNAVAILABLE' | 'LINK_FAILED'
  readonly errors: ReadonlyArray<{ readonly error_code: string; readonly error_message: string }>
}

export class LinkRuntime {
  #state: LinkState
  #source: ClusterAdmin
  #consecutiveFailures = 0
  #failedReason: string | null = null
  #linkError = 'NO_ERROR'
  #linkErrorMessage: string | null = null
  /** Set while a source broker lacks an API version the engine needs: the link is FAILED until that changes. */
  #versionError: string | null = null
  #lastState: LinkStateName
  #lastOffsetSyncAtMs: number | null = null
  #aclSyncStatus: AclSyncStatus | null = null
  /** Why write denials on mirror topics could not be checked (logged once, then only on change). */
  #writeGuardProblem: string | null = null
  /** BIDIRECTIONAL links only: the remote side's mirror topics (link-modes.ts), rebuilt when the connection changes. */
  #peerMirrors: PeerMirrorTracker | undefined
  readonly #scheduler: JobScheduler
  readonly #options: LinkRuntimeOptions
  readonly #log: Logger

  constructor(options: LinkRuntimeOptions) {
    this.#options = options
    this.#state = options.state
    this.#log = options.logger.child({ component: 'link', link: options.state.linkName })
    this.#source = options.createAdmin(this.sourceConnection(), `clusterlink-${options.state.linkName}-admin`)
    this.#lastState = this.linkState()
    const linkName = options.state.linkName
    this.#scheduler = new JobScheduler(this.#log, {
      onSuccess: (job) => options.jobRuns.inc({ link: linkName, job }),
      onError: (job) => {
        options.jobRuns.inc({ link: linkName, job })
        options.jobErrors.inc({ link: linkName, job })
      },
    })
  }

  get state(): LinkState {
    return this.#state
  }

  get source(): ClusterAdmin {
    return this.#source
  }

  get lastOffsetSyncAtMs(): number | null {
    return this.#lastOffsetSyncAtMs
  }

  get linkError(): string {
    if (this.awaitsSourceHalf) return 'UNKNOWN'
    return this.#versionError !== null ? 'UNSUPPORTED_BROKER_VERSION' : this.#linkError
  }

  get linkErrorMessage(): string | null {
    if (this.awaitsSourceHalf) {
      return `connection.mode INBOUND: waiting for the source half; create link '${this.#state.linkName}' again with link.mode=SOURCE, `
        + 'connection.mode=OUTBOUND and local.bootstrap.servers (the source cluster as this engine reaches it)'
    }
    return this.#versionError ?? this.#linkErrorMessage
  }

  /** The destination half of a source-initiated link whose source half is not created yet: no connection, no jobs. */
  get awaitsSourceHalf(): boolean {
    return awaitsSourceHalf(this.#state.configs)
  }

  /**
   * Remote topics this link must never mirror: on a BIDIRECTIONAL link, the remote side's mirror topics and the engines'
   * own topics (state and work topics); nothing on other links. Throws when the remote state cannot be read.
   */
  async excludedSourceTopics(): Promise<(topic: string) => boolean> {
    if (linkModeOf(this.#state.configs) !== 'BIDIRECTIONAL') return () => false
    const stateTopic = this.#options.stateTopic ?? '_clusterlink-state'
    this.#peerMirrors ??= new PeerMirrorTracker(peerStateAccess(this.#source, this.sourceConnection(), stateTopic, this.#state.linkName))
    const mirrors = await this.#peerMirrors.mirrorTopics()
    return (topic) => mirrors.has(topic) || topic.startsWith(stateTopic)
  }

  sourceConnection(): KafkaConnectionConfig {
    return toSourceConnection(this.#state.linkName, this.#state.configs)
  }

  linkState(): LinkStateName {
    if (this.awaitsSourceHalf) return 'UNAVAILABLE'
    return toLinkState({
      paused: linkConfigValue(this.#state.configs, 'cluster.link.paused') === 'true',
      failed: this.#failedReason !== null || this.#versionError !== null,
      consecutiveFailures: this.#consecutiveFailures,
      threshold: Number(linkConfigValue(this.#state.configs, 'availability.check.consecutive.failure.threshold')),
    })
  }

  #notifyIfChanged(): void {
    const now = this.linkState()
    if (now === this.#lastState) return
    this.#log.info({ from: this.#lastState, to: now }, 'link state changed')
    this.#lastState = now
    this.#options.onLinkStateChange(now)
  }

  #context(): LinkJobContext {
    return {
      linkName: this.#state.linkName,
      logger: this.#log,
      configs: () => this.#state.configs,
      linkState: () => this.linkState(),
      source: () => this.#source,
      destination: this.#options.destination,
      liveMirrors: () => this.#options.mirrors().filter((m) => !m.isStopped),
      allMirrors: () => this.#options.mirrors(),
      createMirror: (topic) => this.#options.createMirror(topic),
      excludedSourceTopics: () => this.excludedSourceTopics(),
      isCoordinator: () => this.#options.isCoordinator?.() ?? true,
      recordAvailability: (result) => {
        if (result.ok && this.#state.sourceClusterId !== null && result.clusterId !== this.#state.sourceClusterId) {
          this.#failedReason = `the source cluster id is now ${result.clusterId}, expected ${this.#state.sourceClusterId} (bootstrap.servers reaches another cluster; point it back, or delete and re-create the link)`
          this.#linkError = 'UNKNOWN'
          this.#linkErrorMessage = this.#failedReason
        } else if (result.ok) {
          this.#failedReason = null
          this.#consecutiveFailures = nextAvailability({ consecutiveFailures: this.#consecutiveFailures }, true).consecutiveFailures
          this.#linkError = 'NO_ERROR'
          this.#linkErrorMessage = null
        } else {
          this.#consecutiveFailures = nextAvailability({ consecutiveFailures: this.#consecutiveFailures }, false).consecutiveFailures
          this.#linkError = result.linkError
          this.#linkErrorMessage = result.message
        }
        this.#notifyIfChanged()
      },
      recordOffsetSync: () => { this.#lastOffsetSyncAtMs = Date.now() },
      recordWriteGuard: (problem) => {
        if (problem === this.#writeGuardProblem) return
        const job = JOB_NAMES.writeProtection
        if (problem !== null) this.#log.warn({ job, problem }, 'mirror topic write denials not checked (until this changes)')
        else if (this.#writeGuardProblem !== null) this.#log.info({ job }, 'mirror topic write denials checked again')
        this.#writeGuardProblem = problem
      },
    }
  }

  #aclSyncContext(): AclSyncContext {
    const persist = this.#options.persistState
    return {
      logger: this.#log, configs: () => this.#state.configs, linkState: () => this.linkState(),
      isCoordinator: () => (this.#options.isCoordinator?.() ?? true) && persist !== undefined,
      source: () => this.#source, destination: this.#options.destination,
      created: () => toRecordedAclBindings(this.#state.aclSyncCreated),
      persistCreated: async (created) => {
        const next: LinkState = { ...this.#state, aclSyncCreated: created.map((acl) => ({ ...acl })) }
        await persist?.(next)
        this.#state = next
      },
      report: (status) => {
        const before = this.#aclSyncStatus
        this.#aclSyncStatus = status
        if (status.ok || (before && !before.ok && before.message === status.message)) return
        const fields = { job: JOB_NAMES.aclSync, errorCode: status.errorCode, problem: status.message }
        this.#log.warn(fields, 'ACL sync cannot run (until this changes)')
      },
      countChanges: (change, count) => this.#options.aclSyncChanges?.inc({ link: this.#state.linkName, change }, count),
    }
  }

  /** What the last ACL sync run found (null before its first run or while it is off). */
  get aclSyncStatus(): AclSyncStatus | null {
    return linkConfigValue(this.#state.configs, 'acl.sync.enable') === 'true' ? this.#aclSyncStatus : null
  }

  /** Starts the named jobs; intervals come from the link configs at each run. */
  startJobs(): void {
    const ctx = this.#context()
    const every = (name: string) => () => Number(linkConfigValue(this.#state.configs, name)) * this.#options.jobIntervalScale
    this.#scheduler.add(JOB_NAMES.availability, every('availability.check.ms'), async () => {
      if (this.awaitsSourceHalf) return
      await runAvailabilityCheck(ctx)
      await this.#checkBrokerVersions()
    })
    this.#scheduler.add(JOB_NAMES.offsetSync, every('consumer.offset.sync.ms'), () => runConsumerOffsetSync(ctx))
    this.#scheduler.add(JOB_NAMES.configSync, every('topic.config.sync.ms'), () => runTopicConfigSync(ctx))
    this.#scheduler.add(JOB_NAMES.writeProtection, every('topic.config.sync.ms'), () => runWriteProtection(ctx))
    this.#scheduler.add(JOB_NAMES.autoCreate, every('topic.config.sync.ms'), () => runAutoCreate(ctx))
    const aclCtx = this.#aclSyncContext()
    this.#scheduler.add(JOB_NAMES.aclSync, every('acl.sync.ms'), () => runAclSync(aclCtx))
  }

  /** Part of the availability check: once the source answers, its brokers must speak the API versions the engine needs. */
  async #checkBrokerVersions(): Promise<void> {
    if (this.#consecutiveFailures > 0 || this.#failedReason !== null) return
    let error: EngineError | undefined
    try {
      error = await (this.#options.checkSourceVersions ?? checkSourceBrokerVersions)(this.sourceConnection())
    } catch {
      return // unreachable or failing for another reason: the availability check reports that
    }
    const message = error?.message ?? null
    if (message === this.#versionError) return
    if (message) this.#log.error({ err: error }, 'source broker version unsupported')
    this.#versionError = message
    this.#notifyIfChanged()
  }

  /** Runs the offset sync now on this replica, coordinator or not (the promoting owner flushes offsets before it stops). */
  syncOffsetsNow(): Promise<void> {
    if (this.#options.isCoordinator?.() ?? true) return this.#scheduler.runNow(JOB_NAMES.offsetSync)
    return runConsumerOffsetSync({ ...this.#context(), isCoordinator: () => true })
  }

  /** Replaces the configs (already persisted); reconnects when the connection changed. Returns whether it did. */
  async applyState(next: LinkState): Promise<boolean> {
    const before = JSON.stringify(this.sourceConnection())
    const wasPaused = this.linkState() === 'PAUSED'
    this.#state = next
    const reconnect = JSON.stringify(this.sourceConnection()) !== before
    if (reconnect) {
      const old = this.#source
      await this.#peerMirrors?.close().catch(() => undefined)
      this.#peerMirrors = undefined
      this.#source = this.#options.createAdmin(this.sourceConnection(), `clusterlink-${next.linkName}-admin`)
      this.#consecutiveFailures = 0
      this.#versionError = null
      await old.close().catch(() => undefined)
    }
    if (wasPaused !== (this.linkState() === 'PAUSED')) this.#notifyIfChanged()
    this.#scheduler.rearm()
    return reconnect
  }

  tasks(): LinkTask[] {
    const linkState = this.linkState()
    const configured: Record<string, boolean> = {
      [JOB_NAMES.availability]: true,
      [JOB_NAMES.offsetSync]: linkConfigValue(this.#state.configs, 'consumer.offset.sync.enable') === 'true',
      [JOB_NAMES.configSync]: true,
      [JOB_NAMES.autoCreate]: linkConfigValue(this.#state.configs, 'auto.create.mirror.topics.enable') === 'true',
      [JOB_NAMES.aclSync]: linkConfigValue(this.#state.configs, 'acl.sync.enable') === 'true',
      [JOB_NAMES.writeProtection]: true,
    }
    const acl = this.aclSyncStatus
    const standing: Record<string, { error_code: string; error_message: string } | undefined> = {
      [JOB_NAMES.aclSync]: acl && !acl.ok ? { error_code: acl.errorCode, error_message: acl.message } : undefined,
      [JOB_NAMES.writeProtection]: this.#writeGuardProblem !== null
        ? { error_code: 'INTERNAL_ERROR', error_message: this.#writeGuardProblem } : undefined,
    }
    return this.#scheduler.statuses().map((status: JobStatus): LinkTask => {
      const problem = standing[status.name]
      const errors = status.lastError ? [{ error_code: 'INTERNAL_ERROR', error_message: status.lastError }] : problem ? [problem] : []
      let state: LinkTask['state'] = errors.length > 0 ? 'IN_ERROR' : 'ACTIVE'
      if (!configured[status.name]) state = 'NOT_CONFIGURED'
      else if (status.name !== JOB_NAMES.availability && linkState === 'PAUSED') state = 'LINK_PAUSED'
      else if (status.name !== JOB_NAMES.availability && linkState === 'UNAVAILABLE') state = 'LINK_UNAVAILABLE'
      else if (linkState === 'FAILED') state = 'LINK_FAILED'
      return { task_name: status.name, state, errors }
    })
  }

  async close(): Promise<void> {
    await this.#scheduler.stop()
    await this.#peerMirrors?.close().catch(() => undefined)
    await this.#source.close().catch(() => undefined)
  }
}
