// The one rule every IaC front end follows for a FAILED mirror topic declared ACTIVE (issue 12): a refresh reads it back as
// FAILED so that a plan shows drift, and the update resumes it when the engine can retry its failure, or says to replace the
// resource when the engine answers that the mirror topic must be recreated (README "Mirror life cycle and failures").
import { isEngineApiError, waitForMirror, type EngineApiError, type EngineClient, type Mirror } from '../client/index.ts'

/** The status a refresh reads back for a FAILED mirror whose declared status is ACTIVE; no user declares it. */
export const FAILED_STATUS = 'FAILED'

/** Whether the declared status asks for a resume: ACTIVE (also when left to its default) while the engine reports FAILED. */
export function shouldResumeFailedMirror(mirrorStatus: string, declared: string | undefined): boolean {
  return mirrorStatus === FAILED_STATUS && (declared ?? 'ACTIVE') === 'ACTIVE'
}

/**
 * The status a refresh reads back: FAILED when the declared ACTIVE asks for a resume (a plan then shows FAILED → ACTIVE and
 * the update acts), otherwise what the front end's own reading of the engine's status gives.
 */
export function readBackStatus<T extends string>(mirrorStatus: string, declared: string | undefined, reading: T): T | typeof FAILED_STATUS {
  return shouldResumeFailedMirror(mirrorStatus, declared) ? FAILED_STATUS : reading
}

/** The declared status behind a status read back from state: FAILED only ever stands for a declared ACTIVE. */
export function declaredStatusOf(status: unknown): unknown {
  return status === FAILED_STATUS ? 'ACTIVE' : status
}

/** Whether the engine refused a resume because the failure cannot be retried: 409, "recreate the mirror topic". */
export function isRecreateRequired(error: unknown): boolean {
  return isEngineApiError(error) && (error.httpStatus === 409 || error.errorCode === 409)
}

/** A resume the engine refused for good: only a new mirror topic (a replaced resource) mirrors again. */
export class MirrorNeedsRecreateError extends Error {
  constructor(message: string, options: { cause: unknown }) {
    super(message, options)
    this.name = 'MirrorNeedsRecreateError'
  }
}

export interface ResumeFailedMirrorOptions {
  readonly linkName: string
  readonly mirrorTopicName: string
  /** How this front end replaces the resource (Pulumi `--replace`, Terraform `-replace`, a new Kubernetes resource). */
  readonly replaceHint: string
  /** How long the mirror may take to leave FAILED and PENDING_MIRROR. */
  readonly timeoutMs: number
  /** Poll interval; default 250 ms, doubling up to 2 s. */
  readonly intervalMs?: number
  /** Ends the wait early (Terraform's StopProvider). */
  readonly signal?: AbortSignal
}

/**
 * Resumes a FAILED mirror and waits until it leaves FAILED and PENDING_MIRROR (a new runner took its partitions over with the
 * writer's takeover checks). A 409 from the engine becomes a MirrorNeedsRecreateError with the engine's reason and the hint.
 */
export async function resumeFailedMirror(
  client: Pick<EngineClient, 'alterMirror' | 'findMirror'>, options: ResumeFailedMirrorOptions,
): Promise<Mirror | undefined> {
  const { linkName, mirrorTopicName, signal } = options
  try {
    await client.alterMirror(linkName, 'resume', mirrorTopicName)
  } catch (error) {
    if (!isRecreateRequired(error)) throw error
    throw new MirrorNeedsRecreateError(`mirror topic ${mirrorTopicName} on link ${linkName} is FAILED and the engine cannot resume it ` +
      `(${(error as EngineApiError).message}); ${options.replaceHint}`, { cause: error })
  }
  const isRunning = (mirror: Mirror | undefined): boolean =>
    mirror !== undefined && mirror.mirror_status !== FAILED_STATUS && mirror.mirror_status !== 'PENDING_MIRROR'
  return waitForMirror(client, linkName, mirrorTopicName, isRunning, 'the resumed mirror to leave FAILED', {
    timeoutMs: options.timeoutMs,
    ...(options.intervalMs === undefined ? {} : { intervalMs: options.intervalMs }),
    failWhen: () => (signal?.aborted ? 'the tool asked the provider to stop while waiting for the resume' : undefined),
  })
}
