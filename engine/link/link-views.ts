// Read-only views of the registry for the REST API and metrics: links, mirror topics and this replica's share of them.
import type { WorkOwnership } from '../replicas/index.ts'
import type { LinkRegistry } from './link-registry.ts'
import type { LinkTask } from './link-runtime.ts'
import type { MirrorView } from './mirror-view.ts'
import type { LinkStateName, MirrorStatus } from './mirror-status.ts'

export interface LinkView {
  readonly linkName: string
  readonly linkId: string
  readonly sourceClusterId: string | null
  readonly destinationClusterId: string
  readonly linkState: LinkStateName
  readonly linkError: string
  readonly linkErrorMessage: string | null
  readonly topicNames: string[]
  readonly mirrorStatuses: MirrorStatus[]
  readonly tasks: LinkTask[]
}

export interface ReplicaView {
  readonly memberId: string | null
  readonly generationId: number
  readonly workPartitions: number
  readonly ownedWorkPartitions: readonly number[]
  readonly ownedMirrorTopics: Array<{ linkName: string; mirrorTopicName: string }>
}

export function linkView(registry: LinkRegistry, linkName: string, destinationClusterId: string): LinkView {
  const link = registry.requireLink(linkName)
  const mirrors = registry.mirrorsOf(linkName)
  return {
    linkName, linkId: link.state.linkId, sourceClusterId: link.state.sourceClusterId, destinationClusterId,
    linkState: link.linkState(), linkError: link.linkError, linkErrorMessage: link.linkErrorMessage,
    topicNames: mirrors.map((m) => m.state.mirrorTopicName).sort(), tasks: link.tasks(),
    mirrorStatuses: mirrors.map((m) => m.view(link.linkState()).status),
  }
}

/** Mirror topics of one link (or all), optionally only those in `statuses`, by name. */
export function mirrorViews(registry: LinkRegistry, linkName: string | undefined, statuses?: ReadonlySet<MirrorStatus>): MirrorView[] {
  if (linkName !== undefined) registry.requireLink(linkName)
  return registry.mirrors()
    .filter((m) => linkName === undefined || m.state.linkName === linkName)
    .map((m) => m.view(registry.linkStateOf(m.state.linkName)))
    .filter((v) => !statuses || statuses.has(v.status))
    .sort((a, b) => a.mirrorTopicName.localeCompare(b.mirrorTopicName))
}

/** This replica in the work group and the mirror topics it runs now (GET /clusterlink/v1/replica). */
export function replicaView(registry: LinkRegistry, ownership: WorkOwnership): ReplicaView {
  const ownedMirrorTopics = registry.mirrors().filter((m) => m.isOwned)
    .map((m) => ({ linkName: m.state.linkName, mirrorTopicName: m.state.mirrorTopicName }))
    .sort((a, b) => a.mirrorTopicName.localeCompare(b.mirrorTopicName))
  return { ...ownership.describe(), ownedMirrorTopics }
}
