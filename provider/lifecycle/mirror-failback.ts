// The failback flow both IaC front ends call: the refresh-time dry runs (what a failback would do now) and the run of
// one failback action (reverse-and-start/pause or truncate-and-restore) with a bounded wait for the flipped mirror.
import { EngineApiError, describeMirror, waitForMirror, type AlterMirrorResult, type EngineClient, type FailbackMirrorAction, type Mirror } from '../client/index.ts'
import type { FailbackAction, FailbackCheck, MirrorDirection } from '../spec/index.ts'

export type FailbackClient = Pick<EngineClient, 'alterMirrors' | 'findMirror' | 'getMirror'>

/** What a failback did, kept in state so that users find the set-aside records after the run that moved them. */
export interface FailbackOutcome {
  readonly action: FailbackAction
  /** Records set aside by truncate-and-restore (0 for a reverse). */
  readonly messagesTruncated: number
  /** The side topic on the cluster of the side that became the mirror, or null when nothing was set aside. */
  readonly truncatedRecordsTopic: string | null
  readonly partitions: ReadonlyArray<{ readonly partition: number; readonly offsetTruncatedTo: number; readonly messagesTruncated: number }>
}

const PATH_OF: Readonly<Record<FailbackAction, FailbackMirrorAction>> = {
  'reverse-and-start': 'reverse-and-start-mirror',
  'reverse-and-pause': 'reverse-and-pause-mirror',
  'truncate-and-restore': 'truncate-and-restore',
}

const hasError = (result: AlterMirrorResult | undefined): boolean => result !== undefined && Number(result.error_code ?? 0) !== 0

/** The direction a mirror runs as the engine reports it (FORWARD when the engine says nothing). */
export function directionOf(mirror: Mirror): MirrorDirection {
  return mirror.mirror_direction === 'REVERSE' ? 'REVERSE' : 'FORWARD'
}

/**
 * Dry runs of both failbacks on a STOPPED mirror (validate_only: the engine compares both sides and changes nothing):
 * whether a reverse would be refused and how many records a truncate-and-restore would set aside. Null otherwise.
 */
export async function readFailbackCheck(client: FailbackClient, mirror: Mirror): Promise<FailbackCheck | null> {
  if (mirror.mirror_status !== 'STOPPED') return null
  const selection = { mirrorTopicNames: [mirror.mirror_topic_name] }
  let reverse: AlterMirrorResult | undefined
  let restore: AlterMirrorResult | undefined
  try {
    [reverse] = await client.alterMirrors(mirror.link_name, 'reverse-and-start-mirror', selection, { validateOnly: true })
    ;[restore] = await client.alterMirrors(mirror.link_name, 'truncate-and-restore', selection, { validateOnly: true })
  } catch {
    // A refresh never fails on a dry run: without it, apply still runs the engine's own check.
    return null
  }
  return {
    reverseBlockedBy: hasError(reverse) ? reverse?.error_message ?? `refused (error_code ${String(reverse?.error_code)})` : null,
    recordsToSetAside: hasError(restore) ? 0 : restore?.messages_truncated ?? 0,
  }
}

/**
 * Runs one failback on a stopped mirror and waits (up to `timeoutMs`) until the engine reports it flipped and running
 * (ACTIVE, or PAUSED for reverse-and-pause). Throws the engine's refusal, which says what to do, when it refuses.
 */
export async function runFailback(
  client: FailbackClient, linkName: string, mirrorTopicName: string, action: FailbackAction,
  options: { readonly timeoutMs: number; readonly intervalMs?: number },
): Promise<FailbackOutcome> {
  const before = await client.getMirror(linkName, mirrorTopicName)
  const expected: MirrorDirection = directionOf(before) === 'FORWARD' ? 'REVERSE' : 'FORWARD'
  const path = PATH_OF[action]
  const query = action === 'truncate-and-restore' ? { includePartitionLevelTruncationData: true } : {}
  const results = await client.alterMirrors(linkName, path, { mirrorTopicNames: [mirrorTopicName] }, query)
  const result = results.find((r) => r.mirror_topic_name === mirrorTopicName)
  if (!result || hasError(result)) {
    const message = `${action} of ${mirrorTopicName} on link ${linkName}: ${result?.error_message ?? 'no answer for this topic'}`
    throw new EngineApiError(message, { method: 'POST', path: `/links/${linkName}/mirrors:${path}`, httpStatus: 200, errorCode: result?.error_code ?? undefined })
  }
  const running = action === 'reverse-and-pause' ? 'PAUSED' : 'ACTIVE'
  const isRunning = (m: Mirror | undefined): boolean => m !== undefined && directionOf(m) === expected && m.mirror_status === running
  await waitForMirror(client, linkName, mirrorTopicName, isRunning,
    `the mirror to run ${expected} (${running})`, {
      timeoutMs: options.timeoutMs,
      ...(options.intervalMs !== undefined ? { intervalMs: options.intervalMs } : {}),
      failWhen: (m) => (m.mirror_status === 'FAILED' ? `the ${expected} mirror FAILED (${describeMirror(m)})` : undefined),
    })
  return {
    action,
    messagesTruncated: result.messages_truncated ?? 0,
    truncatedRecordsTopic: result.truncated_records_topic ?? null,
    partitions: (result.partition_level_truncation_data ?? []).map((p) => ({
      partition: p.partition_id, offsetTruncatedTo: p.offset_truncated_to, messagesTruncated: p.messages_truncated,
    })),
  }
}
