// Follows the state topic: applies the link, mirror and status records other replicas wrote to this replica's registry.
import type { Logger } from '../logging/index.ts'
import type { MirrorState, StateChange } from '../state/index.ts'
import type { LinkRegistry } from './link-registry.ts'

export class StateFollower {
  readonly #registry: LinkRegistry
  readonly #log: Logger
  /** Mirror records read before their link record (compaction may reorder them), by mirror topic name. */
  readonly #orphans = new Map<string, MirrorState>()

  constructor(registry: LinkRegistry, logger: Logger) {
    this.#registry = registry
    this.#log = logger
  }

  /** Applies a record another replica wrote (or this one, when the follower saw it before the write returned); idempotent. */
  apply(change: StateChange): void {
    const registry = this.#registry
    if (change.kind === 'status') {
      registry.mirror(change.mirrorTopicName)?.setRemoteStatus(change.status)
      return
    }
    if (change.kind === 'link') {
      const existing = registry.link(change.linkName)
      if (change.link === null) {
        if (existing) void registry.forgetLink(change.linkName)
        return
      }
      if (!existing) {
        registry.addLink(change.link)
        for (const orphan of [...this.#orphans.values()].filter((m) => m.linkName === change.linkName)) {
          this.#orphans.delete(orphan.mirrorTopicName)
          registry.activateMirror(orphan)
        }
        this.#log.info({ link: change.linkName }, 'cluster link created by another replica')
      } else if (JSON.stringify(existing.state) !== JSON.stringify(change.link)) {
        void existing.applyState(change.link).then(async (reconnect) => {
          if (reconnect) for (const mirror of registry.mirrorsOf(change.linkName)) await mirror.reconnect()
        }).catch((error: unknown) => this.#log.error({ err: error, link: change.linkName }, 'applying link configs failed'))
      }
      return
    }
    const controller = registry.mirror(change.mirrorTopicName)
    if (change.mirror === null) {
      this.#orphans.delete(change.mirrorTopicName)
      if (controller && controller.state.linkName === change.linkName) {
        registry.removeMirror(change.mirrorTopicName)
        void controller.close()
      }
      return
    }
    if (controller) controller.applyRemoteState(change.mirror)
    else if (!registry.hasLink(change.linkName)) this.#orphans.set(change.mirrorTopicName, change.mirror)
    else registry.activateMirror(change.mirror)
  }
}
