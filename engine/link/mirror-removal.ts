// Before a mirror topic that another replica runs is removed (link delete, topic delete), its owner stops writing first.
import { EngineError } from '../errors.ts'
import type { MirrorController } from './mirror-controller.ts'

/** How long a removal waits for the owners' confirmation: a dead owner's work moves after the group session timeout. */
const OWNER_STOP_TIMEOUT_MS = 30_000

/**
 * Fails over every mirror topic in the list that another replica runs and is not STOPPED yet, then waits until each
 * owner's published status confirms it stopped (and so removed its write denials itself): only then may this replica
 * delete the records, remove write denials or delete the topic. Mirror topics this replica runs stop in the removal
 * itself (the runner stops before the denials go). Throws when an owner does not confirm in time (nothing removed).
 */
export async function stopOwnersFirst(mirrors: readonly MirrorController[], timeoutMs = OWNER_STOP_TIMEOUT_MS): Promise<void> {
  const elsewhere = mirrors.filter((m) => !m.isOwned && m.machine.phase !== 'STOPPED')
  for (const mirror of elsewhere) {
    const refused = await mirror.failover()
    if (refused !== undefined) throw new EngineError('INVALID_STATE', `mirror topic '${mirror.state.mirrorTopicName}': ${refused}`)
  }
  const late: string[] = []
  await Promise.all(elsewhere.map(async (m) => { if (!(await m.whenStopped(timeoutMs))) late.push(m.state.mirrorTopicName) }))
  if (late.length > 0) {
    throw new EngineError('DESTINATION_UNAVAILABLE', `the replica that runs mirror topic(s) ${late.sort().join(', ')} did not confirm within `
      + `${timeoutMs / 1000} s that it stopped writing; they are failed over (STOPPED) and nothing was deleted; retry`, { retriable: true })
  }
}
