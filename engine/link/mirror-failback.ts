// The failback actions (reverse-and-start/pause, truncate-and-restore): the steps the state machine asks for, run on both clusters.
import type { Logger } from '../logging/index.ts'
import type { KafkaConnectionConfig } from '../mirror/contract.ts'
import type { ClusterSide } from '../kafka/index.ts'
import type { ClusterAdmin } from './kafka-admin.ts'
import { abandonRestore, commitPendingGroupOffsets, findDivergence, restoreSteps, type RestoreOutcome } from './mirror-restore.ts'
import type { AlterResult } from './alter-result.ts'
import type { LinkStateName } from './mirror-status.ts'
import type { FailbackProgress, MirrorState } from '../state/index.ts'
import type { MirrorController } from './mirror-controller.ts'
import { transition, type MachineAction, type MirrorEvent, type MirrorEventType } from './mirror-state-machine.ts'
import { checkTopicsInSync, type TopicSide } from './mirror-sync-check.ts'

/**
 * How a reversed mirror is stored: the same mirror record on the same link, with `direction: REVERSE` and the
 * per-partition `verifiedLogEndOffsets` found equal when it flipped. The engine already holds both connections (the
 * destination's and the link's source), so the same runner copies destination topic -> source-cluster topic with the
 * connections swapped; mirror_status then describes that reversed mirror, and `mirror_direction` says which way it runs.
 * Reversing again flips it back (from STOPPED, with the same check), so a failback and a later switchover are one action.
 */
export const FAILBACK_ACTIONS = ['reverse-and-start', 'reverse-and-pause'] as const
export type FailbackAction = (typeof FAILBACK_ACTIONS)[number] | 'truncate-and-restore'

/** What one failback step (check-in-sync, set-aside, rebuild) reports back to the controller. */
export type FailbackStep = (controller: MirrorController) => Promise<{ event: MirrorEvent; change?: Partial<MirrorState> }>

/** Mirrors whose failback steps run now (one driver at a time: the REST action, or the resume after a restart). */
const driving = new WeakSet<MirrorController>()
const RETRY_MS = 5_000

/**
 * Runs a failback action (reverse-and-start, reverse-and-pause, truncate-and-restore): the state machine checks it and
 * stores the failback's progress before the first write (the other side's write denials), then each step runs, stores
 * how far it got, and feeds its outcome back, until a stored state or a refusal. Returns the refusal reason. When the
 * engine dies on the way, the stored progress makes the next owner resume it (resumeInterruptedFailback).
 */
export async function runFailbackSteps(
  controller: MirrorController, type: MirrorEventType, steps: Partial<Record<MachineAction['type'], FailbackStep>>,
  ctx?: FailbackContext,
): Promise<string | undefined> {
  if (driving.has(controller)) return `cannot ${type} this mirror topic: a reverse or truncate-and-restore is in progress; retry once it finished`
  driving.add(controller)
  try {
    let refused: string | undefined
    const progress: FailbackProgress = {
      action: type === 'reverse-and-pause' || type === 'reverse-and-start' ? type : 'truncate-and-restore',
      step: type === 'truncate-and-restore' ? 'set-aside' : 'check', startedAtMs: Date.now(), sideTopic: null, ranges: null, groupOffsets: null,
    }
    try {
      refused = await controller.dispatch({ type }, { change: { failback: progress } })
    } catch (error) {
      // Storing the progress (nothing done yet) or guarding the other side failed (e.g. no ACL rights there): back to STOPPED.
      const back = controller.machine.phase === 'PENDING_SYNCHRONIZE' ? 'out-of-sync' : 'restore-failed'
      const reason = error instanceof Error ? error.message : String(error)
      await controller.dispatch({ type: back, reason: `could not deny writes to the other topic (${reason})` })
      throw error
    }
    if (refused) return refused
    return await driveSteps(controller, steps, ctx)
  } finally {
    driving.delete(controller)
  }
}

/** Runs the steps from the current failback phase until a stored end state (or a failure that says what to do). */
async function driveSteps(
  controller: MirrorController, steps: Partial<Record<MachineAction['type'], FailbackStep>>, ctx: FailbackContext | undefined,
): Promise<string | undefined> {
  for (;;) {
    const phase = controller.machine.phase
    const next = phase === 'PENDING_SYNCHRONIZE' ? steps['check-in-sync']
      : phase === 'PENDING_SETUP_FOR_RESTORE' ? steps['set-aside-divergent']
      : phase === 'PENDING_RESTORE' ? steps['rebuild-other-side'] : undefined
    if (!next) return undefined
    let outcome: Awaited<ReturnType<FailbackStep>>
    try {
      outcome = await next(controller)
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error)
      if (phase === 'PENDING_RESTORE') {
        // The old topic may be deleted already: never abandoned from here (its group offsets live in the progress); retried.
        const reason = `truncate-and-restore is interrupted in PENDING_RESTORE (${message}); the engine retries it every ${RETRY_MS / 1000} s`
        controller.noteTransitionError('RESTORE_INTERRUPTED', reason)
        if (ctx) retryLater(controller, ctx)
        return reason
      }
      const retryIt = `${message}; nothing changed (a partial side topic is deleted), retry ${phase === 'PENDING_SYNCHRONIZE' ? 'the reverse' : 'truncate-and-restore'}`
      outcome = { event: { type: phase === 'PENDING_SYNCHRONIZE' ? 'out-of-sync' : 'restore-failed', reason: retryIt } }
    }
    const failing = outcome.event.type === 'out-of-sync' || outcome.event.type === 'restore-failed'
    if (failing) {
      // Stored first, then undone (the partial side topic deleted, the other side writable again), then STOPPED is stored.
      const stored = controller.state.failback
      if (stored && stored.step !== 'abandon') await controller.storeFailbackProgress({ failback: { ...stored, step: 'abandon', reason: outcome.event.reason ?? 'failed' } })
      if (stored?.sideTopic && ctx?.adminOf) await abandonRestore(controller, { ...ctx, adminOf: ctx.adminOf }, stored.sideTopic)
      await controller.releaseOtherSide()
    }
    try {
      await controller.dispatch(outcome.event, outcome.change ? { change: outcome.change } : {})
    } catch (error) {
      // The final record could not be written: the stored progress stays, and the next owner (or a retry) resumes it.
      if (ctx) retryLater(controller, ctx)
      throw error
    }
    if (failing) return outcome.event.reason ?? 'failed'
    if (outcome.event.type === 'restore-done' && ctx?.adminOf) commitPendingGroupOffsets(controller, { ...ctx, adminOf: ctx.adminOf })
  }
}

function retryLater(controller: MirrorController, ctx: FailbackContext): void {
  const { adminOf } = ctx
  if (adminOf) setTimeout(() => resumeInterruptedFailback(controller, { ...ctx, adminOf }, undefined), RETRY_MS).unref()
}

/**
 * Resumes what a stopped engine (or the previous owner) left: the failback from its stored step (each step is safe to
 * repeat: it checks what is there already), then the clamped group offsets still to commit.
 */
export function resumeInterruptedFailback(
  controller: MirrorController, ctx: FailbackContext & { readonly adminOf: (side: ClusterSide) => ClusterAdmin }, log: Logger | undefined,
): void {
  if (!controller.isActiveOwner) return
  if (controller.state.pendingGroupOffsets?.length) commitPendingGroupOffsets(controller, ctx)
  const progress = controller.state.failback
  if (!progress || driving.has(controller) || !['PENDING_SYNCHRONIZE', 'PENDING_SETUP_FOR_RESTORE', 'PENDING_RESTORE'].includes(controller.machine.phase)) return
  driving.add(controller)
  const steps = progress.action === 'truncate-and-restore' ? restoreSteps({ ...ctx, now: Date.now }, () => undefined) : reverseSteps(ctx)
  log?.info({ action: progress.action, step: progress.step }, 'resuming an interrupted failback')
  void driveSteps(controller, steps, ctx)
    .catch((error: unknown) => log?.error({ err: error }, 'resumed failback failed'))
    .finally(() => driving.delete(controller))
}

export interface FailbackContext {
  readonly connections: () => { readonly source: KafkaConnectionConfig; readonly destination: KafkaConnectionConfig }
  /** Admin of one cluster (truncate-and-restore creates the side topic and moves group offsets there). */
  readonly adminOf?: (side: ClusterSide) => ClusterAdmin
}

/** The topic the copier writes in the current direction ('mirror') and the one that becomes the mirror when it flips ('other'). */
export function sidesOf(controller: MirrorController, ctx: FailbackContext): { mirror: TopicSide; other: TopicSide } {
  const { source, destination } = ctx.connections()
  const local: TopicSide = { connection: destination, side: 'destination', topic: controller.state.mirrorTopicName }
  const remote: TopicSide = { connection: source, side: 'source', topic: controller.state.sourceTopicName }
  return controller.direction === 'FORWARD' ? { mirror: local, other: remote } : { mirror: remote, other: local }
}

/** The steps of a reverse: compare both sides (the other side is already write-guarded by then). */
export function reverseSteps(ctx: FailbackContext): Partial<Record<'check-in-sync', FailbackStep>> {
  return {
    'check-in-sync': async (controller) => {
      const stored = controller.state.failback
      if (stored?.step === 'abandon') return { event: { type: 'out-of-sync', reason: stored.reason ?? 'the reverse was abandoned' } }
      const { mirror, other } = sidesOf(controller, ctx)
      // The stopped mirror side becomes the primary; the other side becomes its mirror at its own log end offsets.
      const check = await checkTopicsInSync(mirror, other)
      if (!check.inSync) return { event: { type: 'out-of-sync', reason: check.reason } }
      return { event: { type: 'in-sync' }, change: { verifiedLogEndOffsets: check.logEndOffsets } }
    },
  }
}

/**
 * Runs a failback action on one mirror topic; returns why it was refused (nothing changed), or undefined once the
 * flipped mirror is stored. validate_only runs the state machine's check and the comparison, and changes nothing.
 */
export async function runFailbackAction(
  controller: MirrorController, action: FailbackAction, ctx: FailbackContext, validateOnly: boolean,
  report: (outcome: RestoreOutcome) => void = () => undefined,
): Promise<string | undefined> {
  const type: MirrorEventType = action
  if (validateOnly) {
    const allowed = transition(controller.machine, { type })
    if (!allowed.ok) return allowed.reason
    const { mirror, other } = sidesOf(controller, ctx)
    if (action === 'truncate-and-restore') {
      // A dry run counts offsets (markers included) past the truncation point; the real run counts the records it kept.
      const partitions = (await findDivergence(mirror, other))
        .map((d) => ({ partition: d.partition, offsetTruncatedTo: Number(d.from), messagesTruncated: Number(d.to - d.from) }))
      report({ sideTopic: null, messagesTruncated: partitions.reduce((n, p) => n + p.messagesTruncated, 0), partitions })
      return undefined
    }
    const check = await checkTopicsInSync(mirror, other)
    return check.inSync ? undefined : check.reason
  }
  if (action === 'truncate-and-restore') {
    const adminOf = ctx.adminOf
    if (!adminOf) throw new Error('truncate-and-restore needs cluster admins')
    return runFailbackSteps(controller, type, restoreSteps({ ...ctx, adminOf, now: Date.now }, report), ctx)
  }
  return runFailbackSteps(controller, type, reverseSteps(ctx), ctx)
}

export interface FailbackTarget {
  readonly linkName: string
  readonly find: (mirrorTopicName: string) => MirrorController | undefined
  readonly linkState: () => LinkStateName
  readonly log: Logger
}

/**
 * Runs a failback action on each named mirror topic: errorCode null, NOT_FOUND, INVALID_STATE (refused: the message says
 * why) or DESTINATION_UNAVAILABLE.
 */
export async function failbackMirrorTopics(
  target: FailbackTarget, action: FailbackAction, names: readonly string[], ctx: FailbackContext, options: { validateOnly: boolean },
): Promise<AlterResult[]> {
  const results: AlterResult[] = []
  for (const name of names) {
    const mirror = target.find(name)
    if (!mirror || mirror.state.linkName !== target.linkName) {
      const message = `mirror topic '${name}' does not exist on link '${target.linkName}'`
      results.push({ mirrorTopicName: name, errorCode: 'NOT_FOUND', errorMessage: message, view: undefined })
      continue
    }
    let problem: string | undefined
    let truncation: RestoreOutcome | undefined
    try {
      problem = await runFailbackAction(mirror, action, ctx, options.validateOnly, (outcome) => { truncation = outcome })
    } catch (error) {
      target.log.error({ err: error, link: target.linkName, topic: name, action }, 'mirror failback failed')
      const reason = error instanceof Error ? error.message : String(error)
      const message = `${action} failed (${reason}); nothing was stored, retry`
      results.push({ mirrorTopicName: name, errorCode: 'DESTINATION_UNAVAILABLE', errorMessage: message, view: mirror.view(target.linkState()) })
      continue
    }
    const view = mirror.view(target.linkState())
    const errorCode = problem === undefined ? null : 'INVALID_STATE'
    results.push({ mirrorTopicName: name, errorCode, errorMessage: problem ?? null, view, ...(truncation ? { truncation } : {}) })
  }
  return results
}
