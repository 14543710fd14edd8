// A named periodic job outside a link's scheduler: never overlaps itself, catches and logs its own errors under its name,
// and counts runs and failed runs in a metric (the link jobs do the same through link/job-scheduler.ts).
import type { Logger } from './logging/index.ts'
import type { Counter, MetricsRegistry } from './metrics/index.ts'

export interface JobMetrics {
  /** Runs by job (and the extra labels). */
  readonly runs: Counter
  /** Failed runs by job (and the extra labels). */
  readonly errors: Counter
}

/** The engine-wide run and error counters of the named periodic jobs (`clusterlink_job_runs_total{job}`, `…_errors_total`). */
export function jobMetrics(registry: MetricsRegistry): JobMetrics {
  return {
    runs: registry.counter('clusterlink_job_runs_total', 'Runs of the engine\'s named periodic jobs by job'),
    errors: registry.counter('clusterlink_job_errors_total', 'Failed runs of the engine\'s named periodic jobs by job'),
  }
}

export interface PeriodicJobOptions {
  /** The job's name in logs (`job`) and metrics (label `job`). */
  readonly name: string
  readonly intervalMs: number
  readonly run: () => Promise<void>
  readonly logger: Logger
  readonly metrics?: JobMetrics
  /** More metric labels (never offsets or keys). */
  readonly labels?: Readonly<Record<string, string>>
  /** What a failed run means beyond the log line and the metric (a job that fails for good stops itself here). */
  readonly onError?: (error: unknown) => void | Promise<void>
  /** Log a failed run at warn level only on the first failure in a row (later ones at debug); default true. */
  readonly quietRepeats?: boolean
}

/** Runs `run` every `intervalMs` once started; a run still going when the next is due is not doubled. */
export class PeriodicJob {
  readonly #o: PeriodicJobOptions
  #timer: NodeJS.Timeout | undefined
  #running: Promise<void> | undefined
  #failuresInRow = 0

  constructor(options: PeriodicJobOptions) {
    this.#o = options
  }

  get name(): string {
    return this.#o.name
  }

  get isStarted(): boolean {
    return this.#timer !== undefined
  }

  start(): void {
    if (this.#timer) return
    this.#timer = setInterval(() => { void this.runNow() }, this.#o.intervalMs)
    this.#timer.unref()
  }

  /** Runs once now unless a run is going (then waits for that one); never throws. */
  runNow(): Promise<void> {
    this.#running ??= this.#runOnce().finally(() => { this.#running = undefined })
    return this.#running
  }

  async #runOnce(): Promise<void> {
    const labels = { job: this.#o.name, ...this.#o.labels }
    this.#o.metrics?.runs.inc(labels)
    try {
      await this.#o.run()
      this.#failuresInRow = 0
    } catch (error) {
      this.#failuresInRow += 1
      this.#o.metrics?.errors.inc(labels)
      const fields = { job: this.#o.name, err: error, failures: this.#failuresInRow }
      const loud = this.#failuresInRow === 1 || this.#o.quietRepeats === false
      if (loud) this.#o.logger.warn(fields, 'job failed (will retry on its next run)')
      else this.#o.logger.debug(fields, 'job failed again')
      try {
        await this.#o.onError?.(error)
      } catch (handlerError) {
        this.#o.logger.error({ job: this.#o.name, err: handlerError }, 'job error handler failed')
      }
    }
  }

  /** Stops the schedule and waits for a run that is going. */
  async stop(): Promise<void> {
    clearInterval(this.#timer)
    this.#timer = undefined
    await this.#running
  }
}
