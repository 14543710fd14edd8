// Keeps writing records with unique ids to a source topic (idempotent or transactional, compression rotating over all five
// codecs) and remembers which ids the broker acknowledged, and at which offsets.
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
  /**
   * Each send carries records of one partition only (the partitions take turns), so that it is one Produce request to one
   * leader. Needed wherever leaders move between brokers while producing; see `#settle`.
   */
  readonly onePartitionPerSend?: boolean
}

/** Where the broker said it stored an acknowledged id. */
export interface AckedPlace {
  readonly partition: number
  readonly offset: bigint
}

/** Record value: the id, then filler text so that batches compress and vary in size. */
export function recordValue(id: string, n: number): string {
  return `${id}|${'abcdefghij'.repeat(1 + (n % 23))}`
}

/** The id a record carries (its key). */
export function idOf(key: Buffer | null): string | null {
  return key ? key.toString('utf8') : null
}

interface SentRecord {
  readonly id: string
  readonly partition: number
}

/**
 * The ids of one send that the broker placed: a partition's records sit at its response's base offset plus their index
 * (one batch per partition and request, in send order). `missing`: partitions without a successful response.
 */
export function placeRecords(
  records: readonly SentRecord[], metadata: readonly kafkajs.RecordMetadata[],
): { placed: Map<string, AckedPlace>; missing: number[] } {
  const placed = new Map<string, AckedPlace>()
  const missing: number[] = []
  for (const partition of new Set(records.map((r) => r.partition))) {
    const answer = metadata.find((m) => m.partition === partition && m.errorCode === 0 && m.baseOffset !== undefined)
    if (!answer) { missing.push(partition); continue }
    const base = BigInt(answer.baseOffset as string)
    records.filter((r) => r.partition === partition).forEach((r, i) => placed.set(r.id, { partition, offset: base + BigInt(i) }))
  }
  return { placed, missing }
}

/**
 * Ledger of what was produced. `acked`: the broker acknowledged the id's partition in the send (or the transaction
 * committed), so the id is on the source, at `ackedAt` (the offset the Produce response gave it). `uncertain`: the send
 * failed, or kafkajs reported it successful without a response for the id's partition (`unconfirmed` says which send and
 * what kafkajs logged meanwhile); the ids may or may not be on the source. `aborted`: ids of aborted transactions (on the
 * source log, invisible to read_committed consumers).
 */
export class IdProducer {
  readonly acked = new Set<string>()
  readonly ackedAt = new Map<string, AckedPlace>()
  readonly uncertain = new Set<string>()
  readonly aborted = new Set<string>()
  readonly unconfirmed: string[] = []
  sends = 0
  /** Sends that took more Produce requests than they have partitions: kafkajs retried them (every retry when one partition a send). */
  retriedSends = 0
  errors: string[] = []
  readonly #o: IdProducerOptions
  readonly #kafka: kafkajs.Kafka
  #producer: kafkajs.Producer | null = null
  #running = true
  #loop: Promise<void> = Promise.resolve()
  #next = 0
  /** What kafkajs logged (errors only) during the current send: the evidence behind an unconfirmed one. */
  #sendLog: string[] = []
  /** The brokers the current send's Produce requests went to, in order. */
  #sendRequests: string[] = []

  private constructor(options: IdProducerOptions) {
    this.#o = options
    registerKafkajsCodecs()
    this.#kafka = new Kafka({
      clientId: `chaos-${options.tag}`, brokers: [options.bootstrap], retry: { retries: 20, initialRetryTime: 100, maxRetryTime: 2_000 },
      logLevel: logLevel.ERROR,
      logCreator: () => ({ namespace, log }) => {
        const broker = typeof log['broker'] === 'string' ? ` broker ${log['broker']}` : ''
        const retry = typeof log['retryCount'] === 'number' ? ` retry ${log['retryCount']}` : ''
        if (this.#sendLog.length < 20) this.#sendLog.push(`${namespace}: ${log.message}${broker}${retry}`)
      },
    })
  }

  static async start(options: IdProducerOptions): Promise<IdProducer> {
    const p = new IdProducer(options)
    const producer = options.transactional
      ? p.#kafka.producer({ idempotent: true, maxInFlightRequests: 1, transactionalId: `chaos-${options.tag}`, transactionTimeout: 30_000 })
      : p.#newProducer()
    await producer.connect()
    p.#producer = producer
    p.#loop = p.#run()
    return p
  }

  #newProducer(): kafkajs.Producer {
    const producer = this.#kafka.producer({ idempotent: true, maxInFlightRequests: 1 })
    producer.on(producer.events.REQUEST, ({ payload }) => {
      if (payload.apiName === 'Produce' && this.#sendRequests.length < 20) this.#sendRequests.push(payload.broker)
    })
    return producer
  }

  get count(): number {
    return this.acked.size
  }

  #batch(): { records: SentRecord[]; messages: kafkajs.Message[]; compression: kafkajs.CompressionTypes } {
    const send = this.sends
    const size = 1 + (send % (this.#o.maxRecordsPerSend ?? 13))
    const only = this.#o.onePartitionPerSend ? send % this.#o.partitions : undefined
    const records: SentRecord[] = []
    const messages: kafkajs.Message[] = []
    for (let i = 0; i < size; i++) {
      const n = this.#next++
      const id = `${this.#o.tag}-${n}`
      const partition = only ?? n % this.#o.partitions
      records.push({ id, partition })
      messages.push({ partition, key: id, value: recordValue(id, n), headers: { id, n: String(n) } })
    }
    return { records, messages, compression: CODECS[send % CODECS.length] ?? CompressionTypes.None }
  }

  /**
   * Acknowledges only the ids whose partition has a successful response, at the offsets it gives. kafkajs's send can
   * resolve without one (kafkajs src/producer/sendMessages.js): it keeps a send's responses per leader broker and, on a
   * retry, sends only to brokers without one (`brokersWithoutResponse`). When a partition's leader answers
   * NOT_LEADER_OR_FOLLOWER (a kill, an election, a reassignment) and the partition moves to a broker that already answered
   * for the send's other partitions, its batch is never sent again, and the send resolves with the others' responses. Its
   * sequence was rolled back on the error, so the partition's next batch takes that sequence and no broker ever sees a gap.
   * With one partition per send, the failed broker's entry is the only one and is dropped, so the retry reaches the new
   * leader.
   */
  #settle(label: string, records: readonly SentRecord[], metadata: readonly kafkajs.RecordMetadata[]): void {
    const { placed, missing } = placeRecords(records, metadata)
    if (this.#sendRequests.length > new Set(records.map((r) => r.partition)).size) this.retriedSends++
    for (const r of records) {
      const place = placed.get(r.id)
      if (!place) { this.uncertain.add(r.id); continue }
      this.acked.add(r.id)
      this.ackedAt.set(r.id, place)
    }
    if (missing.length === 0) return
    const lost = records.filter((r) => missing.includes(r.partition)).map((r) => r.id)
    const answers = metadata.map((m) => `${m.partition}@${m.baseOffset ?? '?'}${m.errorCode ? ` error ${m.errorCode}` : ''}`)
    this.unconfirmed.push(`${label}: no response for partition(s) ${missing.join(',')} (ids ${lost.join(',')}); responses `
      + `${answers.join(' ')}; Produce requests to ${this.#sendRequests.join(', ')}; kafkajs logged: ${this.#sendLog.join(' | ') || 'nothing'}`)
  }

  async #run(): Promise<void> {
    while (this.#running && this.#producer) {
      const producer = this.#producer
      const { records, messages, compression } = this.#batch()
      const ids = records.map((r) => r.id)
      this.#sendLog = []
      this.#sendRequests = []
      try {
        if (this.#o.transactional) {
          const abort = this.sends % this.#o.transactional.abortEvery === this.#o.transactional.abortEvery - 1
          const txn = await producer.transaction()
          let metadata: kafkajs.RecordMetadata[]
          try {
            metadata = await txn.send({ topic: this.#o.topic, compression, messages })
            if (abort) await txn.abort()
            else await txn.commit()
          } catch (error) {
            await txn.abort().catch(() => {})
            throw error
          }
          if (abort) for (const id of ids) this.aborted.add(id)
          else this.#settle(`transaction ${this.sends}`, records, metadata)
        } else {
          this.#settle(`send ${this.sends}`, records, await producer.send({ topic: this.#o.topic, acks: -1, compression, messages }))
        }
      } catch (error) {
        for (const id of ids) this.uncertain.add(id)
        this.errors.push(error instanceof Error ? error.message : String(error))
        if (this.#o.transactional) break // a failed transactional producer must be re-initialised; the tests never expect one
        await this.#renew()
      }
      this.sends++
      await new Promise((r) => setTimeout(r, this.#o.paceMs ?? 10))
    }
  }

  /**
   * A new producer id after a failed send. kafkajs then has rolled the partition's sequence back although the batch may
   * be on the log (the request timed out or the connection closed after the append; src/producer/sendMessages.js), and it
   * never resets sequences on OUT_OF_ORDER_SEQUENCE_NUMBER: the next batch with that first sequence and as many records
   * would be taken by the broker for a retry of the old one and acknowledged at its offset without being written.
   */
  async #renew(): Promise<void> {
    await this.#producer?.disconnect().catch(() => {})
    this.#producer = null
    while (this.#running) {
      const producer = this.#newProducer()
      try {
        await producer.connect()
        this.#producer = producer
        return
      } catch (error) {
        this.errors.push(`reconnect: ${error instanceof Error ? error.message : String(error)}`)
      }
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
    const closer = this.#newProducer()
    await closer.connect()
    try {
      const records = Array.from({ length: this.#o.partitions }, (_, partition) => ({ id: `${this.#o.tag}-end-${partition}`, partition }))
      this.#sendLog = []
      this.#sendRequests = []
      const metadata = await closer.send({
        topic: this.#o.topic, acks: -1,
        messages: records.map((r) => ({ partition: r.partition, key: r.id, value: recordValue(r.id, r.partition), headers: { id: r.id } })),
      })
      this.#settle('end records', records, metadata)
    } finally {
      await closer.disconnect().catch(() => {})
    }
  }
}
