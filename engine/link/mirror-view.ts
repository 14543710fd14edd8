// What a mirror topic shows (REST views and the status records replicas publish), computed from the owner's runner or
// from the owner's last published status: pure functions over a snapshot of the controller.
import type { MirrorPartitionStatus, MirrorTopicRunner, MirrorTopicStatus } from '../mirror/contract.ts'
import type { MirrorState, MirrorStatusRecord } from '../state/index.ts'
import type { MirrorDirection } from './mirror-state-machine.ts'
import { isLagKnown, type MirrorStatus } from './mirror-status.ts'

/** Shaped like Confluent's LinkTaskError: a string code and a message. */
export interface TransitionError {
  readonly error_code: string
  readonly error_message: string
}

export interface MirrorView {
  readonly linkName: string
  readonly mirrorTopicName: string
  readonly sourceTopicName: string
  readonly numPartitions: number
  readonly partitions: readonly MirrorPartitionStatus[]
  readonly status: MirrorStatus
  readonly stateTimeMs: number
  readonly mirrorTopicError: string
  readonly mirrorTopicErrorMessage: string | null
  readonly transitionErrors: readonly TransitionError[]
  /** FORWARD, or REVERSE after a failback (the source-cluster topic is then the mirror); see mirror-state-machine.ts. */
  readonly direction: MirrorDirection
  /** Optional counters the data path may expose beyond the contract. */
  readonly copiedRecords?: number
  readonly copiedBytes?: number
}

export const MAX_TRANSITION_ERRORS = 10

type Counters = { copiedRecords: number; copiedBytes: number } | Record<string, never>

/**
 * What clients read (Confluent's REST v3 never shows it): a mirror that has run before and restarts its copiers
 * (resume, reconnect, engine restart) stays ACTIVE instead of passing through PENDING_MIRROR, unless the restart reports an error.
 */
export function visibleRunState(status: MirrorTopicStatus | undefined, ranBefore: boolean): MirrorTopicStatus['state'] | undefined {
  if (ranBefore && status?.state === 'PENDING_MIRROR' && !status.error) return 'ACTIVE'
  return status?.state
}

/** Records and bytes written, when the runner exposes per-partition counters (optional, beyond the contract). */
export function runnerCounters(runner: MirrorTopicRunner | undefined): Counters {
  type Counted = MirrorTopicRunner & { counters?: () => Record<number, { recordsWritten?: number; bytesWritten?: number }> }
  const counted = runner as Counted | undefined
  if (typeof counted?.counters !== 'function') return {}
  let copiedRecords = 0
  let copiedBytes = 0
  for (const c of Object.values(counted.counters())) {
    copiedRecords += c.recordsWritten ?? 0
    copiedBytes += c.bytesWritten ?? 0
  }
  return { copiedRecords, copiedBytes }
}

/** The runner's total lag in records, or -1 while any partition's lag is unknown (promote waits for 0). */
export function totalLag(status: MirrorTopicStatus | undefined): number {
  if (!status || status.partitions.length === 0 || status.state === 'PENDING_MIRROR') return -1
  if (status.partitions.some((p) => !isLagKnown(p) || (p.lastSourceFetchOffset < 0 && p.sourceHighWatermark > 0))) return -1
  return status.partitions.reduce((sum, p) => sum + p.lagRecords, 0)
}

/** The partition fields a status record carries. */
export function recordPartition(x: MirrorPartitionStatus): MirrorStatusRecord['partitions'][number] {
  return {
    partition: x.partition, lagRecords: x.lagRecords, lastSourceFetchOffset: x.lastSourceFetchOffset,
    sourceHighWatermark: x.sourceHighWatermark, destinationLogEndOffset: x.destinationLogEndOffset,
  }
}

export interface ViewSnapshot {
  /** This replica runs the mirror; otherwise `remote` (the owner's last published status) is shown. */
  readonly owned: boolean
  readonly runner: MirrorTopicRunner | undefined
  readonly runnerError: { code: string; message: string } | undefined
  readonly remote: MirrorStatusRecord | undefined
  readonly ranBefore: boolean
  /** Promote waiting for lag zero, or a stop not yet finished (the owner's state machine). */
  readonly isStopping: boolean
  readonly pendingPromote: boolean
  readonly transitionErrors: readonly TransitionError[]
  /** Partitions shown when the owner has no runner (a STOPPED mirror keeps the lags last published). */
  readonly stoppedPartitions: readonly MirrorPartitionStatus[]
}

/** The run state, error, partitions and counters to show, from the owner's runner or from the remote status. */
export function viewSources(s: ViewSnapshot) {
  if (s.owned) {
    const runnerStatus = s.runner?.status()
    const partitions = runnerStatus?.partitions ?? s.stoppedPartitions
    return {
      runState: s.runnerError ? 'FAILED' as const : visibleRunState(runnerStatus, s.ranBefore), isStopping: s.isStopping,
      since: runnerStatus?.stateTimeMs, error: s.runnerError ?? runnerStatus?.error, partitions, numPartitions: partitions.length,
      counters: runnerCounters(s.runner), transitionErrors: s.transitionErrors,
    }
  }
  const remote = s.remote
  const counters: Counters = {
    ...(remote?.copiedRecords !== undefined ? { copiedRecords: remote.copiedRecords } : {}),
    ...(remote?.copiedBytes !== undefined ? { copiedBytes: remote.copiedBytes } : {}),
  } as Counters
  return {
    runState: remote?.runState ?? undefined, isStopping: s.pendingPromote || (remote?.isStopping ?? false),
    since: remote?.stateTimeMs, error: remote?.error ?? undefined, partitions: remote?.partitions ?? [],
    numPartitions: remote?.numPartitions,
    counters, transitionErrors: [...(remote?.transitionErrors ?? []), ...s.transitionErrors].slice(-MAX_TRANSITION_ERRORS),
  }
}

/** The view of a mirror topic from its stored record, the sources viewSources picked and the status computed from them. */
export function mirrorViewOf(
  state: MirrorState, v: ReturnType<typeof viewSources>,
  shown: { status: MirrorStatus; sinceMs: number; knownPartitions: number; direction: MirrorDirection },
): MirrorView {
  return {
    linkName: state.linkName, mirrorTopicName: state.mirrorTopicName, sourceTopicName: state.sourceTopicName,
    numPartitions: v.numPartitions || shown.knownPartitions, partitions: v.partitions, status: shown.status, stateTimeMs: shown.sinceMs,
    mirrorTopicError: v.error ? v.error.code : 'NO_ERROR', mirrorTopicErrorMessage: v.error ? v.error.message : null,
    transitionErrors: v.transitionErrors, direction: shown.direction, ...v.counters,
  }
}

export interface OwnerSnapshot {
  readonly state: MirrorState
  readonly owner: string
  readonly runner: MirrorTopicRunner | undefined
  readonly runnerError: { code: string; message: string } | undefined
  readonly ranBefore: boolean
  readonly isStopping: boolean
  readonly sinceMs: number
  readonly stoppedPartitions: readonly MirrorPartitionStatus[]
  readonly knownPartitions: number
  readonly transitionErrors: readonly TransitionError[]
  /** statusChangedAtMs of the stored record the owner's runner has been brought in line with (mirror-follower.ts). */
  readonly appliedAtMs: number | undefined
  readonly now: number
}

/** What the owner publishes for the other replicas. */
export function publishedStatus(s: OwnerSnapshot): MirrorStatusRecord {
  const runnerStatus = s.runner?.status()
  const error = s.runnerError ?? runnerStatus?.error
  const partitions = runnerStatus?.partitions ?? s.stoppedPartitions
  return {
    linkName: s.state.linkName, mirrorTopicName: s.state.mirrorTopicName, owner: s.owner,
    runState: s.runnerError ? 'FAILED' : visibleRunState(runnerStatus, s.ranBefore) ?? null,
    isStopping: s.isStopping,
    stateTimeMs: runnerStatus?.stateTimeMs ?? s.sinceMs,
    numPartitions: partitions.length || s.knownPartitions,
    partitions: partitions.map(recordPartition),
    error: error ? { code: error.code, message: error.message } : null,
    transitionErrors: [...s.transitionErrors],
    ...runnerCounters(s.runner),
    ...(s.appliedAtMs !== undefined ? { appliedStatusChangedAtMs: s.appliedAtMs } : {}),
    publishedAtMs: s.now,
  }
}
