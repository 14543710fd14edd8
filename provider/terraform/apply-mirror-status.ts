// Drives a mirror topic to a declared status (ACTIVE, PAUSED, PROMOTED, FAILED_OVER) from the status the engine
// reports (a FAILED one declared ACTIVE is resumed), with bounded waits whose errors name the lag and the engine's transition errors.
import { waitForMirror, type EngineClient, type Mirror } from '../client/index.ts'
import { resumeFailedMirror, shouldResumeFailedMirror } from '../lifecycle/index.ts'
import type { MirrorTopicStatus } from '../spec/index.ts'
import { nextMirrorAction } from './mirror-status-rules.ts'

export interface ApplyMirrorStatusOptions {
  readonly linkName: string
  readonly mirrorTopicName: string
  readonly desired: MirrorTopicStatus
  /** How long PROMOTED may wait for lag zero and the stop (promote_timeout_ms). */
  readonly promoteTimeoutMs: number
  /** How long pause, resume and failover may take to show; default 60 s. */
  readonly transitionTimeoutMs?: number
  /** StopProvider aborts it: the wait ends with an error instead of running out its time. */
  readonly signal?: AbortSignal
  /** How the user replaces the resource when a FAILED mirror cannot be resumed; default Terraform's -replace. */
  readonly replaceHint?: string
}

/** Terraform's way to a new mirror topic when the engine cannot resume a FAILED one. */
export const TERRAFORM_REPLACE_HINT = 'recreate it: terraform apply -replace=<this clusterlink_mirror_topic address> ' +
  '(with on_delete = "DELETE_TOPIC" applied first, so that the old topic goes before the new mirror topic of that name is created)'

/** Performs the one action (if any) that takes the mirror from its current status to the desired one, and waits for it. */
export async function applyMirrorStatus(client: EngineClient, options: ApplyMirrorStatusOptions): Promise<Mirror | undefined> {
  const { linkName, mirrorTopicName, desired, signal } = options
  const mirror = await client.getMirror(linkName, mirrorTopicName)
  if (shouldResumeFailedMirror(mirror.mirror_status, desired)) {
    return resumeFailedMirror(client, {
      linkName, mirrorTopicName, replaceHint: options.replaceHint ?? TERRAFORM_REPLACE_HINT,
      timeoutMs: options.transitionTimeoutMs ?? 60_000, ...(signal ? { signal } : {}),
    })
  }
  const step = nextMirrorAction(mirror.mirror_status, desired, mirrorTopicName)
  if ('error' in step) throw new Error(step.error)
  if (step.action === undefined) return mirror
  const { action, isDone, waitingFor } = step
  await client.alterMirror(linkName, action, mirrorTopicName)
  return waitForMirror(client, linkName, mirrorTopicName, (current) => current !== undefined && isDone(current.mirror_status), waitingFor, {
    timeoutMs: action === 'promote' ? options.promoteTimeoutMs : options.transitionTimeoutMs ?? 60_000,
    failWhen: (current) => {
      if (signal?.aborted) return `Terraform asked the provider to stop while waiting for ${waitingFor}`
      if (action === 'promote' && current.mirror_status === 'FAILED') {
        return `the mirror FAILED while waiting for the promote (${current.mirror_topic_error ?? 'no error given'}); declare status = "FAILED_OVER" to stop it now`
      }
      return undefined
    },
  })
}
