// Tests of the histogram type and the data path observer: buckets are cumulative, +Inf, _sum and _count, labels per link.
import assert from 'node:assert/strict'
import { test } from 'node:test'
import { dataPathObserver, DATA_PATH_METRIC_NAMES, MetricsRegistry } from '../../../engine/metrics/index.ts'

test('MetricsRegistry should render a histogram with cumulative buckets, +Inf, _sum and _count', () => {
  const registry = new MetricsRegistry()
  const latency = registry.histogram('op_seconds', 'Latency', [0.1, 1])
  latency.observe({ link: 'a' }, 0.05)
  latency.observe({ link: 'a' }, 0.5)
  latency.observe({ link: 'a' }, 7)
  const text = registry.render()
  assert.match(text, /# TYPE op_seconds histogram\n/)
  assert.ok(text.includes('op_seconds_bucket{link="a",le="0.1"} 1\nop_seconds_bucket{link="a",le="1"} 2\n'), text)
  assert.ok(text.includes('op_seconds_bucket{link="a",le="+Inf"} 3\n'), text)
  assert.match(text, /op_seconds_sum\{link="a"\} 7.55\nop_seconds_count\{link="a"\} 3\n/)
})

test('MetricsRegistry should declare a histogram before its first observation', () => {
  const registry = new MetricsRegistry()
  registry.histogram('idle_seconds', 'Nothing yet')
  assert.equal(registry.render(), '# HELP idle_seconds Nothing yet\n# TYPE idle_seconds histogram\n')
})

test('dataPathObserver should count fetch and produce latency per link and rebuilt batches per link, topic and reason', () => {
  const registry = new MetricsRegistry()
  const a = dataPathObserver(registry, 'dr', 'orders')
  const b = dataPathObserver(registry, 'dr', 'payments')
  a.fetched(0.002)
  b.fetched(0.004)
  a.produced(0.03)
  a.rebuilt('compaction_gap')
  a.rebuilt('compaction_gap')
  b.rebuilt('coalesce')
  const text = registry.render()
  assert.match(text, new RegExp(`${DATA_PATH_METRIC_NAMES.fetchLatency}_count\\{link="dr"\\} 2\\n`))
  assert.match(text, new RegExp(`${DATA_PATH_METRIC_NAMES.produceLatency}_count\\{link="dr"\\} 1\\n`))
  assert.match(text, /clusterlink_rebuilt_batches_total\{link="dr",topic="orders",reason="compaction_gap"\} 2\n/)
  assert.match(text, /clusterlink_rebuilt_batches_total\{link="dr",topic="payments",reason="coalesce"\} 1\n/)
})
