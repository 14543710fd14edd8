// The mirror topic state machine: one pure transition function from (state, event) to (next state, actions the controller runs).

/**
 * Phases of one mirror topic as the controller drives it (the REST mirror_status adds the runner's and the link's
 * conditions on top: PENDING_MIRROR, SOURCE_UNAVAILABLE, FAILED, LINK_PAUSED, LINK_FAILED; see mirror-status.ts).
 * - ACTIVE, PAUSED: what the operator asked for (stored as desiredStatus).
 * - PENDING_PROMOTE: a promote waiting for lag zero (stored as pendingPromote; REST PENDING_STOPPED).
 * - PENDING_STOPPED: the stop is stored, the copiers are stopping; writes are allowed only after.
 * - STOPPED: both topics writable (promoted, failed over, or never reversed yet).
 * - PENDING_SYNCHRONIZE: reverse asked; the other side is being guarded and both sides compared.
 * - PENDING_SETUP_FOR_RESTORE, PENDING_RESTORE: truncate-and-restore: the old primary's tail being set aside, then
 *   the old primary topic being rebuilt as a mirror. The failback phases are stored as STOPPED plus their progress.
 */
export const MIRROR_PHASES = [
  'ACTIVE', 'PAUSED', 'PENDING_PROMOTE', 'PENDING_STOPPED', 'STOPPED',
  'PENDING_SYNCHRONIZE', 'PENDING_SETUP_FOR_RESTORE', 'PENDING_RESTORE',
] as const
export type MirrorPhase = (typeof MIRROR_PHASES)[number]

/**
 * FORWARD: the link's source topic is copied into the mirror topic on the destination cluster (the engine's cluster).
 * REVERSE (after reverse-and-start/pause or truncate-and-restore): the destination topic is copied back into the
 * source-cluster topic, with the same copier and the two connections swapped.
 */
export type MirrorDirection = 'FORWARD' | 'REVERSE'

/**
 * What the runner and the link report, read by the controller right before each transition. A failed runner is
 * FAILED_RESUMABLE when its failure can be retried (the cause was outside the mirror's records: an unreachable or
 * refusing broker, credentials, ACLs), FAILED when the records can no longer be trusted to pair with the source
 * (a divergence, another source topic): only a recreate helps then (mirror-failure.ts classifies the error codes).
 */
export type MirrorHealth = 'OK' | 'FAILED' | 'FAILED_RESUMABLE' | 'SOURCE_UNAVAILABLE' | 'LINK_FAILED'

export interface MirrorMachineState {
  readonly phase: MirrorPhase
  readonly direction: MirrorDirection
  /** Where a promote that times out returns, and where a reverse or restore ends: ACTIVE or PAUSED. */
  readonly resumeTo: 'ACTIVE' | 'PAUSED'
  readonly linkPaused: boolean
  readonly health: MirrorHealth
}

export const MIRROR_EVENTS = [
  'activate', 'pause', 'resume', 'promote', 'failover', 'reverse-and-start', 'reverse-and-pause', 'truncate-and-restore',
  'lag-zero', 'promote-timeout', 'runner-stopped', 'link-paused', 'link-resumed', 'in-sync', 'out-of-sync',
  'set-aside-done', 'restore-done', 'restore-failed',
] as const
export type MirrorEventType = (typeof MIRROR_EVENTS)[number]
export interface MirrorEvent {
  readonly type: MirrorEventType
  /** For out-of-sync, promote-timeout and restore-failed: why, as a message that says what to do. */
  readonly reason?: string
}

/**
 * Actions, run in order. Only `persist` runs on a replica that does not own the mirror (the owner applies the stored
 * record as the same event). "Mirror side" is the topic being written by the copier in the current direction;
 * "other side" is the one that becomes the mirror side when the direction flips.
 */
export type MachineAction =
  | { readonly type: 'persist'; readonly stoppedBy?: 'PROMOTE' | 'FAILOVER' }
  | { readonly type: 'start-runner' }
  | { readonly type: 'pause-runner' }
  /** Stops the copiers; the controller then feeds runner-stopped. */
  | { readonly type: 'stop-runner' }
  /** Drops a FAILED runner and starts a new one (unless the link is paused): its copiers take every partition over again. */
  | { readonly type: 'restart-runner' }
  | { readonly type: 'protect-writes' }
  | { readonly type: 'release-writes' }
  | { readonly type: 'protect-other-side' }
  | { readonly type: 'release-other-side' }
  /** Starts the runner if needed and watches lag; feeds lag-zero or promote-timeout. */
  | { readonly type: 'wait-for-lag-zero' }
  | { readonly type: 'sync-offsets' }
  /** Compares both sides' log end offsets and last records; feeds in-sync or out-of-sync. */
  | { readonly type: 'check-in-sync' }
  /** Copies the other side's divergent tail to a side topic; feeds set-aside-done or restore-failed. */
  | { readonly type: 'set-aside-divergent' }
  /** Deletes the other side's topic so the flipped runner recreates it from the log start; feeds restore-done or restore-failed. */
  | { readonly type: 'rebuild-other-side' }
  | { readonly type: 'record-error'; readonly code: string; readonly message: string }

export type Transition =
  | { readonly ok: true; readonly state: MirrorMachineState; readonly actions: readonly MachineAction[] }
  | { readonly ok: false; readonly reason: string }

/**
 * The table: phase x event -> next phase [actions]. "=" keeps the phase, "refused" answers with a reason and changes
 * nothing, "ignored" refuses an internal event that is stale. Health refusals come first: pause is refused while FAILED or
 * FAILED_RESUMABLE, resume while FAILED (recreate the mirror topic); promote while not OK; failover works from all of
 * them (terraform-provider-confluent#780). start-runner* only when the link is not paused.
 *
 * ACTIVE, PAUSED while FAILED_RESUMABLE
 *   resume -> ACTIVE [persist, restart-runner]: the record is stored again even from ACTIVE (a newer statusChangedAtMs
 *   is how the owner hears a resume sent to another replica); the new runner re-runs the writer's takeover checks, so
 *   nothing is written on top of a divergence. restart-runner starts nothing while the link is paused.
 * ACTIVE
 *   pause -> PAUSED [persist, pause-runner]; resume -> =; promote -> PENDING_PROMOTE [persist, wait-for-lag-zero]
 *   failover -> PENDING_STOPPED [persist, stop-runner]; reverse-*, truncate-and-restore: refused (stop it first)
 *   activate -> = [protect-writes, start-runner*]; link-paused [pause-runner]; link-resumed [start-runner]
 * PAUSED
 *   pause -> =; resume -> ACTIVE [persist, start-runner*]; promote -> PENDING_PROMOTE (resumeTo PAUSED)
 *   failover -> PENDING_STOPPED [persist, stop-runner]; reverse-*, truncate-and-restore: refused (stop it first)
 *   activate -> = [protect-writes]; link-paused [pause-runner]; link-resumed: nothing
 * PENDING_PROMOTE (REST PENDING_STOPPED)
 *   pause, resume: refused; promote -> =; failover -> PENDING_STOPPED [persist, stop-runner]; reverse-*, truncate: refused
 *   lag-zero -> PENDING_STOPPED [sync-offsets, persist, stop-runner]
 *   promote-timeout -> resumeTo [persist, record-error, pause-runner when resumeTo is PAUSED]
 *   activate -> = [protect-writes, wait-for-lag-zero]; link-paused [pause-runner]; link-resumed [start-runner]
 * PENDING_STOPPED
 *   pause, resume, reverse-*, truncate: refused; promote, failover -> =
 *   runner-stopped -> STOPPED [release-writes]; activate -> STOPPED [release-writes]
 * STOPPED
 *   pause, resume: refused; promote, failover -> =; activate -> = [release-writes]
 *   reverse-and-start, reverse-and-pause -> PENDING_SYNCHRONIZE (resumeTo ACTIVE or PAUSED) [persist, protect-other-side, check-in-sync]
 *   truncate-and-restore -> PENDING_SETUP_FOR_RESTORE [persist, protect-other-side, set-aside-divergent]
 * PENDING_SYNCHRONIZE (every operator event refused: in progress)
 *   in-sync -> resumeTo, direction flipped [persist, start-runner* when ACTIVE]
 *   out-of-sync -> STOPPED [persist, release-other-side, record-error]
 * PENDING_SETUP_FOR_RESTORE (every operator event refused: in progress)
 *   set-aside-done -> PENDING_RESTORE [rebuild-other-side]; restore-failed -> STOPPED [persist, release-other-side, record-error]
 * PENDING_RESTORE (every operator event refused: in progress)
 *   restore-done -> ACTIVE, direction flipped [persist, start-runner*]
 *   restore-failed -> STOPPED [persist, release-other-side, record-error]
 * The three failback phases are stored as STOPPED plus the failback's progress (state-records.ts), so a restart or a new
 * owner resumes them: activate there -> = [protect-other-side, the phase's step].
 *
 * link-paused and link-resumed update linkPaused in every phase and act only where listed. Every other
 * (phase, internal event) pair is ignored.
 */
export function transition(state: MirrorMachineState, event: MirrorEvent): Transition {
  const s = state
  const to = (phase: MirrorPhase, actions: readonly MachineAction[], extra: Partial<MirrorMachineState> = {}): Transition =>
    ({ ok: true, state: { ...s, ...extra, phase }, actions })
  const same = (actions: readonly MachineAction[] = []): Transition => ({ ok: true, state: s, actions })
  const refuse = (reason: string): Transition => ({ ok: false, reason })
  const start: readonly MachineAction[] = s.linkPaused ? [] : [{ type: 'start-runner' }]
  const flipped: MirrorDirection = s.direction === 'FORWARD' ? 'REVERSE' : 'FORWARD'
  const stop = (stoppedBy: 'PROMOTE' | 'FAILOVER', before: readonly MachineAction[] = []): Transition =>
    to('PENDING_STOPPED', [...before, { type: 'persist', stoppedBy }, { type: 'stop-runner' }])

  switch (event.type) {
    case 'link-paused':
    case 'link-resumed': {
      const linkPaused = event.type === 'link-paused'
      const next = { ...s, linkPaused }
      if (linkPaused === s.linkPaused) return same()
      const live = s.phase === 'ACTIVE' || s.phase === 'PAUSED' || s.phase === 'PENDING_PROMOTE'
      if (!live) return { ok: true, state: next, actions: [] }
      if (linkPaused) return { ok: true, state: next, actions: [{ type: 'pause-runner' }] }
      return { ok: true, state: next, actions: s.phase === 'PAUSED' ? [] : [{ type: 'start-runner' }] }
    }
    case 'pause':
    case 'resume':
      return pauseOrResume(s, event.type, start)
    case 'promote':
      if (s.phase === 'PENDING_PROMOTE' || s.phase === 'PENDING_STOPPED' || s.phase === 'STOPPED') return same()
      if (s.phase !== 'ACTIVE' && s.phase !== 'PAUSED') return refuse(busy(s.phase, 'promote'))
      if (s.health !== 'OK') {
        return refuse(`cannot promote a ${s.health} mirror topic: promote needs the source to reach lag zero; use failover to stop it now`)
      }
      return to('PENDING_PROMOTE', [{ type: 'persist' }, { type: 'wait-for-lag-zero' }], { resumeTo: s.phase })
    case 'failover':
      if (s.phase === 'PENDING_STOPPED' || s.phase === 'STOPPED') return same()
      if (s.phase === 'ACTIVE' || s.phase === 'PAUSED' || s.phase === 'PENDING_PROMOTE') return stop('FAILOVER')
      return refuse(busy(s.phase, 'failover'))
    case 'reverse-and-start':
    case 'reverse-and-pause':
    case 'truncate-and-restore': {
      if (s.phase !== 'STOPPED') return refuse(notStopped(s.phase, event.type))
      const resumeTo = event.type === 'reverse-and-pause' ? 'PAUSED' : 'ACTIVE'
      if (event.type === 'truncate-and-restore') {
        return to('PENDING_SETUP_FOR_RESTORE', [{ type: 'persist' }, ...RESUME_FAILBACK.PENDING_SETUP_FOR_RESTORE], { resumeTo })
      }
      return to('PENDING_SYNCHRONIZE', [{ type: 'persist' }, ...RESUME_FAILBACK.PENDING_SYNCHRONIZE], { resumeTo })
    }
    case 'activate':
      switch (s.phase) {
        case 'ACTIVE': return same([{ type: 'protect-writes' }, ...start])
        case 'PAUSED': return same([{ type: 'protect-writes' }])
        case 'PENDING_PROMOTE': return same([{ type: 'protect-writes' }, { type: 'wait-for-lag-zero' }])
        case 'PENDING_STOPPED': return to('STOPPED', [{ type: 'release-writes' }])
        case 'STOPPED': return same([{ type: 'release-writes' }])
        default: return same(RESUME_FAILBACK[s.phase])
      }
    case 'lag-zero':
      if (s.phase !== 'PENDING_PROMOTE') return refuse(stale(s.phase, event.type))
      return stop('PROMOTE', [{ type: 'sync-offsets' }])
    case 'promote-timeout': {
      if (s.phase !== 'PENDING_PROMOTE') return refuse(stale(s.phase, event.type))
      const error: MachineAction = { type: 'record-error', code: 'PROMOTE_TIMEOUT', message: event.reason ?? 'promote timed out' }
      const actions: MachineAction[] = [{ type: 'persist' }, error]
      if (s.resumeTo === 'PAUSED') actions.push({ type: 'pause-runner' })
      return to(s.resumeTo, actions)
    }
    case 'runner-stopped':
      if (s.phase !== 'PENDING_STOPPED') return refuse(stale(s.phase, event.type))
      return to('STOPPED', [{ type: 'release-writes' }])
    case 'in-sync':
      if (s.phase !== 'PENDING_SYNCHRONIZE') return refuse(stale(s.phase, event.type))
      return to(s.resumeTo, [{ type: 'persist' }, ...(s.resumeTo === 'ACTIVE' ? start : [])], { direction: flipped })
    case 'out-of-sync':
      if (s.phase !== 'PENDING_SYNCHRONIZE') return refuse(stale(s.phase, event.type))
      return to('STOPPED', [{ type: 'persist' }, { type: 'release-other-side' }, failed('NOT_IN_SYNC', event.reason ?? 'the two sides differ')])
    case 'set-aside-done':
      if (s.phase !== 'PENDING_SETUP_FOR_RESTORE') return refuse(stale(s.phase, event.type))
      return to('PENDING_RESTORE', [{ type: 'rebuild-other-side' }])
    case 'restore-done':
      if (s.phase !== 'PENDING_RESTORE') return refuse(stale(s.phase, event.type))
      return to('ACTIVE', [{ type: 'persist' }, ...start], { direction: flipped })
    case 'restore-failed':
      if (s.phase !== 'PENDING_SETUP_FOR_RESTORE' && s.phase !== 'PENDING_RESTORE') return refuse(stale(s.phase, event.type))
      return to('STOPPED', [{ type: 'persist' }, { type: 'release-other-side' }, failed('RESTORE_FAILED', event.reason ?? 'truncate-and-restore failed')])
  }
}

function pauseOrResume(s: MirrorMachineState, action: 'pause' | 'resume', start: readonly MachineAction[]): Transition {
  const stopped = s.phase === 'STOPPED' || s.phase === 'PENDING_STOPPED' || s.phase === 'PENDING_PROMOTE'
  if (stopped) {
    const shown = s.phase === 'STOPPED' ? 'STOPPED' : 'PENDING_STOPPED'
    return { ok: false, reason: `cannot ${action} a ${shown} mirror topic (it was promoted or failed over and is now a writable topic)` }
  }
  if (s.phase !== 'ACTIVE' && s.phase !== 'PAUSED') return { ok: false, reason: busy(s.phase, action) }
  if (s.health === 'FAILED') return { ok: false, reason: failedRefusal(action) }
  if (s.health === 'FAILED_RESUMABLE') {
    if (action === 'pause') return { ok: false, reason: FAILED_PAUSE_REFUSAL }
    return { ok: true, state: { ...s, phase: 'ACTIVE' }, actions: [{ type: 'persist' }, { type: 'restart-runner' }] }
  }
  if (action === 'pause') {
    if (s.phase === 'PAUSED') return { ok: true, state: s, actions: [] }
    return { ok: true, state: { ...s, phase: 'PAUSED' }, actions: [{ type: 'persist' }, { type: 'pause-runner' }] }
  }
  if (s.phase === 'ACTIVE') return { ok: true, state: s, actions: [] }
  return { ok: true, state: { ...s, phase: 'ACTIVE' }, actions: [{ type: 'persist' }, ...start] }
}

/** The failback phases (stored as STOPPED plus their progress) and what resumes each: guard the other side again, then its step. */
export const RESUME_FAILBACK = {
  PENDING_SYNCHRONIZE: [{ type: 'protect-other-side' }, { type: 'check-in-sync' }],
  PENDING_SETUP_FOR_RESTORE: [{ type: 'protect-other-side' }, { type: 'set-aside-divergent' }],
  PENDING_RESTORE: [{ type: 'protect-other-side' }, { type: 'rebuild-other-side' }],
} as const satisfies Record<string, readonly MachineAction[]>
export type FailbackPhase = keyof typeof RESUME_FAILBACK

export function isFailbackPhase(phase: MirrorPhase): phase is FailbackPhase {
  return phase in RESUME_FAILBACK
}

/** Why pause is refused while FAILED for a cause that can be retried. */
export const FAILED_PAUSE_REFUSAL = 'cannot pause a FAILED mirror topic: fix the cause its error names and resume it, or fail it over to make it writable'

/** Why pause or resume is refused while FAILED for a cause that cannot be retried (the REST answer adds the error code). */
export function failedRefusal(action: 'pause' | 'resume', code?: string): string {
  const cause = code ? ` (${code})` : ''
  return `cannot ${action} a FAILED mirror topic: its failure${cause} cannot be retried; recreate the mirror topic `
    + '(delete it and create it again), or fail it over to make it writable'
}

function failed(code: string, message: string): MachineAction {
  return { type: 'record-error', code, message }
}

/** The fields of the stored mirror record a phase maps to. */
export interface MirrorStored {
  readonly desiredStatus: 'ACTIVE' | 'PAUSED' | 'STOPPED'
  readonly pendingPromote: boolean
}

function busy(phase: MirrorPhase, action: string): string {
  return `cannot ${action} a ${phase} mirror topic: a reverse or truncate-and-restore is in progress; retry once it finished`
}

function notStopped(phase: MirrorPhase, action: string): string {
  if (phase === 'ACTIVE' || phase === 'PAUSED') {
    return `cannot ${action} a ${phase} mirror topic: only a STOPPED mirror topic can be reversed or restored; `
      + 'promote it (or fail it over) first'
  }
  if (phase === 'PENDING_PROMOTE' || phase === 'PENDING_STOPPED') {
    return `cannot ${action} a PENDING_STOPPED mirror topic: wait until it is STOPPED, then retry`
  }
  return `cannot ${action} a ${phase} mirror topic: a reverse or truncate-and-restore is in progress; retry once it finished`
}

function stale(phase: MirrorPhase, event: string): string {
  return `ignored: ${event} does not apply in ${phase}`
}

/** The phase a stored record stands for (the in-memory-only phases are never stored). */
export function phaseOfRecord(record: MirrorStored): MirrorPhase {
  if (record.desiredStatus === 'STOPPED') return 'STOPPED'
  return record.pendingPromote ? 'PENDING_PROMOTE' : record.desiredStatus
}

/** The stored fields of a phase: desiredStatus and pendingPromote (in-memory phases store what they started from). */
export function recordOfPhase(state: MirrorMachineState): MirrorStored {
  switch (state.phase) {
    case 'ACTIVE':
    case 'PAUSED':
      return { desiredStatus: state.phase, pendingPromote: false }
    case 'PENDING_PROMOTE':
      return { desiredStatus: state.resumeTo, pendingPromote: true }
    default:
      return { desiredStatus: 'STOPPED', pendingPromote: false }
  }
}

/** The machine state a stored mirror record stands for (health is read live before each transition). */
export function machineOfRecord(
  state: MirrorStored & { readonly direction?: MirrorDirection | undefined; readonly failback?: StoredFailback | null | undefined },
  linkPaused: boolean,
): MirrorMachineState {
  const direction = state.direction ?? 'FORWARD'
  const f = state.failback
  if (f && state.desiredStatus === 'STOPPED') {
    // A failback the engine was running when it stopped: its phase, so that activate resumes it.
    const phase = f.action !== 'truncate-and-restore' ? 'PENDING_SYNCHRONIZE' : f.step === 'rebuild' ? 'PENDING_RESTORE' : 'PENDING_SETUP_FOR_RESTORE'
    return { phase, direction, resumeTo: f.action === 'reverse-and-pause' ? 'PAUSED' : 'ACTIVE', linkPaused, health: 'OK' }
  }
  const resumeTo = state.desiredStatus === 'PAUSED' ? 'PAUSED' : 'ACTIVE'
  return { phase: phaseOfRecord(state), direction, resumeTo, linkPaused, health: 'OK' }
}

/** The stored failback progress fields the phase depends on (state-records.ts). */
export interface StoredFailback {
  readonly action: 'reverse-and-start' | 'reverse-and-pause' | 'truncate-and-restore'
  readonly step: 'check' | 'set-aside' | 'rebuild' | 'abandon'
}

/**
 * The event that turns one stored phase into another (what the replica that wrote the record ran). `storedAgain`: the
 * same phase was stored again with a newer statusChangedAtMs; for ACTIVE that is a resume (of a FAILED_RESUMABLE mirror).
 */
export function eventBetween(
  from: MirrorMachineState['phase'], to: MirrorMachineState['phase'], storedAgain = false,
): MirrorEventType | undefined {
  if (from === to) return storedAgain && to === 'ACTIVE' ? 'resume' : undefined
  if (to === 'STOPPED') return from === 'PENDING_STOPPED' ? undefined : 'failover'
  if (to === 'PENDING_PROMOTE') return 'promote'
  if (from === 'PENDING_PROMOTE') return 'promote-timeout'
  return to === 'PAUSED' ? 'pause' : 'resume'
}
