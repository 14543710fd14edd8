// One reconcile of one ClusterLink or MirrorTopic object: finalizer, Secrets and validation, the engine, status and Events.
import type { Logger } from 'pino'
import { EngineClient } from '../client/index.ts'
import { resolveEngineConnection, toLinkConfigs, type EngineConnection } from '../spec/index.ts'
import { deleteClusterLink, reconcileClusterLink } from './cluster-link-reconciler.ts'
import { CLUSTER_LINK_KIND, type CustomResourceKind } from './custom-resource-definitions.ts'
import { clusterLinkInputsOf, describeFailures, mirrorTopicInputsOf, type CustomResource } from './custom-resource-inputs.ts'
import { FINALIZER, type KubeResources } from './kube-resources.ts'
import { deleteMirrorTopic, reconcileMirrorTopic } from './mirror-topic-reconciler.ts'
import { ReconcileRefusal, type ReconcileEvent, type ReconcileOutcome } from './reconcile-outcome.ts'

export interface CustomResourceHandlerOptions {
  readonly resources: KubeResources
  /** The engine every resource uses unless its spec names another endpoint, token or clusterId. */
  readonly engine: { readonly endpoint: string; readonly token?: string; readonly clusterId?: string }
  readonly logger: Logger
  /** Poll interval while waiting for the engine; default 250 ms. */
  readonly pollIntervalMs?: number
}

interface Condition {
  readonly type: string
  readonly status: 'True' | 'False' | 'Unknown'
  readonly reason: string
  readonly message: string
  readonly observedGeneration?: number
  readonly lastTransitionTime: string
}

type Ready = Pick<Condition, 'status' | 'reason' | 'message'>

const invalid = (failures: Parameters<typeof describeFailures>[0]): Ready =>
  ({ status: 'False', reason: 'InvalidSpec', message: describeFailures(failures) })

/** RFC 3339 in seconds, as metav1.Time is written. */
const now = (): string => new Date().toISOString().replace(/\.\d+Z$/, 'Z')

const HINT = "set spec.endpoint, or start the controller with --engine-url"

export class CustomResourceHandler {
  readonly #options: CustomResourceHandlerOptions
  /** The link configs last sent per resource uid: sensitive values never come back from the engine, so they are resent on change only. */
  readonly #lastDesired = new Map<string, Record<string, string>>()
  readonly #engines = new Map<string, EngineClient>()

  constructor(options: CustomResourceHandlerOptions) {
    this.#options = options
  }

  #engineFor(inputs: { endpoint?: string; token?: string; clusterId?: string }): EngineClient {
    const connection: EngineConnection = resolveEngineConnection(inputs, this.#options.engine, HINT)
    const key = JSON.stringify([connection.endpoint, connection.token ?? '', connection.clusterId ?? ''])
    let client = this.#engines.get(key)
    if (!client) {
      client = new EngineClient({ ...connection, timeoutMs: 60_000 })
      this.#engines.set(key, client)
    }
    return client
  }

  /** Reconciles one object; throws only for errors worth a retry with backoff (the engine or API server unreachable). */
  async handle(kind: CustomResourceKind, resource: CustomResource): Promise<void> {
    if (resource.metadata.deletionTimestamp) return this.#finalize(kind, resource)
    const { resources } = this.#options
    const finalizers = resource.metadata.finalizers ?? []
    const current = finalizers.includes(FINALIZER) ? resource : await resources.setFinalizers(kind, resource, [...finalizers, FINALIZER])
    const status = current.status ?? {}
    const specChanged = current.metadata.generation !== status.observedGeneration
    const pollIntervalMs = this.#options.pollIntervalMs ?? 250
    let outcome: ReconcileOutcome
    try {
      if (kind === CLUSTER_LINK_KIND) {
        const resolved = await clusterLinkInputsOf(current, resources.readSecret)
        if (!resolved.ok) return this.#report(kind, current, {}, invalid(resolved.failures))
        const inputs = resolved.value
        outcome = await reconcileClusterLink(this.#engineFor(inputs), {
          inputs, owned: typeof status.linkName === 'string', specChanged,
          previousDesired: this.#lastDesired.get(current.metadata.uid) ?? {},
        })
        this.#lastDesired.set(current.metadata.uid, toLinkConfigs(inputs))
      } else {
        const resolved = await mirrorTopicInputsOf(current, resources.readSecret)
        if (!resolved.ok) return this.#report(kind, current, {}, invalid(resolved.failures))
        const inputs = resolved.value
        const ownedName = typeof status.mirrorTopicName === 'string' ? status.mirrorTopicName : undefined
        outcome = await reconcileMirrorTopic(this.#engineFor(inputs), { inputs, ownedName, specChanged, pollIntervalMs })
      }
    } catch (error) {
      return this.#fail(kind, current, error)
    }
    const message = kind === CLUSTER_LINK_KIND
      ? `cluster link ${String(outcome.status.linkName)} is ${String(outcome.status.linkState)} on the engine`
      : `mirror topic ${String(outcome.status.mirrorTopicName)} is ${String(outcome.status.mirrorStatus)} on the engine`
    await this.#report(kind, current, outcome.status, { status: 'True', reason: 'Reconciled', message }, outcome.events)
  }

  /** A refusal is reported and waits for the next resync; any other error is reported and thrown for a retry. */
  async #fail(kind: CustomResourceKind, resource: CustomResource, error: unknown): Promise<void> {
    if (error instanceof ReconcileRefusal) {
      return this.#report(kind, resource, {}, { status: 'False', reason: error.reason, message: error.message })
    }
    await this.#report(kind, resource, {}, { status: 'False', reason: 'EngineError', message: (error as Error).message ?? String(error) })
      .catch((reportError: unknown) => this.#options.logger.warn({ err: reportError }, 'status update failed (after a reconcile error)'))
    throw error
  }

  /** Deleting: follow onDelete (MirrorTopic) or forceDelete (ClusterLink) on the engine, then release the finalizer. */
  async #finalize(kind: CustomResourceKind, resource: CustomResource): Promise<void> {
    const finalizers = resource.metadata.finalizers ?? []
    if (!finalizers.includes(FINALIZER)) return
    const { resources } = this.#options
    const status = resource.status ?? {}
    let events: ReconcileEvent[] = []
    try {
      if (kind === CLUSTER_LINK_KIND && typeof status.linkName === 'string') {
        const resolved = await clusterLinkInputsOf(resource, resources.readSecret)
        if (!resolved.ok) {
          const message = `cannot delete the engine's link: ${describeFailures(resolved.failures)}`
          return this.#report(kind, resource, {}, { status: 'False', reason: 'DeleteBlocked', message })
        }
        events = await deleteClusterLink(this.#engineFor(resolved.value), resolved.value)
        this.#lastDesired.delete(resource.metadata.uid)
      } else if (kind !== CLUSTER_LINK_KIND && typeof status.mirrorTopicName === 'string') {
        const resolved = await mirrorTopicInputsOf(resource, resources.readSecret)
        if (!resolved.ok) {
          const message = `cannot delete the engine's mirror topic: ${describeFailures(resolved.failures)}`
          return this.#report(kind, resource, {}, { status: 'False', reason: 'DeleteBlocked', message })
        }
        const engine = this.#engineFor(resolved.value)
        events = await deleteMirrorTopic(engine, resolved.value, status.mirrorTopicName, this.#options.pollIntervalMs)
      }
    } catch (error) {
      return this.#fail(kind, resource, error)
    }
    await this.#recordEvents(resource, events)
    await resources.setFinalizers(kind, resource, finalizers.filter((f) => f !== FINALIZER))
  }

  /** Writes status and the Ready condition; a Warning event goes out only when the Ready condition's reason or message changes. */
  async #report(
    kind: CustomResourceKind, resource: CustomResource, fields: Record<string, unknown>, ready: Ready,
    events: readonly ReconcileEvent[] = [],
  ): Promise<void> {
    const generation = resource.metadata.generation
    const conditions = (resource.status?.conditions ?? []) as Condition[]
    const previous = conditions.find((c) => c.type === 'Ready')
    const changed = !previous || previous.status !== ready.status || previous.reason !== ready.reason || previous.message !== ready.message
    const condition: Condition = {
      type: 'Ready',
      ...ready,
      message: ready.message.slice(0, 4096),
      ...(generation !== undefined ? { observedGeneration: generation } : {}),
      lastTransitionTime: previous && previous.status === ready.status ? previous.lastTransitionTime : now(),
    }
    await this.#options.resources.patchStatus(kind, resource, {
      ...fields,
      ...(generation !== undefined ? { observedGeneration: generation } : {}),
      conditions: [...conditions.filter((c) => c.type !== 'Ready'), condition],
    })
    const warnings: ReconcileEvent[] = ready.status === 'False' && changed
      ? [{ type: 'Warning', reason: ready.reason, message: ready.message }] : []
    await this.#recordEvents(resource, [...events, ...warnings])
  }

  async #recordEvents(resource: CustomResource, events: readonly ReconcileEvent[]): Promise<void> {
    const log = this.#options.logger
    for (const event of events) {
      const { namespace, name } = resource.metadata
      log.info({ kind: resource.kind, namespace, name, reason: event.reason }, 'event recorded')
      await this.#options.resources.recordEvent(resource, event)
        .catch((error: unknown) => log.warn({ err: error, reason: event.reason }, 'event not recorded'))
    }
  }
}
