// Reads every visible record id of a topic through kafkajs's consumer path and counts, source against mirror, the ids lost,
// duplicated, misplaced and invented.
import { randomUUID } from 'node:crypto'
import kafkajs from 'kafkajs'
import { registerKafkajsCodecs } from '../../../cli/verify/index.ts'
import { idOf, type AckedPlace } from './id-producer.ts'

const { Kafka, logLevel } = kafkajs

export interface LedgerEntry {
  readonly partition: number
  readonly offset: bigint
  readonly id: string
}

/** All visible records of a topic, in partition and offset order. */
export interface TopicLedger {
  readonly endOffsets: ReadonlyMap<number, bigint>
  readonly entries: readonly LedgerEntry[]
}

/**
 * Reads a topic from the beginning to its end offsets. The chaos producers end every partition with a plain record,
 * so each partition is complete once the record at endOffset - 1 arrived; no idle timeout is involved.
 */
export async function readTopicLedger(bootstrap: string, topic: string, options: { isolation?: 'read_committed' | 'read_uncommitted'; timeoutMs?: number } = {}): Promise<TopicLedger> {
  registerKafkajsCodecs()
  const kafka = new Kafka({ clientId: 'chaos-ledger', brokers: [bootstrap], logLevel: logLevel.NOTHING })
  const admin = kafka.admin()
  const groupId = `chaos-ledger-${randomUUID()}`
  const consumer = kafka.consumer({ groupId, readUncommitted: options.isolation === 'read_uncommitted', maxWaitTimeInMs: 100, allowAutoTopicCreation: false })
  await admin.connect()
  try {
    const endOffsets = new Map((await admin.fetchTopicOffsets(topic))
      .map((o) => [o.partition, { low: BigInt(o.low), high: BigInt(o.high) }]))
    const entries: LedgerEntry[] = []
    const last = new Map<number, bigint>()
    const done = (): boolean => [...endOffsets].every(([p, o]) => o.high === o.low || (last.get(p) ?? -1n) >= o.high - 1n)
    if (!done()) {
      await consumer.connect()
      await consumer.subscribe({ topic, fromBeginning: true })
      let finish: () => void = () => {}
      const finished = new Promise<void>((resolve) => { finish = resolve })
      await consumer.run({
        autoCommit: false,
        eachMessage: async ({ partition, message }) => {
          const offset = BigInt(message.offset)
          last.set(partition, offset)
          entries.push({ partition, offset, id: idOf(message.key) ?? `<null key at ${partition}/${offset}>` })
          if (done()) finish()
        },
      })
      const timeoutMs = options.timeoutMs ?? 120_000
      let timer: NodeJS.Timeout | undefined
      await Promise.race([finished, new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`reading ${topic} at ${bootstrap} did not reach ${JSON.stringify([...endOffsets].map(([p, o]) => [p, String(o.high)]))} within ${timeoutMs} ms (reached ${JSON.stringify([...last].map(([p, o]) => [p, String(o)]))})`)), timeoutMs)
      })]).finally(() => clearTimeout(timer))
    }
    entries.sort((a, b) => a.partition - b.partition || (a.offset < b.offset ? -1 : a.offset > b.offset ? 1 : 0))
    return { endOffsets: new Map([...endOffsets].map(([p, o]) => [p, o.high])), entries }
  } finally {
    await consumer.disconnect().catch(() => {})
    await admin.deleteGroups([groupId]).catch(() => {})
    await admin.disconnect().catch(() => {})
  }
}

export interface LedgerComparison {
  readonly sourceRecords: number
  readonly mirrorRecords: number
  /** Ids acknowledged to the producer, or visible on the source, that the mirror does not have. */
  readonly lost: number
  /** Extra copies on the mirror (an id seen n times counts n - 1). */
  readonly duplicated: number
  /** Ids on the mirror at another partition or offset than on the source. */
  readonly misplaced: number
  /** Ids on the mirror that no source consumer sees (aborted data that became visible, or invented records). */
  readonly phantom: number
  /** Ids acknowledged to the producer that are not on the source (a producer or source broker problem, not the mirror's). */
  readonly ackedMissingOnSource: number
  /** Ids the source itself holds twice (the producer duplicated them; the mirror must copy them faithfully). */
  readonly sourceDuplicated: number
  readonly examples: readonly string[]
}

const where = (e: LedgerEntry): string => `${e.partition}/${e.offset}`

/** Source is the truth for placement; `acked` adds the ids the producer was told are stored. */
export function compareLedgers(source: TopicLedger, mirror: TopicLedger, acked: ReadonlySet<string>): LedgerComparison {
  const examples: string[] = []
  const note = (text: string): void => { if (examples.length < 10) examples.push(text) }
  const onSource = new Map<string, LedgerEntry>()
  let sourceDuplicated = 0
  for (const e of source.entries) {
    if (onSource.has(e.id)) sourceDuplicated++
    else onSource.set(e.id, e)
  }
  const onMirror = new Map<string, LedgerEntry[]>()
  for (const e of mirror.entries) onMirror.set(e.id, [...(onMirror.get(e.id) ?? []), e])
  let lost = 0
  let duplicated = 0
  let misplaced = 0
  let phantom = 0
  let ackedMissingOnSource = 0
  for (const id of new Set([...onSource.keys(), ...acked])) {
    if (!onMirror.has(id)) { lost++; note(`lost ${id} (source ${onSource.has(id) ? where(onSource.get(id)!) : 'missing'})`) }
  }
  for (const id of acked) if (!onSource.has(id)) ackedMissingOnSource++
  for (const [id, copies] of onMirror) {
    if (copies.length > 1) { duplicated += copies.length - 1; note(`duplicated ${id} at ${copies.map(where).join(', ')}`) }
    const s = onSource.get(id)
    if (!s) { phantom++; note(`phantom ${id} at ${copies.map(where).join(', ')}`); continue }
    const first = copies[0]!
    if (first.partition !== s.partition || first.offset !== s.offset) { misplaced++; note(`misplaced ${id}: source ${where(s)}, mirror ${where(first)}`) }
  }
  return {
    sourceRecords: source.entries.length, mirrorRecords: mirror.entries.length, lost, duplicated, misplaced, phantom, ackedMissingOnSource,
    sourceDuplicated, examples,
  }
}

/**
 * Acknowledged ids that the source does not hold at the partition and offset the broker's Produce response gave them
 * (what is there instead, or nothing). Empty when every acknowledgement was true.
 */
export function ackedNotAtTheirOffset(source: TopicLedger, ackedAt: ReadonlyMap<string, AckedPlace>): string[] {
  const atPlace = new Map(source.entries.map((e) => [where(e), e.id]))
  const wrong: string[] = []
  for (const [id, place] of ackedAt) {
    const there = atPlace.get(`${place.partition}/${place.offset}`)
    if (there !== id) wrong.push(`${id} acked at ${place.partition}/${place.offset}, source has ${there ?? 'nothing'} there`)
  }
  return wrong
}
