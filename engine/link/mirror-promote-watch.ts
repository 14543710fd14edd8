// The owner's wait of a promote: polls the runner's lag until it is zero, then feeds lag-zero, or promote-timeout at the deadline.
import type { MirrorEvent } from './mirror-state-machine.ts'

const PROMOTE_POLL_MS = 200

export interface PromoteWatch {
  readonly timeoutMs: number
  readonly now: () => number
  /** Still PENDING_PROMOTE on this replica, and still its owner (a new owner resumes the promote from the stored record). */
  readonly promoting: () => boolean
  /** The runner's total lag in records, -1 while unknown (never zero then). */
  readonly lag: () => number
  readonly dispatch: (event: MirrorEvent) => Promise<unknown>
}

/** Waits for lag zero, bounded by timeoutMs; feeds nothing when the promote ended meanwhile (ownership moved, failover). */
export async function watchPromote(w: PromoteWatch): Promise<void> {
  const deadline = w.now() + w.timeoutMs
  let lag = w.lag()
  while (lag !== 0 && w.now() < deadline && w.promoting()) {
    await new Promise((resolve) => setTimeout(resolve, PROMOTE_POLL_MS))
    lag = w.lag()
  }
  if (!w.promoting()) return
  if (lag !== 0) {
    const shown = lag < 0 ? 'unknown (no copier has reported yet)' : `${lag} records`
    const reason = `promote timed out after ${w.timeoutMs} ms: lag is ${shown}; retry promote, or use failover to stop now`
    await w.dispatch({ type: 'promote-timeout', reason })
    return
  }
  await w.dispatch({ type: 'lag-zero' })
}
