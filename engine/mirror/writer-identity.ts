// The producer identity of one mirror partition: named or derived, never stored, so that the destination stays the only checkpoint.
import { createHash } from 'node:crypto'

/**
 * The derived producer id P that mirrors wrote their data with before data moved to T's producer id (see
 * PartitionWriter): a last batch written with P is still the mirror's own. Derived from (source topic id, mirror topic
 * id, partition) in [2^62, 2^62 + 2^61), far above what the controller's allocator hands out (blocks of 1000 from 0,
 * metadata/.../ProducerIdControlManager.java); the broker accepts a producer id it never allocated on
 * non-transactional batches (observed, check 3).
 */
export function dataProducerId(sourceTopicId: string, mirrorTopicId: string, partition: number): bigint {
  const digest = createHash('sha256').update(`${sourceTopicId}/${mirrorTopicId}/${partition}`).digest()
  const low = digest.readBigUInt64BE(0) & ((1n << 61n) - 1n)
  return (1n << 62n) | low
}

/**
 * transactional.id T of a mirror partition: its InitProducerId is the ownership token, and its producer id writes
 * everything, data as plain idempotent batches and fillers as aborted transactions. An empty transaction writes exactly
 * one marker offset (observed, check 4), and an aborted transaction of n-1 filler records plus its marker fills n
 * offsets invisibly to read_committed consumers (check 5). If the engine dies with T's transaction open, the next
 * InitProducerId aborts it and the marker lands at the log end offset (observed, X2): that is an offset a filler was
 * going to occupy anyway, so a restart recomputes the rest of the gap from the new log end offset.
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

/** Produce lanes per destination broker: the destination client is shared by every mirror topic of the engine. */
export const PRODUCE_LANES = 16

/**
 * The produce lane (one connection per broker) of a mirror partition, spread over the mirror topics that share the
 * client: a broker answers one request at a time per connection, so partitions of one lane wait on each other.
 */
export function produceLaneOf(mirrorTopic: string, partition: number): string {
  const spread = createHash('sha256').update(mirrorTopic).digest().readUInt32BE(0)
  return `produce-${(spread + partition) % PRODUCE_LANES}`
}
