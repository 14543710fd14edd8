// Waits at start until the destination cluster answers with its cluster id, retrying every error until a deadline.
import { EngineError, isEngineError } from './errors.ts'
import type { ClusterAdmin } from './link/index.ts'
import { retry } from './retry.ts'

/** The destination cluster's id; DESTINATION_UNAVAILABLE when it did not answer within `waitMs`. */
export async function waitForDestination(admin: ClusterAdmin, waitMs: number, now: () => number = Date.now): Promise<string> {
  const deadline = now() + waitMs
  try {
    // Every error counts as "not up yet" here (refused connections, unknown hosts while a cluster starts): only the deadline ends it.
    return await retry(() => admin.clusterId(), { baseMs: 250, capMs: 1_000, shouldRetry: () => now() < deadline })
  } catch (error) {
    // An EngineError's message says what to fix and holds no secret (a refused login names the principal and the KDC's answer).
    const last = isEngineError(error) ? ` (last error: ${error.message})` : ''
    throw new EngineError('DESTINATION_UNAVAILABLE', `the destination cluster did not answer within ${waitMs} ms${last}; `
      + 'check destination.bootstrapServers and its security settings', { cause: error })
  }
}
