// Waits at start until the destination cluster answers with its cluster id, retrying every error until a deadline.
import { EngineError } from './errors.ts'
import type { ClusterAdmin } from './link/index.ts'
import { retry } from './retry.ts'

/** The destination cluster's id; DESTINATION_UNAVAILABLE when it did not answer within `waitMs`. */
export async function waitForDestination(admin: ClusterAdmin, waitMs: number, now: () => number = Date.now): Promise<string> {
  const deadline = now() + waitMs
  try {
    // Every error counts as "not up yet" here (refused connections, unknown hosts while a cluster starts): only the deadline ends it.
    return await retry(() => admin.clusterId(), { baseMs: 250, capMs: 1_000, shouldRetry: () => now() < deadline })
  } catch (error) {
    throw new EngineError('DESTINATION_UNAVAILABLE', `the destination cluster did not answer within ${waitMs} ms; `
      + 'check destination.bootstrapServers and its security settings', { cause: error })
  }
}
