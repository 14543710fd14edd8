// The one condition wait of the tests: polls a check until its value counts as done, or fails after a deadline with what
// was awaited and the last error; the harnesses' own waitFor functions are thin adapters over it.

export interface WaitOptions<T> {
  /** Give up after this long; default 60 s. */
  readonly timeoutMs?: number
  /** Pause between checks: fixed, or by attempt (from 0) for a backoff; default 100 ms. */
  readonly intervalMs?: number | ((attempt: number) => number)
  /** Whether a value ends the wait; default any truthy value. */
  readonly isDone?: (value: T) => boolean
  /** Whether a check that throws is tried again (its error named when the wait times out); default true. */
  readonly retryErrors?: boolean
  /** Errors that end the wait at once even when errors are retried (a mirror that FAILED never catches up). */
  readonly stopOn?: (error: unknown) => boolean
}

/** Resolves with the first value of `check` that is done; rejects once `timeoutMs` passed. */
export async function waitUntil<T>(what: string | (() => string), check: () => T | Promise<T>, options: WaitOptions<T> = {}): Promise<T> {
  const timeoutMs = options.timeoutMs ?? 60_000
  const isDone = options.isDone ?? ((value: T) => Boolean(value))
  const interval = options.intervalMs ?? 100
  const deadline = Date.now() + timeoutMs
  let last: unknown
  for (let attempt = 0; ; attempt++) {
    try {
      const value = await check()
      if (isDone(value)) return value
    } catch (error) {
      if (options.retryErrors === false || options.stopOn?.(error)) throw error
      last = error
    }
    if (Date.now() > deadline) {
      const reason = last === undefined ? '' : ` (last error: ${last instanceof Error ? last.message : String(last)})`
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${typeof what === 'string' ? what : what()}${reason}`)
    }
    await new Promise((resolve) => setTimeout(resolve, typeof interval === 'number' ? interval : interval(attempt)))
  }
}
