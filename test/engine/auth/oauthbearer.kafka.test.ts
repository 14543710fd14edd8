// Engine tests with SASL/OAUTHBEARER on both clusters: the engine gets tokens from an OAuth token endpoint (client credentials)
// for the source (link configs) and for the destination (engine config), and brokers re-authenticate sessions (KIP-368).
import assert from 'node:assert/strict'
import { randomUUID } from 'node:crypto'
import { Writable } from 'node:stream'
import { after, before, describe, test } from 'node:test'
import kafkajs, { type Admin } from 'kafkajs'
import { startKafkaCluster, type KafkaCluster } from '../../../cli/local/kafka-cluster.ts'
import { verifyTopics } from '../../../cli/verify/index.ts'
import { createEngineApp, type EngineApp } from '../../../engine/app.ts'
import { EngineConfigSchema } from '../../../engine/config/index.ts'
import { createLogger } from '../../../engine/logging/index.ts'
import { waitFor } from '../link/fakes.ts'
import { startTokenEndpoint, type TokenEndpoint } from './token-endpoint.ts'

const { Kafka, logLevel } = kafkajs
const TOKEN = 'oauth-test-token-0123456789abcdef'
const SECRETS = { 'clusterlink-engine': 'engine-client-secret-1', 'clusterlink-linker': 'linker-client-secret-1' }
const WRONG_SECRET = 'not-the-linker-secret-9'
type Json = Record<string, unknown> & { data?: Array<Record<string, unknown>> }

describe('engine with OAUTHBEARER clusters', { timeout: 600_000 }, () => {
  let source: KafkaCluster
  let destination: KafkaCluster
  let endpoint: TokenEndpoint
  let app: EngineApp | undefined
  let sourceAdmin: Admin
  let destinationAdmin: Admin
  let base = ''
  const logs: string[] = []
  const run = randomUUID().slice(0, 8)

  async function call(method: string, path: string, body?: unknown): Promise<{ status: number; json: Json; text: string }> {
    const response = await fetch(`${base}${path}`, {
      method, headers: { authorization: `Bearer ${TOKEN}`, ...(body ? { 'content-type': 'application/json' } : {}) },
      ...(body ? { body: JSON.stringify(body) } : {}),
    })
    const text = await response.text()
    return { status: response.status, json: (text ? JSON.parse(text) : {}) as Json, text }
  }

  const linkConfigs = (secret: string, extra: Array<{ name: string; value: string }> = []) => [
    { name: 'bootstrap.servers', value: source.bootstrapServers }, { name: 'security.protocol', value: 'SASL_PLAINTEXT' },
    { name: 'sasl.mechanism', value: 'OAUTHBEARER' }, { name: 'sasl.oauthbearer.token.endpoint.url', value: endpoint.url },
    { name: 'sasl.jaas.config', value: `org.apache.kafka.common.security.oauthbearer.OAuthBearerLoginModule required clientId="clusterlink-linker" clientSecret="${secret}";` },
    ...extra,
  ]

  before(async () => {
    // Tokens live 20 s and brokers cut sessions after 8 s: the engine re-authenticates and refreshes tokens while it copies.
    endpoint = await startTokenEndpoint(SECRETS, 20)
    const security = { protocol: 'SASL_PLAINTEXT', mechanism: 'OAUTHBEARER', users: {} } as const
    const brokerConfig = { 'connections.max.reauth.ms': 8_000 }
    ;[source, destination] = await Promise.all([
      startKafkaCluster({ name: `oauth-src-${run}`, security, brokerConfig }),
      startKafkaCluster({ name: `oauth-dst-${run}`, security, brokerConfig }),
    ])
    // The harness tools' PLAINTEXT listeners: the independent side of the test (kafkajs) needs no token.
    sourceAdmin = new Kafka({ brokers: [source.toolBootstrapServers], logLevel: logLevel.NOTHING }).admin()
    destinationAdmin = new Kafka({ brokers: [destination.toolBootstrapServers], logLevel: logLevel.NOTHING }).admin()
    await Promise.all([sourceAdmin.connect(), destinationAdmin.connect()])
    const sink = new Writable({ write(chunk, _e, done) { logs.push(String(chunk)); done() } })
    const config = EngineConfigSchema.parse({
      destination: {
        bootstrapServers: [destination.bootstrapServers],
        sasl: { mechanism: 'OAUTHBEARER', oauthBearer: { tokenEndpointUrl: endpoint.url, clientId: 'clusterlink-engine', clientSecret: SECRETS['clusterlink-engine'] } },
      },
      listener: { host: '127.0.0.1', port: 0 }, auth: { tokens: [TOKEN] }, credentialsKey: 'oauth-credentials-key-0123456789ab',
      stateTopic: `_clusterlink-state-${run}`,
    })
    app = await createEngineApp(config, { logger: createLogger({ level: 'info', destination: sink }) })
    base = `${await app.server.listen({ host: '127.0.0.1', port: 0 })}/kafka/v3/clusters/${app.clusterId}`
  })

  after(async () => {
    await app?.close().catch(() => undefined)
    await Promise.allSettled([sourceAdmin?.disconnect(), destinationAdmin?.disconnect()])
    await Promise.allSettled([source?.stop(), destination?.stop(), endpoint?.close()])
  })

  test('engine should mirror an OAUTHBEARER source to an OAUTHBEARER destination at identical offsets and sync offsets', async () => {
    const topic = `orders-${run}`
    const group = `billing-${run}`
    await sourceAdmin.createTopics({ topics: [{ topic, numPartitions: 2 }] })
    const producer = new Kafka({ brokers: [source.toolBootstrapServers], logLevel: logLevel.NOTHING }).producer()
    await producer.connect()
    for (let i = 0; i < 4; i += 1) {
      await producer.send({ topic, messages: Array.from({ length: 50 }, (_, j) => ({ partition: j % 2, key: `k${i}-${j}`, value: `v${i}-${j}` })) })
    }
    await producer.disconnect()
    await sourceAdmin.setOffsets({ groupId: group, topic, partitions: [{ partition: 0, offset: '40' }, { partition: 1, offset: '7' }] })
    const { clusterId } = await sourceAdmin.describeCluster()
    const link = await call('POST', '/links?link_name=oauth', { source_cluster_id: clusterId, configs: linkConfigs(SECRETS['clusterlink-linker'], [
      { name: 'consumer.offset.sync.enable', value: 'true' }, { name: 'consumer.offset.sync.ms', value: '1000' },
      { name: 'consumer.offset.group.filters', value: JSON.stringify({ groupFilters: [{ name: group, patternType: 'LITERAL', filterType: 'INCLUDE' }] }) },
    ]) })
    assert.equal(link.status, 204, link.text)
    assert.equal((await call('POST', '/links/oauth/mirrors', { source_topic_name: topic })).status, 204)
    await waitFor(async () => {
      const lags = ((await call('GET', `/links/oauth/mirrors/${topic}`)).json['mirror_lags'] as Array<{ lag: number; last_source_fetch_offset: number }> | undefined) ?? []
      return lags.length === 2 && lags.every((l) => l.last_source_fetch_offset === 100)
    }, 'mirror caught up', 120_000)
    const result = await verifyTopics({ sourceBootstrap: source.toolBootstrapServers, destinationBootstrap: destination.toolBootstrapServers, topic })
    assert.equal(result.identical, true, JSON.stringify(result.firstDifferences))
    await waitFor(async () => {
      const offsets = await destinationAdmin.fetchOffsets({ groupId: group, topics: [topic] })
      const byPartition = new Map(offsets[0]?.partitions.map((p) => [p.partition, p.offset]))
      return byPartition.get(0) === '40' && byPartition.get(1) === '7'
    }, 'group offsets synced to the destination', 60_000)
    // Both identities got tokens from the endpoint; no client secret and no token reached the logs or a REST answer.
    assert.ok((endpoint.issued.get('clusterlink-engine') ?? 0) > 0 && (endpoint.issued.get('clusterlink-linker') ?? 0) > 0)
    const answers = (await call('GET', '/links/oauth/configs')).text + (await call('GET', '/links')).text
    for (const secret of [...Object.values(SECRETS), ...endpoint.tokens]) {
      assert.ok(!logs.join('').includes(secret), 'a client secret or token in the logs')
      assert.ok(!answers.includes(secret), 'a client secret or token in a REST answer')
    }
  })

  test('engine should show a link with a wrong client secret as an authentication error, not retry silently', async () => {
    const { clusterId } = await sourceAdmin.describeCluster()
    const refused = await call('POST', '/links?link_name=oauth-refused', { source_cluster_id: clusterId, configs: linkConfigs(WRONG_SECRET) })
    assert.equal(refused.status, 400, refused.text)
    const link = await call('POST', '/links?link_name=oauth-wrong&validate_link=false', { source_cluster_id: clusterId, configs: linkConfigs(WRONG_SECRET, [
      { name: 'availability.check.ms', value: '500' }, { name: 'availability.check.consecutive.failure.threshold', value: '1' },
    ]) })
    assert.equal(link.status, 204, link.text)
    let described: Json = {}
    await waitFor(async () => {
      described = (await call('GET', '/links/oauth-wrong')).json
      return described['link_error'] === 'AUTHENTICATION_ERROR' && described['link_state'] === 'UNAVAILABLE'
    }, 'link UNAVAILABLE with AUTHENTICATION_ERROR', 60_000)
    assert.match(String(described['link_error_message']), /token endpoint .* refused the client credentials of client 'clusterlink-linker' \(HTTP 401 invalid_client\)/)
    assert.ok(!JSON.stringify(described).includes(WRONG_SECRET) && !logs.join('').includes(WRONG_SECRET), 'the wrong secret leaked')
  })
})
