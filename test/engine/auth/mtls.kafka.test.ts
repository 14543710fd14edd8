// Engine tests with a TLS source that requires client certificates (mTLS with inline PEM in the link configs) and whose
// certificate names another host than the one the engine dials: ssl.endpoint.identification.algorithm decides. A link
// syncs consumer offsets through it, and a client certificate of a CA the brokers do not trust gives a link error.
import assert from 'node:assert/strict'
import { randomUUID } from 'node:crypto'
import { writeFile, mkdtemp } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, before, describe, test } from 'node:test'
import type { Admin } from 'kafkajs'
import { startKafkaCluster, type KafkaCluster } from '../../../cli/local/kafka-cluster.ts'
import { waitFor } from '../link/fakes.ts'
import {
  clientCertificate, clusterIdOf, createTopicWithRecords, startTestEngine, toolAdmin, verifyMirror, waitForMirrorCaughtUp, type Json,
  type LinkConfig, type TestEngine,
} from './auth-harness.ts'

const LINK_PASSWORD = 'mtls-linker-password-7'

describe('engine with an mTLS source whose certificate names another host', { timeout: 600_000 }, () => {
  let source: KafkaCluster
  let destination: KafkaCluster
  let engine: TestEngine | undefined
  let client: { ca: string; chain: string; key: string }
  let destinationAdmin: Admin
  const run = randomUUID().slice(0, 8)
  const call = (method: string, path: string, body?: unknown) => engine!.call(method, path, body)

  type Options = { verifyHostname: boolean; withClientCertificate: boolean; certificate?: { chain: string; key: string } }
  const linkConfigs = (options: Options, extra: LinkConfig[] = []): LinkConfig[] => [
    { name: 'bootstrap.servers', value: source.bootstrapServers }, { name: 'security.protocol', value: 'SASL_SSL' },
    { name: 'sasl.mechanism', value: 'PLAIN' },
    {
      name: 'sasl.jaas.config',
      value: `org.apache.kafka.common.security.plain.PlainLoginModule required username="linker" password="${LINK_PASSWORD}";`,
    },
    { name: 'ssl.truststore.certificates', value: source.caCertificate ?? '' },
    ...(options.verifyHostname ? [] : [{ name: 'ssl.endpoint.identification.algorithm', value: '' }]),
    ...(options.withClientCertificate
      ? [
        { name: 'ssl.keystore.certificate.chain', value: (options.certificate ?? client).chain },
        { name: 'ssl.keystore.key', value: (options.certificate ?? client).key },
      ]
      : []),
    ...extra,
  ]

  before(async () => {
    client = clientCertificate()
    const dir = await mkdtemp(join(tmpdir(), 'mtls-'))
    const clientCaFile = join(dir, 'client-ca.pem')
    await writeFile(clientCaFile, client.ca)
    ;[source, destination] = await Promise.all([
      startKafkaCluster({
        name: `mtls-src-${run}`,
        // The brokers' certificate names only kafka.invalid, never 127.0.0.1 (the address they advertise and the engine dials).
        security: {
          protocol: 'SASL_SSL', mechanism: 'PLAIN', users: { linker: LINK_PASSWORD }, tlsAltNames: { dns: ['kafka.invalid'], ips: [] },
        },
        // KIP-684: a SASL_SSL listener asks for client certificates only with the listener-prefixed ssl.client.auth.
        brokerConfig: { 'listener.name.sasl_ssl.ssl.client.auth': 'required', 'ssl.truststore.location': clientCaFile },
      }),
      startKafkaCluster({ name: `mtls-dst-${run}` }),
    ])
    engine = await startTestEngine({ run, destination: { bootstrapServers: [destination.bootstrapServers] } })
    destinationAdmin = await toolAdmin(destination)
  })

  after(async () => {
    await engine?.close().catch(() => undefined)
    await destinationAdmin?.disconnect().catch(() => undefined)
    await Promise.allSettled([source?.stop(), destination?.stop()])
  })

  test('engine should refuse a source whose certificate does not name the dialed host while host name verification is on', async () => {
    const clusterId = await clusterIdOf(source)
    const configs = linkConfigs({ verifyHostname: true, withClientCertificate: true })
    const validated = await call('POST', '/links?link_name=verified', { source_cluster_id: clusterId, configs })
    assert.equal(validated.status, 400, validated.text)
    const link = await call('POST', '/links?link_name=verified&validate_link=false', { source_cluster_id: clusterId, configs: linkConfigs(
      { verifyHostname: true, withClientCertificate: true },
      [{ name: 'availability.check.ms', value: '500' }, { name: 'availability.check.consecutive.failure.threshold', value: '1' }],
    ) })
    assert.equal(link.status, 204, link.text)
    let described: Json = {}
    await waitFor(async () => {
      described = (await call('GET', '/links/verified')).json
      return described['link_state'] === 'UNAVAILABLE'
    }, 'link UNAVAILABLE', 60_000)
    assert.match(String(described['link_error_message']), /TLS certificate does not name the host the engine dialed/)
  })

  test('engine should mirror from the mTLS source with host name verification off, at identical offsets, and sync offsets', async () => {
    const topic = `orders-${run}`
    const group = `billing-${run}`
    await createTopicWithRecords(source, topic, 1, 60)
    // The group commits on the source through its PLAINTEXT tool listener; the engine reads it through the mTLS link.
    const sourceAdmin = await toolAdmin(source)
    try {
      await sourceAdmin.setOffsets({ groupId: group, topic, partitions: [{ partition: 0, offset: '23' }] })
    } finally {
      await sourceAdmin.disconnect()
    }
    const clusterId = await clusterIdOf(source)
    const groupFilters = [{ name: group, patternType: 'LITERAL', filterType: 'INCLUDE' }]
    const configs = linkConfigs({ verifyHostname: false, withClientCertificate: true }, [
      { name: 'consumer.offset.sync.enable', value: 'true' }, { name: 'consumer.offset.sync.ms', value: '1000' },
      { name: 'consumer.offset.group.filters', value: JSON.stringify({ groupFilters }) },
    ])
    const link = await call('POST', '/links?link_name=mtls', { source_cluster_id: clusterId, configs })
    assert.equal(link.status, 204, link.text)
    assert.equal((await call('POST', '/links/mtls/mirrors', { source_topic_name: topic })).status, 204)
    await waitForMirrorCaughtUp(engine!, 'mtls', topic, 1, 60)
    const result = await verifyMirror(source, destination, topic)
    assert.equal(result.identical, true, JSON.stringify(result.firstDifferences))
    await waitFor(async () => {
      const offsets = await destinationAdmin.fetchOffsets({ groupId: group, topics: [topic] })
      return offsets[0]?.partitions.find((p) => p.partition === 0)?.offset === '23'
    }, 'group offset synced to the destination', 60_000)
    const answer = (await call('GET', '/links/mtls/configs')).text
    const privateKeyBody = client.key.split('\n')[1] ?? client.key
    assert.ok(!answer.includes(privateKeyBody) && !engine!.logs.join('').includes(privateKeyBody), 'the client private key leaked')
  })

  test('engine should show a link whose client certificate the source does not trust as a link error, not retry silently', async () => {
    const clusterId = await clusterIdOf(source)
    // Signed by another CA than the one in the brokers' truststore.
    const foreign = clientCertificate()
    const options = { verifyHostname: false, withClientCertificate: true, certificate: foreign }
    const refused = await call('POST', '/links?link_name=foreign', { source_cluster_id: clusterId, configs: linkConfigs(options) })
    // Validation gives one answer for every connection failure (engine/link/source-probe.ts: not a port scanner).
    assert.equal(refused.status, 400, refused.text)
    assert.match(String(refused.json['message']), /with the given security configs/)
    const configs = linkConfigs(options, [
      { name: 'availability.check.ms', value: '500' }, { name: 'availability.check.consecutive.failure.threshold', value: '1' },
    ])
    const link = await call('POST', '/links?link_name=foreign&validate_link=false', { source_cluster_id: clusterId, configs })
    assert.equal(link.status, 204, link.text)
    let described: Json = {}
    await waitFor(async () => {
      described = (await call('GET', '/links/foreign')).json
      return described['link_state'] === 'UNAVAILABLE'
    }, 'link UNAVAILABLE', 60_000)
    assert.equal(described['link_error'], 'AUTHENTICATION_ERROR', JSON.stringify(described))
    assert.match(String(described['link_error_message']), /source broker refused the engine's TLS client certificate/)
    const privateKeyBody = foreign.key.split('\n')[1] ?? foreign.key
    assert.ok(!JSON.stringify(described).includes(privateKeyBody) && !engine!.logs.join('').includes(privateKeyBody), 'the key leaked')
  })
})
