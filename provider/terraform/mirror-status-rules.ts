// Pure rules between the status a user declares for a mirror topic and the mirror_status the engine reports: which
// action moves one to the other, when it is done, and which declared status a reported one stands for (drift).
import type { MirrorAction } from '../client/index.ts'
import { readBackStatus, type FAILED_STATUS } from '../lifecycle/index.ts'
import type { MirrorTopicStatus } from '../spec/index.ts'

const STOPPED = new Set(['STOPPED', 'PENDING_STOPPED'])

export function isStoppedStatus(mirrorStatus: string): boolean {
  return STOPPED.has(mirrorStatus)
}

export type MirrorStep =
  | { readonly action?: undefined }
  | { readonly action: MirrorAction; readonly waitingFor: string; readonly isDone: (mirrorStatus: string) => boolean }
  | { readonly error: string }

/**
 * ACTIVE ↔ PAUSED by pause and resume; PROMOTED (lag-gated) and FAILED_OVER (immediate, also from FAILED,
 * SOURCE_UNAVAILABLE and LINK_FAILED: confluentinc/terraform-provider-confluent#780) end in STOPPED, which is final.
 */
export function nextMirrorAction(mirrorStatus: string, desired: MirrorTopicStatus, mirrorTopicName: string): MirrorStep {
  const stopped = isStoppedStatus(mirrorStatus)
  if (desired === 'PROMOTED' || desired === 'FAILED_OVER') {
    if (stopped) return {}
    return desired === 'PROMOTED'
      ? { action: 'promote', waitingFor: 'lag zero and the promote to finish (STOPPED)', isDone: (status) => status === 'STOPPED' }
      : { action: 'failover', waitingFor: 'the failover to finish (STOPPED)', isDone: (status) => status === 'STOPPED' }
  }
  if (stopped) {
    return {
      error: `${mirrorTopicName} is ${mirrorStatus} on the engine: mirroring stopped and the topic is writable, so it cannot be ${desired} again. ` +
        'Declare status = "PROMOTED" or "FAILED_OVER", or mirror into a new topic (another mirror_topic_name, or destroy this one with on_delete = "DELETE_TOPIC" first).',
    }
  }
  if (desired === 'PAUSED') {
    if (mirrorStatus === 'PAUSED') return {}
    return { action: 'pause', waitingFor: 'the pause (PAUSED)', isDone: (status) => status !== 'ACTIVE' && status !== 'PENDING_MIRROR' }
  }
  if (mirrorStatus !== 'PAUSED') return {}
  return { action: 'resume', waitingFor: 'the resume', isDone: (status) => status !== 'PAUSED' }
}

/**
 * The declared status that the engine's mirror_status stands for. ACTIVE and PAUSED read back as such; a stopped mirror
 * reads as what was declared (the engine reports STOPPED for both PROMOTED and FAILED_OVER), or FAILED_OVER when it was
 * stopped behind Terraform's back. A FAILED mirror declared ACTIVE reads as FAILED, so that plan shows the resume apply will
 * send (provider/lifecycle/mirror-resume.ts). Other conditions the user cannot declare (FAILED while PAUSED,
 * SOURCE_UNAVAILABLE, LINK_PAUSED, PENDING_MIRROR) keep the declared status; the mirror_status attribute shows them.
 */
export function declaredStatusFromEngine(
  mirrorStatus: string, declared: MirrorTopicStatus | undefined,
): MirrorTopicStatus | typeof FAILED_STATUS {
  if (mirrorStatus === 'ACTIVE') return 'ACTIVE'
  if (mirrorStatus === 'PAUSED') return 'PAUSED'
  if (isStoppedStatus(mirrorStatus)) return declared === 'PROMOTED' || declared === 'FAILED_OVER' ? declared : 'FAILED_OVER'
  return readBackStatus(mirrorStatus, declared, declared ?? 'ACTIVE')
}
