// Keeps writing records with unique ids to a source topic (idempotent or transactional, compression rotating over all five
// codecs) and remembers which ids the broker acknowledged.
import kafkajs from 'kafkajs'
import { registerKafkajsCodecs } from '../../../cli/verify/index.ts'

const { Kafka, CompressionTypes, logLevel } = kafkajs
const CODECS = [CompressionTypes.None, CompressionTypes.GZIP, CompressionTypes.Snappy, CompressionTypes.LZ4, CompressionTypes.ZSTD]

export interface IdProducerOptions {
  readonly bootstrap: string
  readonly topic: string
  readonly partitions: number
  /** Prefix of every id; unique per test. */
  readonly tag: string
  /** Transactional producer: every `abortEvery`-th transaction is aborted (its ids must never be visible to read_committed). */
  readonly transactional?: { readonly abortEvery: number }
  /** Pause between sends, to keep the producer from saturating a shared machine; default 10 ms. */
  readonly paceMs?: number
  /** Sends carry 1 to this many records (spread over the partitions); default 13. */
  readonly maxRecordsPerSend?: number
}

/** Record value: the id, then filler text so that batches compress and vary in size. */
export function recordValue(id: string, n: number): string {
  return `${id}|${'abcdefghij'.repeat(1 + (n % 23))}`
}

/** The id a record carries (its key). */
export function idOf(key: Buffer | null): string | null {
  return key ? key.toString('utf8') : null
}

/**
 * Ledger of what was produced. `acked`: the broker acknowledged the send (or committed the transaction), so the ids are
 * on the source. `uncertain`: the send failed; the ids may or may not be on the source. `aborted`: ids of aborted
 * transactions (on the source log, invisible to read_committed consumers).
 */
export class IdProducer {
  readonly acked = new Set<string>()
  readonly uncertain = new Set<string>()
  readonly aborted = new Set<string>()
  sends = 0
  errors: string[] = []
  readonly #o: IdProducerOptions
  readonly #kafka: kafkajs.Kafka
  #producer: kafkajs.Producer | null = null
  #running = true
  #loop: Promise<void> = Promise.resolve()
  #next = 0

  private constructor(options: IdProducerOptions) {
    this.#o = options
    registerKafkajsCodecs()
    this.#kafka = new Kafka({ clientId: `chaos-${options.tag}`, brokers: [options.bootstrap], logLevel: logLevel.NOTHING, retry: { retries: 20, initialRetryTime: 100, maxRetryTime: 2_000 } })
  }

  static async start(options: IdProducerOptions): Promise<IdProducer> {
    const p = new IdProducer(options)
    const producer = options.transactional
      ? p.#kafka.producer({ idempotent: true, maxInFlightRequests: 1, transactionalId: `chaos-${options.tag}`, transactionTimeout: 30_000 })
      : p.#kafka.producer({ idempotent: true, maxInFlightRequests: 1 })
    await producer.connect()
    p.#producer = producer
    p.#loop = p.#run()
    return p
  }

  get count(): number {
    return this.acked.size
  }

  #batch(): { ids: string[]; messages: kafkajs.Message[]; compression: kafkajs.CompressionTypes } {
    const send = this.sends
    const size = 1 + (send % (this.#o.maxRecordsPerSend ?? 13))
    const ids: string[] = []
    const messages: kafkajs.Message[] = []
    for (let i = 0; i < size; i++) {
      const n = this.#next++
      const id = `${this.#o.tag}-${n}`
      ids.push(id)
      messages.push({ partition: n % this.#o.partitions, key: id, value: recordValue(id, n), headers: { id, n: String(n) } })
    }
    return { ids, messages, compression: CODECS[send % CODECS.length] ?? CompressionTypes.None }
  }

  async #run(): Promise<void> {
    const producer = this.#producer
    if (!producer) return
    while (this.#running) {
      const { ids, messages, compression } = this.#batch()
      try {
        if (this.#o.transactional) {
          const abort = this.sends % this.#o.transactional.abortEvery === this.#o.transactional.abortEvery - 1
          const txn = await producer.transaction()
          try {
            await txn.send({ topic: this.#o.topic, compression, messages })
            if (abort) await txn.abort()
            else await txn.commit()
          } catch (error) {
            await txn.abort().catch(() => {})
            throw error
          }
          for (const id of ids) (abort ? this.aborted : this.acked).add(id)
        } else {
          await producer.send({ topic: this.#o.topic, acks: -1, compression, messages })
          for (const id of ids) this.acked.add(id)
        }
      } catch (error) {
        for (const id of ids) this.uncertain.add(id)
        this.errors.push(error instanceof Error ? error.message : String(error))
        if (this.#o.transactional) break // a failed transactional producer must be re-initialised; the tests never expect one
      }
      this.sends++
      await new Promise((r) => setTimeout(r, this.#o.paceMs ?? 10))
    }
  }

  /**
   * Stops producing, then writes one plain (non-transactional) end record per partition, so that the last offset of
   * every partition is a visible record and readers know where the end is.
   */
  async stop(): Promise<void> {
    this.#running = false
    await this.#loop
    await this.#producer?.disconnect().catch(() => {})
    this.#producer = null
    const closer = this.#kafka.producer({ idempotent: true, maxInFlightRequests: 1 })
    await closer.connect()
    try {
      const messages = Array.from({ length: this.#o.partitions }, (_, p) => {
        const id = `${this.#o.tag}-end-${p}`
        return { id, message: { partition: p, key: id, value: recordValue(id, p), headers: { id } } }
      })
      await closer.send({ topic: this.#o.topic, acks: -1, messages: messages.map((m) => m.message) })
      for (const m of messages) this.acked.add(m.id)
    } finally {
      await closer.disconnect().catch(() => {})
    }
  }
}
