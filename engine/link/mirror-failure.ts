// Which FAILED mirror topics can be resumed and which need a recreate, by the error code their failure reports.
import type { ErrorCode } from '../errors.ts'

/** resume: the cause was outside the mirror's records and may be fixed; recreate: the records no longer pair with the source. */
export type FailureRecovery = 'resume' | 'recreate'

/**
 * Every engine error code a runner can fail with. A resume starts a new runner whose copiers take each partition over
 * again with the writer's checks (producer identity of the last batch, last copied record against the source), so a
 * resume never writes on top of a divergence; the codes marked recreate are the ones those checks would only report
 * again, or where the source topic itself is no longer the one that was mirrored.
 */
const BY_ENGINE_CODE: Readonly<Record<ErrorCode, FailureRecovery>> = {
  // A broker that kept refusing (20 retries), an unreachable cluster, a slow answer: resume once it answers again.
  SOURCE_UNAVAILABLE: 'resume',
  DESTINATION_UNAVAILABLE: 'resume',
  KAFKA_ERROR: 'resume',
  TIMEOUT: 'resume',
  // Credentials, ACLs, TLS trust or link configs: resume after fixing them.
  UNAUTHORIZED: 'resume',
  FORBIDDEN: 'resume',
  CONFIG_ERROR: 'resume',
  INVALID_INPUT: 'resume',
  // The runner's own state (a failed pause or resume, an internal error): a new runner starts clean.
  INVALID_STATE: 'resume',
  INTERNAL: 'resume',
  // Another writer of the same producer identity bumped the epoch: the new runner fences it in turn after its checks.
  FENCED: 'resume',
  // A foreign writer or a lost record shifted offsets: nothing may be written on top of it.
  OFFSET_DIVERGENCE: 'recreate',
  // The source topic was deleted or recreated (a new topic id): its records are not the ones mirrored so far.
  SOURCE_TOPIC_ID_CHANGED: 'recreate',
  SOURCE_TOPIC_MAY_BE_DELETED: 'recreate',
  // The source topic is missing, or the destination topic is not this mirror's (a foreign topic of that name).
  NOT_FOUND: 'recreate',
  ALREADY_EXISTS: 'recreate',
}

/** mirror_topic_error names the data path reports under their own name (see engine/mirror). */
const BY_MIRROR_ERROR: Readonly<Record<string, FailureRecovery>> = {
  SOURCE_DIVERGED: 'recreate',
  DUPLICATE_FILLER_MARKER: 'recreate',
  UNSUPPORTED_BROKER_VERSION: 'resume',
}

/** How a FAILED mirror topic recovers, by its error code; an unknown code needs a recreate (never resumed blindly). */
export function failureRecovery(code: string | undefined): FailureRecovery {
  if (code === undefined) return 'recreate'
  if (Object.hasOwn(BY_MIRROR_ERROR, code)) return BY_MIRROR_ERROR[code] as FailureRecovery
  return Object.hasOwn(BY_ENGINE_CODE, code) ? BY_ENGINE_CODE[code as ErrorCode] : 'recreate'
}

/** The error codes of each kind, for the README and tests. */
export function failureCodes(recovery: FailureRecovery): string[] {
  const all = { ...BY_ENGINE_CODE, ...BY_MIRROR_ERROR }
  return Object.keys(all).filter((code) => all[code as keyof typeof all] === recovery).sort()
}
