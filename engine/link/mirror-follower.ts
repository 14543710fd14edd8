// What a replica that does not own a mirror topic shows: the stored desired state only once the owner's published
// status confirms that its runner applied it, so no replica claims STOPPED or PAUSED while the owner still writes.
import type { MirrorState, MirrorStatusRecord } from '../state/index.ts'
import { phaseOfRecord, type MirrorMachineState } from './mirror-state-machine.ts'

/**
 * The owner publishes appliedStatusChangedAtMs: the statusChangedAtMs of the stored record its runner has been brought
 * in line with (stopped and write denials removed for STOPPED, paused for PAUSED). statusChangedAtMs only grows from
 * one record of a mirror topic to the next (MirrorController#persist), so equality names exactly one record.
 */
export function ownerConfirmed(remote: MirrorStatusRecord | undefined, state: MirrorState): boolean {
  return remote?.appliedStatusChangedAtMs !== undefined && remote.appliedStatusChangedAtMs === state.statusChangedAtMs
}

/**
 * A non-owner's machine once the owner published a status: a stop stored and not yet confirmed (PENDING_STOPPED: the
 * REST status says so, a reverse is refused, a link delete waits) becomes STOPPED once the owner confirmed that record.
 */
export function followerMachine(
  machine: MirrorMachineState, remote: MirrorStatusRecord | undefined, state: MirrorState,
): MirrorMachineState {
  if (machine.phase !== 'PENDING_STOPPED' || phaseOfRecord(state) !== 'STOPPED' || !ownerConfirmed(remote, state)) return machine
  return { ...machine, phase: 'STOPPED' }
}

/**
 * A non-owner's machine for a record it just read (`target`, as stored): a stop is PENDING_STOPPED until the owner
 * confirms it, unless the mirror was STOPPED here already (a stop is final: no owner starts a runner for it again).
 */
export function followerTarget(
  target: MirrorMachineState, current: MirrorMachineState, remote: MirrorStatusRecord | undefined, state: MirrorState,
): MirrorMachineState {
  if (target.phase !== 'STOPPED' || current.phase === 'STOPPED' || ownerConfirmed(remote, state)) return target
  return { ...target, phase: 'PENDING_STOPPED' }
}

/**
 * The desired status a non-owner shows: the stored one once the owner confirmed it; before, what the owner's runner
 * does now (a pause it has not applied shows as still copying, a resume as still paused), never ahead of it.
 */
export function shownDesiredStatus(state: MirrorState, remote: MirrorStatusRecord | undefined): MirrorState['desiredStatus'] {
  const desired = state.desiredStatus
  if (desired === 'STOPPED' || ownerConfirmed(remote, state)) return desired
  const runState = remote?.runState ?? null
  if (runState === null) return desired
  return runState === 'PAUSED' ? 'PAUSED' : 'ACTIVE'
}

/** The owner's machine is where the stored record says (its phase and direction): the record is applied. */
export function isSettled(machine: MirrorMachineState, state: MirrorState): boolean {
  return machine.phase === phaseOfRecord(state) && machine.direction === (state.direction ?? 'FORWARD')
}

/** Resolves true once `done()` holds, false after `timeoutMs` (checked every `pollMs`). */
export async function waitUntil(done: () => boolean, timeoutMs: number, pollMs = 50): Promise<boolean> {
  const deadline = Date.now() + timeoutMs
  while (!done()) {
    if (Date.now() > deadline) return false
    await new Promise((resolve) => setTimeout(resolve, pollMs))
  }
  return true
}
