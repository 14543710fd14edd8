// Publishes, for the other replicas, the status and lag of the mirror topics this replica owns (named job "mirror-status-publish").
import type { Logger } from '../logging/index.ts'
import { PeriodicJob, type JobMetrics } from '../periodic-job.ts'
import type { MirrorStatusRecord, StateStore } from '../state/index.ts'
import type { MirrorController } from './mirror-controller.ts'

/** An owner republishes an unchanged status this often, so readers can tell a live owner from a stale record. */
const STATUS_REFRESH_MS = 10_000

export interface MirrorStatusPublisherOptions {
  readonly store: StateStore
  /** The mirror topics this replica owns right now. */
  readonly owned: () => MirrorController[]
  /** This replica's id in the status records. */
  readonly owner: () => string
  readonly intervalMs: number
  readonly logger: Logger
  /** Runs and failed runs of the job, by job name. */
  readonly metrics?: JobMetrics
}

/** Writes a status record when it changed (or every STATUS_REFRESH_MS); a failed write is retried at the next tick. */
export class MirrorStatusPublisher {
  readonly #o: MirrorStatusPublisherOptions
  readonly #published = new Map<string, { json: string; atMs: number }>()
  readonly #job: PeriodicJob

  constructor(options: MirrorStatusPublisherOptions) {
    this.#o = options
    this.#job = new PeriodicJob({
      name: 'mirror-status-publish', intervalMs: options.intervalMs, logger: options.logger, metrics: options.metrics,
      run: () => this.#publish(),
      // Everything is published again after a failed write: readers must not keep a status that never reached the topic.
      onError: () => this.#published.clear(),
    })
  }

  start(): void {
    this.#job.start()
  }

  /** Forgets what was published for a mirror topic (ownership lost): a later owner publishes in full. */
  forget(mirrorTopicName: string): void {
    this.#published.delete(mirrorTopicName)
  }

  /** Publishes now (a run already going is joined, not doubled); failures are logged and counted by the job. */
  publish(): Promise<void> {
    return this.#job.runNow()
  }

  async #publish(): Promise<void> {
    const owner = this.#o.owner()
    const now = Date.now()
    const records: MirrorStatusRecord[] = []
    for (const mirror of this.#o.owned()) {
      const record = mirror.statusRecord(owner)
      const { publishedAtMs: _at, ...content } = record
      const json = JSON.stringify(content)
      const last = this.#published.get(record.mirrorTopicName)
      if (last && last.json === json && now - last.atMs < STATUS_REFRESH_MS) continue
      records.push(record)
      this.#published.set(record.mirrorTopicName, { json, atMs: now })
    }
    await this.#o.store.putStatuses(records)
  }

  /** Stops the job; a publish that is going finishes on its own. */
  stop(): void {
    void this.#job.stop()
  }
}
