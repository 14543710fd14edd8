// The registry of this engine's cluster links and mirror topics: builds each link runtime and mirror controller once and finds them.
import { EngineError } from '../errors.ts'
import type { Logger } from '../logging/index.ts'
import { dataPathObserver, type MetricsRegistry } from '../metrics/index.ts'
import type { KafkaConnectionConfig, MirrorStartOffsetSpec } from '../mirror/contract.ts'
import type { WorkOwnership } from '../replicas/index.ts'
import type { LinkState, MirrorState, StateStore } from '../state/index.ts'
import type { ClusterAdmin } from './kafka-admin.ts'
import { linkConfigValue } from './link-configs.ts'
import { LinkRuntime } from './link-runtime.ts'
import { MirrorController } from './mirror-controller.ts'
import type { RunnerFactory } from './mirror-controller-options.ts'
import type { LinkStateName } from './mirror-status.ts'
import { MirrorWriteGuard } from './mirror-write-guard.ts'

export interface LinkRegistryOptions {
  readonly store: StateStore
  readonly destination: KafkaConnectionConfig
  readonly destinationAdmin: ClusterAdmin
  readonly createAdmin: (connection: KafkaConnectionConfig, clientId: string) => ClusterAdmin
  readonly createRunner: RunnerFactory
  readonly logger: Logger
  readonly metrics: MetricsRegistry
  readonly promoteTimeoutMs: number
  readonly jobIntervalScale: number
  readonly writeGuard: MirrorWriteGuard
  readonly ownership: WorkOwnership
  /** The engines' state topic (a BIDIRECTIONAL link reads the remote one's keys); default _clusterlink-state. */
  readonly stateTopic?: string | undefined
  /** Creates a mirror topic through the command layer (the auto-create job of a link). */
  readonly createMirror: (linkName: string, sourceTopicName: string) => Promise<void>
}

const sourcePrincipal = (connection: KafkaConnectionConfig) => (connection.sasl ? `User:${connection.sasl.username}` : 'User:ANONYMOUS')

function parseStartOffset(spec: string): MirrorStartOffsetSpec {
  return spec === 'earliest' || spec === 'latest' ? spec : { timestampMs: Date.parse(spec) }
}

export class LinkRegistry {
  readonly #links = new Map<string, LinkRuntime>()
  /** Mirror topics by mirror topic name (names are unique on the destination cluster). */
  readonly #mirrors = new Map<string, MirrorController>()
  readonly #o: LinkRegistryOptions

  constructor(options: LinkRegistryOptions) {
    this.#o = options
  }

  get linkCount(): number {
    return this.#links.size
  }

  get mirrorCount(): number {
    return this.#mirrors.size
  }

  hasLink(linkName: string): boolean {
    return this.#links.has(linkName)
  }

  link(linkName: string): LinkRuntime | undefined {
    return this.#links.get(linkName)
  }

  requireLink(linkName: string): LinkRuntime {
    const link = this.#links.get(linkName)
    if (!link) throw new EngineError('NOT_FOUND', `cluster link '${linkName}' does not exist`)
    return link
  }

  /** The state a link shows; FAILED for a link this engine does not know. */
  linkStateOf(linkName: string): LinkStateName {
    return this.#links.get(linkName)?.linkState() ?? 'FAILED'
  }

  linkNames(): string[] {
    return [...this.#links.keys()]
  }

  links(): LinkRuntime[] {
    return [...this.#links.values()]
  }

  mirror(mirrorTopicName: string): MirrorController | undefined {
    return this.#mirrors.get(mirrorTopicName)
  }

  /** The mirror topic of that name on that link, or undefined. */
  mirrorOf(linkName: string, mirrorTopicName: string): MirrorController | undefined {
    const mirror = this.#mirrors.get(mirrorTopicName)
    return mirror?.state.linkName === linkName ? mirror : undefined
  }

  mirrors(): MirrorController[] {
    return [...this.#mirrors.values()]
  }

  mirrorsOf(linkName: string): MirrorController[] {
    return [...this.#mirrors.values()].filter((m) => m.state.linkName === linkName)
  }

  /** Builds and starts the runtime of a link (its jobs run at once); returns the existing one when known. */
  addLink(state: LinkState): LinkRuntime {
    const existing = this.#links.get(state.linkName)
    if (existing) return existing
    const o = this.#o
    const runtime = new LinkRuntime({
      state,
      destination: o.destinationAdmin,
      createAdmin: o.createAdmin,
      mirrors: () => this.mirrorsOf(state.linkName),
      createMirror: (sourceTopic) => o.createMirror(state.linkName, sourceTopic),
      onLinkStateChange: (linkState) => { for (const m of this.mirrorsOf(state.linkName)) m.setLinkPaused(linkState === 'PAUSED') },
      jobRuns: o.metrics.counter('clusterlink_link_job_runs_total', 'Link job runs by link and job'),
      jobErrors: o.metrics.counter('clusterlink_link_job_errors_total', 'Failed link job runs by link and job'),
      aclSyncChanges: o.metrics.counter('clusterlink_acl_sync_changes_total',
        'ACL bindings the ACL sync created or deleted on the destination, by link and change'),
      persistState: (next) => o.store.putLink(next),
      jobIntervalScale: o.jobIntervalScale,
      logger: o.logger,
      isCoordinator: () => o.ownership.isLinkCoordinator(state.linkName),
      ...(o.stateTopic !== undefined ? { stateTopic: o.stateTopic } : {}),
    })
    this.#links.set(state.linkName, runtime)
    runtime.startJobs()
    return runtime
  }

  /** Builds the controller of a mirror topic (not yet activated); a known one takes `state` as a remote change instead. */
  addMirror(state: MirrorState): MirrorController {
    const existing = this.#mirrors.get(state.mirrorTopicName)
    if (existing) {
      existing.applyRemoteState(state)
      return existing
    }
    const o = this.#o
    const link = () => this.requireLink(state.linkName)
    const sourceGuard = () => new MirrorWriteGuard(link().source, sourcePrincipal(link().sourceConnection()), o.logger)
    const controller = new MirrorController({
      state,
      createRunner: o.createRunner,
      persist: (next) => o.store.putMirror(next),
      connections: () => ({ source: link().sourceConnection(), destination: o.destination }),
      startOffsetSpec: () => parseStartOffset(linkConfigValue(link().state.configs, 'mirror.start.offset.spec')),
      coalesceBelowBytes: () => Number(linkConfigValue(link().state.configs, 'mirror.coalesce.below.bytes')),
      logger: o.logger,
      promoteTimeoutMs: o.promoteTimeoutMs,
      syncOffsetsNow: () => link().syncOffsetsNow(),
      writeGuard: o.writeGuard,
      // A REVERSE mirror writes the source-cluster topic: it is guarded there, with the link's own principal exempt.
      sourceWriteGuard: { protect: (topic) => sourceGuard().protect(topic), release: (topic) => sourceGuard().release(topic) },
      owned: o.ownership.isOwned(state.linkName, state.mirrorTopicName),
      adminOf: (side) => (side === 'source' ? link().source : o.destinationAdmin),
      observer: dataPathObserver(o.metrics, state.linkName, state.mirrorTopicName),
    })
    this.#mirrors.set(state.mirrorTopicName, controller)
    return controller
  }

  /** Adds a stored mirror topic under its link and starts it as its state says. */
  activateMirror(mirror: MirrorState): MirrorController {
    const link = this.requireLink(mirror.linkName)
    const controller = this.addMirror(mirror)
    controller.activate(link.linkState() === 'PAUSED')
    // Mirrors without a runner (STOPPED, PAUSED, owned by another replica) still report their partition count.
    this.#o.destinationAdmin.partitionCount(mirror.mirrorTopicName)
      .then((count) => { if (count !== undefined) controller.setKnownPartitions(count) }, () => undefined)
    return controller
  }

  /** Removes a mirror topic from the registry; the caller closes it. */
  removeMirror(mirrorTopicName: string): void {
    this.#mirrors.delete(mirrorTopicName)
  }

  /** Removes a link and closes its runtime; its mirror topics must be removed first. */
  async removeLink(linkName: string): Promise<void> {
    const link = this.#links.get(linkName)
    this.#links.delete(linkName)
    await link?.close()
  }

  /** Forgets a link and its mirror topics (another replica deleted it): closes them, writes nothing. */
  async forgetLink(linkName: string): Promise<void> {
    const mirrors = this.mirrorsOf(linkName)
    const link = this.#links.get(linkName)
    this.#links.delete(linkName)
    for (const mirror of mirrors) {
      this.#mirrors.delete(mirror.state.mirrorTopicName)
      await mirror.close()
    }
    await link?.close()
  }

  async close(): Promise<void> {
    await Promise.allSettled([...this.#mirrors.values()].map((m) => m.close()))
    await Promise.allSettled([...this.#links.values()].map((l) => l.close()))
  }
}
