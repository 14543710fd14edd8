// deploy/monitoring/: the Grafana dashboard and the alert rules parse, have the expected shape, and every metric they
// reference is in the /metrics output of a real engine (startLocalStack) running one mirror topic with records copied.
import assert from 'node:assert/strict'
import { randomUUID } from 'node:crypto'
import { readFile } from 'node:fs/promises'
import { createRequire } from 'node:module'
import { resolve } from 'node:path'
import { after, before, describe, test } from 'node:test'
import { Kafka, logLevel } from 'kafkajs'
import { startLocalStack, type LocalStack } from '../../cli/local/local-stack.ts'
import { waitFor } from '../engine/link/fakes.ts'

// js-yaml comes with @pulumi/pulumi (a dependency); it has no bundled types, hence the narrow cast.
const yaml = createRequire(import.meta.url)('js-yaml') as { load(text: string): unknown }
const dir = resolve(import.meta.dirname, '../../deploy/monitoring')
/** Series Prometheus adds itself (not the engine's). */
const PROMETHEUS_SERIES = new Set(['up'])
const PROMQL_WORDS = new Set(['by', 'without', 'on', 'ignoring', 'group_left', 'group_right', 'and', 'or', 'unless', 'bool', 'offset',
  'inf', 'nan'])

interface Rule { alert: string; expr: string; for: string; labels: Record<string, string>; annotations: Record<string, string> }
interface Group { name: string; rules: Rule[] }

/** Metric names in a PromQL expression: identifiers left after removing strings, matchers, ranges, grouping lists and function calls. */
export function metricNames(expr: string): string[] {
  const stripped = expr
    .replace(/"(?:[^"\\]|\\.)*"/g, '""')
    .replace(/\{[^}]*\}/g, ' ')
    .replace(/\[[^\]]*\]/g, ' ')
    .replace(/\b(by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)/g, ' ')
  const names = new Set<string>()
  // An identifier never starts right after a digit (5m, 1e3 are numbers and durations).
  for (const match of stripped.matchAll(/(?<![0-9.A-Za-z_:])[A-Za-z_:][A-Za-z0-9_:]*(?=\s*(\()?)/g)) {
    if (match[1] === '(' || PROMQL_WORDS.has(match[0].toLowerCase())) continue
    names.add(match[0])
  }
  return [...names]
}

function dashboardExpressions(dashboard: Record<string, unknown>): string[] {
  const panels = dashboard['panels'] as Array<{ targets: Array<{ expr: string }> }>
  const exprs = panels.flatMap((p) => p.targets.map((t) => t.expr))
  const variables = (dashboard['templating'] as { list: Array<{ definition?: string }> }).list
  for (const v of variables) {
    const metric = /^label_values\(\s*([A-Za-z_:][A-Za-z0-9_:]*)\s*,/.exec(v.definition ?? '')?.[1]
    if (metric) exprs.push(metric)
  }
  return exprs
}

/** Sample names plus declared families (a counter with no series yet still has its # TYPE line; histograms add _bucket, _sum, _count). */
function exportedNames(text: string): Set<string> {
  const names = new Set<string>()
  for (const line of text.split('\n')) {
    const declared = /^# TYPE ([A-Za-z_:][A-Za-z0-9_:]*) (\w+)$/.exec(line)
    if (declared?.[1]) {
      names.add(declared[1])
      if (declared[2] === 'histogram') for (const suffix of ['_bucket', '_sum', '_count']) names.add(`${declared[1]}${suffix}`)
    } else if (line !== '' && !line.startsWith('#')) {
      const sample = /^[A-Za-z_:][A-Za-z0-9_:]*/.exec(line)?.[0]
      if (sample) names.add(sample)
    }
  }
  return names
}

function checkGroups(groups: unknown, where: string): asserts groups is Group[] {
  assert.ok(Array.isArray(groups) && groups.length > 0, `${where}: groups is a non-empty list`)
  const alerts = new Set<string>()
  for (const group of groups as Group[]) {
    assert.equal(typeof group.name, 'string', `${where}: every group has a name`)
    assert.ok(Array.isArray(group.rules) && group.rules.length > 0, `${where}: group ${group.name} has rules`)
    for (const rule of group.rules) {
      const keys = ['alert', 'annotations', 'expr', 'for', 'labels']
      assert.deepEqual(Object.keys(rule).sort(), keys, `${where}: ${rule.alert} has alert, expr, for, labels, annotations`)
      assert.match(rule.alert, /^Clusterlink[A-Za-z]+$/)
      assert.ok(!alerts.has(rule.alert), `${where}: alert ${rule.alert} is defined once`)
      alerts.add(rule.alert)
      assert.match(rule.for, /^\d+[smh]$/, `${where}: ${rule.alert} for is a duration`)
      assert.ok(['critical', 'warning'].includes(rule.labels['severity'] ?? ''), `${where}: ${rule.alert} has a severity`)
      assert.ok(rule.annotations['summary'] && rule.annotations['description'], `${where}: ${rule.alert} has a summary and a description`)
    }
  }
}

describe('deploy/monitoring', { timeout: 240_000 }, () => {
  let stack: LocalStack
  let metricsText = ''
  const run = randomUUID().slice(0, 8)

  before(async () => {
    stack = await startLocalStack({ clusters: 2 })
    const source = stack.source
    assert.ok(source)
    const topic = `monitoring-${run}`
    const kafka = new Kafka({ clientId: 'monitoring-test', brokers: [source.toolBootstrapServers], logLevel: logLevel.NOTHING })
    const admin = kafka.admin()
    await admin.connect()
    await admin.createTopics({ topics: [{ topic, numPartitions: 1 }], waitForLeaders: true })
    await admin.disconnect()
    const producer = kafka.producer()
    await producer.connect()
    await producer.send({ topic, messages: Array.from({ length: 50 }, (_, i) => ({ key: `k${i}`, value: `v${i}` })) })
    await producer.disconnect()
    const headers = { authorization: `Bearer ${stack.engine.token}`, 'content-type': 'application/json' }
    const base = `${stack.engine.url}/kafka/v3/clusters/${stack.engine.clusterId}`
    const link = await fetch(`${base}/links?link_name=monitoring-${run}`, {
      method: 'POST', headers, body: JSON.stringify({ configs: [{ name: 'bootstrap.servers', value: source.bootstrapServers }] }),
    })
    assert.equal(link.status, 204, await link.text())
    const mirrorBody = JSON.stringify({ source_topic_name: topic })
    const mirror = await fetch(`${base}/links/monitoring-${run}/mirrors`, { method: 'POST', headers, body: mirrorBody })
    assert.equal(mirror.status, 204, await mirror.text())
    // Caught up: records were fetched and produced, so the latency histograms have samples.
    await waitFor(async () => {
      const response = await fetch(`${base}/links/monitoring-${run}/mirrors/${topic}`, { headers })
      const m = (await response.json()) as { mirror_status: string; mirror_lags: Array<{ lag: number; last_source_fetch_offset: number }> }
      const caughtUp = m.mirror_lags.length === 1 && m.mirror_lags.every((l) => l.lag === 0 && l.last_source_fetch_offset === 50)
      return m.mirror_status === 'ACTIVE' && caughtUp
    }, 'mirror caught up', 120_000)
    metricsText = await (await fetch(`${stack.engine.url}/metrics`, { headers })).text()
  })
  after(async () => { await stack?.stop() })

  test('metricNames should find metric names and skip functions, labels and strings', () => {
    const quantile = 'histogram_quantile(0.99, sum by (le, link) (rate(a_seconds_bucket{link=~"x|y"}[5m]))) > 2'
    assert.deepEqual(metricNames(quantile), ['a_seconds_bucket'])
    assert.deepEqual(metricNames('up{job="clusterlink"} == 0 or b_total offset 5m'), ['up', 'b_total'])
  })

  test('deploy/monitoring should ship equal rule groups in both files, each rule with alert, expr, for, labels, annotations', async () => {
    const plain = yaml.load(await readFile(resolve(dir, 'clusterlink-alerts.rules.yaml'), 'utf8')) as { groups: unknown }
    checkGroups(plain.groups, 'clusterlink-alerts.rules.yaml')
    type Crd = { apiVersion: string; kind: string; metadata: { name: string }; spec: { groups: unknown } }
    const crd = yaml.load(await readFile(resolve(dir, 'prometheus-rule.yaml'), 'utf8')) as Crd
    assert.equal(crd.apiVersion, 'monitoring.coreos.com/v1')
    assert.equal(crd.kind, 'PrometheusRule')
    assert.equal(crd.metadata.name, 'clusterlink')
    checkGroups(crd.spec.groups, 'prometheus-rule.yaml')
    assert.deepEqual(crd.spec.groups, plain.groups, 'the PrometheusRule and the plain rules file hold the same groups')
  })

  test('deploy/monitoring should reference only metrics a running engine exports', async () => {
    const dashboard = JSON.parse(await readFile(resolve(dir, 'clusterlink-dashboard.json'), 'utf8')) as Record<string, unknown>
    assert.equal(dashboard['uid'], 'clusterlink-overview')
    const plain = yaml.load(await readFile(resolve(dir, 'clusterlink-alerts.rules.yaml'), 'utf8')) as { groups: Group[] }
    const exprs = [...dashboardExpressions(dashboard), ...plain.groups.flatMap((g) => g.rules.map((r) => r.expr))]
    const exported = exportedNames(metricsText)
    const referenced = new Set(exprs.flatMap(metricNames))
    assert.ok(referenced.size >= 12, `the dashboard and rules use the engine's metrics (${[...referenced].join(', ')})`)
    const missing = [...referenced].filter((name) => !PROMETHEUS_SERIES.has(name) && !exported.has(name))
    assert.deepEqual(missing, [], `metrics referenced but not exported by the engine:\n${metricsText}`)
    for (const name of ['clusterlink_fetch_latency_seconds_count', 'clusterlink_produce_latency_seconds_count']) {
      const line = metricsText.split('\n').find((l) => l.startsWith(name))
      assert.ok(line && Number(line.split(' ').at(-1)) > 0, `${name} has samples after records were copied`)
    }
  })
})
