// deploy/monitoring/ without brokers: the dashboard and both rule files parse and have the expected shape, and every metric
// they name is declared in /metrics of an engine on fakes once it has a link and a mirror topic.
import assert from 'node:assert/strict'
import { after, before, describe, test } from 'node:test'
import { buildTestApp, linkBody, type TestApp } from '../engine/api/test-app.ts'
import { waitFor } from '../engine/link/fakes.ts'
import { checkGroups, loadMonitoring, metricNames, missingMetrics, type Group } from './monitoring-checks.ts'

describe('deploy/monitoring', () => {
  let t: TestApp
  before(async () => {
    t = await buildTestApp()
    t.source.topics.set('monitored', { partitions: 2, configs: {} })
  })
  after(async () => { await t.app.close() })

  test('metricNames should find metric names and skip functions, labels, strings and durations', () => {
    const quantile = 'histogram_quantile(0.99, sum by (le, link) (rate(a_seconds_bucket{link=~"x|y"}[5m]))) > 2'
    assert.deepEqual(metricNames(quantile), ['a_seconds_bucket'])
    assert.deepEqual(metricNames('up{job="clusterlink"} == 0 or b_total offset 5m'), ['up', 'b_total'])
  })

  test('deploy/monitoring should ship equal rule groups in both files, each rule with alert, expr, for, labels, annotations', async () => {
    const { rules, crd } = await loadMonitoring()
    checkGroups(rules.groups, 'clusterlink-alerts.rules.yaml')
    assert.equal(crd.apiVersion, 'monitoring.coreos.com/v1')
    assert.equal(crd.kind, 'PrometheusRule')
    assert.equal(crd.metadata.name, 'clusterlink')
    checkGroups(crd.spec.groups, 'prometheus-rule.yaml')
    assert.deepEqual(crd.spec.groups, rules.groups, 'the PrometheusRule and the plain rules file hold the same groups')
  })

  test('deploy/monitoring should name only metrics the engine declares', async () => {
    const { dashboard, rules } = await loadMonitoring()
    assert.equal(dashboard['uid'], 'clusterlink-overview')
    assert.equal((await t.request('POST', `${t.base}/links?link_name=monitored-link`, linkBody())).status, 204)
    assert.equal((await t.request('POST', `${t.base}/links/monitored-link/mirrors`, { source_topic_name: 'monitored' })).status, 204)
    const status = async () => ((await t.request('GET', `${t.base}/links/monitored-link/mirrors/monitored`)).json() as { mirror_status: string }).mirror_status
    await waitFor(async () => (await status()) === 'ACTIVE', 'ACTIVE')
    const metricsText = (await t.request('GET', '/metrics')).body
    const { referenced, missing } = missingMetrics(dashboard, rules.groups as Group[], metricsText)
    assert.ok(referenced.length >= 12, `the dashboard and rules use the engine's metrics (${referenced.join(', ')})`)
    assert.deepEqual(missing, [], `metrics named but not declared by the engine:\n${metricsText}`)
  })
})
