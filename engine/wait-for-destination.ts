// Waits at start until the destination cluster answers with its cluster id, retrying until a deadline every error that
// a starting cluster can give, and stopping at once on a refusal that only a config change fixes.
import { EngineError, isEngineError } from './errors.ts'
import type { ClusterAdmin } from './link/index.ts'
import { retry } from './retry.ts'

/**
 * A refusal that lasts until the engine's or the brokers' config changes: a TLS certificate the engine does not trust or
 * that names another host, a client certificate the brokers refuse, a SASL mechanism they do not offer. Waiting for such a
 * destination only hides the cause for the whole wait (issue 12).
 */
function isLastingRefusal(error: unknown): boolean {
  return isEngineError(error) && error.code === 'CONFIG_ERROR'
}

/** The destination cluster's id; DESTINATION_UNAVAILABLE when it did not answer within `waitMs` or refused the engine's settings. */
export async function waitForDestination(admin: ClusterAdmin, waitMs: number, now: () => number = Date.now): Promise<string> {
  const deadline = now() + waitMs
  try {
    // Other errors count as "not up yet" (refused connections, unknown hosts, SASL users not yet created while a cluster starts).
    return await retry(() => admin.clusterId(), {
      baseMs: 250, capMs: 1_000, shouldRetry: (error) => !isLastingRefusal(error) && now() < deadline,
    })
  } catch (error) {
    // An EngineError's message says what to fix and holds no secret (a refused login names the principal and the KDC's answer).
    const last = isEngineError(error) ? ` (last error: ${error.message})` : ''
    const what = isLastingRefusal(error) ? 'the destination cluster refused the engine\'s connection settings'
      : `the destination cluster did not answer within ${waitMs} ms`
    throw new EngineError('DESTINATION_UNAVAILABLE', `${what}${last}; check destination.bootstrapServers and its security settings`, {
      cause: error,
    })
  }
}
