// REST v3 API tests on fakes: links, configs, mirrors, actions, auth, errors and the generated OpenAPI document.
import assert from 'node:assert/strict'
import { after, before, describe, test } from 'node:test'
import { waitFor } from '../link/fakes.ts'
import { buildTestApp, linkBody, type TestApp } from './test-app.ts'

type Json = Record<string, unknown> & { data?: Array<Record<string, unknown>> }

describe('REST API', () => {
  let t: TestApp
  before(async () => {
    t = await buildTestApp({ credentialsKey: 'a-credentials-key-for-tests' })
    t.source.topics.set('orders', { partitions: 3, configs: { 'cleanup.policy': 'delete' } })
    t.source.topics.set('payments', { partitions: 1, configs: {} })
  })
  after(async () => { await t.app.close() })

  test('REST API should list the destination cluster', async () => {
    const res = await t.request('GET', '/kafka/v3/clusters')
    assert.equal(res.status, 200)
    assert.equal((res.json() as Json).data?.[0]?.['cluster_id'], 'destination-cluster-id')
  })

  test('REST API should answer 401 without credentials and accept HTTP basic', async () => {
    const none = await t.app.server.inject({ method: 'GET', url: `${t.base}/links` })
    assert.equal(none.statusCode, 401)
    assert.equal(JSON.parse(none.body).error_code, 40101)
    assert.match(String(none.headers['www-authenticate']), /Bearer/)
    const wrong = await t.request('GET', `${t.base}/links`, undefined, { authorization: 'Bearer wrong-token-000000000' })
    assert.equal(wrong.status, 401)
    const basic = await t.request('GET', `${t.base}/links`, undefined, { authorization: `Basic ${Buffer.from('api-key:api-secret-123').toString('base64')}` })
    assert.equal(basic.status, 200)
    assert.equal((await t.app.server.inject({ method: 'GET', url: '/healthz' })).statusCode, 200)
  })

  test('REST API should create a link, return it and hide sensitive configs', async () => {
    const res = await t.request('POST', `${t.base}/links?link_name=l1`, linkBody({ 'security.protocol': 'SASL_PLAINTEXT', 'sasl.jaas.config': 'org.apache.kafka.common.security.plain.PlainLoginModule required username="u" password="hunter2-secret";' }))
    assert.equal(res.status, 204, res.body)
    const link = (await t.request('GET', `${t.base}/links/l1?include_tasks=true`)).json() as Json
    assert.equal(link['link_name'], 'l1')
    assert.equal(link['link_state'], 'ACTIVE')
    assert.equal(link['source_cluster_id'], 'source-cluster-id')
    assert.ok(Array.isArray(link['tasks']))
    const configs = (await t.request('GET', `${t.base}/links/l1/configs`)).json() as Json
    const jaas = configs.data?.find((c) => c['name'] === 'sasl.jaas.config')
    assert.equal(jaas?.['value'], null)
    assert.equal(jaas?.['is_sensitive'], true)
    const one = (await t.request('GET', `${t.base}/links/l1/configs/bootstrap.servers`)).json() as Json
    assert.equal(one['value'], 'source.example:9092')
    assert.equal(one['source'], 'DYNAMIC_CLUSTER_LINK_CONFIG')
    const stored = JSON.stringify([...t.store.links.values()])
    assert.ok(stored.includes('hunter2-secret'), 'the memory store holds decrypted state; encryption is tested on the codec')
    assert.ok(!t.logs.join('').includes('hunter2-secret'), 'secret leaked into logs')
    assert.ok(!(await t.request('GET', '/metrics')).body.includes('hunter2-secret'))
  })

  test('REST API should reject an existing link name, unknown configs and a wrong source cluster id', async () => {
    const dup = await t.request('POST', `${t.base}/links?link_name=l1`, linkBody())
    assert.equal(dup.status, 409)
    const unknown = await t.request('POST', `${t.base}/links?link_name=l2`, linkBody({ 'no.such.config': 'x' }))
    assert.equal(unknown.status, 400)
    assert.match((unknown.json() as Json)['message'] as string, /unknown link config 'no.such.config'; valid configs: .*bootstrap.servers/)
    const wrongId = await t.request('POST', `${t.base}/links?link_name=l2`, linkBody({}, 'other-id'))
    assert.equal(wrongId.status, 400)
    assert.match((wrongId.json() as Json)['message'] as string, /source_cluster_id/)
    assert.equal((await t.request('GET', `${t.base}/links/l2`)).status, 404)
  })

  test('REST API should record the source cluster id found by validate_link', async () => {
    const body = linkBody()
    delete (body as { source_cluster_id?: string }).source_cluster_id
    assert.equal((await t.request('POST', `${t.base}/links?link_name=l4`, body)).status, 204)
    assert.equal(((await t.request('GET', `${t.base}/links/l4`)).json() as Json)['source_cluster_id'], 'source-cluster-id')
    assert.equal((await t.request('DELETE', `${t.base}/links/l4`)).status, 200)
  })

  test('REST API should say how to fix an unreachable source, and accept it with validate_link=false', async () => {
    t.source.reachable = false
    try {
      const res = await t.request('POST', `${t.base}/links?link_name=l5`, linkBody())
      assert.equal(res.status, 400)
      assert.match((res.json() as Json)['message'] as string, /could not connect to a Kafka cluster at bootstrap.servers=source.example:9092 .*validate_link=false/)
      assert.equal((await t.request('POST', `${t.base}/links?link_name=l5&validate_link=false`, linkBody())).status, 204)
    } finally {
      t.source.reachable = true
    }
    assert.equal((await t.request('DELETE', `${t.base}/links/l5`)).status, 200)
  })

  test('REST API should reject auto-create without filters and validate_only should create nothing', async () => {
    const res = await t.request('POST', `${t.base}/links?link_name=l3`, linkBody({ 'auto.create.mirror.topics.enable': 'true' }))
    assert.equal(res.status, 400)
    assert.match((res.json() as Json)['message'] as string, /auto.create.mirror.topics.filters is empty/)
    const dry = await t.request('POST', `${t.base}/links?link_name=l3&validate_only=true`, linkBody())
    assert.equal(dry.status, 204)
    assert.equal((await t.request('GET', `${t.base}/links/l3`)).status, 404)
  })

  test('REST API should alter, reset and validate link configs', async () => {
    assert.equal((await t.request('PUT', `${t.base}/links/l1/configs/consumer.offset.sync.ms`, { value: '5000' })).status, 204)
    assert.equal(((await t.request('GET', `${t.base}/links/l1/configs/consumer.offset.sync.ms`)).json() as Json)['value'], '5000')
    assert.equal((await t.request('DELETE', `${t.base}/links/l1/configs/consumer.offset.sync.ms`)).status, 204)
    const reset = (await t.request('GET', `${t.base}/links/l1/configs/consumer.offset.sync.ms`)).json() as Json
    assert.equal(reset['value'], '30000')
    assert.equal(reset['is_default'], true)
    const alter = await t.request('PUT', `${t.base}/links/l1/configs:alter`, { data: [{ name: 'topic.config.sync.ms', value: '2000' }, { name: 'consumer.offset.sync.ms', operation: 'SET', value: 'abc' }] })
    assert.equal(alter.status, 400)
    assert.equal(((await t.request('GET', `${t.base}/links/l1/configs/topic.config.sync.ms`)).json() as Json)['value'], '5000', 'a failed alter changed something')
    const post = await t.request('POST', `${t.base}/links/l1/configs:alter`, { data: [{ name: 'topic.config.sync.ms', value: '2000' }] })
    assert.equal(post.status, 204)
    const prefix = await t.request('PUT', `${t.base}/links/l1/configs/cluster.link.prefix`, { value: 'dr.' })
    assert.equal(prefix.status, 400)
  })

  test('REST API should create mirrors, list and describe them', async () => {
    assert.equal((await t.request('POST', `${t.base}/links/l1/mirrors`, { source_topic_name: 'orders' })).status, 204)
    await waitFor(() => t.runners.get('orders')?.current.state === 'ACTIVE', 'runner active')
    const mirror = (await t.request('GET', `${t.base}/links/l1/mirrors/orders`)).json() as Json
    assert.equal(mirror['mirror_status'], 'ACTIVE')
    assert.equal(mirror['source_topic_name'], 'orders')
    assert.deepEqual(Object.keys((mirror['mirror_lags'] as Json[])[0] ?? {}).sort(), ['lag', 'last_source_fetch_offset', 'partition'])
    const missing = await t.request('POST', `${t.base}/links/l1/mirrors`, { source_topic_name: 'nope' })
    assert.equal(missing.status, 400)
    const again = await t.request('POST', `${t.base}/links/l1/mirrors`, { source_topic_name: 'orders' })
    assert.equal(again.status, 409)
    const all = (await t.request('GET', `${t.base}/links/-/mirrors?mirror_status=ACTIVE`)).json() as Json
    assert.deepEqual(all.data?.map((m) => m['mirror_topic_name']), ['orders'])
    const none = (await t.request('GET', `${t.base}/links/l1/mirrors?mirror_status=paused`)).json() as Json
    assert.deepEqual(none.data, [])
    const link = (await t.request('GET', `${t.base}/links/l1`)).json() as Json
    assert.deepEqual(link['topic_names'], ['orders'])
    assert.deepEqual(link['category_counts'], [{ state_category: 'ACTIVE', count: 1 }])
  })

  test('REST API should pause and resume mirrors and answer per topic', async () => {
    const res = await t.request('POST', `${t.base}/links/l1/mirrors:pause`, { mirror_topic_names: ['orders', 'ghost'] })
    assert.equal(res.status, 200)
    const data = (res.json() as Json).data ?? []
    assert.equal(data.find((r) => r['mirror_topic_name'] === 'orders')?.['error_code'], null)
    assert.equal(data.find((r) => r['mirror_topic_name'] === 'ghost')?.['error_code'], 404)
    assert.equal(((await t.request('GET', `${t.base}/links/l1/mirrors/orders`)).json() as Json)['mirror_status'], 'PAUSED')
    assert.ok(t.runners.get('orders')?.calls.includes('pause'))
    const resumed = await t.request('POST', `${t.base}/links/l1/mirrors:resume`, { mirror_topic_name_pattern: 'ord.*' })
    assert.equal((resumed.json() as Json).data?.[0]?.['error_code'], null)
    assert.equal(((await t.request('GET', `${t.base}/links/l1/mirrors/orders`)).json() as Json)['mirror_status'], 'ACTIVE')
  })

  test('REST API should refuse to delete a link with live mirrors unless forced', async () => {
    const res = await t.request('DELETE', `${t.base}/links/l1`)
    assert.equal(res.status, 409)
    assert.match((res.json() as Json)['message'] as string, /not STOPPED \(orders: ACTIVE\)/)
  })

  test('REST API should promote once lag is zero and fail over at once', async () => {
    assert.equal((await t.request('POST', `${t.base}/links/l1/mirrors`, { source_topic_name: 'payments' })).status, 204)
    await waitFor(() => t.runners.get('payments')?.current.state === 'ACTIVE', 'runner active')
    t.runners.get('orders')?.setLag(5)
    const dry = await t.request('POST', `${t.base}/links/l1/mirrors:promote?validate_only=true`, { mirror_topic_names: ['orders'] })
    assert.equal((dry.json() as Json).data?.[0]?.['error_code'], null)
    assert.equal(((await t.request('GET', `${t.base}/links/l1/mirrors/orders`)).json() as Json)['mirror_status'], 'ACTIVE')
    await t.request('POST', `${t.base}/links/l1/mirrors:promote`, { mirror_topic_names: ['orders'] })
    assert.equal(((await t.request('GET', `${t.base}/links/l1/mirrors/orders`)).json() as Json)['mirror_status'], 'PENDING_STOPPED')
    t.runners.get('orders')?.setLag(0)
    await waitFor(async () => ((await t.request('GET', `${t.base}/links/l1/mirrors/orders`)).json() as Json)['mirror_status'] === 'STOPPED', 'promoted')
    assert.ok(t.runners.get('orders')?.calls.includes('stop'))
    t.runners.get('payments')?.setLag(100)
    await t.request('POST', `${t.base}/links/l1/mirrors:failover`, { mirror_topic_names: ['payments'] })
    await waitFor(async () => ((await t.request('GET', `${t.base}/links/l1/mirrors/payments`)).json() as Json)['mirror_status'] === 'STOPPED', 'failed over')
    const pause = await t.request('POST', `${t.base}/links/l1/mirrors:pause`, { mirror_topic_names: ['payments'] })
    assert.equal((pause.json() as Json).data?.[0]?.['error_code'], 409)
  })

  test('REST API should delete a mirror topic through the topic endpoint and refuse other topics', async () => {
    t.destination.topics.set('payments', { partitions: 1, configs: {} })
    t.destination.topics.set('plain', { partitions: 1, configs: {} })
    assert.equal((await t.request('DELETE', `${t.base}/topics/payments`)).status, 204)
    assert.equal(t.destination.topics.has('payments'), false)
    assert.equal((await t.request('GET', `${t.base}/links/l1/mirrors/payments`)).status, 404)
    const plain = await t.request('DELETE', `${t.base}/topics/plain`)
    assert.equal(plain.status, 404)
    assert.equal(t.destination.topics.has('plain'), true)
  })

  test('REST API should delete a link whose mirrors are all STOPPED', async () => {
    assert.equal((await t.request('DELETE', `${t.base}/links/l1`)).status, 200)
    assert.equal((await t.request('GET', `${t.base}/links/l1`)).status, 404)
    assert.equal(t.store.links.size, 0)
    assert.equal(t.store.mirrors.size, 0)
  })

  test('REST API should serve an OpenAPI document generated from the schemas', async () => {
    const doc = (await t.request('GET', '/openapi.json')).json() as { paths: Record<string, Record<string, unknown>> }
    assert.ok(doc.paths['/kafka/v3/clusters/{cluster_id}/links/{link_name}/mirrors:promote']?.['post'])
    assert.ok(doc.paths['/kafka/v3/clusters/{cluster_id}/links/{link_name}/configs:alter']?.['put'])
    for (const [path, operations] of Object.entries(doc.paths)) {
      const placeholders = [...path.matchAll(/\{([a-z_]+)\}/g)].map((m) => m[1]).sort()
      for (const operation of Object.values(operations) as Array<{ parameters: Array<{ name: string; in: string }> }>) {
        assert.deepEqual(operation.parameters.filter((p) => p.in === 'path').map((p) => p.name).sort(), placeholders, path)
      }
    }
    const create = doc.paths['/kafka/v3/clusters/{cluster_id}/links']?.['post'] as { parameters: Array<{ name: string; required: boolean }>; requestBody: unknown }
    assert.equal(create.parameters.find((p) => p.name === 'link_name')?.required, true)
    assert.ok(JSON.stringify(create.requestBody).includes('source_cluster_id'))
  })

  test('REST API should answer 404 for another cluster id', async () => {
    const res = await t.request('GET', '/kafka/v3/clusters/other/links')
    assert.equal(res.status, 404)
    assert.match((res.json() as Json)['message'] as string, /destination-cluster-id/)
  })
})
