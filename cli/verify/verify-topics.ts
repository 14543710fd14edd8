// Compares a source topic and its mirror record by record through kafkajs's ordinary consumer path (never the copier's codec).
import { createHash, randomUUID } from 'node:crypto'
import kafkajs, { type IHeaders, type KafkaMessage } from 'kafkajs'
import { registerKafkajsCodecs } from './kafkajs-codecs.ts'

export type VerifyIsolation = 'read_committed' | 'read_uncommitted'

export interface VerifyTopicsOptions {
  readonly sourceBootstrap: string
  readonly destinationBootstrap: string
  readonly topic: string
  readonly mirrorTopic?: string
  readonly isolation?: VerifyIsolation
  /**
   * Upper bound for the whole comparison (both sides read in parallel); default 120 s. A side not read to its end
   * offset by then makes the outcome INCOMPLETE. Closing the clients afterwards takes at most 3 s more (a client that
   * does not close by then is left to close on its own).
   */
  readonly timeoutMs?: number
  /** How many differences are kept in full; default 20. */
  readonly maxDifferences?: number
}

export interface VisibleRecord {
  readonly offset: string
  readonly key: string | null
  readonly value: string | null
  readonly timestamp: string
  readonly headers: ReadonlyArray<readonly [string, string | null]>
}

export interface VerifyDifference {
  readonly partition: number
  readonly offset: string
  readonly kind: 'missing_in_mirror' | 'extra_in_mirror' | 'record_differs' | 'partition_count' | 'log_start_offset' | 'end_offset'
  readonly source?: VisibleRecord | string
  readonly mirror?: VisibleRecord | string
}

export interface VerifyPartitionSummary {
  readonly partition: number
  readonly sourceRecords: number
  readonly mirrorRecords: number
  readonly sourceLogStartOffset: string
  readonly mirrorLogStartOffset: string
  /** End offsets recorded at the start (last stable offsets): each side is read until its position reaches its own. */
  readonly sourceEndOffset: string
  readonly mirrorEndOffset: string
  /** Where each side's consumer stopped (equal to the end offset when the side was read completely). */
  readonly sourcePosition: string
  readonly mirrorPosition: string
  readonly differences: number
}

/** A partition whose consumer did not reach the end offset before the timeout. */
export interface VerifyIncompletePartition {
  readonly side: 'source' | 'mirror'
  readonly partition: number
  readonly position: string
  readonly endOffset: string
}

/**
 * IDENTICAL: both sides read to their end offsets and no difference. DIFFERENT: at least one difference among the
 * offsets both sides read. INCOMPLETE: no difference so far, but a side did not reach its end offset in time: never
 * reported as identical.
 */
export type VerifyOutcome = 'IDENTICAL' | 'DIFFERENT' | 'INCOMPLETE'

export interface VerifyResult {
  readonly topic: string
  readonly mirrorTopic: string
  readonly isolation: VerifyIsolation
  readonly outcome: VerifyOutcome
  /** outcome === 'IDENTICAL' */
  readonly identical: boolean
  readonly partitions: readonly VerifyPartitionSummary[]
  readonly differenceCount: number
  readonly firstDifferences: readonly VerifyDifference[]
  /** Partitions a side did not read to the end (outcome INCOMPLETE, or DIFFERENT found before the timeout). */
  readonly incomplete: readonly VerifyIncompletePartition[]
}

const b64 = (b: Buffer | null | undefined): string | null => (b === null || b === undefined ? null : b.toString('base64'))

function headerList(headers: IHeaders | undefined): Array<[string, string | null]> {
  const out: Array<[string, string | null]> = []
  for (const [k, v] of Object.entries(headers ?? {})) {
    const values = Array.isArray(v) ? v : [v]
    for (const x of values) out.push([k, x === undefined || x === null ? null : Buffer.isBuffer(x) ? x.toString('base64') : Buffer.from(String(x)).toString('base64')])
  }
  return out
}

function visible(message: KafkaMessage): VisibleRecord {
  return {
    offset: message.offset, key: b64(message.key), value: b64(message.value), timestamp: message.timestamp,
    headers: headerList(message.headers),
  }
}

interface SideRead {
  readonly partitions: number
  readonly offsets: Map<number, { low: string; high: string }>
  /** partition → next offset the consumer would read (its position): passes control records, aborted data and gaps. */
  readonly positions: Map<number, bigint>
  /** True when every partition's position reached the end offset recorded at the start. */
  readonly complete: boolean
  /** partition → offset → record digest (only offsets below the recorded end offset) */
  readonly digests: Map<number, Map<string, string>>
  /** kept only for the first differences: partition → offset → record */
  readonly records: Map<number, Map<string, VisibleRecord>>
}

function digest(r: VisibleRecord): string {
  return createHash('sha1').update(JSON.stringify([r.key, r.value, r.timestamp, r.headers])).digest('hex')
}

/** Resolves with the promise's value, or with `timedOut` once the deadline passes (the promise is left to settle on its own). */
async function beforeDeadline<T>(promise: Promise<T>, deadline: number): Promise<{ value: T } | { timedOut: true }> {
  let timer: NodeJS.Timeout | undefined
  const timeout = new Promise<{ timedOut: true }>((resolve) => {
    timer = setTimeout(() => resolve({ timedOut: true }), Math.max(0, deadline - Date.now()))
  })
  try {
    return await Promise.race([promise.then((value) => ({ value })), timeout])
  } finally {
    clearTimeout(timer)
  }
}

/**
 * Cleanup that may not block the result: kafkajs's disconnect waits for an in-flight fetch, and a group leave can hang on a
 * loaded broker.
 */
const CLEANUP_MS = 3_000

/**
 * Reads one side to the end offsets it finds at the start: ListOffsets(latest) through kafkajs's admin, which asks with
 * read_committed, so the last stable offset (the high watermark unless a transaction is open; records of a transaction
 * still open at the start are left out in both isolation levels). A partition is read when the consumer's position
 * reaches that offset; the position moves
 * past control records, aborted data and compaction gaps, so trailing markers end a read as well as records do.
 * Records at or above the recorded end offset (written while verify runs) are ignored on both sides.
 */
async function readSide(bootstrap: string, topic: string, isolation: VerifyIsolation, deadline: number, keep: number): Promise<SideRead> {
  const { Kafka, logLevel } = kafkajs
  const kafka = new Kafka({ clientId: 'clusterlink-verify', brokers: [bootstrap], logLevel: logLevel.NOTHING, retry: { retries: 3 } })
  const admin = kafka.admin()
  const groupId = `clusterlink-verify-${randomUUID()}`
  const consumer = kafka.consumer({ groupId, readUncommitted: isolation === 'read_uncommitted', maxWaitTimeInMs: 100, allowAutoTopicCreation: false })
  let consumerUsed = false
  /** The consumer's connect, subscribe and run (its group join); cleanup lets a join in progress end before leaving. */
  let joining: Promise<unknown> = Promise.resolve()
  try {
    const setup = await beforeDeadline((async () => {
      await admin.connect()
      const md = await admin.fetchTopicMetadata({ topics: [topic] })
      const offsets = new Map((await admin.fetchTopicOffsets(topic)).map((o) => [o.partition, { low: o.low, high: o.high }]))
      return { partitions: md.topics[0]?.partitions.length ?? 0, offsets }
    })(), deadline)
    if ('timedOut' in setup) throw new Error(`could not read the end offsets of '${topic}' at ${bootstrap} before the timeout`)
    const { partitions, offsets } = setup.value
    const digests = new Map<number, Map<string, string>>()
    const records = new Map<number, Map<string, VisibleRecord>>()
    const positions = new Map<number, bigint>()
    for (let p = 0; p < partitions; p++) {
      digests.set(p, new Map())
      records.set(p, new Map())
      positions.set(p, BigInt(offsets.get(p)?.low ?? '0'))
    }
    const endOf = (p: number): bigint => BigInt(offsets.get(p)?.high ?? '0')
    const reachedEnd = (): boolean => [...positions].every(([p, position]) => position >= endOf(p))
    if (reachedEnd()) return { partitions, offsets, positions, complete: true, digests, records }

    const advance = (partition: number, lastOffset: string | undefined): void => {
      if (lastOffset === undefined) return
      const next = BigInt(lastOffset) + 1n
      if (next > (positions.get(partition) ?? 0n)) positions.set(partition, next)
    }
    // END_BATCH_PROCESS fires for every fetched batch the consumer moves past, including those that hold only control
    // records or aborted data (kafkajs resolves their last offset too); its lastOffset is the batch's last raw offset.
    consumer.on(consumer.events.END_BATCH_PROCESS, (e: { payload: { topic: string; partition: number; lastOffset?: string } }) => {
      if (e.payload.topic === topic) advance(e.payload.partition, e.payload.lastOffset)
    })
    let done: () => void = () => {}
    const finished = new Promise<void>((resolve) => { done = resolve })
    joining = (async () => {
      consumerUsed = true
      await consumer.connect()
      await consumer.subscribe({ topic, fromBeginning: true })
      await consumer.run({
        autoCommit: false,
        eachBatch: async ({ batch }) => {
          const end = endOf(batch.partition)
          const kept = records.get(batch.partition)
          for (const message of batch.messages) {
            if (BigInt(message.offset) >= end) continue
            const r = visible(message)
            digests.get(batch.partition)?.set(r.offset, digest(r))
            if (kept && kept.size < keep * 50) kept.set(r.offset, r)
          }
          if (reachedEnd()) done()
        },
      })
    })().catch(() => {})
    const started = beforeDeadline(joining, deadline)
    const timer = setInterval(() => { if (reachedEnd()) done() }, 50)
    try {
      await beforeDeadline(Promise.all([started, finished]), deadline)
    } finally {
      clearInterval(timer)
    }
    return { partitions, offsets, positions, complete: reachedEnd(), digests, records }
  } finally {
    const cleanup = (async () => {
      if (consumerUsed) {
        await beforeDeadline(joining, Date.now() + CLEANUP_MS / 2)
        await consumer.disconnect().catch(() => {})
        await admin.deleteGroups([groupId]).catch(() => {})
      }
      await admin.disconnect().catch(() => {})
    })()
    await beforeDeadline(cleanup, Date.now() + CLEANUP_MS)
  }
}

/** Reads both topics to the end offsets found at the start and compares every partition offset by offset. */
export async function verifyTopics(options: VerifyTopicsOptions): Promise<VerifyResult> {
  registerKafkajsCodecs()
  const isolation = options.isolation ?? 'read_committed'
  const mirrorTopic = options.mirrorTopic ?? options.topic
  const timeoutMs = options.timeoutMs ?? 120_000
  const keep = options.maxDifferences ?? 20
  const deadline = Date.now() + timeoutMs
  const [src, dst] = await Promise.all([
    readSide(options.sourceBootstrap, options.topic, isolation, deadline, keep),
    readSide(options.destinationBootstrap, mirrorTopic, isolation, deadline, keep),
  ])
  const differences: VerifyDifference[] = []
  let differenceCount = 0
  const note = (d: VerifyDifference): void => { differenceCount++; if (differences.length < keep) differences.push(d) }
  if (src.partitions !== dst.partitions) note({ partition: -1, offset: '-1', kind: 'partition_count', source: String(src.partitions), mirror: String(dst.partitions) })
  const summaries: VerifyPartitionSummary[] = []
  const incomplete: VerifyIncompletePartition[] = []
  for (let p = 0; p < Math.max(src.partitions, dst.partitions); p++) {
    const before = differenceCount
    const so = src.offsets.get(p) ?? { low: '-1', high: '-1' }
    const mo = dst.offsets.get(p) ?? { low: '-1', high: '-1' }
    if (so.low !== mo.low) note({ partition: p, offset: so.low, kind: 'log_start_offset', source: so.low, mirror: mo.low })
    if (so.high !== mo.high) note({ partition: p, offset: so.high, kind: 'end_offset', source: so.high, mirror: mo.high })
    for (const [side, read, end] of [['source', src, so.high], ['mirror', dst, mo.high]] as const) {
      const position = read.positions.get(p)
      if (position !== undefined && end !== '-1' && position < BigInt(end)) incomplete.push({ side, partition: p, position: String(position), endOffset: end })
    }
    // Offsets a side did not read (it stopped at the timeout) cannot be judged: compare below where it stopped.
    const sp = src.positions.get(p)
    const mp = dst.positions.get(p)
    const stops = incomplete.filter((i) => i.partition === p).map((i) => BigInt(i.position))
    const readUpTo = stops.length > 0 ? stops.reduce((a, b) => (a < b ? a : b)) : null
    const sd = src.digests.get(p) ?? new Map<string, string>()
    const md = dst.digests.get(p) ?? new Map<string, string>()
    const all = [...new Set([...sd.keys(), ...md.keys()])].sort((a, b) => (BigInt(a) < BigInt(b) ? -1 : 1))
    for (const offset of all) {
      if (readUpTo !== null && BigInt(offset) >= readUpTo) break
      const s = sd.get(offset)
      const m = md.get(offset)
      if (s === m) continue
      const sr = src.records.get(p)?.get(offset)
      const mr = dst.records.get(p)?.get(offset)
      const kind = s === undefined ? 'extra_in_mirror' : m === undefined ? 'missing_in_mirror' : 'record_differs'
      note({ partition: p, offset, kind, ...(sr ? { source: sr } : {}), ...(mr ? { mirror: mr } : {}) })
    }
    summaries.push({
      partition: p, sourceRecords: sd.size, mirrorRecords: md.size,
      sourceLogStartOffset: so.low, mirrorLogStartOffset: mo.low, sourceEndOffset: so.high, mirrorEndOffset: mo.high,
      sourcePosition: sp === undefined ? '-1' : String(sp), mirrorPosition: mp === undefined ? '-1' : String(mp),
      differences: differenceCount - before,
    })
  }
  const outcome: VerifyOutcome = differenceCount > 0 ? 'DIFFERENT' : incomplete.length > 0 ? 'INCOMPLETE' : 'IDENTICAL'
  return { topic: options.topic, mirrorTopic, isolation, outcome, identical: outcome === 'IDENTICAL', partitions: summaries, differenceCount, firstDifferences: differences, incomplete }
}
