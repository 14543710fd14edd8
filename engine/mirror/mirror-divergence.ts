// Explains a divergence of a mirror partition: a filler marker the destination broker wrote twice, or another producer's data.
import { EngineError } from '../errors.ts'
import { isControlBatch, lastOffsetOf, splitRecordSet, type RawRecordBatch } from '../kafka/index.ts'

/** The mirror_topic_error reported when the destination broker duplicated a filler marker (EngineError context `mirrorTopicError`). */
export const DUPLICATE_FILLER_MARKER = 'DUPLICATE_FILLER_MARKER'

export interface DivergenceSource {
  readonly partition: number
  readonly context: { readonly topic: string; readonly partition: number }
  /** The producer ids of this writer's filler transactions (its transactional.id and its helpers). */
  readonly fillerProducerIds: readonly bigint[]
  /** Fetches the mirror partition from `offset`, read_uncommitted (markers included). */
  readonly fetch: (offset: bigint) => Promise<{ records: Buffer | null }>
}

/**
 * The mirror partition holds offsets [from, to) its writer did not plan. When they are all control batches of the
 * writer's own filler producer, the destination broker wrote a filler marker twice (a lost WriteTxnMarkers answer):
 * a precise, non-retriable error; otherwise another producer wrote into the mirror topic.
 */
export async function divergenceError(o: DivergenceSource, from: bigint, to: bigint, what: string): Promise<EngineError> {
  const p = o.partition
  const batches = await extraBatches(o, from, to).catch(() => null)
  if (batches && batches.length > 0
    && batches.every((b) => isControlBatch(b.header) && o.fillerProducerIds.includes(b.header.producerId))) {
    return new EngineError('OFFSET_DIVERGENCE',
      `mirror partition ${p}: the destination broker wrote the filler marker for offset ${from - 1n} twice (after a lost WriteTxnMarkers response Kafka appends a resent marker again), so offsets from ${from} on cannot equal the source; nothing was written after it: recreate the mirror topic`,
      { context: { ...o.context, offset: from, logEndOffset: to, mirrorTopicError: DUPLICATE_FILLER_MARKER } })
  }
  const owners = [...new Set((batches ?? []).map((b) => String(b.header.producerId)))]
  return new EngineError('OFFSET_DIVERGENCE', `mirror partition ${p}: ${what}: another producer${owners.length ? ` (producer id ${owners.join(', ')})` : ''} wrote into the mirror topic at offset ${from}`,
    { context: { ...o.context, offset: from, logEndOffset: to } })
}

/** The destination batches that hold offsets [from, to), read_uncommitted (markers included). */
async function extraBatches(o: DivergenceSource, from: bigint, to: bigint): Promise<RawRecordBatch[]> {
  const out: RawRecordBatch[] = []
  let offset = from
  while (offset < to) {
    const res = await o.fetch(offset)
    const batches = splitRecordSet(res.records).filter((b) => lastOffsetOf(b.header) >= offset && b.header.baseOffset < to)
    if (batches.length === 0) break
    out.push(...batches)
    offset = lastOffsetOf(batches[batches.length - 1]!.header) + 1n
  }
  return out
}
