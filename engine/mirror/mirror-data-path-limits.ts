// The data-path limits of a mirror topic runner (fetch sizes and waits, bytes in flight, filler chunks, coalescing).
import type { ClusterClientPool } from '../kafka/index.ts'
import type { ByteBudget } from './byte-budget.ts'

/** Data-path limits; defaults suit a small engine. Additive to the contract's options. */
export interface MirrorDataPathLimits {
  /** Max bytes of one partition fetch (also the per-partition in-flight bound); default 4 MiB. */
  readonly fetchMaxBytes?: number
  /** Max fetch bytes in flight across all partitions of this runner; default 64 MiB. Ignored when sharedBudget is given. */
  readonly totalInFlightBytes?: number
  /** One budget shared by every runner of an engine (engine-wide bound on fetched bytes held in memory). */
  readonly sharedBudget?: ByteBudget
  /** Clients shared by every runner of an engine (one per cluster connection); without it a runner makes its own two. */
  readonly clients?: ClusterClientPool
  readonly fetchMaxWaitMs?: number
  /** How often the source topic's id and partition count are checked; default 5 s. */
  readonly metadataIntervalMs?: number
  readonly idleCheckIntervalMs?: number
  readonly fillerChunkRecords?: number
  readonly emptyTxnFillMax?: number
  /**
   * Source batches of at most this many bytes are merged into one destination batch (records and offsets identical,
   * bytes rebuilt). Helps sources written with linger.ms=0. A mirror's spec.coalesceBelowBytes wins over it; default
   * DEFAULT_COALESCE_BELOW_BYTES; 0 forwards every batch byte for byte.
   */
  readonly coalesceBelowBytes?: number
  /** Only source batches of at most this many records are merged; default DEFAULT_COALESCE_MAX_RECORDS (one-record batches). */
  readonly coalesceMaxRecords?: number
}
