// Detects a source partition that was truncated and written again (unclean leader election) before the copier writes on top of it.
import { EngineError } from '../errors.ts'
import {
  ATTR_LOG_APPEND_TIME, decodeBatchRecords, isControlBatch, isTransactionalBatch, lastOffsetOf, splitRecordSet,
  type KafkaClusterClient, type RawFetchPartitionResponse, type RawRecordBatch,
} from '../kafka/index.ts'

/*
  Two checks keep invariant 2 (never write past a divergence) when the source loses records it had acknowledged
  (an unclean leader election elects a replica that missed them; only then can data below the high watermark go,
  Partition / AbstractFetcherThread truncation):
  - while copying, every fetch carries last_fetched_epoch, the source leader epoch of the batch holding the offset
    just below the fetch offset; a leader whose log ends that epoch below the fetch offset answers diverging_epoch
    (Fetch v12+, Partition.readRecords) instead of records, and the copier stops there;
  - when a copier opens, the destination holds no source epochs (the destination rewrites partition_leader_epoch), so
    the last mirrored offset is compared by content with the source's record at that offset; the source batch that
    holds it then gives the epoch of the first fetch.
*/

/** The source leader epoch of the batch holding `end - 1`, or -1 when the batches do not say (no batch, or a v0/v1 log). */
export function epochBefore(batches: readonly RawRecordBatch[], end: bigint): number {
  let epoch = -1
  for (const b of batches) {
    if (b.header.baseOffset >= end) break
    epoch = b.header.partitionLeaderEpoch
  }
  return epoch >= 0 ? epoch : -1
}

/** The FAILED error for a fetch answered with diverging_epoch: the source log differs from the mirror from endOffset on. */
export function divergedSourceError(
  topic: string, partition: number, fetchOffset: bigint, res: RawFetchPartitionResponse,
): EngineError | null {
  const d = res.divergingEpoch
  if (!d) return null
  const at = d.endOffset < fetchOffset ? d.endOffset : fetchOffset
  return new EngineError('OFFSET_DIVERGENCE',
    `source partition ${partition} diverged at offset ${at}: its leader ends epoch ${d.epoch} at ${d.endOffset}, below the mirror's log end offset ${fetchOffset} (the source was truncated, e.g. by an unclean leader election, and written again); nothing was written past ${fetchOffset}: recreate the mirror topic`,
    { context: { topic, partition, offset: at, mirrorTopicError: SOURCE_DIVERGED } })
}

/** The mirror_topic_error of a mirror stopped because its source log no longer holds what was mirrored. */
export const SOURCE_DIVERGED = 'SOURCE_DIVERGED'

interface VisibleRecord {
  readonly timestamp: bigint
  readonly key: Buffer | null
  readonly value: Buffer | null
  readonly headers: ReadonlyArray<readonly [Buffer, Buffer | null]>
}

/** The record at `offset` in a data batch, with the timestamp consumers see (LogAppendTime: the batch's max timestamp). */
function recordAt(batch: RawRecordBatch, offset: bigint): VisibleRecord | null {
  const h = batch.header
  if (isControlBatch(h)) return null
  const r = decodeBatchRecords(batch.bytes).find((x) => h.baseOffset + BigInt(x.offsetDelta) === offset)
  if (!r) return null
  const timestamp = (h.attributes & ATTR_LOG_APPEND_TIME) !== 0 ? h.maxTimestamp : h.baseTimestamp + r.timestampDelta
  return { timestamp, key: r.key, value: r.value, headers: r.headers }
}

function sameBytes(a: Buffer | null, b: Buffer | null): boolean {
  return a === null || b === null ? a === b : a.equals(b)
}

function sameRecord(a: VisibleRecord, b: VisibleRecord): boolean {
  return a.timestamp === b.timestamp && sameBytes(a.key, b.key) && sameBytes(a.value, b.value) && a.headers.length === b.headers.length &&
    a.headers.every(([k, v], i) => sameBytes(k, b.headers[i]![0]) && sameBytes(v, b.headers[i]![1]))
}

async function batchHolding(
  client: KafkaClusterClient, topic: string, partition: number, offset: bigint, topicId?: string,
): Promise<RawRecordBatch | null> {
  const res = await client.fetchRaw(topic, partition, offset, {
    maxBytes: 1 << 20, maxWaitMs: 0, isolation: 'read_uncommitted', lane: 'check', ...(topicId ? { topicId } : {}),
  })
  if (res.errorCode !== 0) return null
  return splitRecordSet(res.records).find((b) => b.header.baseOffset <= offset && lastOffsetOf(b.header) >= offset) ?? null
}

export interface LastMirroredCheck {
  readonly source: KafkaClusterClient
  readonly destination: KafkaClusterClient
  readonly sourceTopic: string
  readonly sourceTopicId: string
  readonly mirrorTopic: string
  readonly partition: number
  /** The destination's log end offset; the record below it is compared. */
  readonly logEndOffset: bigint
  /** The mirror's data producer id: only its batches hold copied records (others are fillers or a failback's). */
  readonly dataProducerId: bigint
}

/**
 * Compares the last mirrored offset with the source. Throws OFFSET_DIVERGENCE (not retriable) when the source holds a
 * different record where the mirror holds a copied one. Returns the source leader epoch of the
 * batch holding that offset (-1 when unknown: the source deleted it since), for the first fetch's last_fetched_epoch.
 */
export async function checkLastMirroredRecord(c: LastMirroredCheck): Promise<number> {
  const last = c.logEndOffset - 1n
  if (last < 0n) return -1
  const mirrored = await batchHolding(c.destination, c.mirrorTopic, c.partition, last)
  const source = await batchHolding(c.source, c.sourceTopic, c.partition, last, c.sourceTopicId)
  if (!mirrored || !source) return -1
  const sourceRecord = recordAt(source, last)
  const mirroredIsData = mirrored.header.producerId === c.dataProducerId
    && !isControlBatch(mirrored.header) && !isTransactionalBatch(mirrored.header)
  // Only a copied record is compared: a filler may stand for source records on purpose (alignment to a later start
  // offset on a compact-only mirror keeps them), and a source record gone since (compaction) cannot be compared.
  const mirroredRecord = mirroredIsData ? recordAt(mirrored, last) : null
  if (mirroredRecord && sourceRecord && !sameRecord(mirroredRecord, sourceRecord)) {
    throw new EngineError('OFFSET_DIVERGENCE',
      `source partition ${c.partition} no longer holds the mirrored record at offset ${last} (the source was truncated, e.g. by an unclean leader election, and written again, or recreated); nothing was written past ${c.logEndOffset}: recreate the mirror topic`,
      { context: { topic: c.mirrorTopic, partition: c.partition, offset: last, mirrorTopicError: SOURCE_DIVERGED } })
  }
  return source.header.partitionLeaderEpoch >= 0 ? source.header.partitionLeaderEpoch : -1
}
