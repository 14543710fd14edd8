// The fixed producer identity of one mirror partition: derived, never stored, so that the destination stays the only checkpoint.
import { createHash } from 'node:crypto'

/**
 * Data writer producer id P of a mirror partition, derived from (source topic id, mirror topic id, partition).
 *
 * Why derived: the broker accepts a producer id it never allocated on non-transactional batches (observed, check 3;
 * nothing in ProducerAppendInfo checks a pid against the allocator), so a deterministic id needs no store. The range
 * [2^62, 2^62 + 2^61) is far above what the controller's allocator hands out (blocks of 1000 from 0,
 * metadata/.../ProducerIdControlManager.java), so no real producer shares it.
 *
 * Why these inputs: every data batch in a mirror partition carries P, and batches keep their producer id in the log.
 * On resume, a last data batch whose pid is not P means someone else wrote it: a foreign producer, or a mirror of a
 * source topic that has since been recreated (a new source topic id gives a new P).
 */
export function dataProducerId(sourceTopicId: string, mirrorTopicId: string, partition: number): bigint {
  const digest = createHash('sha256').update(`${sourceTopicId}/${mirrorTopicId}/${partition}`).digest()
  const low = digest.readBigUInt64BE(0) & ((1n << 61n) - 1n)
  return (1n << 62n) | low
}

/**
 * transactional.id of the filler writer T of a mirror partition. T only ever aborts: an empty transaction writes
 * exactly one marker offset (observed, check 4), and an aborted transaction of n-1 filler records plus its marker
 * fills n offsets invisibly to read_committed consumers (check 5). If the engine dies with T's transaction open, the
 * next InitProducerId aborts it and the marker lands at the log end offset (observed, X2): that is an offset a filler
 * was going to occupy anyway, so a restart recomputes the rest of the gap from the new log end offset.
 */
export function fillerTransactionalId(mirrorTopicId: string, partition: number): string {
  return `clusterlink-filler-${mirrorTopicId}-${partition}`
}

/**
 * transactional.id of filler helper `index` (1 and up) of a mirror partition: helpers only write empty aborted
 * transactions, next to T, so that a long gap fills faster than one transactional.id allows (the coordinator runs one
 * transaction per id at a time). A new owner fences every helper that exists before it reads the log end offset.
 */
export function fillerHelperTransactionalId(mirrorTopicId: string, partition: number, index: number): string {
  return `${fillerTransactionalId(mirrorTopicId, partition)}-${index}`
}

/** Highest producer epoch (Short.MAX_VALUE); the broker rejects anything above it. */
export const MAX_PRODUCER_EPOCH = 32767
