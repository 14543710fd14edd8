// Engine tests with SASL/OAUTHBEARER on both clusters: the engine gets tokens from an OAuth token endpoint (client credentials)
// for the source (link configs) and for the destination (engine config), and brokers re-authenticate sessions (KIP-368).
import assert from 'node:assert/strict'
import { randomUUID } from 'node:crypto'
import { after, before, describe, test } from 'node:test'
import type { Admin } from 'kafkajs'
import { startKafkaCluster, type KafkaCluster } from '../../../cli/local/kafka-cluster.ts'
import { waitFor } from '../link/fakes.ts'
import {
  clusterIdOf, createTopicWithRecords, startTestEngine, toolAdmin, verifyMirror, waitForMirrorCaughtUp, type Json, type LinkConfig,
  type TestEngine,
} from './auth-harness.ts'
import { startTokenEndpoint, type TokenEndpoint } from './token-endpoint.ts'

const SECRETS = { 'clusterlink-engine': 'engine-client-secret-1', 'clusterlink-linker': 'linker-client-secret-1' }
const WRONG_SECRET = 'not-the-linker-secret-9'

describe('engine with OAUTHBEARER clusters', { timeout: 600_000 }, () => {
  let source: KafkaCluster
  let destination: KafkaCluster
  let endpoint: TokenEndpoint
  let engine: TestEngine | undefined
  let sourceAdmin: Admin
  let destinationAdmin: Admin
  const run = randomUUID().slice(0, 8)
  const call = (method: string, path: string, body?: unknown) => engine!.call(method, path, body)
  const logs = () => engine!.logs.join('')

  const linkConfigs = (secret: string, extra: LinkConfig[] = []): LinkConfig[] => [
    { name: 'bootstrap.servers', value: source.bootstrapServers }, { name: 'security.protocol', value: 'SASL_PLAINTEXT' },
    { name: 'sasl.mechanism', value: 'OAUTHBEARER' }, { name: 'sasl.oauthbearer.token.endpoint.url', value: endpoint.url },
    { name: 'sasl.jaas.config', value: 'org.apache.kafka.common.security.oauthbearer.OAuthBearerLoginModule required '
      + `clientId="clusterlink-linker" clientSecret="${secret}";` },
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
    ;[sourceAdmin, destinationAdmin] = await Promise.all([toolAdmin(source), toolAdmin(destination)])
    engine = await startTestEngine({
      run,
      destination: {
        bootstrapServers: [destination.bootstrapServers],
        sasl: {
          mechanism: 'OAUTHBEARER',
          oauthBearer: { tokenEndpointUrl: endpoint.url, clientId: 'clusterlink-engine', clientSecret: SECRETS['clusterlink-engine'] },
        },
      },
    })
  })

  after(async () => {
    await engine?.close().catch(() => undefined)
    await Promise.allSettled([sourceAdmin?.disconnect(), destinationAdmin?.disconnect()])
    await Promise.allSettled([source?.stop(), destination?.stop(), endpoint?.close()])
  })

  test('engine should mirror an OAUTHBEARER source to an OAUTHBEARER destination at identical offsets and sync offsets', async () => {
    const topic = `orders-${run}`
    const group = `billing-${run}`
    await createTopicWithRecords(source, topic, 2, 200)
    await sourceAdmin.setOffsets({ groupId: group, topic, partitions: [{ partition: 0, offset: '40' }, { partition: 1, offset: '7' }] })
    const clusterId = await clusterIdOf(source)
    const groupFilters = [{ name: group, patternType: 'LITERAL', filterType: 'INCLUDE' }]
    const configs = linkConfigs(SECRETS['clusterlink-linker'], [
      { name: 'consumer.offset.sync.enable', value: 'true' }, { name: 'consumer.offset.sync.ms', value: '1000' },
      { name: 'consumer.offset.group.filters', value: JSON.stringify({ groupFilters }) },
    ])
    const link = await call('POST', '/links?link_name=oauth', { source_cluster_id: clusterId, configs })
    assert.equal(link.status, 204, link.text)
    assert.equal((await call('POST', '/links/oauth/mirrors', { source_topic_name: topic })).status, 204)
    await waitForMirrorCaughtUp(engine!, 'oauth', topic, 2, 100)
    const result = await verifyMirror(source, destination, topic)
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
      assert.ok(!logs().includes(secret), 'a client secret or token in the logs')
      assert.ok(!answers.includes(secret), 'a client secret or token in a REST answer')
    }
  })

  test('engine should show a link with a wrong client secret as an authentication error, not retry silently', async () => {
    const clusterId = await clusterIdOf(source)
    const refused = await call('POST', '/links?link_name=oauth-refused', {
      source_cluster_id: clusterId, configs: linkConfigs(WRONG_SECRET),
    })
    assert.equal(refused.status, 400, refused.text)
    const configs = linkConfigs(WRONG_SECRET, [
      { name: 'availability.check.ms', value: '500' }, { name: 'availability.check.consecutive.failure.threshold', value: '1' },
    ])
    const link = await call('POST', '/links?link_name=oauth-wrong&validate_link=false', { source_cluster_id: clusterId, configs })
    assert.equal(link.status, 204, link.text)
    let described: Json = {}
    await waitFor(async () => {
      described = (await call('GET', '/links/oauth-wrong')).json
      return described['link_error'] === 'AUTHENTICATION_ERROR' && described['link_state'] === 'UNAVAILABLE'
    }, 'link UNAVAILABLE with AUTHENTICATION_ERROR', 60_000)
    assert.match(String(described['link_error_message']),
      /token endpoint .* refused the client credentials of client 'clusterlink-linker' \(HTTP 401 invalid_client\)/)
    assert.ok(!JSON.stringify(described).includes(WRONG_SECRET) && !logs().includes(WRONG_SECRET), 'the wrong secret leaked')
  })
})
