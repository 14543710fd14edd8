// Runs one mirror topic: creates or adopts the mirror topic, one copier per partition, source topic watch, and the run state.
import type { Logger } from '../logging/index.ts'
import { EngineError, isEngineError } from '../errors.ts'
import { KafkaClusterClient, checkTopicIdentity, createPartitions, identityOf, type SourceTopicIdentity } from '../kafka/index.ts'
import type {
  MirrorPartitionStatus, MirrorRunState, MirrorTopicRunner, MirrorTopicRunnerOptions, MirrorTopicStatus,
} from './contract.ts'
import { MirrorPartitionCopier } from './mirror-partition-copier.ts'
import { DEFAULT_COALESCE_BELOW_BYTES, DEFAULT_COALESCE_MAX_RECORDS } from './batch-plan.ts'
import { DEFAULT_EMPTY_TXN_FILL_MAX } from './offset-filler.ts'
import { ByteBudget } from './byte-budget.ts'
import type { MirrorDataPathLimits } from './mirror-data-path-limits.ts'
import { prepareMirrorTopic, waitForTopicLeaders } from './mirror-topic-setup.ts'
import { PeriodicJob } from '../periodic-job.ts'
import { backoffMs } from '../retry.ts'

export type { MirrorDataPathLimits } from './mirror-data-path-limits.ts'

export interface MirrorTopicRunnerInternalOptions extends MirrorTopicRunnerOptions {
  readonly limits?: MirrorDataPathLimits
}

export class DefaultMirrorTopicRunner implements MirrorTopicRunner {
  readonly #o: MirrorTopicRunnerInternalOptions
  readonly #log: Logger
  readonly #source: KafkaClusterClient
  readonly #destination: KafkaClusterClient
  /** Closes or releases the two clients (released to limits.clients when shared). */
  readonly #closeClients: () => Promise<unknown>
  readonly #budget: ByteBudget
  readonly #copiers = new Map<number, MirrorPartitionCopier>()
  readonly #listeners: Array<(s: MirrorTopicStatus) => void> = []
  readonly #unhealthy = new Map<number, EngineError>()
  #state: MirrorRunState = 'PENDING_MIRROR'
  #stateTimeMs = Date.now()
  #error: MirrorTopicStatus['error']
  #sourceTopicId = ''
  /** The source topic's identity (topic id, or leader epochs on brokers without ids): a recreated topic is never mixed in. */
  #sourceIdentity: SourceTopicIdentity | null = null
  #mirrorTopicId = ''
  /** Named job "source-topic-watch" (started while ACTIVE): see #watch. */
  readonly #watchJob: PeriodicJob
  /** What pause/resume/stop asked for last (the last call wins); the driver loop brings the copiers there. */
  #desired: 'ACTIVE' | 'PAUSED' | 'STOPPED' = 'ACTIVE'
  /** The driver loop, from start() until STOPPED or FAILED. */
  #driver: Promise<void> | null = null
  /** Settles start(): once ACTIVE, PAUSED or retrying in the background; rejects when the start fails for good. */
  #startSettled: { promise: Promise<void>; resolve: () => void; reject: (e: EngineError) => void } | null = null
  #prepared = false
  #copiersRunning = false
  #wake: (() => void) | null = null
  /** Calls waiting until the driver loop has brought the mirror to the desired state. */
  #waiters: Array<{ resolve: () => void; reject: (e: EngineError) => void }> = []
  #closed = false
  #failure: EngineError | null = null

  constructor(options: MirrorTopicRunnerInternalOptions) {
    this.#o = options
    this.#log = options.logger.child({ component: 'mirror-topic-runner', link: options.spec.linkName, topic: options.spec.mirrorTopic })
    const pool = options.limits?.clients
    if (pool) {
      const source = pool.acquire(options.source, 'source')
      const destination = pool.acquire(options.destination, 'destination')
      this.#source = source.client
      this.#destination = destination.client
      this.#closeClients = () => Promise.allSettled([source.release(), destination.release()])
    } else {
      this.#source = new KafkaClusterClient(options.source, { side: 'source' })
      this.#destination = new KafkaClusterClient(options.destination, { side: 'destination' })
      this.#closeClients = () => Promise.allSettled([this.#source.close(), this.#destination.close()])
    }
    this.#budget = options.limits?.sharedBudget ?? new ByteBudget(options.limits?.totalInFlightBytes ?? 64 << 20)
    const jobs = options.observer?.jobs
    this.#watchJob = new PeriodicJob({
      name: 'source-topic-watch', intervalMs: options.limits?.metadataIntervalMs ?? 5_000, logger: this.#log, run: () => this.#watch(),
      onError: (error) => this.#watchFailed(error),
      ...(jobs ? { metrics: jobs, labels: { link: options.spec.linkName, topic: options.spec.mirrorTopic } } : {}),
    })
  }

  status(): MirrorTopicStatus {
    const partitions: MirrorPartitionStatus[] = [...this.#copiers.values()].map((c) => c.status()).sort((a, b) => a.partition - b.partition)
    return { state: this.#state, stateTimeMs: this.#stateTimeMs, partitions, ...(this.#error ? { error: this.#error } : {}) }
  }

  onStateChange(listener: (status: MirrorTopicStatus) => void): void {
    this.#listeners.push(listener)
  }

  /** Counters per partition (records, bytes, rebuilt batches, filler and skipped offsets) for metrics/. */
  counters(): Record<number, ReturnType<MirrorPartitionCopier['counters']>> {
    return Object.fromEntries([...this.#copiers].map(([p, c]) => [p, c.counters()]))
  }

  #setState(state: MirrorRunState, error?: EngineError): void {
    if (this.#state === state && !error) return
    if (this.#state === 'FAILED' || (this.#state === 'STOPPED' && state !== 'STOPPED')) return
    const changed = this.#state !== state
    this.#state = state
    if (changed) this.#stateTimeMs = Date.now()
    // An error may carry its own mirror_topic_error name (e.g. DUPLICATE_FILLER_MARKER) under the engine code.
    const named = typeof error?.context.mirrorTopicError === 'string' ? error.context.mirrorTopicError : undefined
    this.#error = error ? {
      code: named ?? error.code, message: error.message,
      ...(typeof error.context.partition === 'number' ? { partition: error.context.partition } : {}),
      ...(error.context.offset !== undefined ? { offset: Number(error.context.offset) } : {}),
    } : undefined
    if (state === 'FAILED') this.#log.error({ err: error }, 'mirror topic failed')
    else if (changed) this.#log.info({ state }, 'mirror topic state changed')
    const status = this.status()
    for (const l of this.#listeners) {
      try { l(status) } catch (e) { this.#log.error({ err: e }, 'state listener threw') }
    }
  }

  /**
   * Starts the driver loop. Resolves once the copiers run (ACTIVE), once a pause asked for meanwhile holds them
   * (PAUSED), or once a retriable problem (an unreachable source or destination) sent the start into background
   * retries (SOURCE_UNAVAILABLE or PENDING_MIRROR); rejects when the start failed for good (FAILED).
   */
  start(): Promise<void> {
    if (!this.#startSettled) {
      let resolve!: () => void
      let reject!: (e: EngineError) => void
      const promise = new Promise<void>((res, rej) => { resolve = res; reject = rej })
      this.#startSettled = { promise, resolve, reject }
      this.#driver = this.#drive()
    }
    return this.#startSettled.promise
  }

  /**
   * Invariant: exactly one loop changes the copiers (create, open, launch, stop), so pause/resume/stop calls in any
   * order and any state end in the state of the last call. Retriable start problems are retried with capped backoff
   * until they clear or a stop arrives; only non-retriable ones end in FAILED.
   */
  async #drive(): Promise<void> {
    let failures = 0
    for (;;) {
      if (this.#state === 'FAILED' || this.#state === 'STOPPED') break
      const desired = this.#desired
      if (desired === 'STOPPED') break
      try {
        if (desired === 'PAUSED') {
          await this.#pauseCopiers()
        } else {
          if (!this.#prepared) await this.#prepare()
          if (this.#desired === 'ACTIVE' && !this.#copiersRunning) await this.#runCopiers()
        }
        failures = 0
      } catch (error) {
        const e = isEngineError(error) ? error : new EngineError('INTERNAL', String(error), { cause: error })
        if (this.#desired === 'STOPPED' || this.#closed) break
        if (!e.retriable) {
          await this.#fail(e)
          break
        }
        this.#waitingForRetry(e, failures)
        await this.#sleepOrWake(backoffMs(failures++, 200, 10_000))
        continue
      }
      if (this.#desired !== desired) continue
      this.#settle()
      await this.#sleepOrWake(null)
    }
    this.#settle()
  }

  /** A retriable start problem: SOURCE_UNAVAILABLE when the source did not answer, else still PENDING_MIRROR; start() resolves. */
  #waitingForRetry(e: EngineError, attempt: number): void {
    const fromSource = e.code === 'SOURCE_UNAVAILABLE' || e.context.side === 'source'
    if (fromSource) this.#setState('SOURCE_UNAVAILABLE', new EngineError('SOURCE_UNAVAILABLE', e.message, { retriable: true, context: e.context }))
    else this.#setState('PENDING_MIRROR', e)
    if (attempt === 0) this.#log.warn({ err: e }, 'mirror topic start failed (retrying)')
    else this.#log.debug({ err: e, attempt }, 'mirror topic start retried')
    this.#settle()
  }

  /** Waits `ms` (forever when null) or until pause/resume/stop or a failure wakes the driver loop. */
  async #sleepOrWake(ms: number | null): Promise<void> {
    let timer: NodeJS.Timeout | undefined
    await new Promise<void>((resolve) => {
      this.#wake = resolve
      if (ms !== null) timer = setTimeout(resolve, ms)
    })
    clearTimeout(timer)
    this.#wake = null
  }

  /** Resolves every call waiting for the driver loop, and start() once it has settled in a steady state. */
  #settle(): void {
    for (const w of this.#waiters.splice(0)) w.resolve()
    // A start that already resolved (ACTIVE, PAUSED, retrying) ignores this: a later failure is reported by status().
    if (this.#state === 'FAILED' && this.#failure) this.#startSettled?.reject(this.#failure)
    else this.#startSettled?.resolve()
  }

  #request(desired: 'ACTIVE' | 'PAUSED' | 'STOPPED'): Promise<void> {
    this.#desired = desired
    const done = new Promise<void>((resolve, reject) => this.#waiters.push({ resolve, reject }))
    this.#wake?.()
    return done
  }

  /** Creates or adopts the mirror topic and one copier per source partition. */
  async #prepare(): Promise<void> {
    const { sourcePartitions } = await this.#prepareTopics()
    for (let p = this.#copiers.size; p < sourcePartitions; p++) this.#copiers.set(p, this.#newCopier(p))
    this.#prepared = true
  }

  /** Opens every copier (takes the mirror partitions over, at their log end offsets) and launches them: ACTIVE. */
  async #runCopiers(): Promise<void> {
    await this.#verifySourceTopic()
    await Promise.all([...this.#copiers.values()].map((c) => c.open()))
    if (this.#desired !== 'ACTIVE') return
    for (const c of this.#copiers.values()) this.#launch(c)
    this.#copiersRunning = true
    this.#unhealthy.clear()
    this.#setState('ACTIVE')
    this.#watchJob.start()
  }

  async #pauseCopiers(): Promise<void> {
    this.#stopWatch()
    if (this.#copiersRunning) await Promise.all([...this.#copiers.values()].map((c) => c.stop()))
    this.#copiersRunning = false
    this.#unhealthy.clear()
    this.#setState('PAUSED')
  }

  async #prepareTopics(): Promise<{ sourcePartitions: number }> {
    const { sourcePartitions, mirrorTopicId } = await prepareMirrorTopic({
      source: this.#source, destination: this.#destination, spec: this.#o.spec, log: this.#log,
      rememberSource: (topicId, identity) => {
        this.#sourceTopicId = topicId
        this.#sourceIdentity ??= identity
      },
    })
    this.#mirrorTopicId = mirrorTopicId
    return { sourcePartitions }
  }

  #newCopier(partition: number): MirrorPartitionCopier {
    const l = this.#o.limits ?? {}
    return new MirrorPartitionCopier({
      source: this.#source, destination: this.#destination,
      sourceTopic: this.#o.spec.sourceTopic, sourceTopicId: this.#sourceTopicId,
      mirrorTopic: this.#o.spec.mirrorTopic, mirrorTopicId: this.#mirrorTopicId, partition,
      startOffsetSpec: this.#o.spec.startOffsetSpec,
      fetchMaxBytes: l.fetchMaxBytes ?? 4 << 20, fetchMaxWaitMs: l.fetchMaxWaitMs ?? 500,
      fillerChunkRecords: l.fillerChunkRecords ?? 500_000, emptyTxnFillMax: l.emptyTxnFillMax ?? DEFAULT_EMPTY_TXN_FILL_MAX,
      coalesceBelowBytes: this.#o.spec.coalesceBelowBytes ?? l.coalesceBelowBytes ?? DEFAULT_COALESCE_BELOW_BYTES,
      coalesceMaxRecords: l.coalesceMaxRecords ?? DEFAULT_COALESCE_MAX_RECORDS,
      ...(this.#o.spec.verifiedLogEndOffsets?.[partition] !== undefined
        ? { verifiedLogEndOffset: this.#o.spec.verifiedLogEndOffsets[partition] }
        : {}),
      idleCheckIntervalMs: l.idleCheckIntervalMs ?? 1_000, budget: this.#budget, logger: this.#log,
      verifySourceTopic: () => this.#verifySourceTopic(),
      ...(this.#o.observer ? { observer: this.#o.observer } : {}),
      onSourceHealth: (p, healthy, error) => this.#onSourceHealth(p, healthy, error),
    })
  }

  #launch(copier: MirrorPartitionCopier): void {
    copier.start().catch((error: unknown) => {
      const e = isEngineError(error) ? error : new EngineError('INTERNAL', String(error), { cause: error })
      void this.#fail(e)
    })
  }

  #onSourceHealth(partition: number, healthy: boolean, error?: EngineError): void {
    if (healthy) this.#unhealthy.delete(partition)
    else if (error) this.#unhealthy.set(partition, error)
    this.#refreshAvailability()
  }

  #refreshAvailability(): void {
    if (this.#state !== 'ACTIVE' && this.#state !== 'SOURCE_UNAVAILABLE') return
    const first = [...this.#unhealthy.values()][0]
    if (first) this.#setState('SOURCE_UNAVAILABLE', new EngineError('SOURCE_UNAVAILABLE', first.message, { retriable: true, context: first.context }))
    else this.#setState('ACTIVE')
  }

  /** Throws when the source topic is gone or was recreated (a new topic id): the mirror must never mix two topics' data. */
  async #verifySourceTopic(): Promise<void> {
    const t = await this.#source.describeTopic(this.#o.spec.sourceTopic)
    if (!t) {
      throw new EngineError('SOURCE_TOPIC_MAY_BE_DELETED', `source topic '${this.#o.spec.sourceTopic}' no longer exists`, { context: { topic: this.#o.spec.sourceTopic } })
    }
    const check = checkTopicIdentity(
      this.#o.spec.sourceTopic, this.#sourceIdentity ?? identityOf({ ...t, topicId: this.#sourceTopicId }), t,
    )
    if (check.error) throw check.error
    this.#sourceIdentity = check.identity
  }

  /**
   * Named job "source-topic-watch" (clusterlink_job_runs_total, _errors_total): the source's topic id and partition count. The one
   * owner of partition growth: the runner grows its mirror topic (here and in prepare) and adds a copier per new partition.
   */
  async #watch(): Promise<void> {
    if (this.#state !== 'ACTIVE' && this.#state !== 'SOURCE_UNAVAILABLE') return
    await this.#verifySourceTopic()
    this.#unhealthy.delete(-1)
    const t = await this.#source.describeTopic(this.#o.spec.sourceTopic)
    const count = t?.partitions.length ?? 0
    if (count > this.#copiers.size) {
      this.#log.info({ from: this.#copiers.size, to: count }, 'source partitions added (expanding the mirror topic)')
      await createPartitions(this.#destination, this.#o.spec.mirrorTopic, count)
      await waitForTopicLeaders(this.#destination, this.#o.spec.mirrorTopic, count)
      for (let p = this.#copiers.size; p < count; p++) {
        const c = this.#newCopier(p)
        await c.open()
        this.#copiers.set(p, c)
        if ((this.#state as MirrorRunState) === 'ACTIVE' || (this.#state as MirrorRunState) === 'SOURCE_UNAVAILABLE') this.#launch(c)
      }
    }
    this.#refreshAvailability()
  }

  /** A failed watch run: a retriable problem shows as SOURCE_UNAVAILABLE until a run succeeds; any other fails the mirror. */
  async #watchFailed(error: unknown): Promise<void> {
    const e = isEngineError(error) ? error : new EngineError('INTERNAL', String(error), { cause: error })
    if (!e.retriable) return this.#fail(e)
    this.#unhealthy.set(-1, e)
    this.#refreshAvailability()
  }

  async #fail(error: EngineError): Promise<void> {
    if (this.#state === 'FAILED' || this.#state === 'STOPPED') return
    this.#failure = error
    this.#setState('FAILED', error)
    this.#stopWatch()
    this.#wake?.()
    await Promise.all([...this.#copiers.values()].map((c) => c.stop()))
    this.#copiersRunning = false
  }

  /** Stops the schedule; a watch run that is going ends on its own (it only acts while ACTIVE or SOURCE_UNAVAILABLE). */
  #stopWatch(): void {
    void this.#watchJob.stop()
  }

  #terminalError(action: string): EngineError | null {
    if (this.#state !== 'FAILED' && this.#state !== 'STOPPED') return null
    return new EngineError('INVALID_STATE', `cannot ${action} a mirror in state ${this.#state}${this.#error ? ` (${this.#error.message})` : ''}`)
  }

  /**
   * Valid in every state but FAILED and STOPPED, idempotent, and ordered with resume/stop (the last call wins).
   * Before start() or while it prepares, the copiers are created but never launched; resolves once PAUSED (or once a
   * later call took over).
   */
  async pause(): Promise<void> {
    const terminal = this.#terminalError('pause')
    if (terminal) throw terminal
    if (!this.#driver) {
      this.#desired = 'PAUSED'
      this.#setState('PAUSED')
      return
    }
    await this.#request('PAUSED')
  }

  /** Valid in every state but FAILED and STOPPED, idempotent; resolves once ACTIVE, retrying in the background, or superseded. */
  async resume(): Promise<void> {
    const terminal = this.#terminalError('resume')
    if (terminal) throw terminal
    if (!this.#driver) {
      this.#desired = 'ACTIVE'
      if (this.#state === 'PAUSED') this.#setState('PENDING_MIRROR')
      return
    }
    if (this.#state === 'PAUSED') this.#setState('PENDING_MIRROR')
    await this.#request('ACTIVE')
    if ((this.#state as MirrorRunState) === 'FAILED') throw new EngineError('INVALID_STATE', `mirror failed while resuming (${this.#error?.message ?? 'unknown error'})`)
  }

  /** Valid in every state and idempotent: stops start retries and copiers (in-flight produce requests finish first), then STOPPED. */
  async stop(): Promise<void> {
    this.#desired = 'STOPPED'
    this.#wake?.()
    await this.#driver
    this.#stopWatch()
    await Promise.all([...this.#copiers.values()].map((c) => c.stop()))
    this.#copiersRunning = false
    if (this.#state !== 'FAILED') this.#setState('STOPPED')
    this.#settle()
    if (!this.#closed) {
      this.#closed = true
      await this.#closeClients()
    }
  }
}
