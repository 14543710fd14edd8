// One copier per mirror partition: fetches raw batches from the source leader and appends them at identical offsets on the destination.
import type { Logger } from '../logging/index.ts'
import { EngineError, isEngineError } from '../errors.ts'
import { KafkaErrorCodes, kafkaError, splitRecordSet, type KafkaClusterClient, type RawFetchPartitionResponse } from '../kafka/index.ts'
import type { DataPathObserver, MirrorPartitionStatus, MirrorStartOffsetSpec } from './contract.ts'
import { actionEnd, coalesceSmallCopies, planBatches } from './batch-plan.ts'
import { PartitionWriter, type WriterCounters } from './partition-writer.ts'
import { backoffMs, sleep } from '../retry.ts'
import { HeldShares, backlogFetchSize, nextFetchSize, type BudgetLease, type ByteBudget } from './byte-budget.ts'
import { batchStartOf, startOffsetOf } from './start-offset.ts'
import { checkLastMirroredRecord, divergedSourceError, epochBefore } from './source-divergence.ts'

export interface MirrorPartitionCopierOptions {
  readonly source: KafkaClusterClient
  readonly destination: KafkaClusterClient
  readonly sourceTopic: string
  readonly sourceTopicId: string
  readonly mirrorTopic: string
  readonly mirrorTopicId: string
  readonly partition: number
  readonly startOffsetSpec: MirrorStartOffsetSpec
  /** Most bytes one fetch asks for; a partition with a small backlog asks for less (nextFetchSize). */
  readonly fetchMaxBytes: number
  readonly fetchMaxWaitMs: number
  readonly fillerChunkRecords: number
  readonly emptyTxnFillMax: number
  /** Source batches up to this size are merged into larger destination batches (0: never; bytes are then forwarded as fetched). */
  readonly coalesceBelowBytes: number
  /** Only source batches of at most this many records are merged (default: all that pass the byte limit). */
  readonly coalesceMaxRecords?: number
  /** How often an idle copier re-reads the destination log end offset to catch foreign writes. */
  readonly idleCheckIntervalMs: number
  /** The engine-wide budget: a fetch starts only once its max bytes are free, and holds its response's size until written. */
  readonly budget: ByteBudget
  readonly logger: Logger
  /** Throws SOURCE_TOPIC_ID_CHANGED / SOURCE_TOPIC_MAY_BE_DELETED when the source topic is not the one being mirrored. */
  readonly verifySourceTopic: () => Promise<void>
  /** Reports whether the last source call succeeded (drives the runner's SOURCE_UNAVAILABLE state). */
  readonly onSourceHealth: (partition: number, healthy: boolean, error?: EngineError) => void
  /** Metrics hooks: fetch and write latency, rebuilt batches by reason. */
  readonly observer?: DataPathObserver
  /** See MirrorTopicSpec.verifiedLogEndOffsets (failback). */
  readonly verifiedLogEndOffset?: number
}

/** A source fetch started ahead of its use, with the budget share it holds. */
interface PendingFetch {
  readonly offset: bigint
  readonly result: Promise<RawFetchPartitionResponse | 'out_of_range'>
  /** Gives the budget back (and discards the fetch if it was not used). */
  readonly release: () => void
}

export interface CopierCounters extends WriterCounters {
  /** Source offsets the mirror skipped because source retention removed them before they were copied. */
  skippedOffsets: number
}

/**
 * Resume rule: the destination log end offset is the only checkpoint. open() reads it (PartitionWriter.open); a new,
 * empty mirror partition is first aligned to the start offset (fillers, then DeleteRecords). run() loops
 * fetch → plan → write until stopped; every error that is not retriable ends run() with that error (FAILED).
 */
export class MirrorPartitionCopier {
  readonly partition: number
  readonly #o: MirrorPartitionCopierOptions
  readonly #writer: PartitionWriter
  readonly #log: Logger
  #stopping = false
  #running: Promise<void> | null = null
  #sourceHighWatermark = -1n
  #lastSourceFetchOffset = -1n
  #pendingLogStart: bigint | null = null
  /** Lowest offset the source accepts a fetch at (its log start offset): a batch holding it may begin lower (check 6). */
  #fetchFloor = 0n
  #lastIdleCheck = 0
  #skipped = 0
  /** Source leader epoch of the batch below the next fetch offset (-1: unknown), sent as last_fetched_epoch (source-divergence.ts). */
  #lastFetchedEpoch = -1
  /** Max bytes the next fetch asks for (and first takes from the budget): grows while responses fill it, shrinks when idle. */
  #fetchWant: number
  /** Budget shares of responses whose batches are written but not all accepted yet. */
  readonly #held = new HeldShares()

  constructor(options: MirrorPartitionCopierOptions) {
    this.partition = options.partition
    this.#o = options
    this.#log = options.logger.child({ component: 'mirror-partition-copier', topic: options.mirrorTopic, partition: options.partition })
    this.#fetchWant = nextFetchSize(0, 0, options.fetchMaxBytes)
    this.#writer = new PartitionWriter({
      destination: options.destination, mirrorTopic: options.mirrorTopic, mirrorTopicId: options.mirrorTopicId,
      sourceTopicId: options.sourceTopicId, partition: options.partition, logger: this.#log,
      fillerChunkRecords: options.fillerChunkRecords, emptyTxnFillMax: options.emptyTxnFillMax, isStopping: () => this.#stopping,
      ...(options.verifiedLogEndOffset !== undefined ? { verifiedLogEndOffset: options.verifiedLogEndOffset } : {}),
      ...(options.observer ? { onProduced: (seconds: number) => options.observer?.produced(seconds) } : {}),
      onAccepted: (expected) => this.#held.releaseUpTo(expected),
    })
  }

  get producerId(): bigint { return this.#writer.producerId }

  counters(): CopierCounters {
    return { ...this.#writer.counters, skippedOffsets: this.#skipped }
  }

  status(): MirrorPartitionStatus {
    const leo = this.#writer.expected
    const hw = this.#sourceHighWatermark
    return {
      partition: this.partition,
      lagRecords: hw >= 0n && leo >= 0n ? Math.max(0, Number(hw - leo)) : 0,
      lastSourceFetchOffset: Number(this.#lastSourceFetchOffset),
      sourceHighWatermark: Number(hw),
      destinationLogEndOffset: Number(leo),
    }
  }

  /** Takes over the mirror partition and, when it is new and empty, aligns it to the start offset. */
  async open(): Promise<void> {
    this.#stopping = false
    const { logEndOffset } = await this.#writer.open()
    this.#lastFetchedEpoch = -1
    if (logEndOffset === 0n) await this.#alignNewPartition()
    else if (this.#o.verifiedLogEndOffset === undefined || logEndOffset !== BigInt(this.#o.verifiedLogEndOffset)) {
      this.#lastFetchedEpoch = await this.#sourceCall(() => this.#checkLastMirrored(logEndOffset))
    }
  }

  #checkLastMirrored(logEndOffset: bigint): Promise<number> {
    const o = this.#o
    return checkLastMirroredRecord({
      source: o.source, destination: o.destination, sourceTopic: o.sourceTopic, sourceTopicId: o.sourceTopicId, mirrorTopic: o.mirrorTopic,
      partition: this.partition, logEndOffset, dataProducerId: this.#writer.producerId,
    })
  }

  /** Starts the loop; the promise settles when it stops (resolves) or fails (rejects with an EngineError). */
  start(): Promise<void> {
    this.#stopping = false
    this.#running = this.#loop()
    return this.#running
  }

  /** Asks the loop to stop after the current write and waits for it. */
  async stop(): Promise<void> {
    this.#stopping = true
    await this.#running?.catch(() => {})
    this.#running = null
  }

  async #sourceCall<T>(run: () => Promise<T>): Promise<T> {
    try {
      const result = await run()
      this.#o.onSourceHealth(this.partition, true)
      return result
    } catch (error) {
      if (isEngineError(error) && error.retriable) this.#o.onSourceHealth(this.partition, false, error)
      throw error
    }
  }

  /**
   * A new mirror partition whose start S > 0: a client cannot choose offsets, and DeleteRecords cannot pass the high
   * watermark (observed, check 5), so fill [0, F) invisibly (F = start of the batch holding S), then DeleteRecords(S)
   * once the mirror's log end offset reaches S.
   */
  async #alignNewPartition(): Promise<void> {
    const start = await this.#sourceCall(() => startOffsetOf(this.#o.source, this.#o.sourceTopic, this.partition, this.#o.startOffsetSpec))
    if (start <= 0n) return
    const from = await this.#sourceCall(() => this.#batchStart(start))
    this.#log.info({ start: String(start), fillTo: String(from) }, 'aligning new mirror partition (start offset above zero)')
    await this.#writer.fill(Number(from))
    this.#pendingLogStart = start
    this.#fetchFloor = start
    await this.#maybeDeleteRecords()
  }

  async #maybeDeleteRecords(): Promise<void> {
    const target = this.#pendingLogStart
    if (target === null || this.#writer.expected < target) return
    const done = await this.#writer.deleteRecordsBelow(target)
    if (!done) this.#log.warn({ offset: String(target) }, 'mirror topic is compact-only: fillers below the log start offset stay until compaction (DeleteRecords refused)')
    this.#pendingLogStart = null
  }

  #batchStart(offset: bigint): Promise<bigint> {
    return batchStartOf(this.#o.source, this.#o.sourceTopic, this.#o.sourceTopicId, this.partition, offset)
  }

  /** Where the next source fetch starts: the next planned destination offset, or the source log start when above it. */
  #fetchOffset(from: bigint = this.#writer.nextOffset): bigint {
    return from > this.#fetchFloor ? from : this.#fetchFloor
  }

  /**
   * Starts a source fetch now, to be awaited later (the prefetch runs while the previous response's batches are being
   * written). It starts only once its max bytes are taken from the budget; once the response is in, the share shrinks
   * to the response's size (or grows to it: an oversized first batch is accounted, never refused) and is held until
   * its batches are written and accepted, or until it is discarded; a discarded fetch that is still waiting for budget
   * gives the budget back as soon as it gets it.
   */
  #startFetch(offset: bigint): PendingFetch {
    const epoch = this.#lastFetchedEpoch
    const want = this.#fetchWant
    let lease: BudgetLease | null = null
    let discarded = false
    const result = (async () => {
      const l = await this.#o.budget.acquire(want)
      if (discarded) {
        l.release()
        throw new EngineError('INVALID_STATE', 'fetch discarded', { retriable: true })
      }
      lease = l
      const res = await this.#sourceCall(() => this.#fetch(offset, epoch, l.bytes))
      const received = res === 'out_of_range' ? 0 : res.records?.length ?? 0
      l.resize(received)
      this.#fetchWant = nextFetchSize(want, received, this.#o.fetchMaxBytes)
      return res
    })()
    result.catch(() => {})
    return { offset, result, release: () => { discarded = true; lease?.release() } }
  }

  /**
   * fetch → plan → write. The next fetch starts once a response is planned, and the next response is written while
   * this one's batches are in flight: a round trip is paid once per window, not per response. A response's budget share
   * is held until its batches are accepted (#held). The pipeline is drained where a step needs the accepted log end
   * offset: when caught up (idle check), out of range, before a fill or DeleteRecords, after an error and at the end.
   * A refused batch stops new sends until it is judged (ProducePipeline), so a leader move is followed at once.
   */
  async #loop(): Promise<void> {
    let failures = 0
    let needResync = false
    let next: PendingFetch | null = null
    try {
      while (!this.#stopping) {
        let current: PendingFetch | null = null
        try {
          if (needResync) {
            await this.#writer.resync()
            needResync = false
          }
          const offset = this.#fetchOffset()
          if (next && next.offset !== offset) next.release()
          current = next && next.offset === offset ? next : this.#startFetch(offset)
          next = null
          const response = await current.result
          failures = 0
          if (response === 'out_of_range') await this.#handleOutOfRange()
          else {
            const fetched = current
            current = null // #copy holds or frees its budget share
            next = await this.#copy(response, fetched)
          }
        } catch (error) {
          next?.release()
          next = null
          await this.#settleWrites()
          if (this.#stopping && !(isEngineError(error) && error.code === 'OFFSET_DIVERGENCE')) return
          const e = isEngineError(error) ? error : new EngineError('INTERNAL', String(error), { cause: error })
          if (!e.retriable) throw e
          // The first failure of a streak is a warning; its retries are debug (SOURCE_UNAVAILABLE and metrics show an outage).
          if (failures === 0) this.#log.warn({ err: e }, 'copier step failed (retrying)')
          else this.#log.debug({ err: e, attempt: failures }, 'copier step failed (retrying)')
          await sleep(backoffMs(failures++))
          if (e.context.resync === true) needResync = true
        } finally {
          current?.release()
        }
      }
    } finally {
      next?.release()
      await this.#settleWrites()
    }
  }

  /** Waits for the batches in flight (a failure is the loop's to see, if any) and frees every held budget share. */
  async #settleWrites(): Promise<void> {
    await this.#writer.drain().catch(() => {})
    this.#held.releaseAll()
  }

  /** One source fetch at `offset`; 'out_of_range' when the offset is outside the source log (handled by the loop, not here). */
  async #fetch(offset: bigint, lastFetchedEpoch: number, maxBytes: number): Promise<RawFetchPartitionResponse | 'out_of_range'> {
    // read_committed: the broker stops at the last stable offset, so every transaction in the response is decided
    // (an open source transaction holds the copier at the LSO), and it lists the aborted ones (observed, check 6).
    const fetchStarted = performance.now()
    const { source, sourceTopic, sourceTopicId: topicId } = this.#o
    const res = await source.fetchBatched(sourceTopic, this.partition, offset, {
      maxBytes, maxWaitMs: this.#o.fetchMaxWaitMs, isolation: 'read_committed', topicId, lastFetchedEpoch,
    }).catch((error: unknown) => { // an unreachable leader (killed, restarting) is looked up again on the retry
      source.invalidateLeader(sourceTopic, this.partition)
      throw error
    })
    this.#o.observer?.fetched((performance.now() - fetchStarted) / 1000)
    const ctx = { topic: this.#o.sourceTopic, partition: this.partition, offset }
    switch (res.errorCode) {
      case 0: break
      case KafkaErrorCodes.OFFSET_OUT_OF_RANGE:
        return 'out_of_range'
      case KafkaErrorCodes.UNKNOWN_TOPIC_ID: case KafkaErrorCodes.UNKNOWN_TOPIC_OR_PARTITION:
        await this.#o.verifySourceTopic()
        throw kafkaError(res.errorCode, 'source', 'fetch', ctx)
      default:
        this.#o.source.invalidateLeader(this.#o.sourceTopic, this.partition)
        throw kafkaError(res.errorCode, 'source', 'fetch', ctx)
    }
    const diverged = divergedSourceError(this.#o.mirrorTopic, this.partition, offset, res)
    if (diverged) throw diverged
    this.#sourceHighWatermark = res.highWatermark
    return res
  }

  /** The fetch offset is outside the source log: retention overtook the copier, or the source was truncated. */
  async #handleOutOfRange(): Promise<void> {
    await this.#writer.drain()
    const s = this.#o.source
    const offset = this.#writer.expected
    const logStart = await s.listOffset(this.#o.sourceTopic, this.partition, 'earliest')
    const highWatermark = await s.listOffset(this.#o.sourceTopic, this.partition, 'latest')
    if (offset < logStart) {
      const from = await this.#batchStart(logStart)
      const skipped = Number(from - offset)
      this.#skipped += Math.max(0, skipped)
      this.#log.warn({ from: String(offset), to: String(from), skipped }, 'source retention removed offsets before they were copied (filling them)')
      if (from > offset) await this.#writer.fill(skipped)
      this.#pendingLogStart = logStart
      this.#fetchFloor = logStart
      this.#lastFetchedEpoch = -1
      await this.#maybeDeleteRecords()
      return
    }
    if (offset > highWatermark) {
      await this.#o.verifySourceTopic()
      throw new EngineError('OFFSET_DIVERGENCE', `source partition ${this.partition} ends at ${highWatermark}, below the mirror's log end offset ${offset}: the source was truncated or recreated`, {
        context: { topic: this.#o.mirrorTopic, partition: this.partition, offset },
      })
    }
    // In range, yet refused: the leader cannot place last_fetched_epoch (Partition.readRecords); compare by content instead.
    if (offset > 0n) await this.#checkLastMirrored(offset)
    this.#lastFetchedEpoch = -1
  }

  /** Plans one response, starts the next fetch and writes the planned actions, leaving them in flight; returns the started
   * fetch. `fetched`'s budget share is freed once its batches are accepted, or at once when nothing is pending. */
  async #copy(res: RawFetchPartitionResponse, fetched: PendingFetch): Promise<PendingFetch | null> {
    const batches = splitRecordSet(res.records)
    const planned = planBatches(batches, this.#writer.nextOffset, res.abortedTransactions)
    const actions = coalesceSmallCopies(planned, this.#o.coalesceBelowBytes, 512 << 10, this.#o.coalesceMaxRecords)
    if (actions.length === 0) {
      fetched.release()
      await this.#writer.drain()
      this.#lastSourceFetchOffset = this.#writer.expected
      await this.#idleCheck()
      return null
    }
    const end = actionEnd(actions[actions.length - 1]!)
    this.#lastFetchedEpoch = epochBefore(batches, end)
    const spanned = end - actions[0]!.offset
    this.#fetchWant = backlogFetchSize(this.#fetchWant, res.records?.length ?? 0, spanned, res.highWatermark - end, this.#o.fetchMaxBytes)
    const next = this.#startFetch(this.#fetchOffset(end))
    try {
      await this.#writer.checkOwnership()
      for (const action of actions) {
        if (this.#stopping) break
        await this.#writer.write(action)
        if (action.kind === 'rebuild') this.#o.observer?.rebuilt(action.reason)
        if (this.#writer.nextOffset !== actionEnd(action)) throw new EngineError('INTERNAL', 'writer ended at an unexpected offset')
        if (this.#pendingLogStart !== null && this.#writer.expected >= this.#pendingLogStart) await this.#drainAndDeleteRecords()
      }
      this.#held.hold(end, fetched.release)
      this.#held.releaseUpTo(this.#writer.expected)
      this.#lastSourceFetchOffset = this.#writer.expected
      if (this.#pendingLogStart !== null) await this.#drainAndDeleteRecords()
      return next
    } catch (error) {
      fetched.release()
      next.release()
      throw error
    }
  }

  async #drainAndDeleteRecords(): Promise<void> { await this.#writer.drain().then(() => this.#maybeDeleteRecords()) }

  /** While caught up, the copier still notices a foreign write: the destination's log end offset must equal `expected`. */
  async #idleCheck(): Promise<void> {
    const now = Date.now()
    if (now - this.#lastIdleCheck < this.#o.idleCheckIntervalMs) return
    this.#lastIdleCheck = now
    await this.#writer.checkOwnership(true)
    const leo = await this.#writer.logEndOffset()
    if (leo > this.#writer.expected) throw await this.#writer.divergenceAt(this.#writer.expected, leo, `log end offset is ${leo}, expected ${this.#writer.expected}`)
    if (leo !== this.#writer.expected) {
      throw new EngineError('OFFSET_DIVERGENCE', `mirror partition ${this.partition}: log end offset is ${leo}, expected ${this.#writer.expected}: another producer wrote into the mirror topic at offset ${this.#writer.expected}`, {
        context: { topic: this.#o.mirrorTopic, partition: this.partition, offset: this.#writer.expected },
      })
    }
  }
}
