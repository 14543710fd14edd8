// The answer of a mirror action for one mirror topic: an engine error code (engine/api/ maps it to HTTP), never a status.
import type { ErrorCode } from '../errors.ts'
import type { MirrorView } from './mirror-view.ts'
import type { RestoreOutcome } from './mirror-restore.ts'

export interface AlterResult {
  readonly mirrorTopicName: string
  /** null on success; NOT_FOUND (unknown topic), INVALID_STATE (refused, the message says why) or DESTINATION_UNAVAILABLE. */
  readonly errorCode: ErrorCode | null
  readonly errorMessage: string | null
  readonly view: MirrorView | undefined
  /** truncate-and-restore: what was set aside, and where (mirror-restore.ts). */
  readonly truncation?: RestoreOutcome
}
