// Controls one mirror topic: persists its desired status first, then drives its runner (start, pause, resume, promote, failover).
import { EngineError } from '../errors.ts'
import type { Logger } from '../logging/index.ts'
import type { KafkaConnectionConfig, MirrorPartitionStatus, MirrorStartOffsetSpec, MirrorTopicRunner, MirrorTopicRunnerOptions, MirrorTopicStatus } from '../mirror/contract.ts'
import type { MirrorState, MirrorStatusRecord } from '../state/index.ts'
import { toMirrorStatus, type LinkStateName, type MirrorStatus } from './mirror-status.ts'

export type RunnerFactory = (options: MirrorTopicRunnerOptions) => MirrorTopicRunner

/** Shaped like Confluent's LinkTaskError: a string code and a message. */
export interface TransitionError {
  readonly error_code: string
  readonly error_message: string
}

export interface MirrorView {
  readonly linkName: string
  readonly mirrorTopicName: string
  readonly sourceTopicName: string
  readonly numPartitions: number
  readonly partitions: readonly MirrorPartitionStatus[]
  readonly status: MirrorStatus
  readonly stateTimeMs: number
  readonly mirrorTopicError: string
  readonly mirrorTopicErrorMessage: string | null
  readonly transitionErrors: readonly TransitionError[]
  /** Optional counters the data path may expose beyond the contract. */
  readonly copiedRecords?: number
  readonly copiedBytes?: number
}

export interface MirrorControllerOptions {
  readonly state: MirrorState
  readonly createRunner: RunnerFactory
  readonly persist: (state: MirrorState) => Promise<void>
  readonly connections: () => { source: KafkaConnectionConfig; destination: KafkaConnectionConfig }
  readonly startOffsetSpec: () => MirrorStartOffsetSpec
  readonly logger: Logger
  readonly promoteTimeoutMs: number
  /** Keeps the topic read-only while mirroring (destinations with an authorizer). */
  readonly writeGuard?: { protect(topic: string): Promise<void>; release(topic: string): Promise<void> }
  /** Runs the link's consumer offset sync once (promote flushes offsets before stopping). */
  readonly syncOffsetsNow: () => Promise<void>
  readonly now?: () => number
  /** Whether this replica runs the mirror's copiers at creation (see setOwned); default true. */
  readonly owned?: boolean
}

const PROMOTE_POLL_MS = 200
const MAX_TRANSITION_ERRORS = 10

export class MirrorController {
  #state: MirrorState
  #runner: MirrorTopicRunner | undefined
  #runnerError: { code: string; message: string } | undefined
  #stopping = false
  /** The runner's start in flight: a stop waits for it, so no copier is launched after the stop returned. */
  #starting: Promise<void> = Promise.resolve()
  #promoting = false
  #linkPaused = false
  #transitionErrors: TransitionError[] = []
  #lastStatus: MirrorStatus | undefined
  #statusSinceMs: number
  #knownPartitions = 0
  /** Only the owner runs a runner; the others serve the owner's published status (replicas share mirror topics). */
  #owned: boolean
  #remoteStatus: MirrorStatusRecord | undefined
  readonly #options: MirrorControllerOptions
  readonly #log: Logger
  readonly #now: () => number

  constructor(options: MirrorControllerOptions) {
    this.#options = options
    this.#state = options.state
    this.#now = options.now ?? Date.now
    this.#statusSinceMs = options.state.statusChangedAtMs
    this.#owned = options.owned ?? true
    this.#log = options.logger.child({ component: 'mirror-controller', link: options.state.linkName, topic: options.state.mirrorTopicName })
  }

  get state(): MirrorState {
    return this.#state
  }

  get isStopped(): boolean {
    return this.#state.desiredStatus === 'STOPPED'
  }

  /** Brings the runner in line with the desired status after a load or a create; never throws. */
  activate(linkPaused: boolean): void {
    this.#linkPaused = linkPaused
    if (!this.#owned) return
    if (this.#state.desiredStatus === 'STOPPED') {
      // A stop applied while no replica owned the mirror: the new owner makes sure writes are allowed.
      void this.releaseWrites()
      return
    }
    void this.protectWrites().catch((error: unknown) => this.#log.warn({ err: error }, 'could not deny writes to the mirror topic (will retry)'))
    if (this.#state.desiredStatus === 'ACTIVE' && !linkPaused) this.#ensureRunning()
    if (this.#state.pendingPromote) void this.#promoteInBackground()
  }

  #ensureRunning(): void {
    if (!this.#owned) return
    if (this.#runner) {
      // Only a paused runner resumes (a running one would refuse, and its refusal is not a failure of the mirror).
      if (this.#runner.status().state === 'PAUSED') this.#runner.resume().catch((error: unknown) => this.#recordRunnerError('resume', error))
      return
    }
    const { source, destination } = this.#options.connections()
    const runner = this.#options.createRunner({
      source, destination, logger: this.#options.logger.child({ component: 'mirror', link: this.#state.linkName, topic: this.#state.mirrorTopicName }),
      spec: {
        linkName: this.#state.linkName, sourceTopic: this.#state.sourceTopicName, mirrorTopic: this.#state.mirrorTopicName,
        startOffsetSpec: this.#options.startOffsetSpec(),
        ...(this.#state.replicationFactor !== null ? { replicationFactor: this.#state.replicationFactor } : {}),
        configs: this.#state.configs,
      },
    })
    this.#runner = runner
    this.#runnerError = undefined
    runner.onStateChange((status) => {
      if (status.partitions.length > 0) this.#knownPartitions = status.partitions.length
    })
    this.#starting = runner.start().catch((error: unknown) => this.#recordRunnerError('start', error))
  }

  async #stopAfterStart(runner: MirrorTopicRunner): Promise<void> {
    await this.#starting
    await runner.stop()
  }

  #recordRunnerError(step: string, error: unknown): void {
    const message = error instanceof Error ? error.message : String(error)
    this.#runnerError = { code: error instanceof EngineError ? error.code : 'UNKNOWN', message: `${step} failed (${message})` }
    this.#pushTransitionError('INTERNAL_ERROR', `mirror ${step} failed: ${message}`)
    this.#log.error({ err: error, step }, 'mirror runner failed')
  }

  #pushTransitionError(code: string, message: string): void {
    this.#transitionErrors = [...this.#transitionErrors, { error_code: code, error_message: message }].slice(-MAX_TRANSITION_ERRORS)
  }

  async #persist(change: Partial<MirrorState>): Promise<void> {
    const next: MirrorState = { ...this.#state, ...change, statusChangedAtMs: this.#now() }
    await this.#options.persist(next)
    this.#state = next
  }

  async pause(): Promise<void> {
    if (this.#state.desiredStatus === 'PAUSED') return
    await this.#persist({ desiredStatus: 'PAUSED' })
    await this.#runner?.pause().catch((error: unknown) => this.#recordRunnerError('pause', error))
  }

  async resume(): Promise<void> {
    if (this.#state.desiredStatus === 'ACTIVE') return
    await this.#persist({ desiredStatus: 'ACTIVE' })
    if (!this.#linkPaused) this.#ensureRunning()
  }

  /** The whole link paused or resumed (cluster.link.paused); desired status is untouched. */
  setLinkPaused(paused: boolean): void {
    if (paused === this.#linkPaused) return
    this.#linkPaused = paused
    if (this.isStopped) return
    if (paused) this.#runner?.pause().catch((error: unknown) => this.#recordRunnerError('pause', error))
    else if (this.#state.desiredStatus === 'ACTIVE' || this.#state.pendingPromote) this.#ensureRunning()
  }

  /** Restarts the runner with fresh connections (link credentials or bootstrap changed). */
  async reconnect(): Promise<void> {
    if (!this.#runner) return
    const old = this.#runner
    this.#runner = undefined
    await this.#stopAfterStart(old).catch((error: unknown) => this.#recordRunnerError('stop', error))
    if (!this.#linkPaused && this.#state.desiredStatus === 'ACTIVE') this.#ensureRunning()
  }

  /** Stops now, whatever the lag (also from FAILED or SOURCE_UNAVAILABLE); the topic becomes writable. */
  async failover(): Promise<void> {
    if (this.isStopped) return
    await this.#persist({ desiredStatus: 'STOPPED', stoppedBy: 'FAILOVER', pendingPromote: false })
    // A non-owner only records the stop; the owner stops its runner when it reads the record, then allows writes.
    if (this.#owned) void this.#stopRunner()
  }

  async #stopRunner(): Promise<void> {
    this.#stopping = true
    try {
      if (this.#runner) await this.#stopAfterStart(this.#runner)
    } catch (error) {
      this.#recordRunnerError('stop', error)
    }
    try {
      // The copier is stopped before writes are allowed again: nothing the engine does later can overwrite a producer's record.
      await this.releaseWrites()
    } finally {
      this.#stopping = false
    }
  }

  /** Adds write denials for the mirror topic (called on activation and by the link's topic config sync job). */
  async protectWrites(): Promise<void> {
    if (this.isStopped || !this.#options.writeGuard) return
    await this.#options.writeGuard.protect(this.#state.mirrorTopicName)
  }

  /** Removes the write denials, retrying a few times; a failure is reported as a state transition error. */
  async releaseWrites(): Promise<void> {
    const guard = this.#options.writeGuard
    if (!guard) return
    for (let attempt = 1; ; attempt++) {
      try {
        await guard.release(this.#state.mirrorTopicName)
        return
      } catch (error) {
        if (attempt >= 3) {
          this.#pushTransitionError('AUTHORIZATION_ERROR', `could not remove the write denials of the mirror topic (${error instanceof Error ? error.message : String(error)}); remove DENY WRITE ACLs on it by hand`)
          this.#log.error({ err: error }, 'write denials not removed')
          return
        }
        await new Promise((resolve) => setTimeout(resolve, 200 * attempt))
      }
    }
  }

  /** Records the promote (so a restart resumes it) and waits for lag zero in the background, bounded by promoteTimeoutMs. */
  async promote(): Promise<void> {
    if (this.isStopped || this.#state.pendingPromote) return
    await this.#persist({ pendingPromote: true })
    if (this.#owned) void this.#promoteInBackground()
  }

  async #promoteInBackground(): Promise<void> {
    if (this.#promoting) return
    this.#promoting = true
    this.#stopping = true
    const deadline = this.#now() + this.#options.promoteTimeoutMs
    try {
      if (!this.#linkPaused) this.#ensureRunning()
      let lag = this.#totalLag()
      while (lag !== 0 && this.#now() < deadline && this.#state.pendingPromote && this.#owned) {
        await new Promise((resolve) => setTimeout(resolve, PROMOTE_POLL_MS))
        lag = this.#totalLag()
      }
      // Ownership moved: the new owner resumes the promote from the stored pendingPromote.
      if (!this.#state.pendingPromote || !this.#owned) return
      if (lag !== 0) {
        await this.#persist({ pendingPromote: false })
        this.#pushTransitionError('PROMOTE_TIMEOUT', `promote timed out after ${this.#options.promoteTimeoutMs} ms: lag is ${lag < 0 ? 'unknown (no copier has reported yet)' : `${lag} records`}; retry promote, or use failover to stop now`)
        if (this.#state.desiredStatus === 'PAUSED') await this.#runner?.pause().catch((error: unknown) => this.#recordRunnerError('pause', error))
        return
      }
      await this.#options.syncOffsetsNow().catch((error: unknown) => this.#log.warn({ err: error }, 'offset sync before promote failed'))
      await this.#persist({ desiredStatus: 'STOPPED', stoppedBy: 'PROMOTE', pendingPromote: false })
      await this.#stopRunner()
    } catch (error) {
      this.#pushTransitionError('INTERNAL_ERROR', `promote failed: ${error instanceof Error ? error.message : String(error)}`)
      this.#log.error({ err: error }, 'promote failed')
    } finally {
      this.#stopping = false
      this.#promoting = false
    }
  }

  /** Sum of partition lags, or -1 while no copier has reported (lag unknown is never zero). */
  #totalLag(): number {
    const status = this.#runner?.status()
    if (!status || status.partitions.length === 0 || status.state === 'PENDING_MIRROR') return -1
    if (status.partitions.some((p) => p.lastSourceFetchOffset < 0 && p.sourceHighWatermark > 0)) return -1
    return status.partitions.reduce((sum, p) => sum + p.lagRecords, 0)
  }

  runnerStatus(): MirrorTopicStatus | undefined {
    return this.#runner?.status()
  }

  get isOwned(): boolean {
    return this.#owned
  }

  /**
   * Gains or loses the mirror topic (work shared between replicas). Losing it stops the runner (in-flight produce
   * requests finish) and resolves only then: the caller lets another replica start only after that.
   */
  async setOwned(owned: boolean): Promise<void> {
    if (owned === this.#owned) return
    this.#owned = owned
    if (owned) {
      this.#runnerError = undefined
      this.activate(this.#linkPaused)
      return
    }
    const runner = this.#runner
    this.#runner = undefined
    this.#runnerError = undefined
    if (runner) await this.#stopAfterStart(runner).catch((error: unknown) => this.#log.warn({ err: error }, 'runner stop failed on hand-over'))
  }

  /** Applies the mirror record as another replica wrote it (pause, resume, promote, failover from any replica). */
  applyRemoteState(next: MirrorState): void {
    const before = this.#state
    if (JSON.stringify(before) === JSON.stringify(next)) return
    this.#state = next
    if (!this.#owned) return
    if (next.desiredStatus === 'STOPPED' && before.desiredStatus !== 'STOPPED') {
      void this.#stopRunner()
      return
    }
    if (next.desiredStatus === 'PAUSED' && before.desiredStatus !== 'PAUSED' && !next.pendingPromote) {
      this.#runner?.pause().catch((error: unknown) => this.#recordRunnerError('pause', error))
    } else if (next.desiredStatus === 'ACTIVE' && before.desiredStatus !== 'ACTIVE' && !this.#linkPaused) {
      this.#ensureRunning()
    }
    if (next.pendingPromote && !before.pendingPromote) void this.#promoteInBackground()
  }

  /** The owner's last published status (used while this replica does not own the mirror). */
  setRemoteStatus(status: MirrorStatusRecord | null): void {
    this.#remoteStatus = status ?? undefined
    if (status && status.numPartitions > this.#knownPartitions) this.#knownPartitions = status.numPartitions
  }

  /** What the owner publishes for the other replicas. */
  statusRecord(owner: string): MirrorStatusRecord {
    const runnerStatus = this.#runner?.status()
    const error = this.#runnerError ?? runnerStatus?.error
    const partitions = runnerStatus?.partitions ?? []
    const counters = this.#counters()
    return {
      linkName: this.#state.linkName, mirrorTopicName: this.#state.mirrorTopicName, owner,
      runState: this.#runnerError ? 'FAILED' : runnerStatus?.state ?? null,
      isStopping: this.#stopping,
      stateTimeMs: runnerStatus?.stateTimeMs ?? this.#statusSinceMs,
      numPartitions: partitions.length || this.#knownPartitions,
      partitions: partitions.map((p) => ({ partition: p.partition, lagRecords: p.lagRecords, lastSourceFetchOffset: p.lastSourceFetchOffset, sourceHighWatermark: p.sourceHighWatermark, destinationLogEndOffset: p.destinationLogEndOffset })),
      error: error ? { code: error.code, message: error.message } : null,
      transitionErrors: [...this.#transitionErrors],
      ...counters,
      publishedAtMs: this.#now(),
    }
  }

  #remoteView(linkState: LinkStateName): MirrorView {
    const remote = this.#remoteStatus
    const status = toMirrorStatus({ linkState, desiredStatus: this.#state.desiredStatus, isStopping: this.#state.pendingPromote || (remote?.isStopping ?? false), runState: remote?.runState ?? undefined })
    if (status !== this.#lastStatus) {
      if (this.#lastStatus !== undefined) this.#statusSinceMs = Math.max(this.#now(), remote?.stateTimeMs ?? 0)
      this.#lastStatus = status
    }
    const transitionErrors = [...(remote?.transitionErrors ?? []), ...this.#transitionErrors].slice(-MAX_TRANSITION_ERRORS)
    return {
      linkName: this.#state.linkName, mirrorTopicName: this.#state.mirrorTopicName, sourceTopicName: this.#state.sourceTopicName,
      numPartitions: remote?.numPartitions || this.#knownPartitions,
      partitions: remote?.partitions ?? [],
      status, stateTimeMs: this.#statusSinceMs,
      mirrorTopicError: remote?.error ? remote.error.code : 'NO_ERROR',
      mirrorTopicErrorMessage: remote?.error ? remote.error.message : null,
      transitionErrors,
      ...(remote?.copiedRecords !== undefined ? { copiedRecords: remote.copiedRecords } : {}),
      ...(remote?.copiedBytes !== undefined ? { copiedBytes: remote.copiedBytes } : {}),
    }
  }

  view(linkState: LinkStateName): MirrorView {
    if (!this.#owned) return this.#remoteView(linkState)
    const runnerStatus = this.#runner?.status()
    const runState = this.#runnerError ? 'FAILED' : runnerStatus?.state
    const status = toMirrorStatus({ linkState, desiredStatus: this.#state.desiredStatus, isStopping: this.#stopping || this.#state.pendingPromote, runState })
    if (status !== this.#lastStatus) {
      if (this.#lastStatus !== undefined) this.#statusSinceMs = Math.max(this.#now(), runnerStatus?.stateTimeMs ?? 0)
      this.#lastStatus = status
    }
    const error = this.#runnerError ?? runnerStatus?.error
    const partitions = runnerStatus?.partitions ?? []
    const counters = this.#counters()
    return {
      linkName: this.#state.linkName,
      mirrorTopicName: this.#state.mirrorTopicName,
      sourceTopicName: this.#state.sourceTopicName,
      numPartitions: partitions.length || this.#knownPartitions,
      partitions,
      status,
      stateTimeMs: this.#statusSinceMs,
      mirrorTopicError: error ? error.code : 'NO_ERROR',
      mirrorTopicErrorMessage: error ? error.message : null,
      transitionErrors: this.#transitionErrors,
      ...counters,
    }
  }

  /** Records and bytes written, when the runner exposes per-partition counters (optional, beyond the contract). */
  #counters(): { copiedRecords: number; copiedBytes: number } | Record<string, never> {
    const runner = this.#runner as (MirrorTopicRunner & { counters?: () => Record<number, { recordsWritten?: number; bytesWritten?: number }> }) | undefined
    if (typeof runner?.counters !== 'function') return {}
    let copiedRecords = 0
    let copiedBytes = 0
    for (const c of Object.values(runner.counters())) {
      copiedRecords += c.recordsWritten ?? 0
      copiedBytes += c.bytesWritten ?? 0
    }
    return { copiedRecords, copiedBytes }
  }

  setKnownPartitions(count: number): void {
    if (count > this.#knownPartitions) this.#knownPartitions = count
  }

  /** Stops the runner without touching the desired status (engine shutdown or link deletion). */
  async close(): Promise<void> {
    this.#state = { ...this.#state, pendingPromote: false }
    const runner = this.#runner
    this.#runner = undefined
    if (runner) await this.#stopAfterStart(runner).catch((error: unknown) => this.#log.warn({ err: error }, 'runner stop failed on close'))
  }
}
