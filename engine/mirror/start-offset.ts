// Where a new mirror partition starts on the source: the offset its start offset spec names, and the batch that holds it.
import { splitRecordSet, type KafkaClusterClient } from '../kafka/index.ts'
import type { MirrorStartOffsetSpec } from './contract.ts'

/** The source offset a start offset spec names; a timestamp past the last record means the log end offset. */
export async function startOffsetOf(
  source: KafkaClusterClient, topic: string, partition: number, spec: MirrorStartOffsetSpec,
): Promise<bigint> {
  if (spec === 'earliest') return source.listOffset(topic, partition, 'earliest')
  if (spec === 'latest') return source.listOffset(topic, partition, 'latest')
  const at = await source.listOffset(topic, partition, { timestampMs: spec.timestampMs })
  return at >= 0n ? at : source.listOffset(topic, partition, 'latest')
}

/** The base offset of the source batch that holds `offset` (mid-batch starts copy the whole batch, then DeleteRecords). */
export async function batchStartOf(
  source: KafkaClusterClient, topic: string, topicId: string, partition: number, offset: bigint,
): Promise<bigint> {
  const res = await source.fetchRaw(topic, partition, offset, {
    maxBytes: 1 << 16, maxWaitMs: 0, isolation: 'read_uncommitted', lane: `fetch-${partition % 8}`, topicId,
  })
  const first = splitRecordSet(res.records)[0]
  return first && first.header.baseOffset < offset ? first.header.baseOffset : offset
}
