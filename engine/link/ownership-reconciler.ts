// Moves mirror topics between replicas: stops the ones this replica lost, then starts the ones it gained.
import type { Logger } from '../logging/index.ts'
import type { WorkOwnership } from '../replicas/index.ts'
import type { MirrorController } from './mirror-controller.ts'

/** Stops what this replica lost (awaited: the new owner waits for it), then starts what it gained. */
export async function reconcileOwnership(
  mirrors: readonly MirrorController[], ownership: WorkOwnership, onLost: (mirrorTopicName: string) => void, log: Logger,
): Promise<void> {
  const isOwned = (m: MirrorController) => ownership.isOwned(m.state.linkName, m.state.mirrorTopicName)
  const lost = mirrors.filter((m) => m.isOwned && !isOwned(m))
  const gained = mirrors.filter((m) => !m.isOwned && isOwned(m))
  await Promise.all(lost.map((m) => m.setOwned(false)))
  for (const m of lost) onLost(m.state.mirrorTopicName)
  await Promise.all(gained.map((m) => m.setOwned(true)))
  if (lost.length > 0 || gained.length > 0) {
    log.info({ stopped: lost.length, started: gained.length, owned: mirrors.filter(isOwned).length }, 'mirror topic ownership changed')
  }
}
