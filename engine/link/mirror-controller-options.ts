// The options of a mirror controller: how it builds its runner, stores its state, guards writes and reaches the link.
import type { Logger } from '../logging/index.ts'
import type {
  DataPathObserver, KafkaConnectionConfig, MirrorStartOffsetSpec, MirrorTopicRunner, MirrorTopicRunnerOptions,
} from '../mirror/contract.ts'
import type { MirrorState } from '../state/index.ts'
import type { ClusterSide } from '../kafka/index.ts'
import type { ClusterAdmin } from './kafka-admin.ts'
import type { MirrorDirection } from './mirror-state-machine.ts'

export type RunnerFactory = (options: MirrorTopicRunnerOptions) => MirrorTopicRunner

export interface WriteGuard { protect(topic: string): Promise<void>; release(topic: string): Promise<void> }

export interface MirrorControllerOptions {
  readonly state: MirrorState
  readonly createRunner: RunnerFactory
  readonly persist: (state: MirrorState) => Promise<void>
  readonly connections: () => { source: KafkaConnectionConfig; destination: KafkaConnectionConfig }
  readonly startOffsetSpec: () => MirrorStartOffsetSpec
  /** The link's `mirror.coalesce.below.bytes` (validated by link-configs.ts); absent in tests: the data path's default. */
  readonly coalesceBelowBytes?: () => number
  readonly logger: Logger
  readonly promoteTimeoutMs: number
  /** Keeps the topic read-only while mirroring (destinations with an authorizer). */
  readonly writeGuard?: WriteGuard
  /** The same on the link's source cluster: guards the source-cluster topic while it is a REVERSE mirror. */
  readonly sourceWriteGuard?: WriteGuard
  /** Runs the link's consumer offset sync once (promote flushes offsets before stopping). */
  readonly syncOffsetsNow: () => Promise<void>
  readonly now?: () => number
  /** Whether this replica runs the mirror's copiers at creation (see setOwned); default true. */
  readonly owned?: boolean
  /** Admin of either cluster: an interrupted truncate-and-restore resumes with it (absent: it is not resumed). */
  readonly adminOf?: (side: ClusterSide) => ClusterAdmin
  /** Metrics hooks handed to the runner (fetch and produce latency, rebuilt batches). */
  readonly observer?: DataPathObserver
}

/** The runner of a mirror in its direction; REVERSE copies the destination topic back to the source-cluster topic. */
export function runnerOptionsFor(o: MirrorControllerOptions, s: MirrorState, reverse: boolean): MirrorTopicRunnerOptions {
  const { source, destination } = o.connections()
  return {
    // REVERSE: the destination topic is the source of the copy, the source-cluster topic its mirror (connections swapped).
    source: reverse ? destination : source, destination: reverse ? source : destination,
    logger: o.logger.child({ component: 'mirror', link: s.linkName, topic: s.mirrorTopicName }),
    spec: {
      linkName: s.linkName, sourceTopic: reverse ? s.mirrorTopicName : s.sourceTopicName,
      mirrorTopic: reverse ? s.sourceTopicName : s.mirrorTopicName,
      startOffsetSpec: reverse ? 'earliest' : o.startOffsetSpec(),
      ...(s.replicationFactor !== null && !reverse ? { replicationFactor: s.replicationFactor } : {}),
      ...(reverse ? {} : { configs: s.configs }),
      ...(s.verifiedLogEndOffsets ? { verifiedLogEndOffsets: s.verifiedLogEndOffsets } : {}),
      ...(o.coalesceBelowBytes ? { coalesceBelowBytes: o.coalesceBelowBytes() } : {}),
    },
    ...(o.observer ? { observer: o.observer } : {}),
  }
}

/** The guard and topic of the mirror side (written by the copier in the current direction) or of the other side. */
export function writeSide(
  o: MirrorControllerOptions, s: MirrorState, direction: MirrorDirection, side: 'mirror' | 'other',
): { guard: WriteGuard; topic: string } {
  const local = (direction === 'FORWARD') === (side === 'mirror')
  const guard = (local ? o.writeGuard : o.sourceWriteGuard) ?? { protect: async () => undefined, release: async () => undefined }
  return { guard, topic: local ? s.mirrorTopicName : s.sourceTopicName }
}
