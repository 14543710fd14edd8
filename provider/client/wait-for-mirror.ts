// Bounded polling of one mirror until it reaches a wanted state, with progress callbacks and the engine's transition errors
// in the timeout message.
import { EngineApiError } from './engine-api-error.ts'
import type { Mirror } from './engine-api-types.ts'
import type { EngineClient } from './engine-client.ts'

export interface WaitForMirrorOptions {
  readonly timeoutMs: number
  /** Poll interval; default 250 ms, doubling up to 2000 ms. */
  readonly intervalMs?: number
  /** Called after every poll (for a CLI progress line). */
  readonly onProgress?: (mirror: Mirror | undefined) => void
  /** Fails early when this returns a message (a state the wanted one cannot follow). */
  readonly failWhen?: (mirror: Mirror) => string | undefined
}

/** Total lag of a mirror, in records. */
export function totalLag(mirror: Mirror): number {
  return (mirror.mirror_lags ?? []).reduce((sum, lag) => sum + Math.max(0, lag.lag), 0)
}

/**
 * Polls until `isDone(mirror)` (mirror undefined = not found) or the time is up; the timeout error names the last
 * status, the lag per partition and the engine's state transition errors.
 */
export async function waitForMirror(
  client: Pick<EngineClient, 'findMirror'>,
  linkName: string,
  mirrorTopicName: string,
  isDone: (mirror: Mirror | undefined) => boolean,
  what: string,
  options: WaitForMirrorOptions,
): Promise<Mirror | undefined> {
  const deadline = Date.now() + options.timeoutMs
  let interval = options.intervalMs ?? 250
  for (;;) {
    const mirror = await client.findMirror(linkName, mirrorTopicName)
    options.onProgress?.(mirror)
    if (isDone(mirror)) return mirror
    const failure = mirror ? options.failWhen?.(mirror) : undefined
    if (failure) throw new EngineApiError(`${mirrorTopicName} on link ${linkName}: ${failure}`, { method: 'GET', path: `/links/${linkName}/mirrors/${mirrorTopicName}`, httpStatus: 200 })
    if (Date.now() >= deadline) {
      throw new EngineApiError(`${mirrorTopicName} on link ${linkName}: gave up after ${options.timeoutMs} ms waiting for ${what}; ${describeMirror(mirror)}`, {
        method: 'GET', path: `/links/${linkName}/mirrors/${mirrorTopicName}`, httpStatus: 200,
      })
    }
    await new Promise((resolve) => setTimeout(resolve, Math.min(interval, Math.max(0, deadline - Date.now()))))
    interval = Math.min(2000, interval * 2)
  }
}

/** One line on where a mirror stands: status, lag per partition, error and transition errors. */
export function describeMirror(mirror: Mirror | undefined): string {
  if (!mirror) return 'the mirror does not exist'
  const lags = (mirror.mirror_lags ?? []).map((lag) => `p${lag.partition}=${lag.lag}`).join(' ')
  const transitionErrors = (mirror.mirror_state_transition_errors ?? []).map((e) => `${e.error_code}: ${e.error_message}`).join('; ')
  return [
    `status ${mirror.mirror_status}`,
    `lag ${totalLag(mirror)}${lags ? ` (${lags})` : ''}`,
    mirror.mirror_topic_error && mirror.mirror_topic_error !== 'NO_ERROR' ? `error ${mirror.mirror_topic_error}` : '',
    transitionErrors ? `transition errors: ${transitionErrors}` : '',
  ].filter(Boolean).join(', ')
}
