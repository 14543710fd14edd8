// Runs one mirror topic: creates or adopts the mirror topic, one copier per partition, source topic watch, and the run state.
import type { Logger } from '../logging/index.ts'
import { EngineError, isEngineError } from '../errors.ts'
import { KafkaClusterClient, createPartitions, createTopic, describeTopicConfigs } from '../kafka/index.ts'
import type {
  MirrorPartitionStatus, MirrorRunState, MirrorTopicRunner, MirrorTopicRunnerOptions, MirrorTopicStatus,
} from './contract.ts'
import { MirrorPartitionCopier } from './mirror-partition-copier.ts'
import { ByteBudget } from './byte-budget.ts'
import { mirrorTopicConfigs, checkAdoptableConfigs } from './mirror-topic-configs.ts'

/** Data-path limits; defaults suit a small engine. Additive to the contract's options. */
export interface MirrorDataPathLimits {
  /** Max bytes of one partition fetch (also the per-partition in-flight bound); default 4 MiB. */
  readonly fetchMaxBytes?: number
  /** Max fetch bytes in flight across all partitions of this runner; default 64 MiB. Ignored when sharedBudget is given. */
  readonly totalInFlightBytes?: number
  /** One budget shared by every runner of an engine (engine-wide bound on fetched bytes held in memory). */
  readonly sharedBudget?: ByteBudget
  readonly fetchMaxWaitMs?: number
  /** How often the source topic's id and partition count are checked; default 5 s. */
  readonly metadataIntervalMs?: number
  readonly idleCheckIntervalMs?: number
  readonly fillerChunkRecords?: number
  readonly emptyTxnFillMax?: number
  /**
   * Opt-in: source batches of at most this many bytes are merged into one destination batch (records and offsets
   * identical, bytes rebuilt). Helps sources written with linger.ms=0. Default 0 (off: byte-for-byte forwarding).
   */
  readonly coalesceBelowBytes?: number
}

export interface MirrorTopicRunnerInternalOptions extends MirrorTopicRunnerOptions {
  readonly limits?: MirrorDataPathLimits
}

export class DefaultMirrorTopicRunner implements MirrorTopicRunner {
  readonly #o: MirrorTopicRunnerInternalOptions
  readonly #log: Logger
  readonly #source: KafkaClusterClient
  readonly #destination: KafkaClusterClient
  readonly #budget: ByteBudget
  readonly #copiers = new Map<number, MirrorPartitionCopier>()
  readonly #listeners: Array<(s: MirrorTopicStatus) => void> = []
  readonly #unhealthy = new Map<number, EngineError>()
  #state: MirrorRunState = 'PENDING_MIRROR'
  #stateTimeMs = Date.now()
  #error: MirrorTopicStatus['error']
  #sourceTopicId = ''
  #mirrorTopicId = ''
  #watchTimer: NodeJS.Timeout | null = null
  #watching = false
  #starting: Promise<void> | null = null
  #stopRequested = false

  constructor(options: MirrorTopicRunnerInternalOptions) {
    this.#o = options
    this.#log = options.logger.child({ component: 'mirror-topic-runner', link: options.spec.linkName, topic: options.spec.mirrorTopic })
    this.#source = new KafkaClusterClient(options.source, { side: 'source' })
    this.#destination = new KafkaClusterClient(options.destination, { side: 'destination' })
    this.#budget = options.limits?.sharedBudget ?? new ByteBudget(options.limits?.totalInFlightBytes ?? 64 << 20)
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
    this.#state = state
    this.#stateTimeMs = Date.now()
    this.#error = error ? {
      code: error.code, message: error.message,
      ...(typeof error.context.partition === 'number' ? { partition: error.context.partition } : {}),
      ...(error.context.offset !== undefined ? { offset: Number(error.context.offset) } : {}),
    } : undefined
    if (state === 'FAILED') this.#log.error({ err: error }, 'mirror topic failed')
    else this.#log.info({ state }, 'mirror topic state changed')
    const status = this.status()
    for (const l of this.#listeners) {
      try { l(status) } catch (e) { this.#log.error({ err: e }, 'state listener threw') }
    }
  }

  start(): Promise<void> {
    this.#starting ??= this.#start()
    return this.#starting
  }

  async #start(): Promise<void> {
    try {
      const { sourcePartitions } = await this.#prepareTopics()
      for (let p = 0; p < sourcePartitions; p++) this.#copiers.set(p, this.#newCopier(p))
      await Promise.all([...this.#copiers.values()].map((c) => c.open()))
      if (this.#stopRequested) return
      for (const c of this.#copiers.values()) this.#launch(c)
      this.#setState('ACTIVE')
      this.#startWatch()
    } catch (error) {
      const e = isEngineError(error) ? error : new EngineError('INTERNAL', String(error), { cause: error })
      if (this.#stopRequested) return
      await this.#fail(e)
      throw e
    }
  }

  async #prepareTopics(): Promise<{ sourcePartitions: number }> {
    const spec = this.#o.spec
    const source = await this.#source.describeTopic(spec.sourceTopic)
    if (!source) throw new EngineError('NOT_FOUND', `source topic '${spec.sourceTopic}' does not exist`, { context: { topic: spec.sourceTopic } })
    this.#sourceTopicId = source.topicId
    const sourceConfigs = await describeTopicConfigs(this.#source, spec.sourceTopic)
    let mirror = await this.#destination.describeTopic(spec.mirrorTopic)
    if (!mirror) {
      this.#mirrorTopicId = await createTopic(this.#destination, {
        name: spec.mirrorTopic, partitions: source.partitions.length, replicationFactor: spec.replicationFactor ?? -1,
        configs: mirrorTopicConfigs(sourceConfigs, spec.configs ?? {}),
      })
      this.#log.info({ partitions: source.partitions.length }, 'mirror topic created')
      mirror = await this.#waitForTopic(spec.mirrorTopic, source.partitions.length)
    } else {
      // Adopting an existing topic: its configs must keep batches as sent; each partition's last batch must carry this
      // mirror's producer identity (checked by PartitionWriter.open): that is how a foreign topic is told apart.
      checkAdoptableConfigs(spec.mirrorTopic, await describeTopicConfigs(this.#destination, spec.mirrorTopic))
      if (mirror.partitions.length > source.partitions.length) {
        throw new EngineError('ALREADY_EXISTS', `topic '${spec.mirrorTopic}' exists with ${mirror.partitions.length} partitions, more than the source's ${source.partitions.length}: not a mirror of '${spec.sourceTopic}'`)
      }
      this.#mirrorTopicId = mirror.topicId
      if (mirror.partitions.length < source.partitions.length) {
        await createPartitions(this.#destination, spec.mirrorTopic, source.partitions.length)
        mirror = await this.#waitForTopic(spec.mirrorTopic, source.partitions.length)
      }
    }
    return { sourcePartitions: source.partitions.length }
  }

  async #waitForTopic(topic: string, partitions: number) {
    for (let i = 0; i < 300; i++) {
      const t = await this.#destination.describeTopic(topic)
      if (t && t.partitions.length >= partitions && t.partitions.every((p) => p.leaderId >= 0)) return t
      await new Promise((r) => setTimeout(r, 100))
    }
    throw new EngineError('DESTINATION_UNAVAILABLE', `mirror topic '${topic}' has no leaders yet`, { retriable: true })
  }

  #newCopier(partition: number): MirrorPartitionCopier {
    const l = this.#o.limits ?? {}
    return new MirrorPartitionCopier({
      source: this.#source, destination: this.#destination,
      sourceTopic: this.#o.spec.sourceTopic, sourceTopicId: this.#sourceTopicId,
      mirrorTopic: this.#o.spec.mirrorTopic, mirrorTopicId: this.#mirrorTopicId, partition,
      startOffsetSpec: this.#o.spec.startOffsetSpec,
      fetchMaxBytes: l.fetchMaxBytes ?? 4 << 20, fetchMaxWaitMs: l.fetchMaxWaitMs ?? 500,
      fillerChunkRecords: l.fillerChunkRecords ?? 500_000, emptyTxnFillMax: l.emptyTxnFillMax ?? 8,
      coalesceBelowBytes: l.coalesceBelowBytes ?? 0,
      idleCheckIntervalMs: l.idleCheckIntervalMs ?? 1_000, budget: this.#budget, logger: this.#log,
      verifySourceTopic: () => this.#verifySourceTopic(),
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
    if (t.topicId !== this.#sourceTopicId) {
      throw new EngineError('SOURCE_TOPIC_ID_CHANGED', `source topic '${this.#o.spec.sourceTopic}' was recreated (topic id ${this.#sourceTopicId} is now ${t.topicId})`, { context: { topic: this.#o.spec.sourceTopic } })
    }
  }

  #startWatch(): void {
    const interval = this.#o.limits?.metadataIntervalMs ?? 5_000
    this.#watchTimer = setInterval(() => { void this.#watch() }, interval)
    this.#watchTimer.unref()
  }

  /** Named job "source-topic-watch": topic id and partition count of the source. */
  async #watch(): Promise<void> {
    if (this.#watching || (this.#state !== 'ACTIVE' && this.#state !== 'SOURCE_UNAVAILABLE')) return
    this.#watching = true
    try {
      await this.#verifySourceTopic()
      this.#unhealthy.delete(-1)
      const t = await this.#source.describeTopic(this.#o.spec.sourceTopic)
      const count = t?.partitions.length ?? 0
      if (count > this.#copiers.size) {
        this.#log.info({ from: this.#copiers.size, to: count }, 'source partitions added (expanding the mirror topic)')
        await createPartitions(this.#destination, this.#o.spec.mirrorTopic, count)
        await this.#waitForTopic(this.#o.spec.mirrorTopic, count)
        for (let p = this.#copiers.size; p < count; p++) {
          const c = this.#newCopier(p)
          await c.open()
          this.#copiers.set(p, c)
          if ((this.#state as MirrorRunState) === 'ACTIVE' || (this.#state as MirrorRunState) === 'SOURCE_UNAVAILABLE') this.#launch(c)
        }
      }
      this.#refreshAvailability()
    } catch (error) {
      const e = isEngineError(error) ? error : new EngineError('INTERNAL', String(error), { cause: error })
      if (e.retriable) {
        this.#unhealthy.set(-1, e)
        this.#refreshAvailability()
      } else {
        await this.#fail(e)
      }
    } finally {
      this.#watching = false
    }
  }

  async #fail(error: EngineError): Promise<void> {
    if (this.#state === 'FAILED' || this.#state === 'STOPPED') return
    this.#setState('FAILED', error)
    this.#stopWatch()
    await Promise.all([...this.#copiers.values()].map((c) => c.stop()))
  }

  #stopWatch(): void {
    if (this.#watchTimer) clearInterval(this.#watchTimer)
    this.#watchTimer = null
  }

  /** Idempotent; a pause asked for while start() runs takes effect once it has finished. */
  async pause(): Promise<void> {
    if (this.#state === 'PENDING_MIRROR' && this.#starting) await this.#starting.catch(() => {})
    if (this.#state === 'PAUSED') return
    if (this.#state !== 'ACTIVE' && this.#state !== 'SOURCE_UNAVAILABLE') throw new EngineError('INVALID_STATE', `cannot pause a mirror in state ${this.#state}`)
    this.#stopWatch()
    await Promise.all([...this.#copiers.values()].map((c) => c.stop()))
    this.#unhealthy.clear()
    this.#setState('PAUSED')
  }

  /** Idempotent on a running mirror; FAILED and STOPPED are final (a new runner is needed). */
  async resume(): Promise<void> {
    if (this.#state === 'PENDING_MIRROR' && this.#starting) await this.#starting.catch(() => {})
    if (this.#state === 'ACTIVE' || this.#state === 'SOURCE_UNAVAILABLE') return
    if (this.#state !== 'PAUSED') throw new EngineError('INVALID_STATE', `cannot resume a mirror in state ${this.#state}`)
    try {
      await this.#verifySourceTopic()
      await Promise.all([...this.#copiers.values()].map((c) => c.open()))
      for (const c of this.#copiers.values()) this.#launch(c)
      this.#setState('ACTIVE')
      this.#startWatch()
    } catch (error) {
      const e = isEngineError(error) ? error : new EngineError('INTERNAL', String(error), { cause: error })
      await this.#fail(e)
      throw e
    }
  }

  async stop(): Promise<void> {
    this.#stopRequested = true
    this.#stopWatch()
    await Promise.all([...this.#copiers.values()].map((c) => c.stop()))
    await this.#starting?.catch(() => {})
    await Promise.all([...this.#copiers.values()].map((c) => c.stop()))
    if (this.#state !== 'FAILED') this.#setState('STOPPED')
    await Promise.allSettled([this.#source.close(), this.#destination.close()])
  }
}
