// REST hardening tests on fakes: prototype-key config names, catastrophic patterns, read-only tokens, no-auth loopback
// and Host checks, the per-client rate limit, validate_link answers that reveal nothing, and the source network allow-list.
import assert from 'node:assert/strict'
import { after, before, describe, test } from 'node:test'
import { buildTestApp, linkBody, TOKEN, type TestApp } from './test-app.ts'

const READ_TOKEN = 'read-only-token-0123456789'

describe('API hardening', () => {
  let t: TestApp
  before(async () => {
    t = await buildTestApp({ auth: { tokens: [TOKEN], readTokens: [READ_TOKEN] } })
    t.source.topics.set('orders', { partitions: 1, configs: {} })
    assert.equal((await t.request('POST', `${t.base}/links?link_name=h1`, linkBody())).status, 204)
    assert.equal((await t.request('POST', `${t.base}/links/h1/mirrors`, { source_topic_name: 'orders' })).status, 204)
  })
  after(async () => { await t.app.close() })

  test('API should answer 4xx, never 500, for config names that are prototype keys', async () => {
    const calls: Array<[string, string, unknown]> = [
      ['GET', `${t.base}/links/h1/configs/constructor`, undefined],
      ['PUT', `${t.base}/links/h1/configs/constructor`, { value: 'x' }],
      ['DELETE', `${t.base}/links/h1/configs/constructor`, undefined],
      ['POST', `${t.base}/links/h1/configs:alter`, { data: [{ name: 'constructor', value: 'x' }] }],
      ['POST', `${t.base}/links/h1/configs:alter`, { data: [{ name: 'prototype', value: 'x' }] }],
      ['POST', `${t.base}/links?link_name=h2`, { configs: [{ name: 'bootstrap.servers', value: 'source.example:9092' }, { name: 'constructor', value: 'x' }] }],
      ['POST', `${t.base}/links/h1/mirrors`, { source_topic_name: 'orders', configs: [{ name: 'constructor', value: 'x' }] }],
    ]
    for (const [method, url, body] of calls) {
      const res = await t.request(method, url, body)
      assert.ok(res.status >= 400 && res.status < 500, `${method} ${url}: ${res.status} ${res.body}`)
    }
    assert.equal(Object.hasOwn(t.store.links.get('h1')?.configs ?? {}, 'constructor'), false)
    // fastify's JSON parser refuses these keys in any body (secure-json-parse).
    for (const body of ['{"__proto__":{"x":1},"configs":[]}', '{"constructor":{"prototype":{"x":1}},"configs":[]}']) {
      assert.equal((await t.request('POST', `${t.base}/links?link_name=h3`, body)).status, 400)
    }
  })

  test('API should select mirrors with a catastrophic-backtracking pattern at once and refuse non-regular ones', async () => {
    // The NFA answers on a name RegExp would backtrack on for longer than any test would wait (it doubles per character).
    t.source.topics.set('a'.repeat(60), { partitions: 1, configs: {} })
    assert.equal((await t.request('POST', `${t.base}/links/h1/mirrors`, { source_topic_name: 'a'.repeat(60) })).status, 204)
    const res = await t.request('POST', `${t.base}/links/h1/mirrors:pause?validate_only=true`, { mirror_topic_name_pattern: '(.|.?)+#' })
    assert.equal(res.status, 200, res.body)
    assert.deepEqual((res.json() as { data: unknown[] }).data, [])
    const all = await t.request('POST', `${t.base}/links/h1/mirrors:pause?validate_only=true`, { mirror_topic_name_pattern: 'ord(e|x)rs|a+' })
    assert.equal((all.json() as { data: unknown[] }).data.length, 2)
    const refused = await t.request('POST', `${t.base}/links/h1/mirrors:pause`, { mirror_topic_name_pattern: '(o)\\1' })
    assert.equal(refused.status, 400)
    assert.match(refused.body, /mirror_topic_name_pattern is refused \(escape \\\\1 is not supported/)
  })

  test('API should let a read-only token read and refuse every change with 403', async () => {
    const read = { authorization: `Bearer ${READ_TOKEN}` }
    assert.equal((await t.request('GET', `${t.base}/links/h1`, undefined, read)).status, 200)
    assert.equal((await t.request('GET', `${t.base}/links/h1/mirrors`, undefined, read)).status, 200)
    const changes: Array<[string, string, unknown]> = [
      ['POST', `${t.base}/links?link_name=r1&validate_only=true`, linkBody()],
      ['POST', `${t.base}/links?link_name=r1`, linkBody()],
      ['POST', `${t.base}/links/h1/configs:alter?validate_only=true`, { data: [{ name: 'cluster.link.paused', value: 'true' }] }],
      ['PUT', `${t.base}/links/h1/configs/cluster.link.paused`, { value: 'true' }],
      ['DELETE', `${t.base}/links/h1/configs/cluster.link.paused`, undefined],
      ['POST', `${t.base}/links/h1/mirrors:pause`, { mirror_topic_names: ['orders'] }],
      ['POST', `${t.base}/links/h1/mirrors`, { source_topic_name: 'orders' }],
      ['DELETE', `${t.base}/topics/orders`, undefined],
      ['DELETE', `${t.base}/links/h1?force=true`, undefined],
    ]
    for (const [method, url, body] of changes) {
      const res = await t.request(method, url, body, read)
      assert.equal(res.status, 403, `${method} ${url}: ${res.body}`)
      assert.match(res.body, /read-only/)
    }
    assert.equal(t.store.links.size, 1)
    assert.equal([...t.store.mirrors.values()][0]?.desiredStatus, 'ACTIVE')
  })

  test('API should answer validate_link failures without the connection error', async () => {
    t.source.reachable = false
    try {
      const res = await t.request('POST', `${t.base}/links?link_name=v1`, linkBody())
      assert.equal(res.status, 400)
      assert.doesNotMatch(res.body, /ECONNREFUSED|127\.0\.0\.1:1/)
      assert.match(res.body, /could not connect to a Kafka cluster at bootstrap.servers=source.example:9092 within 10 s/)
    } finally {
      t.source.reachable = true
    }
  })
})

describe('API limits and no-auth mode', () => {
  test('no-auth mode should accept only loopback clients that name loopback in Host', async () => {
    const t = await buildTestApp({ auth: { allowNoAuth: true } })
    try {
      const get = (headers: Record<string, string>, remoteAddress = '127.0.0.1') => t.app.server.inject({ method: 'GET', url: `${t.base}/links`, headers, remoteAddress })
      assert.equal((await get({ host: 'localhost:8090' })).statusCode, 200)
      assert.equal((await get({ host: '127.0.0.1:8090' })).statusCode, 200)
      assert.equal((await get({ host: '[::1]:8090' })).statusCode, 200)
      const rebound = await get({ host: 'attacker.example:8090' })
      assert.equal(rebound.statusCode, 403)
      assert.match(rebound.body, /DNS rebinding/)
      assert.equal((await get({ host: 'localhost:8090' }, '10.1.2.3')).statusCode, 403)
      assert.equal((await t.app.server.inject({ method: 'GET', url: '/healthz', headers: { host: 'attacker.example' }, remoteAddress: '10.1.2.3' })).statusCode, 200)
    } finally {
      await t.app.close()
    }
  })

  test('rate limit should answer 429 with Retry-After per client address, never for probes', async () => {
    const t = await buildTestApp({ api: { rateLimitPerSecond: 0.01, rateLimitBurst: 3 } })
    try {
      const get = (remoteAddress: string, url = `${t.base}/links`) => t.app.server.inject({ method: 'GET', url, headers: { authorization: `Bearer ${TOKEN}` }, remoteAddress })
      for (let i = 0; i < 3; i += 1) assert.equal((await get('10.0.0.1')).statusCode, 200)
      const limited = await get('10.0.0.1')
      assert.equal(limited.statusCode, 429)
      assert.ok(Number(limited.headers['retry-after']) >= 1)
      assert.equal(JSON.parse(limited.body).error_code, 42901)
      assert.equal((await get('10.0.0.2')).statusCode, 200, 'another client has its own budget')
      assert.equal((await get('10.0.0.1', '/healthz')).statusCode, 200)
    } finally {
      await t.app.close()
    }
  })

  test('source network allow-list should refuse links to addresses outside it', async () => {
    const t = await buildTestApp({ api: { sourceNetworks: ['10.0.0.0/8'] } })
    try {
      const outside = await t.request('POST', `${t.base}/links?link_name=n1&validate_link=false`, linkBody({ 'bootstrap.servers': '127.0.0.1:9092' }))
      assert.equal(outside.status, 400)
      assert.match(outside.body, /not in this engine's allowed source networks/)
      const unresolvable = await t.request('POST', `${t.base}/links?link_name=n1&validate_link=false`, linkBody({ 'bootstrap.servers': 'no-such-host.invalid:9092' }))
      assert.equal(unresolvable.status, 400)
      assert.equal((await t.request('POST', `${t.base}/links?link_name=n1&validate_link=false`, linkBody({ 'bootstrap.servers': '10.1.2.3:9092' }))).status, 204)
      const moved = await t.request('POST', `${t.base}/links/n1/configs:alter`, { data: [{ name: 'bootstrap.servers', value: '192.168.0.1:9092' }] })
      assert.equal(moved.status, 400)
      assert.equal(t.store.links.get('n1')?.configs['bootstrap.servers'], '10.1.2.3:9092')
    } finally {
      await t.app.close()
    }
  })
})
