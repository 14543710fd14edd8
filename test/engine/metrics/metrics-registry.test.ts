// Tests of the tiny Prometheus registry: text format, label escaping, collectors and resets.
import assert from 'node:assert/strict'
import { test } from 'node:test'
import { MetricsRegistry } from '../../../engine/metrics/index.ts'

test('MetricsRegistry should render counters and gauges in Prometheus text format', () => {
  const registry = new MetricsRegistry()
  const runs = registry.counter('jobs_total', 'Job runs')
  runs.inc({ job: 'a' })
  runs.inc({ job: 'a' }, 2)
  runs.inc({ job: 'b"\n' })
  const lag = registry.gauge('lag_records', 'Lag')
  let collected = 0
  registry.addCollector(() => { lag.reset(); collected += 1; lag.set({ topic: 't', partition: '0' }, collected) })
  const text = registry.render()
  assert.match(text, /# TYPE jobs_total counter\njobs_total\{job="a"\} 3\njobs_total\{job="b\\"\\n"\} 1/)
  assert.match(text, /lag_records\{topic="t",partition="0"\} 1/)
  assert.match(registry.render(), /lag_records\{topic="t",partition="0"\} 2/)
})
