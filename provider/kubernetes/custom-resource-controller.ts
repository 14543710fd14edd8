// The controller loop: list and watch ClusterLinks and MirrorTopics, resync them all periodically, reconcile each key one at a time.
import type { Logger } from 'pino'
import { CUSTOM_RESOURCE_KINDS, type CustomResourceKind } from './custom-resource-definitions.ts'
import type { CustomResource } from './custom-resource-inputs.ts'
import { CustomResourceHandler } from './custom-resource-handler.ts'
import { isKubeConflict, type WatchEvent } from './kube-client.ts'
import { collectionPath, type KubeResources } from './kube-resources.ts'

export interface CustomResourceControllerOptions {
  readonly resources: KubeResources
  /** The namespace whose resources this controller reconciles (a Role grants no more). */
  readonly namespace: string
  readonly engine: { readonly endpoint: string; readonly token?: string; readonly clusterId?: string }
  readonly logger: Logger
  /** Every resource is reconciled again this often, so drift on the engine is repaired without any change in Kubernetes. */
  readonly resyncMs: number
  readonly pollIntervalMs?: number
}

const MAX_BACKOFF_MS = 60_000

/**
 * Keys are `<kind>/<name>`. Invariant: at most one reconcile per key runs at a time; a key enqueued while it runs is run
 * once more afterwards, so the last change is never missed (client-go's workqueue keeps the same rule).
 */
export class CustomResourceController {
  readonly #options: CustomResourceControllerOptions
  readonly #handler: CustomResourceHandler
  readonly #abort = new AbortController()
  readonly #known = new Map<string, { kind: CustomResourceKind; name: string; fingerprint: string }>()
  readonly #running = new Set<string>()
  readonly #dirty = new Set<string>()
  readonly #failures = new Map<string, number>()
  readonly #retryTimers = new Map<string, NodeJS.Timeout>()
  readonly #inFlight = new Set<Promise<void>>()
  #resyncTimer: NodeJS.Timeout | undefined
  #loops: Promise<void>[] = []

  constructor(options: CustomResourceControllerOptions) {
    this.#options = options
    this.#handler = new CustomResourceHandler({
      resources: options.resources, engine: options.engine, logger: options.logger,
      ...(options.pollIntervalMs ? { pollIntervalMs: options.pollIntervalMs } : {}),
    })
  }

  start(): void {
    this.#loops = CUSTOM_RESOURCE_KINDS.map((kind) => this.#watchLoop(kind))
    this.#resyncTimer = setInterval(() => {
      for (const key of this.#known.keys()) this.#enqueue(key)
    }, this.#options.resyncMs)
  }

  /** Stops watching and waits for the reconciles that are running to finish. */
  async stop(): Promise<void> {
    this.#abort.abort()
    clearInterval(this.#resyncTimer)
    for (const timer of this.#retryTimers.values()) clearTimeout(timer)
    await Promise.allSettled(this.#loops)
    await Promise.allSettled([...this.#inFlight])
  }

  /** List, then watch from the list's resourceVersion; list again when the watch ends or the version is too old (410). */
  async #watchLoop(kind: CustomResourceKind): Promise<void> {
    const { resources, namespace, logger } = this.#options
    const log = logger.child({ component: 'kubernetes-controller', kind: kind.kind })
    let backoffMs = 500
    while (!this.#abort.signal.aborted) {
      try {
        const list = await resources.list(kind, namespace)
        const seen = new Set<string>()
        for (const item of list.items) {
          const key = this.#remember(kind, item)
          seen.add(key)
          this.#enqueue(key)
        }
        for (const [key, entry] of this.#known) if (entry.kind === kind && !seen.has(key)) this.#known.delete(key)
        let resourceVersion = list.metadata.resourceVersion
        const events = resources.kube.watch<CustomResource>(collectionPath(kind, namespace), resourceVersion, this.#abort.signal)
        for await (const event of events) {
          backoffMs = 500
          if (event.type === 'ERROR') {
            const status = event.object as unknown as { code?: number; message?: string }
            if (status.code !== 410) log.warn({ code: status.code, reason: status.message }, 'watch error (listing again)')
            break
          }
          resourceVersion = event.object.metadata.resourceVersion
          if (event.type === 'BOOKMARK') continue
          this.#onEvent(kind, event)
        }
      } catch (error) {
        if (this.#abort.signal.aborted) return
        log.warn({ err: error, backoffMs }, 'list or watch failed (retrying)')
        await sleep(backoffMs, this.#abort.signal)
        backoffMs = Math.min(MAX_BACKOFF_MS, backoffMs * 2)
      }
    }
  }

  /**
   * Only changes of spec (generation), deletion and finalizers start a reconcile: the status this controller writes (lag
   * changes all the time) would otherwise start one after another. Drift on the engine is the resync's job.
   */
  #onEvent(kind: CustomResourceKind, event: WatchEvent<CustomResource>): void {
    const key = `${kind.kind}/${event.object.metadata.name}`
    if (event.type === 'DELETED') {
      this.#known.delete(key)
      this.#failures.delete(key)
      return
    }
    const before = this.#known.get(key)?.fingerprint
    this.#remember(kind, event.object)
    if (before === fingerprintOf(event.object)) return
    this.#enqueue(key)
  }

  #remember(kind: CustomResourceKind, resource: CustomResource): string {
    const key = `${kind.kind}/${resource.metadata.name}`
    this.#known.set(key, { kind, name: resource.metadata.name, fingerprint: fingerprintOf(resource) })
    return key
  }

  #enqueue(key: string): void {
    if (this.#abort.signal.aborted) return
    if (this.#running.has(key)) {
      this.#dirty.add(key)
      return
    }
    const entry = this.#known.get(key)
    if (!entry) return
    clearTimeout(this.#retryTimers.get(key))
    this.#retryTimers.delete(key)
    this.#running.add(key)
    const work = this.#reconcile(key, entry.kind, entry.name).finally(() => {
      this.#running.delete(key)
      this.#inFlight.delete(work)
      if (this.#dirty.delete(key)) this.#enqueue(key)
    })
    this.#inFlight.add(work)
  }

  async #reconcile(key: string, kind: CustomResourceKind, name: string): Promise<void> {
    const { resources, namespace, logger } = this.#options
    const log = logger.child({ component: 'kubernetes-controller', kind: kind.kind, namespace, name })
    try {
      // Read the object as stored now: the watch event may be older than a finalizer or status this controller wrote.
      const resource = await resources.find(kind, namespace, name)
      if (!resource) return
      await this.#handler.handle(kind, resource)
      this.#failures.delete(key)
    } catch (error) {
      if (this.#abort.signal.aborted) return
      if (isKubeConflict(error)) {
        this.#dirty.add(key)
        return
      }
      const failures = (this.#failures.get(key) ?? 0) + 1
      this.#failures.set(key, failures)
      const delayMs = Math.min(MAX_BACKOFF_MS, 1000 * 2 ** (failures - 1))
      log.warn({ err: error, retryInMs: delayMs }, 'reconcile failed (retrying)')
      this.#retryTimers.set(key, setTimeout(() => this.#enqueue(key), delayMs))
    }
  }
}

/** What a reconcile depends on besides the engine: the spec's generation, deletion and finalizers (not status). */
function fingerprintOf(resource: CustomResource): string {
  const { generation, deletionTimestamp, finalizers } = resource.metadata
  return JSON.stringify([generation ?? null, deletionTimestamp ?? null, finalizers ?? []])
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(resolve, ms)
    signal.addEventListener('abort', () => { clearTimeout(timer); resolve() }, { once: true })
  })
}
