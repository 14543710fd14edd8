// Keeps up to five data batches of one mirror partition in flight and accepts their produce responses strictly in order.
import { EngineError, isEngineError } from '../errors.ts'
import { KafkaErrorCodes, type RawProducePartitionResponse } from '../kafka/index.ts'
import { backoffMs, sleep } from '../retry.ts'

/** The idempotent producer's window: the broker remembers the last 5 batches per producer id and partition (ProducerStateEntry). */
export const MAX_IN_FLIGHT_BATCHES = 5

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
  readonly isStopping: () => boolean
  readonly retryLimit: number
}

type Outcome = { readonly response: RawProducePartitionResponse } | { readonly error: unknown }
interface InFlight { readonly batch: PipelineBatch; outcome: Promise<Outcome>; attempt: number; sentAt: number }

const RETRIABLE_CODES: ReadonlySet<number> = new Set([
  KafkaErrorCodes.NOT_LEADER_OR_FOLLOWER, KafkaErrorCodes.LEADER_NOT_AVAILABLE, KafkaErrorCodes.REQUEST_TIMED_OUT,
  KafkaErrorCodes.NOT_ENOUGH_REPLICAS, KafkaErrorCodes.NOT_ENOUGH_REPLICAS_AFTER_APPEND, KafkaErrorCodes.KAFKA_STORAGE_ERROR,
  KafkaErrorCodes.UNKNOWN_TOPIC_OR_PARTITION, KafkaErrorCodes.CONCURRENT_TRANSACTIONS,
])

/**
 * Rules (the broker side: ProducerAppendInfo.checkSequence, ProducerStateEntry; the client side that inspired them:
 * the Java producer's Sender and TransactionManager, read, not copied):
 * - Batches are sent in sequence order on one ordered lane, so the broker sees them in order; at most
 *   MAX_IN_FLIGHT_BATCHES are unaccepted, so a resend of any of them is still inside the broker's duplicate window and
 *   is answered with its original offset instead of being appended twice.
 * - Responses may settle in any order; they are judged head first. Only the head (every earlier batch accepted) can be
 *   accepted, and only when base_offset equals its planned offset.
 * - A retriable failure of the head: wait until every later batch has settled (they were sent after it), then resend
 *   the head and every later batch, same bytes and same sequences. Later batches' OUT_OF_ORDER_SEQUENCE_NUMBER answers
 *   are the expected echo of the head's failure and are resent too.
 * - OUT_OF_ORDER_SEQUENCE_NUMBER on the head itself: another writer of P moved the partition on (or a stale owner
 *   learns it is fenced): ownership is checked and the caller resynchronises.
 * - Any base-offset mismatch or fatal error: nothing more is sent, ever (a response that says so stops new sends as
 *   soon as it arrives, before it is the head); the batches already in flight are awaited and checked, then the first
 *   error is thrown.
 */
export class ProducePipeline {
  readonly #o: ProducePipelineOptions
  #inFlight: InFlight[] = []
  #halted: EngineError | null = null
  /** A response in flight already says mismatch or fatal error: send nothing more until it is judged. */
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
      if (this.#inFlight.length < Math.max(1, Math.min(MAX_IN_FLIGHT_BATCHES, this.#o.maxInFlight()))) break
      await this.#settleHead()
    }
    this.#inFlight.push({ batch, attempt: 0, outcome: this.#send(batch), sentAt: performance.now() })
  }

  /** Waits until every batch sent is accepted; throws the first failure (the pipeline is then empty). */
  async drain(): Promise<void> {
    if (this.#halted) throw this.#halted
    while (this.#inFlight.length > 0) await this.#settleHead()
    this.#poisoned = false
  }

  #send(batch: PipelineBatch): Promise<Outcome> {
    return this.#o.send(batch.bytes).then((response) => {
      const code = response.errorCode
      if (code === 0 ? response.baseOffset !== batch.offset : !RETRIABLE_CODES.has(code) && code !== KafkaErrorCodes.OUT_OF_ORDER_SEQUENCE_NUMBER) this.#poisoned = true
      return { response }
    }, (error: unknown) => {
      if (!isEngineError(error) || !error.retriable) this.#poisoned = true
      return { error }
    })
  }

  async #settleHead(): Promise<void> {
    const head = this.#inFlight[0]!
    const verdict = await this.#judge(head, await head.outcome)
    if (verdict === 'accepted') {
      this.#inFlight.shift()
      this.#o.onAccepted(head.batch, (performance.now() - head.sentAt) / 1000)
      return
    }
    if (verdict === 'retry') return this.#resendAll(head)
    throw await this.#stop(verdict)
  }

  /** What one response means for its batch, judged as the head: accepted, resend, or an error that ends the pipeline. */
  async #judge(f: InFlight, outcome: Outcome): Promise<'accepted' | 'retry' | EngineError> {
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
        return new EngineError('INVALID_STATE', `mirror partition ${p}: another writer of this mirror's producer id appended at ${offset} (resynchronising)`,
          { retriable: true, context: { ...ctx, resync: true } })
    }
    const detail = `${res.errorMessage ? `: ${res.errorMessage}` : ''}${res.recordErrors[0]?.message ? `; ${res.recordErrors[0].message}` : ''}`
    return new EngineError('KAFKA_ERROR', `mirror partition ${p}: the destination rejected the batch for offset ${offset} (error ${res.errorCode}${detail})`, { context: ctx })
  }

  #retryOr(f: InFlight, error: EngineError): 'retry' | EngineError {
    if (this.#o.isStopping()) return new EngineError('INVALID_STATE', 'stopping', { retriable: true, context: this.#o.context })
    return f.attempt < this.#o.retryLimit ? 'retry' : error
  }

  /** The head failed retriably: every later batch was sent after it, so let all settle, then resend them all in order. */
  async #resendAll(head: InFlight): Promise<void> {
    const outcomes = await Promise.all(this.#inFlight.map((f) => f.outcome))
    for (let i = 1; i < outcomes.length; i++) {
      const o = outcomes[i]!
      const f = this.#inFlight[i]!
      // A later batch that landed somewhere else than planned is a divergence, whatever happened to the head.
      if ('response' in o && o.response.errorCode === 0 && o.response.baseOffset !== f.batch.offset) {
        throw await this.#stop(await this.#judge(f, o) as EngineError)
      }
    }
    head.attempt++
    this.#o.onRetry()
    await sleep(backoffMs(head.attempt - 1, 10, 1_000))
    if (this.#o.isStopping()) throw await this.#stop(new EngineError('INVALID_STATE', 'stopping', { retriable: true, context: this.#o.context }))
    this.#poisoned = false
    for (const f of this.#inFlight) {
      f.outcome = this.#send(f.batch)
      f.sentAt = performance.now()
    }
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
    const outcomes = await Promise.all(pending.map((f) => f.outcome))
    this.#poisoned = false
    if (first.retriable) {
      for (let i = 0; i < outcomes.length; i++) {
        const o = outcomes[i]!
        if ('response' in o && o.response.errorCode === 0 && o.response.baseOffset !== pending[i]!.batch.offset) {
          const verdict = await this.#judge(pending[i]!, o)
          if (verdict !== 'accepted' && verdict !== 'retry') {
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
