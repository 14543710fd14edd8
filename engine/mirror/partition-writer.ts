// The only writer of one mirror partition: fenced producer identity, checked raw appends, and invisible offset fillers.
import type { Logger } from '../logging/index.ts'
import { EngineError, isEngineError } from '../errors.ts'
import {
  KafkaErrorCodes, encodeRecordBatch, incrementSequence, isControlBatch, lastOffsetOf, rewriteBatchForAppend, splitRecordSet,
  type KafkaClusterClient,
} from '../kafka/index.ts'
import { dataProducerId, fillerTransactionalId, MAX_PRODUCER_EPOCH, produceLaneOf } from './writer-identity.ts'
import type { WriteAction } from './batch-plan.ts'
import { isRetriable, retry, sleep } from '../retry.ts'
import { MAX_IN_FLIGHT_BATCHES, ProducePipeline, lastSequenceOf, type PipelineBatch } from './produce-pipeline.ts'
import { divergenceError } from './mirror-divergence.ts'
import { FILLER_HELPERS, OffsetFiller } from './offset-filler.ts'

export interface PartitionWriterOptions {
  readonly destination: KafkaClusterClient
  readonly mirrorTopic: string
  readonly mirrorTopicId: string
  readonly sourceTopicId: string
  readonly partition: number
  readonly logger: Logger
  /** Filler records per aborted filler transaction (zstd null records cost under 1 byte each, check 5). */
  readonly fillerChunkRecords: number
  /** Gaps up to this size are filled with empty transactions (one marker offset each), larger ones with aborted filler batches. */
  readonly emptyTxnFillMax: number
  /** Helper transactional.ids for long invisible gaps (default and most FILLER_HELPERS). */
  readonly fillerHelpers?: number
  readonly isStopping: () => boolean
  /** See MirrorTopicSpec.verifiedLogEndOffsets (failback): at exactly this log end offset the last batch may be foreign. */
  readonly verifiedLogEndOffset?: number
  /** Produce latency of each accepted data batch, in seconds (metrics). */
  readonly onProduced?: (seconds: number) => void
  /** Called with the new `expected` each time a data batch is accepted (the copier frees fetched bytes then). */
  readonly onAccepted?: (expected: bigint) => void
}

/** Counters the copier exposes as metrics. */
export interface WriterCounters {
  batchesCopied: number
  batchesRebuilt: number
  recordsWritten: number
  bytesWritten: number
  fillerOffsets: number
}

const RETRY_LIMIT = 20

export { DUPLICATE_FILLER_MARKER } from './mirror-divergence.ts'

/**
 * Invariants (DESIGN.md §2): `expected` is the destination log end offset as this writer knows it; every write must
 * land exactly there (ProduceResponse.base_offset == expected) or the partition fails, and no write is sent after a
 * mismatch.
 *
 * Single writer, fenced without a race (issue 3, case 11; issue 12, item 4). One identity writes everything: the
 * filler transactional.id T and its producer id, for filler transactions and, as plain idempotent batches, for data.
 * - Ownership: open() calls InitProducerId(T), which bumps T's epoch at the coordinator, so every older owner is fenced
 *   there at once (TransactionCoordinator.handleInitProducerId). An owner checks it still holds T (DescribeTransactions,
 *   read-only) while it copies, after OUT_OF_ORDER_SEQUENCE_NUMBER, and when idle.
 * - Data until the first fill: the partition's leader knows nothing of the coordinator's bump, so the new owner goes
 *   on with T's epoch and sequence as the partition has them (DescribeProducers). A sequence then belongs to an offset:
 *   a stale owner's batch, or a killed engine's request still in flight, can only (a) repeat one of the last five
 *   batches (acknowledged at its original offset, nothing appended; observed, check 3), (b) get
 *   OUT_OF_ORDER_SEQUENCE_NUMBER, or (c) land exactly where this owner would have written the same records (both plan
 *   from the same source); never a second copy (ProducerStateManager / ProducerAppendInfo.checkSequence).
 * - The first fill fences the partition: a filler transaction is written with the coordinator's new epoch, and its
 *   batch or marker raises T's epoch on the partition (ProducerAppendInfo.appendEndTxnMarker takes the marker's epoch and
 *   clears the batch metadata, so data goes on at sequence 0). From then on every batch of an older owner is refused
 *   with INVALID_PRODUCER_EPOCH (ProducerAppendInfo.checkProducerEpoch). Fillers take offsets without a data sequence,
 *   so a stale batch that still passed the sequence check after a fill would land at a shifted offset: fencing at the
 *   first fill is what makes that impossible (with a separate data producer id it was possible, and silent).
 * - Left: a stale batch arriving after the new owner read the log end offset and before its first write, when that
 *   first write is a fill (the source compacted or deleted the records in between), lands at its own offset and
 *   moves the filler: the base-offset check stops the mirror (FAILED), nothing is shifted silently.
 * Mirrors written before this identity wrote data with a derived producer id P (writer-identity.ts): P is still
 * accepted as the owner of the last batch.
 */
export class PartitionWriter {
  readonly #o: PartitionWriterOptions
  readonly #lane: string
  readonly #txnId: string
  /** The data producer id of mirrors written before data moved to T's producer id (accepted as a last batch's owner). */
  readonly #legacyProducerId: bigint
  /** T's epoch on the partition (what data batches carry): below the coordinator's until the first fill after a takeover. */
  #epoch = 0
  #sequence = 0
  #txn: { producerId: bigint; producerEpoch: number } | null = null
  #lastOwnershipCheck = 0
  /** The sequence after the last accepted data batch: where #sequence goes back to when the pipeline gives up. */
  #acceptedSequence = 0
  /** False until T has a batch on the partition: the broker then accepts any sequence, so only one batch may be in flight. */
  #hasProducerState = false
  /** True from a fill until the next data batch is accepted: that batch travels alone (see fill()). */
  #alone = false
  #pipeline: ProducePipeline
  readonly #filler: OffsetFiller
  /** The destination log end offset as far as accepted produce responses prove it. */
  expected = -1n
  /** Where the next planned write lands: `expected` plus the records of the batches in flight. */
  #next = -1n
  readonly counters: WriterCounters = { batchesCopied: 0, batchesRebuilt: 0, recordsWritten: 0, bytesWritten: 0, fillerOffsets: 0 }

  constructor(options: PartitionWriterOptions) {
    this.#o = options
    this.#lane = produceLaneOf(options.mirrorTopic, options.partition)
    this.#txnId = fillerTransactionalId(options.mirrorTopicId, options.partition)
    this.#legacyProducerId = dataProducerId(options.sourceTopicId, options.mirrorTopicId, options.partition)
    this.#pipeline = this.#newPipeline()
    this.#filler = new OffsetFiller({
      destination: options.destination, mirrorTopic: options.mirrorTopic, mirrorTopicId: options.mirrorTopicId,
      partition: options.partition,
      txnId: this.#txnId, emptyTxnFillMax: options.emptyTxnFillMax, fillerChunkRecords: options.fillerChunkRecords,
      helpers: Math.min(FILLER_HELPERS, options.fillerHelpers ?? FILLER_HELPERS), isStopping: options.isStopping,
      owner: () => this.#txn, retry: (what, run) => this.#retry(what, run), checkOwnership: () => this.checkOwnership(true),
      divergenceAt: (from, to, what) => this.divergenceAt(from, to, what),
      position: () => ({ expected: this.expected, epoch: this.#epoch, sequence: this.#sequence }),
      filled: (target, epoch, sequence) => {
        this.expected = target
        this.#next = target
        this.#epoch = epoch
        this.#sequence = sequence
        this.#acceptedSequence = sequence
        this.#hasProducerState = true
      },
    })
  }

  /** The producer id of every batch this writer appends (T's, from InitProducerId); -1 before open(). */
  get producerId(): bigint { return this.#txn?.producerId ?? -1n }

  /** The offset the next planned write must start at (ahead of `expected` while batches are in flight). */
  get nextOffset(): bigint { return this.#next }

  #newPipeline(): ProducePipeline {
    const o = this.#o
    return new ProducePipeline({
      partition: o.partition, context: this.#ctx, retryLimit: RETRY_LIMIT, isStopping: o.isStopping,
      maxInFlight: () => (this.#hasProducerState && !this.#alone ? MAX_IN_FLIGHT_BATCHES : 1),
      send: (bytes) => o.destination.produceRawOrdered(o.mirrorTopic, o.partition, bytes, { lane: this.#lane }),
      onRetry: () => o.destination.invalidateLeader(o.mirrorTopic, o.partition),
      onAccepted: (b, seconds) => {
        this.#accepted(b)
        o.onProduced?.(seconds)
      },
      checkOwnership: () => this.checkOwnership(true),
      divergenceAt: (from, to, what) => this.divergenceAt(from, to, what), logEndOffset: () => this.logEndOffset(),
      lastSequence: async () => lastSequenceOf(await this.#retry('describe producers', () => o.destination.describeProducers(o.mirrorTopic, o.partition)),
        this.producerId, this.#epoch),
    })
  }

  #accepted(b: PipelineBatch): void {
    this.expected = b.offset + BigInt(b.count)
    this.#o.onAccepted?.(this.expected)
    this.#acceptedSequence = incrementSequence(b.sequence, b.count)
    this.#hasProducerState = true
    this.#alone = false
    if (b.rebuilt) this.counters.batchesRebuilt++
    else this.counters.batchesCopied++
    this.counters.recordsWritten += b.count
    this.counters.bytesWritten += b.bytes.length
  }

  /** After the pipeline gave up: nothing is in flight, so planning restarts at the last accepted batch. */
  #rewind(): void {
    this.#next = this.expected
    this.#sequence = this.#acceptedSequence
  }

  get #ctx() { return { topic: this.#o.mirrorTopic, partition: this.#o.partition } }

  /**
   * Takes over the partition: closes any filler transaction a previous engine left open, checks that the last batch
   * was written by this mirror's identity, and sets `expected`, the epoch and the sequence from the partition.
   */
  async open(): Promise<{ logEndOffset: bigint; logStartOffset: bigint }> {
    const d = this.#o.destination
    this.#pipeline = this.#newPipeline()
    this.#txn = await this.#retry('init filler producer', () => d.initProducerId(this.#txnId, 60_000))
    await this.#waitNoOpenFillerTxn()
    // Helpers only write after a marker of T (offset-filler.ts), so an empty partition has none to fence.
    await this.#filler.fenceHelpers(await this.logEndOffset() > 0n)
    const logStartOffset = await this.#retry('list offsets', () => d.listOffset(this.#o.mirrorTopic, this.#o.partition, 'earliest'))
    const logEndOffset = await this.#snapshot()
    const verified = this.#o.verifiedLogEndOffset !== undefined && logEndOffset === BigInt(this.#o.verifiedLogEndOffset)
    if (logEndOffset > logStartOffset && !verified) await this.#checkLastBatchOwner(logEndOffset)
    return { logEndOffset, logStartOffset }
  }

  /**
   * Reads the log end offset and T's (epoch, last sequence) as one consistent pair: T's state read before and after
   * the log end offset must agree, else an older owner appended in between and the pair is read again. Sets
   * `expected`, the epoch and the next sequence (no producer state: epoch 0, and any sequence is accepted).
   */
  async #snapshot(): Promise<bigint> {
    const d = this.#o.destination
    const read = async () => (await this.#retry('describe producers', () => d.describeProducers(this.#o.mirrorTopic, this.#o.partition))).find((p) => p.producerId === this.producerId)
    for (let attempt = 0; attempt < 100; attempt++) {
      const before = await read()
      const logEndOffset = await this.logEndOffset()
      const after = await read()
      if (before?.producerEpoch !== after?.producerEpoch || before?.lastSequence !== after?.lastSequence) continue
      if (after && after.producerEpoch > MAX_PRODUCER_EPOCH) throw new EngineError('INTERNAL', 'producer epoch out of range', { context: this.#ctx })
      // No state on the partition: nothing to continue, so write with the coordinator's epoch (it fences at once).
      this.#epoch = after ? after.producerEpoch : this.#txn?.producerEpoch ?? 0
      this.#sequence = after && after.lastSequence >= 0 ? incrementSequence(after.lastSequence, 1) : 0
      this.#acceptedSequence = this.#sequence
      this.#hasProducerState = after !== undefined
      this.expected = logEndOffset
      this.#next = logEndOffset
      return logEndOffset
    }
    throw new EngineError('DESTINATION_UNAVAILABLE', `mirror partition ${this.#o.partition} keeps changing under another writer`, { retriable: true, context: this.#ctx })
  }

  /**
   * After another writer of T's producer id moved the partition on (OUT_OF_ORDER_SEQUENCE_NUMBER with this writer still
   * the owner): every batch written with it passed a base-offset check, so the log is right; continue from its end.
   */
  async resync(): Promise<void> {
    if (this.#pipeline.inFlightCount > 0) throw new EngineError('INTERNAL', 'resync with batches in flight', { context: this.#ctx })
    await this.checkOwnership(true)
    await this.#snapshot()
  }

  /** Throws FENCED when another engine has opened this mirror partition since (T's epoch moved on). Rate-limited unless forced. */
  async checkOwnership(force = false, intervalMs = 1_000): Promise<void> {
    const now = Date.now()
    if (!force && now - this.#lastOwnershipCheck < intervalMs) return
    this.#lastOwnershipCheck = now
    const mine = this.#txn
    const current = await this.#retry('describe transactions', () => this.#o.destination.describeTransaction(this.#txnId))
    if (!mine || current.producerId !== mine.producerId || current.producerEpoch > mine.producerEpoch) {
      throw new EngineError('FENCED', `mirror partition ${this.#o.partition}: another engine took over this mirror partition`, { context: this.#ctx })
    }
  }

  /**
   * After InitProducerId aborted an open filler transaction its marker is written asynchronously: wait until no T
   * transaction is open here.
   */
  async #waitNoOpenFillerTxn(): Promise<void> {
    const pid = this.#txn?.producerId
    for (let i = 0; i < 3000; i++) {
      const producers = await this.#retry('describe producers', () => this.#o.destination.describeProducers(this.#o.mirrorTopic, this.#o.partition))
      if (!producers.some((p) => p.producerId === pid && p.currentTxnStartOffset >= 0n)) return
      await sleep(10)
    }
    throw new EngineError('DESTINATION_UNAVAILABLE', 'a filler transaction on the mirror partition did not close', { retriable: true, context: this.#ctx })
  }

  async #checkLastBatchOwner(logEndOffset: bigint): Promise<void> {
    const last = logEndOffset - 1n
    const res = await this.#retry('fetch', () => this.#o.destination.fetchRaw(this.#o.mirrorTopic, this.#o.partition, last, { maxBytes: 1 << 20, maxWaitMs: 0, isolation: 'read_uncommitted', lane: 'check' }))
    const batch = splitRecordSet(res.records).find((b) => b.header.baseOffset <= last && lastOffsetOf(b.header) >= last)
    if (!batch) return
    const owner = batch.header.producerId
    if (owner === this.#legacyProducerId || this.#filler.producerIds().includes(owner)) return
    throw new EngineError('OFFSET_DIVERGENCE',
      `mirror partition ${this.#o.partition}: the last ${isControlBatch(batch.header) ? 'marker' : 'batch'} (offset ${batch.header.baseOffset}) was written by producer id ${owner}, not by this mirror's writer: a foreign producer wrote into the mirror topic, or the source topic was recreated`,
      { context: { ...this.#ctx, offset: batch.header.baseOffset, producerId: String(owner) } })
  }

  /**
   * Executes one planned action at `nextOffset`. Data batches join the produce pipeline (a window in flight, see
   * ProducePipeline) and are accepted as their responses arrive; call drain() to wait for all of them. A fill first
   * drains the pipeline: filler transactions take offsets without advancing the data sequence (and the first one after
   * a takeover raises the epoch), so every data batch before them must be accepted (its offset proved) first.
   */
  async write(action: WriteAction): Promise<void> {
    if (action.offset !== this.#next) {
      throw new EngineError('INTERNAL', `planned write at ${action.offset} but the mirror partition is at ${this.#next}`, { context: this.#ctx })
    }
    if (action.kind === 'fill') return this.fill(action.count)
    const sequence = this.#sequence
    const bytes = action.kind === 'copy'
      ? rewriteBatchForAppend(action.batch, {
        producerId: this.producerId, producerEpoch: this.#epoch, baseSequence: sequence, clearTransactional: true,
      })
      : encodeRecordBatch(action.records, {
        codec: action.codec, producerId: this.producerId, producerEpoch: this.#epoch, baseSequence: sequence,
      })
    const count = action.kind === 'copy' ? action.count : action.records.length
    this.#sequence = incrementSequence(sequence, count)
    this.#next = action.offset + BigInt(count)
    try {
      await this.#pipeline.submit({ offset: action.offset, count, sequence, bytes, rebuilt: action.kind !== 'copy' })
    } catch (error) {
      this.#rewind()
      throw error
    }
  }

  /** Waits until every data batch sent is accepted (`expected` then equals `nextOffset`). */
  async drain(): Promise<void> {
    try {
      await this.#pipeline.drain()
    } catch (error) {
      this.#rewind()
      throw error
    }
  }

  /**
   * Occupies `count` offsets with fillers (offset-filler.ts): empty aborted transactions, which no consumer sees, for
   * gaps up to emptyTxnFillMax offsets; beyond, aborted filler records marked with FILLER_HEADER (read_committed
   * consumers never see them). Every data batch in flight is accepted first, and the first data batch after the fill
   * travels alone: should the broker append a filler marker twice (DUPLICATE_FILLER_MARKER) after the log end offset
   * was checked, that one batch lands shifted and fails its offset check with nothing sent behind it.
   */
  async fill(count: number): Promise<void> {
    await this.drain()
    const before = this.#next
    this.#alone = true
    await this.#filler.fill(count)
    this.counters.fillerOffsets += Number(this.expected - before)
  }

  /** Why the mirror partition holds offsets [from, to) this writer did not plan (mirror-divergence.ts). */
  divergenceAt(from: bigint, to: bigint, what: string): Promise<EngineError> {
    const fetch = (offset: bigint) => this.#retry('fetch', () => this.#o.destination.fetchRaw(this.#o.mirrorTopic, this.#o.partition, offset,
      { maxBytes: 1 << 20, maxWaitMs: 0, isolation: 'read_uncommitted', lane: 'check' }))
    return divergenceError(
      { partition: this.#o.partition, context: this.#ctx, fillerProducerIds: this.#filler.producerIds(), fetch }, from, to, what,
    )
  }

  /** DeleteRecords on the mirror partition (alignment to the source log start offset). Returns false on a compact-only topic. */
  async deleteRecordsBelow(offset: bigint): Promise<boolean> {
    try {
      await this.#retry('delete records', () => this.#o.destination.deleteRecords(this.#o.mirrorTopic, this.#o.partition, offset))
      // T's batches below the new log start may take its producer state with them: any sequence would be accepted again.
      this.#hasProducerState = false
      return true
    } catch (error) {
      if (isEngineError(error) && error.context.kafkaErrorCode === KafkaErrorCodes.POLICY_VIOLATION) return false
      throw error
    }
  }

  /**
   * The leader's log end offset, not the high watermark: DescribeProducers counts a batch the leader appended but a
   * lagging follower has not copied yet, so only the log end offset pairs with it (issue 12, item 4). A takeover at
   * the high watermark would plan the next write below that batch, and its sequence would append it after it.
   */
  async logEndOffset(): Promise<bigint> {
    return this.#retry('list offsets', () => this.#o.destination.logEndOffset(this.#o.mirrorTopic, this.#o.partition))
  }

  #retry<T>(what: string, run: () => Promise<T>): Promise<T> {
    return retry(run, {
      attempts: RETRY_LIMIT + 1,
      shouldRetry: (error) => isRetriable(error) && !this.#o.isStopping(),
      onRetry: (error, attempt) => {
        this.#o.destination.invalidateLeader(this.#o.mirrorTopic, this.#o.partition)
        this.#o.logger.debug({ err: error, attempt: attempt - 1 }, `destination call retried (${what})`)
      },
    })
  }
}
