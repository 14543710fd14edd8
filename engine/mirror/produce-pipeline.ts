// Keeps a window of data batches of one mirror partition in flight and accepts their produce responses strictly in order.
import { EngineError, isEngineError } from '../errors.ts'
import { KafkaErrorCodes, incrementSequence, type RawProducePartitionResponse } from '../kafka/index.ts'
import { backoffMs, sleep } from '../retry.ts'

/**
 * The broker's duplicate cache: it remembers the last 5 batches per producer id and partition (ProducerStateEntry
 * NUM_BATCHES_TO_RETAIN). A resend of one of them is answered with its original offset; an older one is refused.
 */
export const DUPLICATE_WINDOW_BATCHES = 5
/** Batches one mirror partition may have in flight (when P has producer state on the partition). */
export const MAX_IN_FLIGHT_BATCHES = 1024
/**
 * Bytes one mirror partition may have in flight: at least one fetch response (4 MiB by default), so the batches of a
 * response all leave in one round trip of the destination, whatever the round-trip time.
 */
export const MAX_IN_FLIGHT_BYTES = 8 << 20

/** One data batch of producer P, already encoded with its sequence: resent byte for byte until it is accepted. */
export interface PipelineBatch {
  /** The destination offset the batch must land at (ProduceResponse.base_offset). */
  readonly offset: bigint
  readonly count: number
  readonly sequence: number
  readonly bytes: Buffer
  readonly rebuilt: boolean
}

export interface ProducePipelineOptions {
  readonly partition: number
  readonly context: { readonly topic: string; readonly partition: number }
  /** Batches allowed in flight now (1 while P has no producer state on the partition). */
  readonly maxInFlight: () => number
  /** Sends one batch; calls reach the wire in call order (KafkaClusterClient.produceRawOrdered). */
  readonly send: (bytes: Buffer) => Promise<RawProducePartitionResponse>
  readonly onRetry: () => void
  /** `seconds`: from the last send of the batch to its accepted response. */
  readonly onAccepted: (batch: PipelineBatch, seconds: number) => void
  /** Throws FENCED when another engine owns the mirror partition now. */
  readonly checkOwnership: () => Promise<void>
  readonly divergenceAt: (from: bigint, to: bigint, what: string) => Promise<EngineError>
  /** P's last sequence on the partition leader at the writer's epoch (DescribeProducers); null when it has none there. */
  readonly lastSequence: () => Promise<number | null>
  /** The partition leader's log end offset. */
  readonly logEndOffset: () => Promise<bigint>
  readonly isStopping: () => boolean
  readonly retryLimit: number
}

/** P's last sequence in a DescribeProducers answer, at `epoch`; null when P has no batch there (or another epoch). */
export function lastSequenceOf(
  producers: ReadonlyArray<{ readonly producerId: bigint; readonly producerEpoch: number; readonly lastSequence: number }>,
  producerId: bigint, epoch: number,
): number | null {
  const p = producers.find((s) => s.producerId === producerId)
  return p && p.producerEpoch === epoch && p.lastSequence >= 0 ? p.lastSequence : null
}

type Outcome = { readonly response: RawProducePartitionResponse } | { readonly error: unknown }
interface InFlight {
  readonly batch: PipelineBatch
  outcome: Promise<Outcome>
  /** The outcome once it has arrived (undefined while the send is in flight). */
  settled: Outcome | undefined
  attempt: number
  sentAt: number
}

const RETRIABLE_CODES: ReadonlySet<number> = new Set([
  KafkaErrorCodes.NOT_LEADER_OR_FOLLOWER, KafkaErrorCodes.LEADER_NOT_AVAILABLE, KafkaErrorCodes.REQUEST_TIMED_OUT,
  KafkaErrorCodes.NOT_ENOUGH_REPLICAS, KafkaErrorCodes.NOT_ENOUGH_REPLICAS_AFTER_APPEND, KafkaErrorCodes.KAFKA_STORAGE_ERROR,
  KafkaErrorCodes.UNKNOWN_TOPIC_OR_PARTITION, KafkaErrorCodes.CONCURRENT_TRANSACTIONS,
])

/**
 * Rules (the broker side: ProducerAppendInfo.checkSequence, ProducerStateEntry; the client side that inspired them:
 * the Java producer's Sender and TransactionManager, read, not copied):
 * - Batches are sent in sequence order on one ordered lane, so the broker sees them in order (it handles one
 *   connection's requests one after another, SocketServer) and appends a batch of P only when its sequence is P's last
 *   sequence + 1: never twice, never out of order. Up to MAX_IN_FLIGHT_BATCHES / MAX_IN_FLIGHT_BYTES are unaccepted,
 *   far more than the broker's duplicate cache (DUPLICATE_WINDOW_BATCHES): at a 50 ms round trip to the destination,
 *   five batches per round trip would cap a partition at 100 batches/s.
 * - Responses may settle in any order; they are judged head first. Only the head (every earlier batch accepted) can be
 *   accepted, and only when base_offset equals its planned offset.
 * - A retriable failure of the head: wait until every later batch has settled (they were sent after it). With at most
 *   DUPLICATE_WINDOW_BATCHES in flight, resend them all, same bytes and same sequences: any of them that had landed is
 *   a duplicate the broker answers with its original offset. With more, some that landed may have left the duplicate
 *   cache, so first reconcile (below), then resend the rest the same way.
 * - OUT_OF_ORDER_SEQUENCE_NUMBER on the head: ownership is checked (FENCED when another engine owns the partition),
 *   then reconcile. When the log holds none of the batches in flight, another writer of P moved the partition on: the
 *   caller resynchronises.
 * - Reconcile proves the batches whose responses were lost with the leader's (P's last sequence, log end offset) pair,
 *   read consistently: a mirror's offsets are deterministic, so when P's last sequence is the last sequence of batch i
 *   in flight, batches 0..i landed, each once and in order, right after the last accepted offset, and the log end
 *   offset must be exactly batch i's planned end; anything else there was written by someone else (divergence).
 * - Any response that is not a success at its planned offset stops new sends as soon as it arrives, before it is the
 *   head: the next submit first judges the whole window. Without that, a head refused with NOT_LEADER_OR_FOLLOWER
 *   would wait for the window to fill behind it (a slow source: minutes) before its retry found the new leader.
 * - Any base-offset mismatch or fatal error: nothing more is sent, ever; the batches already in flight are awaited and
 *   checked, then the first error is thrown.
 */
export class ProducePipeline {
  readonly #o: ProducePipelineOptions
  #inFlight: InFlight[] = []
  #inFlightBytes = 0
  #halted: EngineError | null = null
  /** A response in flight already says refusal, mismatch or error: send nothing more until it is judged. */
  #poisoned = false

  constructor(options: ProducePipelineOptions) {
    this.#o = options
  }

  get inFlightCount(): number { return this.#inFlight.length }

  /** Sends `batch` once the window has room (accepting earlier batches as their responses come). */
  async submit(batch: PipelineBatch): Promise<void> {
    if (this.#halted) throw this.#halted
    for (;;) {
      if (this.#poisoned) await this.drain()
      if (this.#inFlight.length === 0) break
      const limit = Math.max(1, Math.min(MAX_IN_FLIGHT_BATCHES, this.#o.maxInFlight()))
      if (this.#inFlight.length < limit && this.#inFlightBytes + batch.bytes.length <= MAX_IN_FLIGHT_BYTES) break
      await this.#settleHead()
    }
    const f = { batch, attempt: 0, settled: undefined, sentAt: performance.now() } as Omit<InFlight, 'outcome'> as InFlight
    f.outcome = this.#send(f) // #send needs the entry itself: its response marks it settled
    this.#inFlight.push(f)
    this.#inFlightBytes += batch.bytes.length
  }

  /** Waits until every batch sent is accepted; throws the first failure (the pipeline is then empty). */
  async drain(): Promise<void> {
    if (this.#halted) throw this.#halted
    while (this.#inFlight.length > 0) await this.#settleHead()
    this.#poisoned = false
  }

  #send(f: InFlight): Promise<Outcome> {
    f.settled = undefined
    // Any refusal stops new sends until the head is judged: a batch sent behind a refused one is refused or resent too,
    // and with responses written back to back nothing else would judge the head before the window fills.
    return this.#o.send(f.batch.bytes).then((response) => {
      if (response.errorCode !== 0 || response.baseOffset !== f.batch.offset) this.#poisoned = true
      f.settled = { response }
      this.#acceptArrived()
      return f.settled
    }, (error: unknown) => {
      this.#poisoned = true
      f.settled = { error }
      return f.settled
    })
  }

  /**
   * Accepts, as soon as their responses arrive, the batches at the head that landed where planned: the writer's
   * accepted offset, counters and the fetch budget follow the broker even while the copier waits on its next fetch
   * and nothing calls submit or drain. Anything else at the head is left for #settleHead to judge.
   */
  #acceptArrived(): void {
    let n = 0
    for (const f of this.#inFlight) {
      const s = f.settled
      if (!s || !('response' in s) || s.response.errorCode !== 0 || s.response.baseOffset !== f.batch.offset) break
      n++
    }
    if (n > 0) this.#accept(n)
  }

  #accept(count: number): void {
    const now = performance.now()
    for (const f of this.#inFlight.splice(0, count)) {
      this.#inFlightBytes -= f.batch.bytes.length
      this.#o.onAccepted(f.batch, (now - f.sentAt) / 1000)
    }
  }

  async #settleHead(): Promise<void> {
    const head = this.#inFlight[0]!
    const outcome = await head.outcome
    if (this.#inFlight[0] !== head) return // accepted on arrival (#acceptArrived)
    const verdict = await this.#judge(head, outcome)
    if (verdict === 'accepted') return this.#accept(1)
    if (verdict === 'retry') return this.#resendAll(this.#inFlight.length > DUPLICATE_WINDOW_BATCHES ? 'reconcile' : 'resend')
    if (verdict === 'out_of_order') return this.#resendAll('out_of_order')
    throw await this.#stop(verdict)
  }

  /** What one response means for its batch, judged as the head: accepted, resend, reconcile, or an error that ends the pipeline. */
  async #judge(f: InFlight, outcome: Outcome): Promise<'accepted' | 'retry' | 'out_of_order' | EngineError> {
    const { offset } = f.batch
    const p = this.#o.partition
    if ('error' in outcome) {
      const e = outcome.error
      if (!isEngineError(e)) return new EngineError('INTERNAL', `mirror partition ${p}: produce failed (${String(e)})`, { cause: e, context: this.#o.context })
      return e.retriable ? this.#retryOr(f, e) : e
    }
    const res = outcome.response
    const ctx = { ...this.#o.context, offset, kafkaErrorCode: res.errorCode }
    if (res.errorCode === 0) {
      if (res.baseOffset === offset) return 'accepted'
      if (res.baseOffset > offset) return this.#o.divergenceAt(offset, res.baseOffset, `a batch for offset ${offset} landed at ${res.baseOffset}`)
      return new EngineError('OFFSET_DIVERGENCE', `mirror partition ${p}: a batch for offset ${offset} landed at ${res.baseOffset}: another producer wrote into the mirror topic`,
        { context: { ...ctx, landedAt: res.baseOffset } })
    }
    if (RETRIABLE_CODES.has(res.errorCode)) {
      return this.#retryOr(f, new EngineError('KAFKA_ERROR', `mirror partition ${p}: the destination kept refusing the batch for offset ${offset} (error ${res.errorCode})`, { retriable: true, context: ctx }))
    }
    switch (res.errorCode) {
      case KafkaErrorCodes.INVALID_PRODUCER_EPOCH: case KafkaErrorCodes.PRODUCER_FENCED:
        return new EngineError('FENCED', `mirror partition ${p}: another engine took over this mirror partition (producer epoch fenced)`, { context: ctx })
      case KafkaErrorCodes.OUT_OF_ORDER_SEQUENCE_NUMBER:
        try {
          await this.#o.checkOwnership()
        } catch (error) {
          return isEngineError(error) ? error : new EngineError('INTERNAL', String(error), { cause: error })
        }
        {
          const verdict = this.#retryOr(f, this.#resyncError(offset, res.errorCode))
          return verdict === 'retry' ? 'out_of_order' : verdict
        }
    }
    const detail = `${res.errorMessage ? `: ${res.errorMessage}` : ''}${res.recordErrors[0]?.message ? `; ${res.recordErrors[0].message}` : ''}`
    return new EngineError('KAFKA_ERROR', `mirror partition ${p}: the destination rejected the batch for offset ${offset} (error ${res.errorCode}${detail})`, { context: ctx })
  }

  #resyncError(offset: bigint, kafkaErrorCode: number): EngineError {
    const p = this.#o.partition
    return new EngineError('INVALID_STATE', `mirror partition ${p}: another writer of this mirror's producer id appended at ${offset} (resynchronising)`,
      { retriable: true, context: { ...this.#o.context, offset, kafkaErrorCode, resync: true } })
  }

  #retryOr(f: InFlight, error: EngineError): 'retry' | EngineError {
    if (this.#o.isStopping()) return new EngineError('INVALID_STATE', 'stopping', { retriable: true, context: this.#o.context })
    return f.attempt < this.#o.retryLimit ? 'retry' : error
  }

  /**
   * The head failed (retriably, or OUT_OF_ORDER_SEQUENCE_NUMBER): every later batch was sent after it, so let all
   * settle, reconcile when the duplicate cache cannot cover them, then resend the rest in order, same bytes.
   */
  async #resendAll(mode: 'resend' | 'reconcile' | 'out_of_order'): Promise<void> {
    const outcomes = await Promise.all(this.#inFlight.map((f) => f.outcome))
    for (let i = 1; i < outcomes.length; i++) {
      const o = outcomes[i]!
      const f = this.#inFlight[i]!
      // A later batch that landed somewhere else than planned is a divergence, whatever happened to the head.
      if ('response' in o && o.response.errorCode === 0 && o.response.baseOffset !== f.batch.offset) {
        throw await this.#stop(await this.#judge(f, o) as EngineError)
      }
    }
    if (mode !== 'resend') {
      const head = this.#inFlight[0]!
      let landed: number | EngineError
      try {
        landed = await this.#reconcile()
      } catch (error) {
        // The reads failed for good: forget the batches in flight; the caller starts again at the last accepted batch.
        const e = isEngineError(error) ? error : new EngineError('INTERNAL', String(error), { cause: error, context: this.#o.context })
        throw await this.#stop(e)
      }
      if (landed instanceof EngineError) throw await this.#stop(landed)
      // OUT_OF_ORDER_SEQUENCE_NUMBER while the log holds none of the batches in flight: someone else moved P on.
      if (landed < 0 && mode === 'out_of_order') {
        throw await this.#stop(this.#resyncError(head.batch.offset, KafkaErrorCodes.OUT_OF_ORDER_SEQUENCE_NUMBER))
      }
      this.#accept(landed + 1)
      if (this.#inFlight.length === 0) return
    }
    const head = this.#inFlight[0]!
    head.attempt++
    this.#o.onRetry()
    await sleep(backoffMs(head.attempt - 1, 10, 1_000))
    if (this.#o.isStopping()) throw await this.#stop(new EngineError('INVALID_STATE', 'stopping', { retriable: true, context: this.#o.context }))
    this.#poisoned = false
    for (const f of this.#inFlight) {
      f.outcome = this.#send(f)
      f.sentAt = performance.now()
    }
  }

  /**
   * With every batch in flight settled: the index of the last one the leader's log holds (-1: none), proven by P's last
   * sequence and the log end offset read as a consistent pair (P's sequence read before and after agree).
   */
  async #reconcile(): Promise<number | EngineError> {
    const head = this.#inFlight[0]!
    for (let attempt = 0; attempt < 100; attempt++) {
      const before = await this.#o.lastSequence()
      const logEndOffset = await this.#o.logEndOffset()
      if (before !== await this.#o.lastSequence()) continue
      let landed = -2
      if (before !== null && incrementSequence(before, 1) === head.batch.sequence) landed = -1
      for (let i = 0; i < this.#inFlight.length && landed === -2 && before !== null; i++) {
        const b = this.#inFlight[i]!.batch
        if (incrementSequence(b.sequence, b.count - 1) === before) landed = i
      }
      // P's last sequence is none of the batches in flight: another writer of P moved the partition on.
      if (landed === -2) return this.#resyncError(head.batch.offset, KafkaErrorCodes.OUT_OF_ORDER_SEQUENCE_NUMBER)
      const last = landed >= 0 ? this.#inFlight[landed]!.batch : null
      const end = last ? last.offset + BigInt(last.count) : head.batch.offset
      if (logEndOffset === end) return landed
      const what = `the log end offset is ${logEndOffset} where this writer's batches up to sequence ${before} end at ${end}`
      if (logEndOffset > end) return this.#o.divergenceAt(head.batch.offset, logEndOffset, what)
      return new EngineError('OFFSET_DIVERGENCE', `mirror partition ${this.#o.partition}: ${what}: the mirror partition lost records`,
        { context: { ...this.#o.context, offset: head.batch.offset, logEndOffset } })
    }
    return new EngineError('DESTINATION_UNAVAILABLE', `mirror partition ${this.#o.partition} keeps changing under another writer`,
      { retriable: true, context: this.#o.context })
  }

  /**
   * Ends the pipeline with `error`: sends nothing more, awaits every batch in flight and checks it (a mismatch among
   * them wins over a retriable error), then forgets them. A non-retriable error halts the pipeline for good.
   */
  async #stop(error: EngineError): Promise<EngineError> {
    let first = error
    if (!error.retriable) this.#halted = error
    const pending = this.#inFlight
    this.#inFlight = []
    this.#inFlightBytes = 0
    const outcomes = await Promise.all(pending.map((f) => f.outcome))
    this.#poisoned = false
    if (first.retriable) {
      for (let i = 0; i < outcomes.length; i++) {
        const o = outcomes[i]!
        if ('response' in o && o.response.errorCode === 0 && o.response.baseOffset !== pending[i]!.batch.offset) {
          const verdict = await this.#judge(pending[i]!, o)
          if (verdict instanceof EngineError) {
            first = verdict
            this.#halted = verdict
            break
          }
        }
      }
    }
    return first
  }
}
