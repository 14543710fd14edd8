// The engine's one retry helper: capped exponential backoff with jitter, retriable decided by EngineError, an abortable
// sleep, and a timeout that always clears its timer (kafkajs `src/retry` is the model).
import { EngineError, isEngineError } from './errors.ts'

export interface BackoffOptions {
  /** Delay of the first retry before jitter; default 50 ms. */
  readonly baseMs?: number
  /** Largest delay before jitter; default 5000 ms. */
  readonly capMs?: number
  /** Source of jitter in [0, 1); default Math.random (tests pass a fixed one). */
  readonly random?: () => number
}

/** `baseMs` doubling per attempt (attempt 0 is the first retry), capped at `capMs`, with up to 50% jitter taken off. */
export function backoffMs(attempt: number, baseMs = 50, capMs = 5_000, random: () => number = Math.random): number {
  const exp = Math.min(capMs, baseMs * 2 ** Math.min(Math.max(0, attempt), 30))
  return Math.round(exp / 2 + random() * (exp / 2))
}

/** Resolves after `ms`, or at once when `signal` aborts (a sleep is never the reason a loop misses its stop). */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  if (signal?.aborted) return Promise.resolve()
  return new Promise((resolve) => {
    const done = () => {
      clearTimeout(timer)
      signal?.removeEventListener('abort', done)
      resolve()
    }
    const timer = setTimeout(done, ms)
    signal?.addEventListener('abort', done, { once: true })
  })
}

/** The default rule: only an EngineError that says so is retried; programming errors and plain Errors are not. */
export function isRetriable(error: unknown): boolean {
  return isEngineError(error) && error.retriable
}

export interface RetryOptions extends BackoffOptions {
  /** Most calls of `run`, the first included; default unlimited. */
  readonly attempts?: number
  /** Whether `error` is worth another attempt; default `isRetriable`. */
  readonly shouldRetry?: (error: unknown, attempt: number) => boolean
  /** Stops retrying: the last error is thrown after the current call returns or fails. */
  readonly signal?: AbortSignal
  /** Called before each wait, for logs and metrics; `attempt` counts from 1 (the call that failed). */
  readonly onRetry?: (error: unknown, attempt: number, delayMs: number) => void
  /** Waits; tests pass a fake. Default `sleep`. */
  readonly wait?: (ms: number, signal?: AbortSignal) => Promise<void>
}

/** Calls `run` until it succeeds, a non-retriable error comes, the attempts run out or `signal` aborts; throws the last error. */
export async function retry<T>(run: (attempt: number) => Promise<T>, options: RetryOptions = {}): Promise<T> {
  const attempts = options.attempts ?? Number.POSITIVE_INFINITY
  const shouldRetry = options.shouldRetry ?? isRetriable
  const wait = options.wait ?? sleep
  for (let attempt = 1; ; attempt++) {
    try {
      return await run(attempt)
    } catch (error) {
      if (attempt >= attempts || options.signal?.aborted || !shouldRetry(error, attempt)) throw error
      const delayMs = backoffMs(attempt - 1, options.baseMs, options.capMs, options.random)
      options.onRetry?.(error, attempt, delayMs)
      await wait(delayMs, options.signal)
      if (options.signal?.aborted) throw error
    }
  }
}

/**
 * Settles like `promise`, or rejects after `ms` with `onTimeout()` (default: a retriable TIMEOUT EngineError); the timer is
 * cleared either way so it never holds the process open.
 */
export function withTimeout<T>(promise: Promise<T>, ms: number, onTimeout?: () => Error): Promise<T> {
  let timer: NodeJS.Timeout | undefined
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(onTimeout?.() ?? new EngineError('TIMEOUT', `no answer within ${ms} ms`, { retriable: true })), ms)
  })
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer))
}
