// Unit tests of the named periodic job: schedule, no overlapping runs, error handling and its run and error metrics.
import assert from 'node:assert/strict'
import { describe, it, mock } from 'node:test'
import { createLogger } from '../../engine/logging/index.ts'
import { MetricsRegistry } from '../../engine/metrics/index.ts'
import { PeriodicJob } from '../../engine/periodic-job.ts'

const logger = createLogger({ level: 'silent' })

function metrics() {
  const registry = new MetricsRegistry()
  return {
    registry,
    job: { runs: registry.counter('test_job_runs_total', 'runs'), errors: registry.counter('test_job_errors_total', 'errors') },
  }
}

describe('PeriodicJob', () => {
  it('PeriodicJob should run on its interval once started and not after stop', async () => {
    mock.timers.enable({ apis: ['setInterval'] })
    try {
      let runs = 0
      const job = new PeriodicJob({ name: 'tick', intervalMs: 1_000, logger, run: async () => { runs++ } })
      job.start()
      for (let i = 0; i < 3; i++) {
        mock.timers.tick(1_000)
        assert.equal(runs, i + 1, 'the tick started a run')
        await job.runNow() // joins that run
      }
      assert.equal(runs, 3)
      await job.stop()
      mock.timers.tick(5_000)
      assert.equal(runs, 3)
      assert.equal(job.isStarted, false)
    } finally {
      mock.timers.reset()
    }
  })

  it('PeriodicJob should not start a run while one is going', async () => {
    let release: () => void = () => undefined
    let calls = 0
    const job = new PeriodicJob({
      name: 'slow', intervalMs: 60_000, logger,
      run: () => { calls++; return new Promise<void>((resolve) => { release = resolve }) },
    })
    const first = job.runNow()
    const second = job.runNow()
    assert.equal(first, second)
    release()
    await first
    assert.equal(calls, 1)
  })

  it('PeriodicJob should count runs and failed runs with its name and labels, and hand errors to onError', async () => {
    const { registry, job: counters } = metrics()
    const failure = new Error('destination did not answer')
    const seen: unknown[] = []
    let fail = true
    const job = new PeriodicJob({
      name: 'mirror-status-publish', intervalMs: 60_000, logger, metrics: counters, labels: { replica: 'r1' },
      run: async () => { if (fail) throw failure },
      onError: (error) => { seen.push(error) },
    })
    await job.runNow()
    await job.runNow()
    fail = false
    await job.runNow()
    const text = registry.render()
    assert.match(text, /test_job_runs_total\{job="mirror-status-publish",replica="r1"\} 3/)
    assert.match(text, /test_job_errors_total\{job="mirror-status-publish",replica="r1"\} 2/)
    assert.deepEqual(seen, [failure, failure])
  })

  it('PeriodicJob should keep running when its error handler throws', async () => {
    let calls = 0
    const job = new PeriodicJob({
      name: 'broken-handler', intervalMs: 60_000, logger,
      run: async () => { calls++; throw new Error('x') },
      onError: () => { throw new Error('handler') },
    })
    await job.runNow()
    await job.runNow()
    assert.equal(calls, 2)
  })
})
