// Confluent's source-initiated create sequence on fakes: the INBOUND half waits for its source half, which completes it.
import assert from 'node:assert/strict'
import { after, before, describe, test } from 'node:test'
import { buildTestApp, SOURCE_BOOTSTRAP, type TestApp } from './test-app.ts'

type Json = Record<string, unknown> & { data?: Array<Record<string, unknown>> }
const pairs = (configs: Record<string, string>) => Object.entries(configs).map(([name, value]) => ({ name, value }))

describe('source-initiated link', () => {
  let t: TestApp
  before(async () => {
    t = await buildTestApp({ credentialsKey: 'a-credentials-key-for-tests' })
    t.source.topics.set('orders', { partitions: 2, configs: {} })
  })
  after(async () => { await t.app.close() })

  const inbound = (name: string) => t.request('POST', `${t.base}/links?link_name=${name}`, {
    source_cluster_id: 'source-cluster-id', configs: pairs({ 'link.mode': 'DESTINATION', 'connection.mode': 'INBOUND' }),
  })
  const sourceHalf = (name: string, extra: Record<string, string> = {}, base = t.base) => t.request('POST', `${base}/links?link_name=${name}`, {
    destination_cluster_id: t.app.clusterId,
    configs: pairs({
      'link.mode': 'SOURCE', 'connection.mode': 'OUTBOUND', 'bootstrap.servers': 'destination.example:9092',
      'security.protocol': 'SASL_SSL', 'sasl.mechanism': 'PLAIN', 'sasl.jaas.config': 'x required username="d" password="dest-secret";',
      'local.bootstrap.servers': SOURCE_BOOTSTRAP, 'local.security.protocol': 'PLAINTEXT', ...extra,
    }),
  })

  test('the INBOUND half should wait for its source half: UNAVAILABLE with what to do, and no mirror topic yet', async () => {
    assert.equal((await inbound('wait')).status, 204)
    const link = (await t.request('GET', `${t.base}/links/wait`)).json() as Json
    assert.equal(link['link_state'], 'UNAVAILABLE')
    assert.match(link['link_error_message'] as string, /waiting for the source half; create link 'wait' again with link\.mode=SOURCE/)
    const mirror = await t.request('POST', `${t.base}/links/wait/mirrors`, { source_topic_name: 'orders' })
    assert.equal(mirror.status, 409, mirror.body)
    assert.match((mirror.json() as Json)['message'] as string, /waiting for the source half/)
    assert.equal(t.store.mirrors.size, 0)
  })

  test('the source half should complete the link: local.* become its source connection, and it mirrors', async () => {
    assert.equal((await inbound('si')).status, 204)
    const res = await sourceHalf('si')
    assert.equal(res.status, 204, res.body)
    const stored = t.store.links.get('si')!.configs
    assert.equal(stored['bootstrap.servers'], SOURCE_BOOTSTRAP)
    assert.equal(stored['security.protocol'], 'PLAINTEXT')
    assert.equal(stored['sasl.jaas.config'], undefined, 'the destination credentials of the source half are not stored')
    assert.equal(stored['connection.mode'], 'INBOUND')
    const configs = (await t.request('GET', `${t.base}/links/si/configs`)).json() as Json
    const value = (name: string) => configs.data!.find((c) => c['name'] === name)?.['value']
    assert.equal(value('link.mode'), 'DESTINATION')
    assert.equal(value('connection.mode'), 'INBOUND')
    assert.equal(((await t.request('GET', `${t.base}/links/si`)).json() as Json)['link_state'], 'ACTIVE')
    const mirror = await t.request('POST', `${t.base}/links/si/mirrors`, { source_topic_name: 'orders' })
    assert.equal(mirror.status, 204, mirror.body)
    assert.equal(t.store.mirrors.get('si:orders')?.sourceTopicName, 'orders')
  })

  test('a second source half, or one with a destination-half config, should be refused and change nothing', async () => {
    assert.equal((await inbound('twice')).status, 204)
    const wrong = await sourceHalf('twice', { 'consumer.offset.sync.enable': 'true' })
    assert.equal(wrong.status, 400, wrong.body)
    assert.match((wrong.json() as Json)['message'] as string, /consumer\.offset\.sync\.enable is not a config of the source half/)
    assert.equal(t.store.links.get('twice')!.configs['bootstrap.servers'], undefined, 'the refused half changed nothing')
    assert.equal((await sourceHalf('twice')).status, 204)
    const again = await sourceHalf('twice')
    assert.equal(again.status, 409, again.body)
    assert.match((again.json() as Json)['message'] as string, /already has its source half/)
  })

  test('the source half should also be answered under the source cluster id, as Confluent scripts send it to the source side', async () => {
    assert.equal((await inbound('path')).status, 204)
    const elsewhere = await sourceHalf('path', {}, '/kafka/v3/clusters/some-other-cluster')
    assert.equal(elsewhere.status, 404, elsewhere.body)
    const res = await sourceHalf('path', {}, '/kafka/v3/clusters/source-cluster-id')
    assert.equal(res.status, 204, res.body)
    assert.equal(t.store.links.get('path')!.configs['bootstrap.servers'], SOURCE_BOOTSTRAP)
  })
})
