// Controls one mirror topic: feeds events to the mirror state machine, persists what it stores, and runs its actions on the runner.
import { EngineError } from '../errors.ts'
import type { Logger } from '../logging/index.ts'
import { retry } from '../retry.ts'
import type { MirrorPartitionStatus, MirrorTopicRunner, MirrorTopicStatus } from '../mirror/contract.ts'
import type { MirrorState, MirrorStatusRecord } from '../state/index.ts'
import { toMirrorStatus, type LinkStateName, type MirrorStatus } from './mirror-status.ts'
import { runnerOptionsFor, writeSide, type MirrorControllerOptions } from './mirror-controller-options.ts'
import {
  MAX_TRANSITION_ERRORS, mirrorViewOf, publishedStatus, totalLag, viewSources, type MirrorView, type TransitionError,
} from './mirror-view.ts'
import {
  eventBetween, isFailbackPhase, machineOfRecord, recordOfPhase, transition, type MachineAction, type MirrorDirection, type MirrorEvent,
  type MirrorHealth, type MirrorMachineState,
} from './mirror-state-machine.ts'
import { resumeInterruptedFailback } from './mirror-failback.ts'
import { failureRecovery } from './mirror-failure.ts'
import { followerMachine, followerTarget, isSettled, shownDesiredStatus, waitUntil } from './mirror-follower.ts'
import { watchPromote } from './mirror-promote-watch.ts'
type DispatchOptions = { health?: MirrorHealth; change?: Partial<MirrorState>; stored?: boolean }

export class MirrorController {
  #state: MirrorState
  #machine: MirrorMachineState
  #runner: MirrorTopicRunner | undefined
  #runnerError: { code: string; message: string } | undefined
  /** The runner's start in flight: a stop waits for it, so no copier is launched after the stop returned. */
  #starting: Promise<void> = Promise.resolve()
  /** The lag watcher of a promote runs once at a time (an execution detail, not a state). */
  #watchingLag = false
  #transitionErrors: TransitionError[] = []
  #lastStatus: MirrorStatus | undefined
  #statusSinceMs: number
  #knownPartitions = 0
  /** The runner has been ACTIVE at least once (see visibleRunState). */
  #hasRun = false
  /** Only the owner runs a runner; the others serve the owner's published status (replicas share mirror topics). */
  #owned: boolean
  #closed = false
  #remoteStatus: MirrorStatusRecord | undefined
  /** On the owner: statusChangedAtMs of the stored record its runner has been brought in line with (published). */
  #appliedAtMs: number | undefined
  readonly #options: MirrorControllerOptions
  readonly #log: Logger
  readonly #now: () => number

  constructor(options: MirrorControllerOptions) {
    this.#options = options
    this.#state = options.state
    this.#machine = machineOfRecord(options.state, false)
    this.#now = options.now ?? Date.now
    this.#statusSinceMs = options.state.statusChangedAtMs
    this.#owned = options.owned ?? true
    if (!this.#owned) this.#machine = followerTarget(this.#machine, { ...this.#machine, phase: 'ACTIVE' }, undefined, options.state)
    this.#log = options.logger.child({ component: 'mirror-controller', link: options.state.linkName, topic: options.state.mirrorTopicName })
  }

  get state(): MirrorState { return this.#state }

  get machine(): MirrorMachineState { return this.#machine }

  /** True when nothing is copied into the destination cluster: stopped, or reversed (link jobs then leave it alone). */
  get isStopped(): boolean { return this.#state.desiredStatus === 'STOPPED' || this.#machine.direction === 'REVERSE' }

  get direction(): MirrorDirection { return this.#machine.direction }

  #health(): MirrorHealth {
    const runState = this.#runnerError ? 'FAILED' : this.#owned ? this.#runner?.status().state : this.#remoteStatus?.runState
    if (runState === 'FAILED') {
      const error = this.#owned ? this.#runnerError ?? this.#runner?.status().error : this.#remoteStatus?.error
      return failureRecovery(error?.code) === 'resume' ? 'FAILED_RESUMABLE' : 'FAILED'
    }
    if (runState === 'SOURCE_UNAVAILABLE') return 'SOURCE_UNAVAILABLE'
    return 'OK'
  }

  /**
   * Runs one event through the state machine: persists first when the transition stores something (a failed write
   * changes nothing and throws), then moves to the next state, then runs the other actions (on the owner only).
   * `stored`: the record was already written (by another replica): nothing is persisted or recorded again.
   */
  async dispatch(event: MirrorEvent, options: DispatchOptions = {}): Promise<string | undefined> {
    const result = transition({ ...this.#machine, health: options.health ?? this.#health() }, event)
    if (!result.ok) return result.reason
    const persist = result.actions.find((a) => a.type === 'persist')
    if (persist && !options.stored) {
      const stored = recordOfPhase(result.state)
      const stoppedBy = persist.type === 'persist' && persist.stoppedBy ? persist.stoppedBy : stored.desiredStatus === 'STOPPED' ? this.#state.stoppedBy : null
      const direction = result.state.direction !== 'FORWARD' || this.#state.direction !== undefined ? { direction: result.state.direction } : {}
      // Leaving a failback phase ends its stored progress; entering one stores it (options.change) before its first write.
      const failback = isFailbackPhase(result.state.phase) ? {} : { failback: null }
      await this.#persist({ ...stored, stoppedBy, ...direction, ...failback, ...options.change })
    }
    if (result.state.direction !== this.#machine.direction) {
      // The flipped mirror gets a fresh runner (the old one stopped before STOPPED was reached): new counters, new errors.
      this.#runner = undefined
      this.#runnerError = undefined
      this.#hasRun = false
    }
    // A topic reads STOPPED only once its write denials are gone: a client that sees STOPPED may write at once.
    const releaseFirst = result.state.phase === 'STOPPED' && this.#machine.phase !== 'STOPPED'
    const early: readonly MachineAction[] = releaseFirst ? result.actions.filter((a) => a.type === 'release-writes') : []
    for (const action of early) await this.#run(action, options.stored ?? false)
    this.#machine = result.state
    for (const action of result.actions) if (!early.includes(action)) await this.#run(action, options.stored ?? false)
    this.#markApplied()
    return undefined
  }

  /** On the owner, once its machine is where the stored record says: the record is applied (non-owners wait for that). */
  #markApplied(): void { if (this.#owned && isSettled(this.#machine, this.#state)) this.#appliedAtMs = this.#state.statusChangedAtMs }

  async #run(action: MachineAction, stored: boolean): Promise<void> {
    // A non-owner only stores; a stop it stored completes once the owner confirmed it (followerMachine), never at once.
    if (!this.#owned) return
    switch (action.type) {
      case 'persist': return
      case 'start-runner': return this.#ensureRunning()
      case 'pause-runner':
        await this.#runner?.pause().catch((error: unknown) => this.#recordRunnerError('pause', error))
        return
      case 'stop-runner': return void this.#stopRunner()
      case 'restart-runner': return this.#restartRunner()
      case 'protect-writes':
        return void this.protectWrites().catch((error: unknown) => this.#log.warn({ err: error }, 'could not deny writes to the mirror topic (will retry)'))
      case 'release-writes': return this.releaseWrites()
      case 'protect-other-side': return this.#protect('other')
      case 'release-other-side': return this.#release('other')
      case 'wait-for-lag-zero': return void this.#promoteInBackground()
      case 'sync-offsets': return this.#options.syncOffsetsNow().catch((error: unknown) => this.#log.warn({ err: error }, 'offset sync before promote failed'))
      case 'record-error':
        if (!stored) this.#pushTransitionError(action.code, action.message)
        return
      case 'check-in-sync': case 'set-aside-divergent': case 'rebuild-other-side':
        // Run by the failback flow (runFailback), which feeds their outcome back as events.
        return
    }
  }

  /** Adds the write denials of the mirror side (written by the copier in the current direction) or of the other side. */
  #protect(side: 'mirror' | 'other'): Promise<void> {
    const { guard, topic } = writeSide(this.#options, this.#state, this.#machine.direction, side)
    return guard.protect(topic)
  }

  /** Brings the runner in line with the stored state after a load or a create; never throws. */
  activate(linkPaused: boolean): void {
    this.#machine = { ...this.#machine, linkPaused }
    if (!this.#owned) return
    const { connections, adminOf } = this.#options
    // Then a failback (or its group offset commit) the engine was running when it stopped resumes from its stored step.
    void this.dispatch({ type: 'activate' })
      .then(() => { if (this.isActiveOwner && adminOf) resumeInterruptedFailback(this, { connections, adminOf }, this.#log) })
      .catch((error: unknown) => this.#log.error({ err: error }, 'mirror activation failed'))
  }

  /** Stores how far a failback got (before its step's first write), or the group offsets it still has to commit. */
  storeFailbackProgress(change: Pick<Partial<MirrorState>, 'failback' | 'pendingGroupOffsets'>): Promise<void> { return this.#persist(change) }

  /** Removes the other side's write denials (an abandoned failback, before STOPPED is stored). */
  releaseOtherSide(): Promise<void> { return this.#release('other') }

  noteTransitionError(code: string, message: string): void { this.#pushTransitionError(code, message) }

  /** False once closed or handed over: background failback work stops. */
  get isActiveOwner(): boolean { return this.#owned && !this.#closed }

  #ensureRunning(): void {
    if (!this.#owned) return
    if (this.#runner) {
      // Only a paused runner resumes (a running one would refuse, and its refusal is not a failure of the mirror).
      if (this.#runner.status().state === 'PAUSED') this.#runner.resume().catch((error: unknown) => this.#recordRunnerError('resume', error))
      return
    }
    const runner = this.#options.createRunner(runnerOptionsFor(this.#options, this.#state, this.#machine.direction === 'REVERSE'))
    this.#runner = runner
    this.#runnerError = undefined
    runner.onStateChange((status) => {
      if (status.partitions.length > 0) this.#knownPartitions = status.partitions.length
      if (status.state === 'ACTIVE') this.#hasRun = true
    })
    this.#starting = runner.start().catch((error: unknown) => this.#recordRunnerError('start', error))
  }

  /** A resumed FAILED mirror: the failed runner is dropped and a new one takes every partition over with the writer's checks. */
  async #restartRunner(): Promise<void> {
    // Once: the replica's own write may come back through the state topic before the write returned (a second resume).
    if (this.#health() !== 'FAILED_RESUMABLE') return
    this.#runnerError = undefined
    if (this.#runner) await this.reconnect()
    else if (!this.#machine.linkPaused) this.#ensureRunning()
  }

  #stopAfterStart(runner: MirrorTopicRunner): Promise<void> { return this.#starting.then(() => runner.stop()) }

  #recordRunnerError(step: string, error: unknown): void {
    const message = error instanceof Error ? error.message : String(error)
    // An error may name its own mirror_topic_error (UNSUPPORTED_BROKER_VERSION) under the engine code, as the runner's status does.
    const named = error instanceof EngineError && typeof error.context.mirrorTopicError === 'string' ? error.context.mirrorTopicError : undefined
    this.#runnerError = { code: named ?? (error instanceof EngineError ? error.code : 'UNKNOWN'), message: `${step} failed (${message})` }
    this.#pushTransitionError('INTERNAL_ERROR', `mirror ${step} failed: ${message}`)
    this.#log.error({ err: error, step }, 'mirror runner failed')
  }

  #pushTransitionError(code: string, message: string): void {
    this.#transitionErrors = [...this.#transitionErrors, { error_code: code, error_message: message }].slice(-MAX_TRANSITION_ERRORS)
  }

  async #persist(change: Partial<MirrorState>): Promise<void> {
    // Strictly newer than the record it replaces, whatever the clocks of the replicas that wrote them (mirror-follower.ts).
    const next: MirrorState = { ...this.#state, ...change, statusChangedAtMs: Math.max(this.#now(), this.#state.statusChangedAtMs + 1) }
    await this.#options.persist(next)
    this.#state = next
  }

  /** Each action answers why it was refused (nothing changed), or undefined once stored; see the state machine's table. */
  pause(): Promise<string | undefined> { return this.dispatch({ type: 'pause' }) }

  resume(): Promise<string | undefined> { return this.dispatch({ type: 'resume' }) }

  /** Stops now, whatever the lag (also from FAILED or SOURCE_UNAVAILABLE); the topic becomes writable. */
  failover(): Promise<string | undefined> { return this.dispatch({ type: 'failover' }) }

  /** Records the promote (so a restart resumes it) and waits for lag zero in the background, bounded by promoteTimeoutMs. */
  promote(): Promise<string | undefined> { return this.dispatch({ type: 'promote' }) }

  /** True once STOPPED here (elsewhere than on the owner: once the owner confirmed it stopped); false after `timeoutMs`. */
  whenStopped(timeoutMs: number): Promise<boolean> { return waitUntil(() => this.#machine.phase === 'STOPPED', timeoutMs) }

  /** The whole link paused or resumed (cluster.link.paused); the stored state is untouched. */
  setLinkPaused(paused: boolean): void { void this.dispatch({ type: paused ? 'link-paused' : 'link-resumed' }) }

  /** Restarts the runner with fresh connections (link credentials or bootstrap changed). */
  async reconnect(): Promise<void> {
    if (!this.#runner) return
    const old = this.#runner
    this.#runner = undefined
    await this.#stopAfterStart(old).catch((error: unknown) => this.#recordRunnerError('stop', error))
    if (!this.#machine.linkPaused && (this.#machine.phase === 'ACTIVE' || this.#machine.phase === 'PENDING_PROMOTE')) this.#ensureRunning()
  }

  /** Stops the runner, then allows writes (through runner-stopped): nothing the engine does later overwrites a producer's record. */
  async #stopRunner(): Promise<void> {
    try {
      if (this.#runner) await this.#stopAfterStart(this.#runner)
    } catch (error) {
      this.#recordRunnerError('stop', error)
    }
    await this.dispatch({ type: 'runner-stopped' })
  }

  /** Adds write denials on the mirror side (called on activation and by the link's topic config sync job). */
  async protectWrites(): Promise<void> {
    if (this.#state.desiredStatus === 'STOPPED') return
    await this.#protect('mirror')
  }

  /** Removes the write denials of the mirror side, retrying a few times; a failure is reported as a state transition error. */
  releaseWrites(): Promise<void> { return this.#release('mirror') }

  async #release(side: 'mirror' | 'other'): Promise<void> {
    const { guard, topic } = writeSide(this.#options, this.#state, this.#machine.direction, side)
    try {
      await retry(() => guard.release(topic), { attempts: 3, baseMs: 200, capMs: 400, shouldRetry: () => true })
    } catch (error) {
      const reason = error instanceof Error ? error.message : String(error)
      this.#pushTransitionError('AUTHORIZATION_ERROR', `could not remove the write denials of topic '${topic}' (${reason}); remove DENY WRITE ACLs on it by hand`)
      this.#log.error({ err: error }, 'write denials not removed')
    }
  }

  async #promoteInBackground(): Promise<void> {
    if (this.#watchingLag) return
    this.#watchingLag = true
    try {
      if (!this.#machine.linkPaused) this.#ensureRunning()
      await watchPromote({
        timeoutMs: this.#options.promoteTimeoutMs, now: this.#now, lag: () => totalLag(this.#runner?.status()),
        promoting: () => this.#machine.phase === 'PENDING_PROMOTE' && this.#owned, dispatch: (event) => this.dispatch(event),
      })
    } catch (error) {
      this.#pushTransitionError('INTERNAL_ERROR', `promote failed: ${error instanceof Error ? error.message : String(error)}`)
      this.#log.error({ err: error }, 'promote failed')
    } finally {
      this.#watchingLag = false
    }
  }

  /** Sum of partition lags, or -1 while no copier has reported (lag unknown is never zero). */
  runnerStatus(): MirrorTopicStatus | undefined { return this.#runner?.status() }

  get isOwned(): boolean { return this.#owned }

  /**
   * Gains or loses the mirror topic (work shared between replicas). Losing it stops the runner (in-flight produce
   * requests finish) and resolves only then: the caller lets another replica start only after that.
   */
  async setOwned(owned: boolean): Promise<void> {
    if (owned === this.#owned) return
    this.#owned = owned
    this.#appliedAtMs = undefined
    if (owned) {
      this.#runnerError = undefined
      this.activate(this.#machine.linkPaused)
      return
    }
    const runner = this.#runner
    this.#runner = undefined
    this.#runnerError = undefined
    if (runner) await this.#stopAfterStart(runner).catch((error: unknown) => this.#log.warn({ err: error }, 'runner stop failed on hand-over'))
  }

  /** Applies the mirror record as another replica wrote it, as the same event (nothing is stored again). */
  applyRemoteState(next: MirrorState): void {
    const before = this.#state
    if (JSON.stringify(before) === JSON.stringify(next)) return
    this.#state = next
    const target = machineOfRecord(next, this.#machine.linkPaused)
    if (!this.#owned) {
      // A non-owner serves what is stored, a stop only once the owner confirmed it (mirror-follower.ts).
      this.#machine = followerTarget(target, this.#machine, this.#remoteStatus, next)
      return
    }
    if (target.direction !== this.#machine.direction) {
      // A non-owner serves what is stored; a flipped direction (a failback another replica finished) restarts from it.
      const runner = this.#owned ? this.#runner : undefined
      this.#runner = undefined
      this.#machine = target
      if (runner) void this.#stopAfterStart(runner).finally(() => this.activate(target.linkPaused))
      else if (this.#owned) this.activate(target.linkPaused)
      return
    }
    const event = eventBetween(this.#machine.phase, target.phase, next.statusChangedAtMs !== before.statusChangedAtMs)
    if (!event) return this.#markApplied()
    void this.dispatch({ type: event }, { stored: true }).then((refused) => {
      if (refused !== undefined) this.#machine = { ...target, linkPaused: this.#machine.linkPaused }
      this.#markApplied()
    }).catch((error: unknown) => this.#log.error({ err: error }, 'applying a stored mirror change failed'))
  }

  /** The owner's last published status (used while this replica does not own the mirror). */
  setRemoteStatus(status: MirrorStatusRecord | null): void {
    this.#remoteStatus = status ?? undefined
    if (status && status.numPartitions > this.#knownPartitions) this.#knownPartitions = status.numPartitions
    if (!this.#owned) this.#machine = followerMachine(this.#machine, this.#remoteStatus, this.#state)
  }

  /** Promote waiting for lag zero, or a stop not yet finished. */
  get #isStopping(): boolean { return this.#machine.phase === 'PENDING_PROMOTE' || this.#machine.phase === 'PENDING_STOPPED' }

  /** What the owner publishes for the other replicas. */
  statusRecord(owner: string): MirrorStatusRecord {
    return publishedStatus({
      state: this.#state, owner, runner: this.#runner, runnerError: this.#runnerError, ranBefore: this.#ranBefore,
      isStopping: this.#isStopping, sinceMs: this.#statusSinceMs, stoppedPartitions: this.#stoppedPartitions(),
      knownPartitions: this.#knownPartitions, transitionErrors: this.#transitionErrors, appliedAtMs: this.#appliedAtMs, now: this.#now(),
    })
  }

  view(linkState: LinkStateName): MirrorView {
    const v = viewSources({
      owned: this.#owned, runner: this.#runner, runnerError: this.#runnerError, remote: this.#remoteStatus, ranBefore: this.#ranBefore,
      isStopping: this.#isStopping, pendingPromote: this.#state.pendingPromote, transitionErrors: this.#transitionErrors,
      stoppedPartitions: this.#stoppedPartitions(),
    })
    const phase = this.#machine.phase
    const failback = isFailbackPhase(phase) ? { failbackPhase: phase } : {}
    const desiredStatus = this.#owned ? this.#state.desiredStatus : shownDesiredStatus(this.#state, this.#remoteStatus)
    const status = toMirrorStatus({ ...v, isStopping: v.isStopping || this.#isStopping, linkState, desiredStatus, ...failback })
    if (status !== this.#lastStatus) {
      if (this.#lastStatus !== undefined) this.#statusSinceMs = Math.max(this.#now(), v.since ?? 0)
      this.#lastStatus = status
    }
    const shown = { status, sinceMs: this.#statusSinceMs, knownPartitions: this.#knownPartitions, direction: this.#machine.direction }
    return mirrorViewOf(this.#state, v, shown)
  }

  /** The runner has been ACTIVE at least once, here or at the owner (see visibleRunState). */
  get #ranBefore(): boolean {
    return this.#hasRun || ['ACTIVE', 'PAUSED', 'SOURCE_UNAVAILABLE'].includes(this.#remoteStatus?.runState ?? '')
  }

  /** A STOPPED mirror without a runner (after an engine restart) keeps the lags its owner last published. */
  #stoppedPartitions(): readonly MirrorPartitionStatus[] {
    return this.isStopped ? this.#remoteStatus?.partitions ?? [] : []
  }

  setKnownPartitions(count: number): void { if (count > this.#knownPartitions) this.#knownPartitions = count }

  /** Stops the runner without touching the stored state (engine shutdown or link deletion). */
  async close(): Promise<void> {
    this.#closed = true
    if (this.#machine.phase === 'PENDING_PROMOTE') this.#machine = { ...this.#machine, phase: this.#machine.resumeTo }
    const runner = this.#runner
    this.#runner = undefined
    if (runner) await this.#stopAfterStart(runner).catch((error: unknown) => this.#log.warn({ err: error }, 'runner stop failed on close'))
  }
}
