// Occupies the offsets of one mirror partition that hold no visible source record, with transactions no consumer reads.
import { EngineError, isEngineError } from '../errors.ts'
import { CODECS, KafkaErrorCodes, encodeFillerBatch, incrementSequence, type KafkaClusterClient } from '../kafka/index.ts'
import { backoffMs, sleep } from '../retry.ts'
import { fillerHelperTransactionalId, produceLaneOf } from './writer-identity.ts'

/** Header of every filler record (a record only a read_uncommitted consumer of a gap above emptyTxnFillMax can see). */
export const FILLER_HEADER = 'clusterlink.filler'
/** Helper transactional.ids per mirror partition next to T: one empty transaction at a time each (bench/history/, filler rate). */
export const FILLER_HELPERS = 8
/** Gaps up to this many offsets are filled with empty transactions only: nothing for any consumer to read. */
export const DEFAULT_EMPTY_TXN_FILL_MAX = 20_000

/** Coordinator states (DescribeTransactions) of a transaction whose markers are all written. */
const COMPLETED_TXN_STATES = new Set(['CompleteAbort', 'CompleteCommit', 'Empty'])
/** DescribeTransactions error for a transactional.id the coordinator never saw (Errors.TRANSACTIONAL_ID_NOT_FOUND). */
const TRANSACTIONAL_ID_NOT_FOUND = 105
const RETRY_LIMIT = 20

export interface FillerIdentity { readonly producerId: bigint; readonly producerEpoch: number }

/** What the filler needs from the PartitionWriter that owns it. */
export interface OffsetFillerHost {
  readonly destination: KafkaClusterClient
  readonly mirrorTopic: string
  readonly mirrorTopicId: string
  readonly partition: number
  /** T, the ownership token (writer-identity.ts). */
  readonly txnId: string
  readonly emptyTxnFillMax: number
  readonly fillerChunkRecords: number
  /** Helper transactional.ids used for long invisible gaps (0 to FILLER_HELPERS). */
  readonly helpers: number
  readonly isStopping: () => boolean
  /** T's identity from InitProducerId. */
  readonly owner: () => FillerIdentity | null
  readonly retry: <T>(what: string, run: () => Promise<T>) => Promise<T>
  /** Throws FENCED when another engine holds T now. */
  readonly checkOwnership: () => Promise<void>
  readonly divergenceAt: (from: bigint, to: bigint, what: string) => Promise<EngineError>
  /** The writer's log end offset, and T's epoch and next sequence on the partition. */
  readonly position: () => { readonly expected: bigint; readonly epoch: number; readonly sequence: number }
  /** Every offset below `target` is filled; T's epoch and next sequence on the partition are now these. */
  readonly filled: (target: bigint, epoch: number, sequence: number) => void
}

interface Worker { readonly id: string; readonly identity: FillerIdentity }

export class OffsetFiller {
  readonly #h: OffsetFillerHost
  readonly #helpers = new Map<number, FillerIdentity>()

  constructor(host: OffsetFillerHost) {
    this.#h = host
  }

  get #ctx() { return { topic: this.#h.mirrorTopic, partition: this.#h.partition } }

  /** Producer ids of this writer's filler transactions: T's and its helpers'. */
  producerIds(): bigint[] {
    const owner = this.#h.owner()
    return [...(owner ? [owner.producerId] : []), ...[...this.#helpers.values()].map((h) => h.producerId)]
  }

  /**
   * At takeover, after InitProducerId(T) and before the log end offset is read: InitProducerId on every helper that
   * exists fences an older owner's helper, aborts its open transaction and answers only once that marker is written
   * (TransactionCoordinator.handleInitProducerId answers CONCURRENT_TRANSACTIONS until then). A helper that does not
   * exist yet cannot be in use: an owner creates its helpers, then checks it still holds T, before it uses them. Helpers
   * write only after a fill's first marker (T's), so on a partition still empty after InitProducerId(T) (which waits
   * for T's aborted transaction to complete) no helper can be in use: `any` false skips the 8 lookups.
   */
  async fenceHelpers(any: boolean): Promise<void> {
    this.#helpers.clear()
    if (!any) return
    const d = this.#h.destination
    await Promise.all(Array.from({ length: FILLER_HELPERS }, (_, i) => i + 1).map(async (index) => {
      const id = fillerHelperTransactionalId(this.#h.mirrorTopicId, this.#h.partition, index)
      try {
        await this.#h.retry('describe transactions', () => d.describeTransaction(id))
      } catch (error) {
        if (isEngineError(error) && error.context.kafkaErrorCode === TRANSACTIONAL_ID_NOT_FOUND) return
        throw error
      }
      this.#helpers.set(index, await this.#h.retry('init filler producer', () => d.initProducerId(id, 60_000)))
    }))
  }

  /**
   * Fills `count` offsets at the log end offset. Up to emptyTxnFillMax offsets: empty aborted transactions (one marker
   * offset each, invisible to every consumer; check 4), the first by T (after a takeover it raises T's epoch on the
   * partition, see PartitionWriter), the rest by T's helpers in parallel. Longer gaps: aborted transactions of up to
   * fillerChunkRecords - 1 records marked with FILLER_HEADER plus their marker (invisible to read_committed consumers).
   */
  async fill(count: number): Promise<void> {
    let remaining = count
    if (count > this.#h.emptyTxnFillMax) {
      while (remaining > 0) {
        const chunk = remaining <= 8 ? 1 : Math.min(remaining, this.#h.fillerChunkRecords)
        await this.#ownerTransaction(chunk)
        remaining -= chunk
      }
      return
    }
    await this.#ownerTransaction(1)
    remaining--
    const workers = remaining > 1 ? await this.#workers(Math.min(this.#h.helpers, remaining)) : []
    if (workers.length === 0) {
      for (; remaining > 0; remaining--) await this.#ownerTransaction(1)
      return
    }
    await this.#parallel(workers, remaining)
  }

  /** T's helpers 1..n, created on first use; a new one is used only after T is found still ours (see fenceHelpers). */
  async #workers(n: number): Promise<Worker[]> {
    const d = this.#h.destination
    let created = false
    const out: Worker[] = []
    for (let index = 1; index <= n; index++) {
      const id = fillerHelperTransactionalId(this.#h.mirrorTopicId, this.#h.partition, index)
      let identity = this.#helpers.get(index)
      if (!identity) {
        identity = await this.#h.retry('init filler producer', () => d.initProducerId(id, 60_000))
        this.#helpers.set(index, identity)
        created = true
      }
      out.push({ id, identity })
    }
    if (created) await this.#h.checkOwnership()
    return out
  }

  /** `n` empty transactions shared by the workers; exact: every successful EndTxn wrote one marker, which the end checks. */
  async #parallel(workers: readonly Worker[], n: number): Promise<void> {
    const start = this.#h.position()
    const target = start.expected + BigInt(n)
    let left = n
    let failure: unknown = null
    await Promise.allSettled(workers.map(async (w) => {
      while (left > 0 && failure === null && !this.#h.isStopping()) {
        left--
        try {
          await this.#emptyTransaction(w)
        } catch (error) {
          failure ??= error
        }
      }
    }))
    if (failure === null && left > 0) failure = new EngineError('INVALID_STATE', 'stopping', { retriable: true, context: this.#ctx })
    if (failure !== null) throw await this.#recover(workers, failure)
    for (const w of workers) await this.#waitComplete(w.id, w.identity, target)
    await this.#waitLogEnd(target)
    this.#h.filled(target, start.epoch, start.sequence)
  }

  async #emptyTransaction(w: Worker): Promise<void> {
    const d = this.#h.destination
    for (let attempt = 0; ; attempt++) {
      try {
        await d.addPartitionsToTxn(w.id, w.identity.producerId, w.identity.producerEpoch, this.#h.mirrorTopic, [this.#h.partition])
        break
      } catch (error) {
        // The previous transaction of this id is still completing (its marker write in flight): try again at once.
        if (isEngineError(error) && error.context.kafkaErrorCode === KafkaErrorCodes.CONCURRENT_TRANSACTIONS && attempt < 5_000) {
          await sleep(attempt < 20 ? 1 : 5)
          continue
        }
        if (isEngineError(error) && error.retriable && attempt < RETRY_LIMIT) {
          await sleep(backoffMs(attempt))
          continue
        }
        throw error
      }
    }
    await this.#h.retry('end txn', () => d.endTxn(w.id, w.identity.producerId, w.identity.producerEpoch, false))
  }

  /**
   * A worker failed: some markers may be written, and a transaction may be open. Re-initialising each helper aborts
   * it and waits for its marker (only while T is still ours: else the new owner fenced them), then the writer re-reads
   * the log end offset (resync).
   */
  async #recover(workers: readonly Worker[], failure: unknown): Promise<unknown> {
    if (isEngineError(failure) && failure.code === 'FENCED') return failure
    await this.#h.checkOwnership()
    const d = this.#h.destination
    for (const [index, w] of workers.entries()) {
      this.#helpers.set(index + 1, await this.#h.retry('init filler producer', () => d.initProducerId(w.id, 60_000)))
    }
    const e = isEngineError(failure) ? failure : new EngineError('INTERNAL', String(failure), { cause: failure })
    return new EngineError(e.code, `mirror partition ${this.#h.partition}: a filler transaction failed (${e.message}); resynchronising`,
      { retriable: true, cause: e, context: { ...this.#ctx, ...e.context, resync: true } })
  }

  /** One filler transaction of T: `offsets` - 1 marked filler records (none for 1) and the marker. */
  async #ownerTransaction(offsets: number): Promise<void> {
    const d = this.#h.destination
    const txn = this.#h.owner()
    if (!txn) throw new EngineError('INTERNAL', 'filler producer not initialised', { context: this.#ctx })
    const start = this.#h.position()
    const target = start.expected + BigInt(offsets)
    await this.#h.retry('add partitions to txn', () => d.addPartitionsToTxn(this.#h.txnId, txn.producerId, txn.producerEpoch, this.#h.mirrorTopic, [this.#h.partition]))
    // The first filler after a takeover carries the coordinator's epoch: a new epoch starts at sequence 0, and its
    // marker leaves no batch metadata behind (ProducerAppendInfo), so data goes on at 0 (+ the filler batch) after it.
    let sequence = start.epoch === txn.producerEpoch ? start.sequence : 0
    if (offsets > 1) {
      const batch = encodeFillerBatch(offsets - 1, {
        codec: CODECS.zstd, producerId: txn.producerId, producerEpoch: txn.producerEpoch, baseSequence: sequence, transactional: true,
        timestamp: BigInt(Date.now()), marker: FILLER_HEADER,
      })
      await this.#append(batch, start.expected)
      sequence = incrementSequence(sequence, offsets - 1)
    }
    await this.#h.retry('end txn', () => d.endTxn(this.#h.txnId, txn.producerId, txn.producerEpoch, false))
    // The coordinator resends a marker whose WriteTxnMarkers answer was lost, and the leader appends it again (Kafka
    // does not deduplicate markers). It records CompleteAbort only after every marker write was acknowledged, so once
    // it does, a resent marker is already in the log: only then is the log end offset checked, and nothing is written before.
    await this.#waitComplete(this.#h.txnId, txn, target)
    await this.#waitLogEnd(target)
    this.#h.filled(target, txn.producerEpoch, sequence)
  }

  /** Sends T's transactional filler batch and checks that it landed at `offset`; resends the same bytes after a lost response. */
  async #append(bytes: Buffer, offset: bigint): Promise<void> {
    const d = this.#h.destination
    for (let attempt = 0; ; attempt++) {
      if (this.#h.isStopping() && attempt > 0) throw new EngineError('INVALID_STATE', 'stopping', { retriable: true, context: this.#ctx })
      let res
      try {
        const lane = produceLaneOf(this.#h.mirrorTopic, this.#h.partition)
        res = await d.produceRaw(this.#h.mirrorTopic, this.#h.partition, bytes, { lane, transactionalId: this.#h.txnId })
      } catch (error) {
        if (isEngineError(error) && error.retriable && attempt < RETRY_LIMIT) {
          d.invalidateLeader(this.#h.mirrorTopic, this.#h.partition)
          await sleep(backoffMs(attempt))
          continue
        }
        throw error
      }
      const ctx = { ...this.#ctx, offset, kafkaErrorCode: res.errorCode }
      if (res.errorCode === 0) {
        if (res.baseOffset === offset) return
        if (res.baseOffset > offset) throw await this.#h.divergenceAt(offset, res.baseOffset, `a filler for offset ${offset} landed at ${res.baseOffset}`)
        throw new EngineError('OFFSET_DIVERGENCE', `mirror partition ${this.#h.partition}: a filler for offset ${offset} landed at ${res.baseOffset}: another producer wrote into the mirror topic`, { context: { ...ctx, landedAt: res.baseOffset } })
      }
      switch (res.errorCode) {
        case KafkaErrorCodes.NOT_LEADER_OR_FOLLOWER: case KafkaErrorCodes.LEADER_NOT_AVAILABLE: case KafkaErrorCodes.REQUEST_TIMED_OUT:
        case KafkaErrorCodes.NOT_ENOUGH_REPLICAS: case KafkaErrorCodes.NOT_ENOUGH_REPLICAS_AFTER_APPEND:
        case KafkaErrorCodes.KAFKA_STORAGE_ERROR: case KafkaErrorCodes.UNKNOWN_TOPIC_OR_PARTITION:
        case KafkaErrorCodes.CONCURRENT_TRANSACTIONS:
          if (attempt >= RETRY_LIMIT) break
          d.invalidateLeader(this.#h.mirrorTopic, this.#h.partition)
          await sleep(backoffMs(attempt))
          continue
        case KafkaErrorCodes.INVALID_PRODUCER_EPOCH: case KafkaErrorCodes.PRODUCER_FENCED:
          throw new EngineError('FENCED', `mirror partition ${this.#h.partition}: another engine took over this mirror partition (producer epoch fenced)`, { context: ctx })
        case KafkaErrorCodes.OUT_OF_ORDER_SEQUENCE_NUMBER:
          await this.#h.checkOwnership()
          throw new EngineError('INVALID_STATE', `mirror partition ${this.#h.partition}: another writer of this mirror's producer id appended at ${offset} (resynchronising)`, { retriable: true, context: { ...ctx, resync: true } })
      }
      throw new EngineError('KAFKA_ERROR', `mirror partition ${this.#h.partition}: the destination rejected the filler for offset ${offset} (error ${res.errorCode}${res.errorMessage ? `: ${res.errorMessage}` : ''})`, { context: ctx })
    }
  }

  /** Polls DescribeTransactions until the transaction of `id` is complete; FENCED when another engine took the id over. */
  async #waitComplete(id: string, mine: FillerIdentity, target: bigint): Promise<void> {
    for (let i = 0; ; i++) {
      const current = await this.#h.retry('describe transactions', () => this.#h.destination.describeTransaction(id))
      if (current.producerId !== mine.producerId || current.producerEpoch > mine.producerEpoch) {
        throw new EngineError('FENCED', `mirror partition ${this.#h.partition}: another engine took over this mirror partition`, { context: this.#ctx })
      }
      if (COMPLETED_TXN_STATES.has(current.state)) return
      if (i > 6000) throw new EngineError('TIMEOUT', `mirror partition ${this.#h.partition}: the filler transaction for offset ${target - 1n} did not complete (state ${current.state})`, { retriable: true, context: { ...this.#ctx, resync: true } })
      await sleep(i < 20 ? 1 : 5)
    }
  }

  /** Waits until the log end offset reaches `target`; past it, the partition holds offsets nobody planned. */
  async #waitLogEnd(target: bigint): Promise<void> {
    const d = this.#h.destination
    for (let i = 0; ; i++) {
      const leo = await this.#h.retry('list offsets', () => d.listOffset(this.#h.mirrorTopic, this.#h.partition, 'latest'))
      if (leo === target) return
      if (leo > target) throw await this.#h.divergenceAt(target, leo, `after a filler up to ${target} the log end offset is ${leo}`)
      if (i > 6000) throw new EngineError('TIMEOUT', `mirror partition ${this.#h.partition}: the filler marker for offset ${target - 1n} did not appear`, { retriable: true, context: { ...this.#ctx, resync: true } })
      await sleep(i < 20 ? 1 : 5)
    }
  }
}
