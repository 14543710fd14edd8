// Checks, before a reverse, that the topic about to become a mirror holds a prefix of the other one (same records, same offsets).
import { KafkaClusterClient, decodeBatchRecords, isControlBatch, lastOffsetOf, splitRecordSet, type ClusterSide } from '../kafka/index.ts'
import type { KafkaConnectionConfig } from '../mirror/contract.ts'

/** One topic of the pair: where it lives and how to name it in a message. */
export interface TopicSide {
  readonly connection: KafkaConnectionConfig
  readonly side: ClusterSide
  readonly topic: string
}

export type SyncCheck =
  | { readonly inSync: true; readonly logEndOffsets: number[] }
  | { readonly inSync: false; readonly reason: string }

const WHAT_TO_DO = 'the two topics differ, so the mirror cannot start at the log end offset; use mirrors:truncate-and-restore to set the '
  + 'extra records aside and rebuild the topic as a mirror, or make both sides equal first'

/** What the last offset of a partition holds, comparable across clusters (producer ids and sequences excluded). */
type OffsetContent = { kind: 'none' } | { kind: 'control' } | { kind: 'record'; fingerprint: string }

/**
 * In sync: the same partition count, and per partition the future mirror's log end offset E (high watermark) is at
 * most the primary's, and both hold the same record at E - 1 (key, value, headers, timestamp; two control markers
 * count as the same). That is a stopped mirror nobody wrote to on the old primary's side, with or without new records
 * on the new primary's side (producers that moved over after a failover): the copier then starts at E and copies only
 * the records after it. It checks the ends, not every record: the copier verified the rest when it wrote it. The
 * future mirror side is write-guarded before this runs, so E cannot move on behind it (without an authorizer, the
 * copier's own last-batch check at E catches a late write).
 */
export async function checkTopicsInSync(primary: TopicSide, mirror: TopicSide): Promise<SyncCheck> {
  const a = new KafkaClusterClient(primary.connection, { side: primary.side })
  const b = new KafkaClusterClient(mirror.connection, { side: mirror.side })
  const name = (s: TopicSide) => `'${s.topic}' (${s.side} cluster)`
  try {
    const [ta, tb] = await Promise.all([a.describeTopic(primary.topic), b.describeTopic(mirror.topic)])
    if (!ta) return { inSync: false, reason: `topic ${name(primary)} does not exist` }
    if (!tb) return { inSync: false, reason: `topic ${name(mirror)} does not exist` }
    if (ta.partitions.length !== tb.partitions.length) {
      const counts = `topic ${name(primary)} has ${ta.partitions.length} partitions, ${name(mirror)} has ${tb.partitions.length}`
      return { inSync: false, reason: `${counts}; ${WHAT_TO_DO}` }
    }
    const logEndOffsets: number[] = []
    for (let p = 0; p < ta.partitions.length; p++) {
      const [ea, eb] = await Promise.all([a.listOffset(primary.topic, p, 'latest'), b.listOffset(mirror.topic, p, 'latest')])
      // A destination topic with no transaction open has its high watermark as its end; the mirror side is guarded.
      if (eb > ea) {
        const more = `${name(mirror)} holds ${eb - ea} record offsets more than ${name(primary)} (log end offset ${eb} vs ${ea})`
        return { inSync: false, reason: `partition ${p}: ${more}; ${WHAT_TO_DO}` }
      }
      if (eb > 0n) {
        const [la, lb] = await Promise.all([recordAt(a, primary.topic, p, eb - 1n), recordAt(b, mirror.topic, p, eb - 1n)])
        if (JSON.stringify(la) !== JSON.stringify(lb)) {
          const differs = `the record at offset ${eb - 1n} differs between ${name(primary)} and ${name(mirror)}`
          return { inSync: false, reason: `partition ${p}: ${differs}; ${WHAT_TO_DO}` }
        }
      }
      logEndOffsets.push(Number(eb))
    }
    return { inSync: true, logEndOffsets }
  } finally {
    await Promise.allSettled([a.close(), b.close()])
  }
}

/** What one offset holds, comparable across clusters (producer ids and sequences excluded). */
export async function recordAt(client: KafkaClusterClient, topic: string, partition: number, last: bigint): Promise<OffsetContent> {
  const options = { maxBytes: 1 << 20, maxWaitMs: 0, isolation: 'read_uncommitted' as const, lane: 'check' }
  const res = await client.fetchRaw(topic, partition, last, options)
  const batch = splitRecordSet(res.records).find((x) => x.header.baseOffset <= last && lastOffsetOf(x.header) >= last)
  if (!batch) return { kind: 'none' }
  if (isControlBatch(batch.header)) return { kind: 'control' }
  const record = decodeBatchRecords(batch.bytes).find((r) => batch.header.baseOffset + BigInt(r.offsetDelta) === last)
  if (!record) return { kind: 'none' }
  const hex = (x: Buffer | null) => (x === null ? null : x.toString('hex'))
  const fingerprint = JSON.stringify({
    key: hex(record.key), value: hex(record.value), headers: record.headers.map(([k, v]) => [hex(k), hex(v)]),
    timestamp: String(batch.header.baseTimestamp + record.timestampDelta),
  })
  return { kind: 'record', fingerprint }
}
