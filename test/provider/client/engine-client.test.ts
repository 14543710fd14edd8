// Tests of the engine REST client against a fake engine: paths, bodies, auth, envelopes and errors that carry the engine's
// {error_code, message}.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { EngineApiError, EngineClient, isNotFoundError, waitForMirror } from '../../../provider/client/index.ts'
import { isEngineError } from '../../../engine/errors.ts'
import { FakeEngine } from './fake-engine.ts'

function clientOf(engine: FakeEngine, token = 'secret-token'): EngineClient {
  return new EngineClient({ endpoint: 'http://engine.test:8090/', token, fetch: engine.fetch })
}

test('EngineClient should discover the destination cluster id and use it in every path', async () => {
  const engine = new FakeEngine({ token: 'secret-token', clusterId: 'dest-1' })
  const client = clientOf(engine)
  assert.equal(await client.clusterId(), 'dest-1')
  assert.deepEqual(await client.listLinks(), [])
  assert.deepEqual(engine.requests, ['GET /kafka/v3/clusters', 'GET /kafka/v3/clusters/dest-1/links'])
})

test('EngineClient should create, describe, reconfigure and delete a link', async () => {
  const engine = new FakeEngine({ token: 'secret-token' })
  const client = clientOf(engine)
  await client.createLink('dr', { configs: [{ name: 'bootstrap.servers', value: 'src:9092' }, { name: 'sasl.password', value: 'pw' }] })
  const link = await client.getLink('dr')
  assert.equal(link.link_name, 'dr')
  assert.equal(link.link_state, 'ACTIVE')
  await client.alterLinkConfigs('dr', [
    { name: 'cluster.link.paused', value: 'true' },
    { name: 'bootstrap.servers', value: 'src2:9092', operation: 'SET' },
    { name: 'sasl.password', value: 'pw', operation: 'SET' },
  ])
  await client.setLinkConfig('dr', 'consumer.offset.sync.ms', '5000')
  await client.resetLinkConfig('dr', 'consumer.offset.sync.ms')
  const configs = Object.fromEntries((await client.listLinkConfigs('dr')).map((c) => [c.name, c]))
  assert.equal(configs['bootstrap.servers']?.value, 'src2:9092')
  assert.equal(configs['cluster.link.paused']?.value, 'true')
  assert.equal(configs['consumer.offset.sync.ms']?.is_default, true)
  assert.equal(configs['sasl.password']?.value, null)
  assert.equal((await client.getLinkConfig('dr', 'cluster.link.paused')).value, 'true')
  await client.deleteLink('dr')
  assert.equal(await client.findLink('dr'), undefined)
})

test('EngineClient should create mirrors, list them per link and across links, and run actions per topic', async () => {
  const engine = new FakeEngine()
  const client = new EngineClient({ endpoint: 'http://engine.test', fetch: engine.fetch })
  await client.createLink('dr', { configs: [{ name: 'bootstrap.servers', value: 'src:9092' }] })
  await client.createMirror('dr', { source_topic_name: 'orders' })
  await client.createMirror('dr', { source_topic_name: 'payments', mirror_topic_name: 'dr.payments', replication_factor: 1 })
  assert.deepEqual((await client.listMirrors('dr')).map((m) => m.mirror_topic_name), ['orders', 'dr.payments'])
  assert.deepEqual((await client.listMirrors()).length, 2)
  assert.deepEqual((await client.listMirrors('dr', { mirrorStatus: 'PAUSED' })).length, 0)
  const results = await client.alterMirrors('dr', 'pause', { mirrorTopicNames: ['orders', 'dr.payments'] })
  assert.deepEqual(results.map((r) => r.error_code), [0, 0])
  assert.equal((await client.getMirror('dr', 'orders')).mirror_status, 'PAUSED')
  await client.alterMirror('dr', 'resume', 'orders')
  engine.mirror('dr', 'orders')!.lags = [0, 5]
  await assert.rejects(client.alterMirror('dr', 'promote', 'orders'), (error: unknown) => {
    assert.ok(error instanceof EngineApiError)
    assert.equal(error.errorCode, 40903)
    assert.match(error.message, /promote orders on link dr: mirror lag is not zero \(error_code 40903\)/)
    return true
  })
  await client.alterMirror('dr', 'failover', 'orders')
  await client.deleteTopic('orders')
  assert.equal(await client.findMirror('dr', 'orders'), undefined)
})

test('EngineClient should turn engine error bodies into EngineApiError with status, error_code and message', async () => {
  const engine = new FakeEngine()
  const client = new EngineClient({ endpoint: 'http://engine.test', fetch: engine.fetch })
  await assert.rejects(client.getLink('missing'), (error: unknown) => {
    assert.ok(isEngineError(error))
    assert.ok(error instanceof EngineApiError)
    assert.equal(error.code, 'NOT_FOUND')
    assert.equal(error.httpStatus, 404)
    assert.equal(error.errorCode, 40401)
    assert.match(error.message, /GET \/kafka\/v3\/clusters\/fake-cluster\/links\/missing: cluster link missing not found/)
    assert.ok(isNotFoundError(error))
    return true
  })
  await assert.rejects(client.createLink('x', { configs: [{ name: 'nope', value: '1' }] }), /unknown link config 'nope'/)
})

test('EngineClient should say how to fix a missing token', async () => {
  const engine = new FakeEngine({ token: 'right' })
  const client = clientOf(engine, 'wrong')
  await assert.rejects(client.listLinks(), (error: unknown) => {
    assert.ok(error instanceof EngineApiError)
    assert.equal(error.code, 'UNAUTHORIZED')
    assert.match(error.message, /check the engine token/)
    return true
  })
})

test('EngineClient should retry a GET on a retriable error and not a POST', async () => {
  const engine = new FakeEngine()
  const client = new EngineClient({ endpoint: 'http://engine.test', fetch: engine.fetch, clusterId: 'fake-cluster' })
  engine.failures.push({ match: /^GET .*\/links$/, status: 503, message: 'busy' })
  assert.deepEqual(await client.listLinks(), [])
  engine.failures.push({ match: /^POST .*\/links$/, status: 503, message: 'busy' })
  await assert.rejects(client.createLink('dr', { configs: [{ name: 'bootstrap.servers', value: 's:1' }] }), (error: unknown) =>
    error instanceof EngineApiError && error.retriable && /busy/.test(error.message))
  assert.equal(engine.links.size, 0)
})

test('EngineClient should report an engine it cannot reach with the endpoint it tried', async () => {
  const client = new EngineClient({ endpoint: 'http://127.0.0.1:1', getAttempts: 1, timeoutMs: 2000 })
  await assert.rejects(client.listClusterIds(), (error: unknown) => {
    assert.ok(error instanceof EngineApiError)
    assert.equal(error.httpStatus, 0)
    assert.match(error.message, /cannot reach the clusterlink engine at http:\/\/127.0.0.1:1 .*is it running/)
    return true
  })
})

test('EngineClient should speak HTTP with a bearer token to a real listener', async () => {
  const engine = new FakeEngine({ token: 'tok' })
  const server = await engine.listen()
  try {
    const client = new EngineClient({ endpoint: server.url, token: 'tok' })
    await client.createLink('dr', { configs: [{ name: 'bootstrap.servers', value: 'src:9092' }] })
    assert.deepEqual((await client.listLinks()).map((l) => l.link_name), ['dr'])
  } finally {
    await server.close()
  }
})

test('waitForMirror should return once the condition holds and name the lag when time runs out', async () => {
  const engine = new FakeEngine()
  const client = new EngineClient({ endpoint: 'http://engine.test', fetch: engine.fetch })
  await client.createLink('dr', { configs: [{ name: 'bootstrap.servers', value: 'src:9092' }] })
  await client.createMirror('dr', { source_topic_name: 'orders' })
  engine.mirror('dr', 'orders')!.lags = [3, 4]
  const seen: string[] = []
  const mirror = await waitForMirror(client, 'dr', 'orders', (m) => m?.mirror_status === 'ACTIVE', 'ACTIVE', { timeoutMs: 1000, onProgress: (m) => seen.push(m!.mirror_status) })
  assert.equal(mirror?.mirror_status, 'ACTIVE')
  assert.deepEqual(seen, ['ACTIVE'])
  await assert.rejects(waitForMirror(client, 'dr', 'orders', (m) => m?.mirror_status === 'STOPPED', 'STOPPED', { timeoutMs: 50, intervalMs: 10 }),
    /gave up after 50 ms waiting for STOPPED; status ACTIVE, lag 7 \(p0=3 p1=4\)/)
})
