// The declared failback of a mirror topic: which side is the mirror (direction), how it flips (failbackMethod), and the pure
// rules that turn a change of declared values into one engine action or a refusal that says what to change (issue 11).
import { z } from 'zod'

/**
 * FORWARD: the link's source topic is copied into the mirror topic on the destination cluster (the engine's cluster).
 * REVERSE: after a failback, the destination topic is copied back into the source-cluster topic, which is then the mirror.
 * The engine reports the same values as the extension field `mirror_direction`, so a refresh shows a flip made elsewhere.
 */
export const MIRROR_DIRECTIONS = ['FORWARD', 'REVERSE'] as const
export type MirrorDirection = (typeof MIRROR_DIRECTIONS)[number]

/**
 * How a change of direction happens. REVERSE: reverse-and-start (reverse-and-pause when status is PAUSED); the engine
 * refuses it when the side that becomes the mirror holds records the other lacks. TRUNCATE_AND_RESTORE: those records
 * are copied into a side topic on that side's cluster, then that topic is rebuilt as a mirror (nothing is dropped).
 */
export const FAILBACK_METHODS = ['REVERSE', 'TRUNCATE_AND_RESTORE'] as const
export type FailbackMethod = (typeof FAILBACK_METHODS)[number]

export const mirrorFailbackShape = {
  direction: z.enum(MIRROR_DIRECTIONS, { error: `direction must be ${MIRROR_DIRECTIONS.join(' or ')}` }).default('FORWARD')
    .describe('Which side is the mirror. FORWARD (default): the source topic is copied into the destination topic. REVERSE: the ' +
      'destination topic is copied back into the source-cluster topic (failback). Changing it needs a stopped mirror (status ' +
      'PROMOTED or FAILED_OVER applied first) and status ACTIVE or PAUSED; it updates in place with failbackMethod.'),
  failbackMethod: z.enum(FAILBACK_METHODS, { error: `failbackMethod must be ${FAILBACK_METHODS.join(' or ')}` }).default('REVERSE')
    .describe('How a change of direction happens. REVERSE (default): reverse-and-start (or -pause), refused when the side that ' +
      'becomes the mirror holds records the other lacks. TRUNCATE_AND_RESTORE: those records move to a side topic on that side, ' +
      'then it is rebuilt as a mirror. Used only when direction changes.'),
}

/** The engine action a change of declared values runs (Confluent's REST action names). */
export type FailbackAction = 'reverse-and-start' | 'reverse-and-pause' | 'truncate-and-restore'

/** What a failback found at the last read of a stopped mirror (engine dry runs): shown at refresh, checked at preview/plan. */
export interface FailbackCheck {
  /** Why a REVERSE would be refused now (the engine's words), or null when it would be accepted. */
  readonly reverseBlockedBy: string | null
  /** Records after the failover point on the side that would become the mirror: what TRUNCATE_AND_RESTORE sets aside. */
  readonly recordsToSetAside: number
}

interface Declared {
  readonly status: string
  readonly direction: MirrorDirection
}

const isStoppedStatus = (status: string): boolean => status === 'PROMOTED' || status === 'FAILED_OVER'

/** Names both topics the way users see them: which one is copied into which in a direction. */
export function describeDirection(direction: MirrorDirection, topics: { readonly source: string; readonly mirror: string }): string {
  return direction === 'FORWARD'
    ? `${topics.source} on the source cluster is copied into ${topics.mirror} on the destination cluster`
    : `${topics.mirror} on the destination cluster is copied back into ${topics.source} on the source cluster`
}

export type FailbackPlan =
  | { readonly action?: undefined }
  | { readonly action: FailbackAction; readonly summary: string }
  | { readonly error: string }

/**
 * The one failback a change from `prior` to `next` asks for, or why it cannot happen (a message that says what to change).
 * Rules: direction changes only from a stopped mirror (PROMOTED or FAILED_OVER applied) to ACTIVE or PAUSED; the method
 * picks the action; `check` (from the last refresh, if any) refuses a REVERSE the engine would refuse, naming the fix.
 */
export function planFailback(
  prior: Declared, next: Declared & { readonly failbackMethod: FailbackMethod },
  topics: { readonly source: string; readonly mirror: string }, check?: FailbackCheck | null,
): FailbackPlan {
  if (prior.direction === next.direction) return {}
  const target = `direction ${next.direction}`
  if (!isStoppedStatus(prior.status)) {
    return {
      error: `${topics.mirror} is ${prior.status}: ${target} needs a stopped mirror. Declare status: FAILED_OVER (or PROMOTED) and ` +
        `apply it first, keeping direction: ${prior.direction}; then declare direction: ${next.direction}.`,
    }
  }
  if (isStoppedStatus(next.status)) {
    return { error: `${target} starts mirroring the other way: declare status: ACTIVE (or PAUSED) together with it, not ${next.status}.` }
  }
  const becomes = describeDirection(next.direction, topics)
  if (next.failbackMethod === 'TRUNCATE_AND_RESTORE') {
    const counted = check ? ` (${check.recordsToSetAside} at the last refresh)` : ''
    return {
      action: 'truncate-and-restore',
      summary: `truncate-and-restore: ${becomes}; the records after the failover point on the side that becomes the mirror${counted} ` +
        'move to a <topic>.truncated-<time> side topic on its cluster, then it is rebuilt as a mirror at identical offsets',
    }
  }
  if (check?.reverseBlockedBy) {
    return {
      error: `a REVERSE of ${topics.mirror} would be refused: ${check.reverseBlockedBy}. Declare failbackMethod: TRUNCATE_AND_RESTORE ` +
        `to set those ${check.recordsToSetAside} record(s) aside and mirror anyway, or keep direction: ${prior.direction}.`,
    }
  }
  const action = next.status === 'PAUSED' ? 'reverse-and-pause' : 'reverse-and-start'
  return { action, summary: `${action}: ${becomes}, from each partition's own end (nothing is copied again)` }
}

/** Why a new resource cannot declare REVERSE: a mirror starts FORWARD unless an existing reversed mirror is adopted. */
export function checkCreateDirection(direction: MirrorDirection, adopt: boolean): string | undefined {
  if (direction === 'FORWARD' || adopt) return undefined
  return 'a new mirror topic starts with direction: FORWARD; declare that, apply, and change it after a failover ' +
    '(or set adopt to take over a mirror the engine already runs REVERSE)'
}
