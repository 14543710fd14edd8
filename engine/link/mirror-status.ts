// Pure rules that turn a link's state, the operator's desired status and the runner's state into the REST mirror_status.
import type { MirrorPartitionStatus, MirrorRunState } from '../mirror/contract.ts'
import { failureRecovery } from './mirror-failure.ts'
import { FAILED_PAUSE_REFUSAL, failedRefusal } from './mirror-state-machine.ts'

export const LINK_STATES = ['ACTIVE', 'PAUSED', 'UNAVAILABLE', 'FAILED'] as const
export type LinkStateName = (typeof LINK_STATES)[number]

export const MIRROR_STATUSES = [
  'ACTIVE', 'PAUSED', 'PENDING_STOPPED', 'STOPPED', 'FAILED', 'SOURCE_UNAVAILABLE', 'LINK_PAUSED', 'LINK_FAILED', 'PENDING_MIRROR',
  'PENDING_SYNCHRONIZE', 'PENDING_SETUP_FOR_RESTORE', 'PENDING_RESTORE',
] as const
export type MirrorStatus = (typeof MIRROR_STATUSES)[number]

export interface MirrorStatusInput {
  readonly linkState: LinkStateName
  readonly desiredStatus: 'ACTIVE' | 'PAUSED' | 'STOPPED'
  /** Promote waiting for lag zero, or a stop not yet finished. */
  readonly isStopping: boolean
  /** Undefined when no runner exists (not started yet, or stopped for good). */
  readonly runState: MirrorRunState | undefined
  /** A failback in progress (reverse, truncate-and-restore): shown as Confluent's status of that step. */
  readonly failbackPhase?: 'PENDING_SYNCHRONIZE' | 'PENDING_SETUP_FOR_RESTORE' | 'PENDING_RESTORE'
}

/**
 * Precedence: a failback step in progress, then a stop (asked for) wins over everything, then the mirror's own failure,
 * then the link's state, then the operator's pause, then the runner's progress.
 */
export function toMirrorStatus(input: MirrorStatusInput): MirrorStatus {
  if (input.failbackPhase) return input.failbackPhase
  if (input.desiredStatus === 'STOPPED') return input.isStopping ? 'PENDING_STOPPED' : 'STOPPED'
  if (input.isStopping) return 'PENDING_STOPPED'
  if (input.runState === 'FAILED') return 'FAILED'
  if (input.linkState === 'FAILED') return 'LINK_FAILED'
  if (input.linkState === 'PAUSED') return 'LINK_PAUSED'
  if (input.linkState === 'UNAVAILABLE' || input.runState === 'SOURCE_UNAVAILABLE') return 'SOURCE_UNAVAILABLE'
  if (input.desiredStatus === 'PAUSED') return 'PAUSED'
  if (input.runState === undefined || input.runState === 'PENDING_MIRROR') return 'PENDING_MIRROR'
  if (input.runState === 'STOPPED') return 'STOPPED'
  return 'ACTIVE'
}

export interface AvailabilityState {
  readonly consecutiveFailures: number
}

/** Counts consecutive failed availability checks; a success resets the count. */
export function nextAvailability(state: AvailabilityState, checkSucceeded: boolean): AvailabilityState {
  return { consecutiveFailures: checkSucceeded ? 0 : state.consecutiveFailures + 1 }
}

export function toLinkState(
  input: { readonly paused: boolean; readonly failed: boolean; readonly consecutiveFailures: number; readonly threshold: number },
): LinkStateName {
  if (input.failed) return 'FAILED'
  if (input.paused) return 'PAUSED'
  if (input.consecutiveFailures >= input.threshold) return 'UNAVAILABLE'
  return 'ACTIVE'
}

export type MirrorAction = 'pause' | 'resume' | 'promote' | 'failover'

/**
 * Whether an action may run from a status; returns a message that says why not, or undefined.
 * Failover works from FAILED, SOURCE_UNAVAILABLE and LINK_FAILED too (terraform-provider-confluent#780). Resume works
 * from FAILED when the failure's error code can be retried (mirror-failure.ts); otherwise the answer says to recreate.
 * Actions that are already done (pause of a PAUSED mirror, promote of a STOPPED one) are accepted and change nothing.
 */
export function checkMirrorAction(action: MirrorAction, status: MirrorStatus, errorCode?: string): string | undefined {
  const stopped = status === 'STOPPED' || status === 'PENDING_STOPPED'
  switch (action) {
    case 'pause':
    case 'resume':
      if (stopped) return `cannot ${action} a ${status} mirror topic (it was promoted or failed over and is now a writable topic)`
      // A FAILED mirror resumes when its failure can be retried (mirror-failure.ts); the state machine decides the rest.
      if (status === 'FAILED' && (action === 'pause' || failureRecovery(errorCode) === 'recreate')) {
        return action === 'pause' && failureRecovery(errorCode) === 'resume' ? FAILED_PAUSE_REFUSAL : failedRefusal(action, errorCode)
      }
      return undefined
    case 'promote':
      if (stopped) return undefined
      if (status === 'FAILED' || status === 'LINK_FAILED' || status === 'SOURCE_UNAVAILABLE') {
        return `cannot promote a ${status} mirror topic: promote needs the source to reach lag zero; use failover to stop it now`
      }
      return undefined
    case 'failover':
      return undefined
  }
}

/**
 * A copier that has not fetched yet knows no source high watermark (-1): its lag is unknown, never zero. Answers, metrics
 * and promote leave such partitions out or wait for them.
 */
export function isLagKnown(partition: MirrorPartitionStatus): boolean {
  return partition.sourceHighWatermark >= 0
}
