// Every link and mirror operation, under /kafka/v3 (Confluent Cloud) and /v3 (Confluent Platform), answers with Confluent's status
// code and a body that validates against schemas written from Confluent's OpenAPI; plus the drop-in rules of issue 13, item 6.
import assert from 'node:assert/strict'
import { after, before, describe, test } from 'node:test'
import type { z } from 'zod'
import { MemoryStateStore } from '../../../engine/state/index.ts'
import { waitFor } from '../link/fakes.ts'
import * as C from './confluent-schemas.ts'
import { buildTestApp, linkBody, TOKEN, type TestApp } from './test-app.ts'

type Json = Record<string, unknown> & { data?: Array<Record<string, unknown>> }
const JSON_HEADERS = { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' }

interface Operation {
  readonly method: 'GET' | 'POST' | 'PUT' | 'DELETE'
  readonly path: string
  readonly body?: unknown
  readonly status: number
  readonly schema?: z.ZodType
}

async function call(t: TestApp, op: Operation): Promise<Json> {
  const res = await t.request(op.method, op.path, op.body)
  assert.equal(res.status, op.status, `${op.method} ${op.path}: ${res.body}`)
  if (op.status === 204 || (op.method === 'DELETE' && op.status === 200)) {
    assert.equal(res.body, '', `${op.method} ${op.path} answers without content, as Confluent does`)
    return {}
  }
  const json = res.json() as Json
  if (op.schema) {
    const parsed = op.schema.safeParse(json)
    const issues = parsed.error?.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')
    assert.ok(parsed.success, `${op.method} ${op.path} does not follow Confluent's schema: ${issues}`)
  }
  return json
}

async function mirrorStatus(t: TestApp, path: string): Promise<string> {
  return String(((await t.request('GET', path)).json() as Json)['mirror_status'])
}

describe('REST v3 drop-in', () => {
  let t: TestApp
  const store = new MemoryStateStore()
  before(async () => {
    t = await buildTestApp({ credentialsKey: 'a-credentials-key-for-tests', store })
    for (const topic of ['cc-orders', 'cp-orders', 'resume-orders', 'stopped-orders']) {
      t.source.topics.set(topic, { partitions: 1, configs: {} })
    }
  })
  after(async () => { await t.app.close() })

  for (const [prefix, tag] of [['/kafka/v3', 'cc'], ['/v3', 'cp']] as const) {
    test(`REST v3 drop-in should answer every link and mirror operation under ${prefix} with Confluent's status and schema`, async () => {
      const base = `${prefix}/clusters/${t.app.clusterId}`
      const link = `${base}/links/${tag}-link`
      const topic = `${tag}-orders`
      const mirror = `${link}/mirrors/${topic}`
      assert.equal((await t.app.server.inject({ method: 'GET', url: `${prefix}/clusters` })).statusCode, 401, 'both prefixes need auth')
      const clusters = await call(t, { method: 'GET', path: `${prefix}/clusters`, status: 200, schema: C.ClusterDataList })
      assert.ok(String((clusters['metadata'] as { self: string }).self).endsWith(`${prefix}/clusters`))
      const cluster = await call(t, { method: 'GET', path: base, status: 200, schema: C.ClusterData })
      const self = String((cluster['metadata'] as { self: string }).self)
      assert.ok(self.includes(`${prefix}/clusters/`), 'self links keep the prefix the client used')
      await call(t, { method: 'POST', path: `${base}/links?link_name=${tag}-link`, body: linkBody(), status: 204 })
      await call(t, { method: 'GET', path: `${base}/links`, status: 200, schema: C.LinkDataList })
      await call(t, { method: 'GET', path: `${link}?include_tasks=true`, status: 200, schema: C.LinkData })
      await call(t, { method: 'GET', path: `${link}/configs`, status: 200, schema: C.LinkConfigDataList })
      await call(t, { method: 'GET', path: `${link}/configs/bootstrap.servers`, status: 200, schema: C.LinkConfigData })
      await call(t, { method: 'PUT', path: `${link}/configs/consumer.offset.sync.ms`, body: { value: '60000' }, status: 204 })
      const alter = { data: [{ name: 'topic.config.sync.ms', value: '10000' }] }
      await call(t, { method: 'PUT', path: `${link}/configs:alter`, body: alter, status: 204 })
      await call(t, { method: 'DELETE', path: `${link}/configs/consumer.offset.sync.ms`, status: 204 })
      await call(t, { method: 'POST', path: `${link}/mirrors`, body: { source_topic_name: topic }, status: 204 })
      await waitFor(async () => (await mirrorStatus(t, mirror)) === 'ACTIVE', `${topic} ACTIVE`)
      await call(t, { method: 'GET', path: `${link}/mirrors`, status: 200, schema: C.MirrorDataList })
      await call(t, { method: 'GET', path: `${base}/links/-/mirrors?mirror_status=active`, status: 200, schema: C.MirrorDataList })
      await call(t, { method: 'GET', path: `${mirror}?include_state_transition_errors=true`, status: 200, schema: C.MirrorData })
      const names = { mirror_topic_names: [topic] }
      // Failback actions on an ACTIVE mirror (dry run): Confluent's answer shape whether accepted or refused.
      for (const action of ['reverse-and-start-mirror', 'reverse-and-pause-mirror', 'truncate-and-restore']) {
        const dryRun = `${link}/mirrors:${action}?validate_only=true`
        await call(t, { method: 'POST', path: dryRun, body: names, status: 200, schema: C.AlterMirrorsDataList })
      }
      for (const action of ['pause', 'resume', 'promote?validate_only=true', 'failover']) {
        const op = { method: 'POST', path: `${link}/mirrors:${action}`, body: names, status: 200, schema: C.AlterMirrorsDataList } as const
        const answer = await call(t, op)
        assert.equal(answer.data?.[0]?.['error_code'], null, `${action}: error_code is null on success`)
        assert.equal(answer.data?.[0]?.['error_message'], null)
      }
      const again = { method: 'POST', path: `${link}/mirrors:pause`, body: names, status: 200, schema: C.AlterMirrorsDataList } as const
      const refused = await call(t, again)
      assert.equal(typeof refused.data?.[0]?.['error_code'], 'number', 'a refused action carries a numeric error_code')
      await call(t, { method: 'DELETE', path: `${base}/topics/${topic}`, status: 204 })
      await call(t, { method: 'DELETE', path: link, status: 200 })
      await call(t, { method: 'GET', path: link, status: 404, schema: C.ErrorBody })
      await call(t, { method: 'POST', path: `${base}/links?link_name=bad`, body: { configs: 'x' }, status: 400, schema: C.ErrorBody })
    })
  }

  test('REST v3 drop-in should accept Confluent-only link configs with a Warning and still refuse unknown ones', async () => {
    const base = `/kafka/v3/clusters/${t.app.clusterId}`
    const created = await t.app.server.inject({
      method: 'POST', url: `${base}/links?link_name=warn-link`, headers: JSON_HEADERS,
      payload: JSON.stringify(linkBody({ 'num.cluster.link.fetchers': '2', 'cluster.link.retry.timeout.ms': '300000', 'acl.sync.enable': 'false' })),
    })
    assert.equal(created.statusCode, 204, created.body)
    assert.match(String(created.headers['warning']), /^299 clusterlink ".*num\.cluster\.link\.fetchers, cluster\.link\.retry\.timeout\.ms"$/)
    const configs = (await t.request('GET', `${base}/links/warn-link/configs`)).json() as Json
    assert.ok(!configs.data?.some((c) => c['name'] === 'num.cluster.link.fetchers'), 'an ignored config is not stored')
    assert.ok(configs.data?.some((c) => c['name'] === 'acl.sync.enable' && c['value'] === 'false'), 'ACL sync configs are implemented and stored')
    const alter = await t.app.server.inject({
      method: 'PUT', url: `${base}/links/warn-link/configs:alter`, headers: JSON_HEADERS,
      payload: JSON.stringify({ data: [{ name: 'request.timeout.ms', value: '5000' }, { name: 'topic.config.sync.ms', value: '7000' }] }),
    })
    assert.equal(alter.statusCode, 204, alter.body)
    assert.match(String(alter.headers['warning']), /request\.timeout\.ms/)
    assert.equal(((await t.request('GET', `${base}/links/warn-link/configs/topic.config.sync.ms`)).json() as Json)['value'], '7000')
    const plain = await t.app.server.inject({
      method: 'PUT', url: `${base}/links/warn-link/configs/topic.config.sync.ms`, headers: JSON_HEADERS, payload: '{"value":"8000"}',
    })
    assert.equal(plain.headers['warning'], undefined, 'no warning when nothing was ignored')
    const unknown = await t.request('POST', `${base}/links?link_name=warn-link-2`, linkBody({ 'no.such.config': 'x' }))
    assert.equal(unknown.status, 400)
    assert.equal((await t.request('GET', `${base}/links/warn-link-2`)).status, 404, 'a refused create leaves nothing behind')
  })

  test('REST v3 drop-in should show ACTIVE, not PENDING_MIRROR, while a resumed mirror restarts its copiers', async () => {
    const link = `/kafka/v3/clusters/${t.app.clusterId}/links/resume-link`
    assert.equal((await t.request('POST', `/kafka/v3/clusters/${t.app.clusterId}/links?link_name=resume-link`, linkBody())).status, 204)
    assert.equal((await t.request('POST', `${link}/mirrors`, { source_topic_name: 'resume-orders' })).status, 204)
    await waitFor(async () => (await mirrorStatus(t, `${link}/mirrors/resume-orders`)) === 'ACTIVE', 'ACTIVE')
    assert.equal((await t.request('POST', `${link}/mirrors:pause`, { mirror_topic_names: ['resume-orders'] })).status, 200)
    await waitFor(async () => (await mirrorStatus(t, `${link}/mirrors/resume-orders`)) === 'PAUSED', 'PAUSED')
    const runner = t.runners.get('resume-orders')
    assert.ok(runner)
    // The data path restarts copiers on resume and reports PENDING_MIRROR until they run (mirror-topic-runner.ts).
    runner.resume = async () => {
      runner.calls.push('resume')
      runner.current = { ...runner.current, state: 'PENDING_MIRROR', stateTimeMs: Date.now() }
    }
    const resumed = (await t.request('POST', `${link}/mirrors:resume`, { mirror_topic_names: ['resume-orders'] })).json() as Json
    assert.equal(resumed.data?.[0]?.['error_code'], null)
    await waitFor(() => runner.calls.includes('resume'), 'runner resumed')
    assert.equal(runner.status().state, 'PENDING_MIRROR')
    assert.equal(await mirrorStatus(t, `${link}/mirrors/resume-orders`), 'ACTIVE')
    const listed = (await t.request('GET', `${link}/mirrors`)).json() as Json
    assert.equal(listed.data?.find((m) => m['mirror_topic_name'] === 'resume-orders')?.['mirror_status'], 'ACTIVE')
  })

  test('REST v3 drop-in should keep mirror_lags of a STOPPED mirror after an engine restart', async () => {
    const link = `/kafka/v3/clusters/${t.app.clusterId}/links/stopped-link`
    assert.equal((await t.request('POST', `/kafka/v3/clusters/${t.app.clusterId}/links?link_name=stopped-link`, linkBody())).status, 204)
    assert.equal((await t.request('POST', `${link}/mirrors`, { source_topic_name: 'stopped-orders' })).status, 204)
    await waitFor(async () => (await mirrorStatus(t, `${link}/mirrors/stopped-orders`)) === 'ACTIVE', 'ACTIVE')
    t.runners.get('stopped-orders')?.setLag(4)
    assert.equal((await t.request('POST', `${link}/mirrors:failover`, { mirror_topic_names: ['stopped-orders'] })).status, 200)
    await waitFor(async () => (await mirrorStatus(t, `${link}/mirrors/stopped-orders`)) === 'STOPPED', 'STOPPED')
    const before = ((await t.request('GET', `${link}/mirrors/stopped-orders`)).json() as Json)['mirror_lags']
    assert.deepEqual(before, [{ partition: 0, lag: 4, last_source_fetch_offset: 6 }])
    const published = () => [...store.statuses.values()]
      .some((s) => s.mirrorTopicName === 'stopped-orders' && s.runState === 'STOPPED' && s.partitions.length === 1)
    await waitFor(published, 'status published')
    await t.app.close()
    t = await buildTestApp({ credentialsKey: 'a-credentials-key-for-tests', store, source: t.source, destination: t.destination })
    const after = (await t.request('GET', `${link}/mirrors/stopped-orders`)).json() as Json
    assert.equal(after['mirror_status'], 'STOPPED')
    assert.deepEqual(after['mirror_lags'], before)
    assert.ok(C.MirrorData.safeParse(after).success)
  })
})
