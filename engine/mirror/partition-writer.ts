// The only writer of one mirror partition: fenced producer identity, checked raw appends, and invisible offset fillers.
import type { Logger } from '../logging/index.ts'
import { EngineError, isEngineError } from '../errors.ts'
import {
  KafkaErrorCodes, encodeFillerBatch, encodeRecordBatch, incrementSequence, isControlBatch, lastOffsetOf, rewriteBatchForAppend,
  splitRecordSet, CODECS, type KafkaClusterClient,
} from '../kafka/index.ts'
import { dataProducerId, fillerTransactionalId, MAX_PRODUCER_EPOCH } from './writer-identity.ts'
import type { WriteAction } from './batch-plan.ts'
import { backoffMs, isRetriable, retry, sleep } from '../retry.ts'
import { MAX_IN_FLIGHT_BATCHES, ProducePipeline, lastSequenceOf, type PipelineBatch } from './produce-pipeline.ts'
import { divergenceError } from './mirror-divergence.ts'

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
  readonly isStopping: () => boolean
  /** See MirrorTopicSpec.verifiedLogEndOffsets (failback): at exactly this log end offset the last batch may be foreign. */
  readonly verifiedLogEndOffset?: number
  /** Produce latency of each accepted data batch, in seconds (metrics). */
  readonly onProduced?: (seconds: number) => void
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

/** Coordinator states (DescribeTransactions) of a transaction whose markers are all written. */
const COMPLETED_TXN_STATES = new Set(['CompleteAbort', 'CompleteCommit', 'Empty'])

export { DUPLICATE_FILLER_MARKER } from './mirror-divergence.ts'

/**
 * Invariants (DESIGN.md §2): `expected` is the destination log end offset as this writer knows it; every write must
 * land exactly there (ProduceResponse.base_offset == expected) or the partition fails, and no write is sent after a
 * mismatch.
 *
 * Single writer, fenced without a race (issue 3, case 11):
 * - Ownership token: the filler transactional.id T. open() calls InitProducerId(T), which bumps T's epoch at the
 *   coordinator, so every older owner is fenced there at once (TransactionCoordinator.handleInitProducerId). An owner
 *   checks it still holds T (DescribeTransactions, read-only) while it copies, after OUT_OF_ORDER_SEQUENCE_NUMBER, and
 *   when idle; its filler transactions are coordinator-checked anyway (PRODUCER_FENCED).
 * - Data writes: every engine writes P's batches with the SAME producer id and epoch (P's epoch is never bumped) and
 *   the sequence that follows P's last sequence on the partition (DescribeProducers). A sequence then belongs to an
 *   offset, so a stale owner still writing, or a request of a killed engine still in flight, can only (a) repeat a
 *   batch of the last five (the broker acknowledges it at its original offset and appends nothing; observed, check 3),
 *   or (b) get OUT_OF_ORDER_SEQUENCE_NUMBER; never append a second copy (ProducerStateManager / ProducerAppendInfo).
 *   Bumping P's epoch instead would make the takeover write unconditional: an old owner's batch landing between the
 *   new owner's log-end-offset read and its first write would be duplicated.
 */
export class PartitionWriter {
  readonly #o: PartitionWriterOptions
  readonly #lane: string
  readonly #txnId: string
  readonly producerId: bigint
  #epoch = 0
  #sequence = 0
  #txn: { producerId: bigint; producerEpoch: number } | null = null
  #lastOwnershipCheck = 0
  /** The sequence after P's last accepted batch: where #sequence goes back to when the pipeline gives up. */
  #acceptedSequence = 0
  /** False until P has a batch on the partition: the broker then accepts any sequence, so only one batch may be in flight. */
  #hasProducerState = false
  #pipeline: ProducePipeline
  /** The destination log end offset as far as accepted produce responses prove it. */
  expected = -1n
  /** Where the next planned write lands: `expected` plus the records of the batches in flight. */
  #next = -1n
  readonly counters: WriterCounters = { batchesCopied: 0, batchesRebuilt: 0, recordsWritten: 0, bytesWritten: 0, fillerOffsets: 0 }

  constructor(options: PartitionWriterOptions) {
    this.#o = options
    this.#lane = `produce-${options.partition % 8}`
    this.#txnId = fillerTransactionalId(options.mirrorTopicId, options.partition)
    this.producerId = dataProducerId(options.sourceTopicId, options.mirrorTopicId, options.partition)
    this.#pipeline = this.#newPipeline()
  }

  /** The offset the next planned write must start at (ahead of `expected` while batches are in flight). */
  get nextOffset(): bigint { return this.#next }

  #newPipeline(): ProducePipeline {
    const o = this.#o
    return new ProducePipeline({
      partition: o.partition, context: this.#ctx, retryLimit: RETRY_LIMIT, isStopping: o.isStopping,
      maxInFlight: () => (this.#hasProducerState ? MAX_IN_FLIGHT_BATCHES : 1),
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
    this.#acceptedSequence = incrementSequence(b.sequence, b.count)
    this.#hasProducerState = true
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
   * was written by this mirror's identity, bumps P's epoch, and sets `expected` to the log end offset.
   */
  async open(): Promise<{ logEndOffset: bigint; logStartOffset: bigint }> {
    const d = this.#o.destination
    this.#pipeline = this.#newPipeline()
    this.#txn = await this.#retry('init filler producer', () => d.initProducerId(this.#txnId, 60_000))
    await this.#waitNoOpenFillerTxn()
    const logStartOffset = await this.#retry('list offsets', () => d.listOffset(this.#o.mirrorTopic, this.#o.partition, 'earliest'))
    const logEndOffset = await this.#snapshot()
    const verified = this.#o.verifiedLogEndOffset !== undefined && logEndOffset === BigInt(this.#o.verifiedLogEndOffset)
    if (logEndOffset > logStartOffset && !verified) await this.#checkLastBatchOwner(logEndOffset)
    return { logEndOffset, logStartOffset }
  }

  /**
   * Reads the log end offset and P's (epoch, last sequence) as one consistent pair: P's state read before and after
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
      this.#epoch = after ? after.producerEpoch : 0
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
   * After another writer of P moved the partition on (OUT_OF_ORDER_SEQUENCE_NUMBER with this writer still the owner):
   * every batch written with P passed a base-offset check, so the log is right; continue from its end.
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

  /** After InitProducerId aborted an open filler transaction its marker is written asynchronously: wait until no T transaction is open here. */
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
    if (owner === this.producerId || owner === this.#txn?.producerId) return
    throw new EngineError('OFFSET_DIVERGENCE',
      `mirror partition ${this.#o.partition}: the last ${isControlBatch(batch.header) ? 'marker' : 'batch'} (offset ${batch.header.baseOffset}) was written by producer id ${owner}, not by this mirror's writer: a foreign producer wrote into the mirror topic, or the source topic was recreated`,
      { context: { ...this.#ctx, offset: batch.header.baseOffset, producerId: String(owner) } })
  }

  /**
   * Executes one planned action at `nextOffset`. Data batches join the produce pipeline (a window in flight, see
   * ProducePipeline) and are accepted as their responses arrive; call drain() to wait for all of them. A fill first
   * drains the pipeline: fillers are the filler producer T's transactions, which take offsets without advancing P's
   * sequence, so every P batch before them must be accepted (its offset proved) before T writes, and P resumes after.
   */
  async write(action: WriteAction): Promise<void> {
    if (action.offset !== this.#next) {
      throw new EngineError('INTERNAL', `planned write at ${action.offset} but the mirror partition is at ${this.#next}`, { context: this.#ctx })
    }
    if (action.kind === 'fill') return this.fill(action.count)
    const sequence = this.#sequence
    const bytes = action.kind === 'copy'
      ? rewriteBatchForAppend(action.batch, { producerId: this.producerId, producerEpoch: this.#epoch, baseSequence: sequence, clearTransactional: true })
      : encodeRecordBatch(action.records, { codec: action.codec, producerId: this.producerId, producerEpoch: this.#epoch, baseSequence: sequence })
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

  /** Sends one batch and checks that it landed at `expected`; resends the same bytes after a lost response (the broker deduplicates them). */
  async #append(bytes: Buffer, count: number, transactionalId: string | null): Promise<void> {
    const d = this.#o.destination
    const offset = this.expected
    for (let attempt = 0; ; attempt++) {
      if (this.#o.isStopping() && attempt > 0) throw new EngineError('INVALID_STATE', 'stopping', { retriable: true, context: this.#ctx })
      let res
      try {
        res = await d.produceRaw(this.#o.mirrorTopic, this.#o.partition, bytes, { lane: this.#lane, transactionalId })
      } catch (error) {
        if (isEngineError(error) && error.retriable && attempt < RETRY_LIMIT) {
          d.invalidateLeader(this.#o.mirrorTopic, this.#o.partition)
          await sleep(backoffMs(attempt))
          continue
        }
        throw error
      }
      const ctx = { ...this.#ctx, offset, kafkaErrorCode: res.errorCode }
      if (res.errorCode === 0) {
        if (res.baseOffset > offset) throw await this.divergenceAt(offset, res.baseOffset, `a batch for offset ${offset} landed at ${res.baseOffset}`)
        if (res.baseOffset !== offset) {
          throw new EngineError('OFFSET_DIVERGENCE', `mirror partition ${this.#o.partition}: a batch for offset ${offset} landed at ${res.baseOffset}: another producer wrote into the mirror topic`, { context: { ...ctx, offset, landedAt: res.baseOffset } })
        }
        this.expected = offset + BigInt(count)
        return
      }
      switch (res.errorCode) {
        case KafkaErrorCodes.NOT_LEADER_OR_FOLLOWER: case KafkaErrorCodes.LEADER_NOT_AVAILABLE: case KafkaErrorCodes.REQUEST_TIMED_OUT:
        case KafkaErrorCodes.NOT_ENOUGH_REPLICAS: case KafkaErrorCodes.NOT_ENOUGH_REPLICAS_AFTER_APPEND: case KafkaErrorCodes.KAFKA_STORAGE_ERROR:
        case KafkaErrorCodes.UNKNOWN_TOPIC_OR_PARTITION: case KafkaErrorCodes.CONCURRENT_TRANSACTIONS:
          if (attempt >= RETRY_LIMIT) break
          d.invalidateLeader(this.#o.mirrorTopic, this.#o.partition)
          await sleep(backoffMs(attempt))
          continue
        case KafkaErrorCodes.INVALID_PRODUCER_EPOCH: case KafkaErrorCodes.PRODUCER_FENCED:
          throw new EngineError('FENCED', `mirror partition ${this.#o.partition}: another engine took over this mirror partition (producer epoch fenced)`, { context: ctx })
        case KafkaErrorCodes.OUT_OF_ORDER_SEQUENCE_NUMBER:
          // Another writer of P moved the partition on: a stale owner learns here that it is fenced; the owner resyncs.
          await this.checkOwnership(true)
          throw new EngineError('INVALID_STATE', `mirror partition ${this.#o.partition}: another writer of this mirror's producer id appended at ${offset} (resynchronising)`, { retriable: true, context: { ...ctx, resync: true } })
      }
      throw new EngineError('KAFKA_ERROR', `mirror partition ${this.#o.partition}: the destination rejected the batch for offset ${offset} (error ${res.errorCode}${res.errorMessage ? `: ${res.errorMessage}` : ''}${res.recordErrors[0]?.message ? `; ${res.recordErrors[0].message}` : ''})`, { context: ctx })
    }
  }

  /**
   * Occupies `count` offsets with records no read_committed consumer sees: one empty aborted transaction per offset for
   * small gaps (nothing visible to any consumer), else aborted transactions of up to fillerChunkRecords - 1 filler
   * records plus their marker. EndTxn returns before the marker is written (observed 0.05-10 ms later, check 4), so each
   * step waits for the log end offset before the next write.
   */
  async fill(count: number): Promise<void> {
    await this.drain()
    let remaining = count
    while (remaining > 0) {
      const chunk = remaining <= this.#o.emptyTxnFillMax ? 1 : Math.min(remaining, this.#o.fillerChunkRecords)
      await this.#fillerTransaction(chunk)
      remaining -= chunk
      this.counters.fillerOffsets += chunk
    }
  }

  async #fillerTransaction(offsets: number): Promise<void> {
    const d = this.#o.destination
    const txn = this.#txn
    if (!txn) throw new EngineError('INTERNAL', 'filler producer not initialised', { context: this.#ctx })
    const target = this.expected + BigInt(offsets)
    await this.#retry('add partitions to txn', () => d.addPartitionsToTxn(this.#txnId, txn.producerId, txn.producerEpoch, this.#o.mirrorTopic, [this.#o.partition]))
    if (offsets > 1) {
      const producers = await this.#retry('describe producers', () => d.describeProducers(this.#o.mirrorTopic, this.#o.partition))
      const t = producers.find((p) => p.producerId === txn.producerId && p.producerEpoch === txn.producerEpoch)
      const sequence = t && t.lastSequence >= 0 ? incrementSequence(t.lastSequence, 1) : 0
      const batch = encodeFillerBatch(offsets - 1, { codec: CODECS.zstd, producerId: txn.producerId, producerEpoch: txn.producerEpoch, baseSequence: sequence, transactional: true, timestamp: BigInt(Date.now()) })
      await this.#append(batch, offsets - 1, this.#txnId)
    }
    await this.#retry('end txn', () => d.endTxn(this.#txnId, txn.producerId, txn.producerEpoch, false))
    // The coordinator resends a marker whose WriteTxnMarkers answer was lost, and the leader appends it again (Kafka
    // does not deduplicate markers). It records CompleteAbort only after every marker write was acknowledged, so once
    // it does, a resent marker is already in the log: only then is the log end offset checked, and nothing is written before.
    await this.#waitFillerTxnComplete(target)
    for (let i = 0; ; i++) {
      const leo = await this.#retry('list offsets', () => d.listOffset(this.#o.mirrorTopic, this.#o.partition, 'latest'))
      if (leo === target) break
      if (leo > target) throw await this.divergenceAt(target, leo, `after a filler up to ${target} the log end offset is ${leo}`)
      if (i > 6000) throw new EngineError('TIMEOUT', `mirror partition ${this.#o.partition}: the filler marker for offset ${target - 1n} did not appear`, { retriable: true, context: this.#ctx })
      await sleep(i < 20 ? 1 : 5)
    }
    this.expected = target
    this.#next = target
  }

  /** Polls DescribeTransactions until the filler transaction is CompleteAbort (or CompleteCommit); FENCED when another engine took T over. */
  async #waitFillerTxnComplete(target: bigint): Promise<void> {
    const mine = this.#txn
    for (let i = 0; ; i++) {
      const current = await this.#retry('describe transactions', () => this.#o.destination.describeTransaction(this.#txnId))
      if (!mine || current.producerId !== mine.producerId || current.producerEpoch > mine.producerEpoch) {
        throw new EngineError('FENCED', `mirror partition ${this.#o.partition}: another engine took over this mirror partition`, { context: this.#ctx })
      }
      if (COMPLETED_TXN_STATES.has(current.state)) return
      if (i > 6000) throw new EngineError('TIMEOUT', `mirror partition ${this.#o.partition}: the filler transaction for offset ${target - 1n} did not complete (state ${current.state})`, { retriable: true, context: this.#ctx })
      await sleep(i < 20 ? 1 : 5)
    }
  }

  /** Why the mirror partition holds offsets [from, to) this writer did not plan (mirror-divergence.ts). */
  divergenceAt(from: bigint, to: bigint, what: string): Promise<EngineError> {
    const fetch = (offset: bigint) => this.#retry('fetch', () => this.#o.destination.fetchRaw(this.#o.mirrorTopic, this.#o.partition, offset,
      { maxBytes: 1 << 20, maxWaitMs: 0, isolation: 'read_uncommitted', lane: 'check' }))
    return divergenceError({ partition: this.#o.partition, context: this.#ctx, fillerProducerId: this.#txn?.producerId, fetch }, from, to, what)
  }

  /** DeleteRecords on the mirror partition (alignment to the source log start offset). Returns false on a compact-only topic. */
  async deleteRecordsBelow(offset: bigint): Promise<boolean> {
    try {
      await this.#retry('delete records', () => this.#o.destination.deleteRecords(this.#o.mirrorTopic, this.#o.partition, offset))
      // P's batches below the new log start may take its producer state with them: any sequence would be accepted again.
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
