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
  /** How long a side may deliver nothing before it counts as read to its end; default 1500 ms. */
  readonly idleMs?: number
  /** Upper bound for reading one side; default 120 s. */
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
  readonly sourceEndOffset: string
  readonly mirrorEndOffset: string
  readonly differences: number
}

export interface VerifyResult {
  readonly topic: string
  readonly mirrorTopic: string
  readonly isolation: VerifyIsolation
  readonly identical: boolean
  readonly partitions: readonly VerifyPartitionSummary[]
  readonly differenceCount: number
  readonly firstDifferences: readonly VerifyDifference[]
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
  return { offset: message.offset, key: b64(message.key), value: b64(message.value), timestamp: message.timestamp, headers: headerList(message.headers) }
}

interface SideRead {
  readonly partitions: number
  readonly offsets: Map<number, { low: string; high: string }>
  /** partition → offset → record digest */
  readonly digests: Map<number, Map<string, string>>
  /** kept only for the first differences: partition → offset → record */
  readonly records: Map<number, Map<string, VisibleRecord>>
}

function digest(r: VisibleRecord): string {
  return createHash('sha1').update(JSON.stringify([r.key, r.value, r.timestamp, r.headers])).digest('hex')
}

async function readSide(bootstrap: string, topic: string, isolation: VerifyIsolation, idleMs: number, timeoutMs: number, keep: number): Promise<SideRead> {
  const { Kafka, logLevel } = kafkajs
  const kafka = new Kafka({ clientId: 'clusterlink-verify', brokers: [bootstrap], logLevel: logLevel.NOTHING })
  const admin = kafka.admin()
  await admin.connect()
  const groupId = `clusterlink-verify-${randomUUID()}`
  const consumer = kafka.consumer({ groupId, readUncommitted: isolation === 'read_uncommitted', maxWaitTimeInMs: 100, allowAutoTopicCreation: false })
  try {
    const md = await admin.fetchTopicMetadata({ topics: [topic] })
    const partitions = md.topics[0]?.partitions.length ?? 0
    const offsets = new Map((await admin.fetchTopicOffsets(topic)).map((o) => [o.partition, { low: o.low, high: o.high }]))
    const digests = new Map<number, Map<string, string>>()
    const records = new Map<number, Map<string, VisibleRecord>>()
    for (let p = 0; p < partitions; p++) { digests.set(p, new Map()); records.set(p, new Map()) }
    const anyData = [...offsets.values()].some((o) => o.high !== o.low)
    if (anyData) {
      // Read to the end: every partition delivered its last offset below the end offset, or (trailing markers and
      // aborted data deliver nothing) the consumer stayed idle for idleMs after joining its group.
      // Idle time counts from the last delivered record, or from the first completed fetch: a slow group join or a slow
      // first fetch is not idleness (kafkajs's FETCH event no longer reports how many batches came back).
      let last = Date.now()
      let joined = false
      let fetches = 0
      const lastSeen = new Map<number, bigint>()
      consumer.on(consumer.events.GROUP_JOIN, () => { joined = true; last = Date.now() })
      consumer.on(consumer.events.FETCH, (e: { payload: { numberOfBatches: number } }) => {
        fetches++
        if (fetches === 1) last = Date.now()
        void e
      })
      const reachedEnd = (): boolean => [...offsets].every(([p, o]) => o.high === o.low || (lastSeen.get(p) ?? -1n) >= BigInt(o.high) - 1n)
      await consumer.connect()
      await consumer.subscribe({ topic, fromBeginning: true })
      await consumer.run({
        autoCommit: false,
        eachMessage: async ({ partition, message }) => {
          last = Date.now()
          lastSeen.set(partition, BigInt(message.offset))
          const r = visible(message)
          digests.get(partition)?.set(r.offset, digest(r))
          const kept = records.get(partition)
          if (kept && kept.size < keep * 50) kept.set(r.offset, r)
        },
      })
      const deadline = Date.now() + timeoutMs
      await new Promise<void>((resolve) => {
        const timer = setInterval(() => {
          if ((joined && (reachedEnd() || (fetches >= 2 && Date.now() - last >= idleMs))) || Date.now() > deadline) { clearInterval(timer); resolve() }
        }, 50)
      })
    }
    return { partitions, offsets, digests, records }
  } finally {
    await consumer.disconnect().catch(() => {})
    await admin.deleteGroups([groupId]).catch(() => {})
    await admin.disconnect().catch(() => {})
  }
}

/** Reads both topics to their ends and compares every partition offset by offset. */
export async function verifyTopics(options: VerifyTopicsOptions): Promise<VerifyResult> {
  registerKafkajsCodecs()
  const isolation = options.isolation ?? 'read_committed'
  const mirrorTopic = options.mirrorTopic ?? options.topic
  const idleMs = options.idleMs ?? 1500
  const timeoutMs = options.timeoutMs ?? 120_000
  const keep = options.maxDifferences ?? 20
  const [src, dst] = await Promise.all([
    readSide(options.sourceBootstrap, options.topic, isolation, idleMs, timeoutMs, keep),
    readSide(options.destinationBootstrap, mirrorTopic, isolation, idleMs, timeoutMs, keep),
  ])
  const differences: VerifyDifference[] = []
  let differenceCount = 0
  const note = (d: VerifyDifference): void => { differenceCount++; if (differences.length < keep) differences.push(d) }
  if (src.partitions !== dst.partitions) note({ partition: -1, offset: '-1', kind: 'partition_count', source: String(src.partitions), mirror: String(dst.partitions) })
  const summaries: VerifyPartitionSummary[] = []
  for (let p = 0; p < Math.max(src.partitions, dst.partitions); p++) {
    const before = differenceCount
    const so = src.offsets.get(p) ?? { low: '-1', high: '-1' }
    const mo = dst.offsets.get(p) ?? { low: '-1', high: '-1' }
    if (so.low !== mo.low) note({ partition: p, offset: so.low, kind: 'log_start_offset', source: so.low, mirror: mo.low })
    if (so.high !== mo.high) note({ partition: p, offset: so.high, kind: 'end_offset', source: so.high, mirror: mo.high })
    const sd = src.digests.get(p) ?? new Map<string, string>()
    const md = dst.digests.get(p) ?? new Map<string, string>()
    const all = [...new Set([...sd.keys(), ...md.keys()])].sort((a, b) => (BigInt(a) < BigInt(b) ? -1 : 1))
    for (const offset of all) {
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
      differences: differenceCount - before,
    })
  }
  return { topic: options.topic, mirrorTopic, isolation, identical: differenceCount === 0, partitions: summaries, differenceCount, firstDifferences: differences }
}
