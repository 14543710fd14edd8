// deploy/monitoring/ on a real engine (startLocalStack) that copied records of one mirror topic: every metric the dashboard
// and the alert rules name is in its /metrics, and the fetch and produce latency histograms have samples.
import assert from 'node:assert/strict'
import { randomUUID } from 'node:crypto'
import { after, before, describe, test } from 'node:test'
import { Kafka, logLevel } from 'kafkajs'
import { startLocalStack, type LocalStack } from '../../cli/local/local-stack.ts'
import { waitFor } from '../engine/link/fakes.ts'
import { loadMonitoring, missingMetrics, type Group } from './monitoring-checks.ts'

describe('deploy/monitoring on a real engine', { timeout: 300_000 }, () => {
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

  test('deploy/monitoring should name only metrics a running engine exports, with latency samples', async () => {
    const { dashboard, rules } = await loadMonitoring()
    const { referenced, missing } = missingMetrics(dashboard, rules.groups as Group[], metricsText)
    assert.ok(referenced.length >= 12, `the dashboard and rules use the engine's metrics (${referenced.join(', ')})`)
    assert.deepEqual(missing, [], `metrics named but not exported by the engine:\n${metricsText}`)
    for (const name of ['clusterlink_fetch_latency_seconds_count', 'clusterlink_produce_latency_seconds_count']) {
      const line = metricsText.split('\n').find((l) => l.startsWith(name))
      assert.ok(line && Number(line.split(' ').at(-1)) > 0, `${name} has samples after records were copied`)
    }
  })
})
