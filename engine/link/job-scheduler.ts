// Runs named control-plane jobs on their own intervals; each run catches its own errors, logs with the job's name and counts in a metric.
import type { Logger } from '../logging/index.ts'

export interface JobStatus {
  readonly name: string
  lastRunAtMs: number | null
  lastSuccessAtMs: number | null
  lastError: string | null
  consecutiveErrors: number
}

export interface JobHooks {
  readonly onError?: (job: string, error: unknown) => void
  readonly onSuccess?: (job: string) => void
}

interface ScheduledJob {
  readonly status: JobStatus
  readonly intervalMs: () => number
  readonly run: () => Promise<void>
  timer: NodeJS.Timeout | undefined
  running: Promise<void> | undefined
}

/** One scheduler per link; jobs never overlap with themselves, and `stop` waits for running ones. */
export class JobScheduler {
  readonly #jobs = new Map<string, ScheduledJob>()
  readonly #log: Logger
  readonly #hooks: JobHooks
  #stopped = false

  constructor(logger: Logger, hooks: JobHooks = {}) {
    this.#log = logger
    this.#hooks = hooks
  }

  /** Adds a job; `intervalMs` is read before each wait, so config changes apply from the next run. */
  add(name: string, intervalMs: () => number, run: () => Promise<void>): void {
    const job: ScheduledJob = {
      status: { name, lastRunAtMs: null, lastSuccessAtMs: null, lastError: null, consecutiveErrors: 0 },
      intervalMs, run, timer: undefined, running: undefined,
    }
    this.#jobs.set(name, job)
    this.#schedule(job, 0)
  }

  #schedule(job: ScheduledJob, delayMs: number): void {
    if (this.#stopped) return
    job.timer = setTimeout(() => {
      job.running = this.#runOnce(job).finally(() => {
        job.running = undefined
        this.#schedule(job, job.intervalMs())
      })
    }, delayMs)
    job.timer.unref()
  }

  async #runOnce(job: ScheduledJob): Promise<void> {
    job.status.lastRunAtMs = Date.now()
    try {
      await job.run()
      job.status.lastSuccessAtMs = Date.now()
      job.status.lastError = null
      job.status.consecutiveErrors = 0
      this.#hooks.onSuccess?.(job.status.name)
    } catch (error) {
      job.status.lastError = error instanceof Error ? error.message : String(error)
      job.status.consecutiveErrors += 1
      this.#log.warn({ job: job.status.name, err: error }, 'link job failed (will retry on its next run)')
      this.#hooks.onError?.(job.status.name, error)
    }
  }

  /** Runs a job now (outside its schedule) and waits for it; used by promote to flush offsets. */
  async runNow(name: string): Promise<void> {
    const job = this.#jobs.get(name)
    if (!job) return
    if (job.running) await job.running
    await this.#runOnce(job)
  }

  /** Re-arms every idle job to run now (config changes such as a shorter interval or a feature switched on apply at once). */
  rearm(): void {
    for (const job of this.#jobs.values()) {
      if (job.running || this.#stopped) continue
      clearTimeout(job.timer)
      this.#schedule(job, 0)
    }
  }

  statuses(): JobStatus[] {
    return [...this.#jobs.values()].map((job) => ({ ...job.status }))
  }

  async stop(): Promise<void> {
    this.#stopped = true
    for (const job of this.#jobs.values()) clearTimeout(job.timer)
    await Promise.allSettled([...this.#jobs.values()].map((job) => job.running))
  }
}
