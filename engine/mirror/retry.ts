// Sleep and capped exponential backoff with jitter, shared by the copier loops.
export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms))
}

/** 50 ms doubling per attempt, capped at 5 s, with up to 50% jitter. */
export function backoffMs(attempt: number, baseMs = 50, capMs = 5_000): number {
  const exp = Math.min(capMs, baseMs * 2 ** Math.min(attempt, 16))
  return Math.round(exp / 2 + Math.random() * (exp / 2))
}
