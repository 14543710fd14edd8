// The contract between the mirror data path (engine/mirror) and the rest of the engine (api/, link/, state/).
// engine/mirror implements MirrorTopicRunner; link/ creates one per mirror topic and reads its status.
import type { Logger } from '../logging/index.ts'
import type { KafkaConnectionConfig } from '../kafka/connection-config.ts'
import type { JobMetrics } from '../periodic-job.ts'

/** How to reach one Kafka cluster (source or destination), defined by kafka/. Secrets stay in memory only. */
export type { KafkaConnectionConfig } from '../kafka/connection-config.ts'

/** Where a new mirror starts: the source log start offset, the source log end offset, or the first offset at or after a timestamp (ms). */
export type MirrorStartOffsetSpec = 'earliest' | 'latest' | { readonly timestampMs: number }

export interface MirrorTopicSpec {
  readonly linkName: string
  readonly sourceTopic: string
  readonly mirrorTopic: string
  readonly startOffsetSpec: MirrorStartOffsetSpec
  /** Replication factor for the mirror topic when the runner creates it; default: the destination's default. */
  readonly replicationFactor?: number
  /** Extra topic configs for the mirror topic (validated by api/ before they reach here). */
  readonly configs?: Readonly<Record<string, string>>
  /**
   * Failback (link/ reverse): per partition, the log end offset at which link/ found the existing mirror topic to hold
   * the same records as the source. A partition exactly at that offset is taken over although its last batch was
   * written by another producer (the old primary's); any other offset gets the usual last-batch-owner check.
   */
  readonly verifiedLogEndOffsets?: readonly number[]
  /**
   * Coalescing (link config `mirror.coalesce.below.bytes`): source batches of at most this many bytes are merged into
   * larger destination batches, records and offsets identical, bytes rebuilt (counted as rebuilt batches, reason
   * `coalesce`); 0 forwards every batch byte for byte. Absent: the engine default (DEFAULT_COALESCE_BELOW_BYTES).
   */
  readonly coalesceBelowBytes?: number
}

/** The data path's own view of a mirror; link/ maps it, together with link state, to the REST mirror_status. */
export type MirrorRunState = 'PENDING_MIRROR' | 'ACTIVE' | 'PAUSED' | 'STOPPED' | 'FAILED' | 'SOURCE_UNAVAILABLE'

export interface MirrorPartitionStatus {
  readonly partition: number
  /** Source high watermark (or last stable offset) minus destination log end offset, never below 0. */
  readonly lagRecords: number
  /** Every source offset below this one has been copied (= destination log end offset); -1 before the first fetch. */
  readonly lastSourceFetchOffset: number
  readonly sourceHighWatermark: number
  readonly destinationLogEndOffset: number
}

export interface MirrorTopicStatus {
  readonly state: MirrorRunState
  readonly stateTimeMs: number
  readonly partitions: readonly MirrorPartitionStatus[]
  /**
   * Present in FAILED and SOURCE_UNAVAILABLE (and in PENDING_MIRROR while a start is retried): one of the REST
   * mirror_topic_error names or an engine error code (DUPLICATE_FILLER_MARKER: the destination broker wrote a filler
   * marker twice), with a message that says what happened.
   */
  readonly error?: { readonly code: string; readonly message: string; readonly partition?: number; readonly offset?: number }
}

/** Optional hooks the data path calls for metrics/ (latencies in seconds; one call per rebuilt batch with its reason). */
export interface DataPathObserver {
  fetched(seconds: number): void
  produced(seconds: number): void
  rebuilt(reason: string): void
  /** Run and failed-run counters of the runner's named periodic jobs (source-topic-watch), labelled with link and topic. */
  readonly jobs?: JobMetrics
}

export interface MirrorTopicRunnerOptions {
  readonly source: KafkaConnectionConfig
  readonly destination: KafkaConnectionConfig
  readonly spec: MirrorTopicSpec
  readonly logger: Logger
  /** Optional: fetch and produce latency, rebuilt batches (metrics/); absent in tests that do not measure. */
  readonly observer?: DataPathObserver
}

/**
 * One mirror topic on one engine: creates the mirror topic when absent (source partition count and configs,
 * compression.type=producer, CreateTime), then runs one copier per partition. Resumes from the destination's log
 * end offset: no other checkpoint exists.
 */
export interface MirrorTopicRunner {
  /**
   * Creates the mirror topic if needed and starts copying. Resolves once copiers run (ACTIVE), once a pause sent
   * meanwhile holds them (PAUSED), or once a retriable problem moved the start to background retries with backoff
   * (SOURCE_UNAVAILABLE for an unreachable source, PENDING_MIRROR with an error for an unreachable destination: the
   * runner keeps retrying until it succeeds or is stopped). Rejects with an EngineError only for non-retriable problems
   * (state FAILED). Calling it again returns the same promise.
   */
  start(): Promise<void>
  /**
   * Stops fetching and writing; keeps the topic; state PAUSED. Valid in every state but FAILED and STOPPED (before or
   * during start too: the copiers are then never launched), idempotent, and ordered with resume/stop: after
   * `pause(); resume(); pause()` in quick succession the mirror is PAUSED (the last call wins).
   */
  pause(): Promise<void>
  /** Valid in every state but FAILED and STOPPED, idempotent, ordered with pause/stop; resolves once ACTIVE or retrying. */
  resume(): Promise<void>
  /**
   * Stops start retries and every copier for good (promote/failover/delete); state STOPPED. Valid in every state,
   * idempotent. In-flight produce requests finish first.
   */
  stop(): Promise<void>
  status(): MirrorTopicStatus
  /** Called on every state change (FAILED included). */
  onStateChange(listener: (status: MirrorTopicStatus) => void): void
}
