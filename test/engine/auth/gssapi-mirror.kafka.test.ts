// A mirror from a SASL/GSSAPI source: the engine logs in to a real MIT KDC with a keytab named in the link configs, finds
// the KDC through MIT's KRB5_CONFIG, and copies at identical offsets; the keytab path and principal stay link configs.
import assert from 'node:assert/strict'
import { randomUUID } from 'node:crypto'
import { after, before, describe, test } from 'node:test'
import kafkajs, { type Admin } from 'kafkajs'
import { startKafkaCluster, type KafkaCluster } from '../../../cli/local/kafka-cluster.ts'
import { startKerberosKdc, type KerberosKdc } from '../../../cli/local/kerberos-kdc.ts'
import { verifyTopics } from '../../../cli/verify/index.ts'
import { createEngineApp, type EngineApp } from '../../../engine/app.ts'
import { EngineConfigSchema } from '../../../engine/config/index.ts'
import { krb5ConfPathOf } from '../../../engine/kafka/gssapi/index.ts'
import { createLogger } from '../../../engine/logging/index.ts'
import { waitFor } from '../link/fakes.ts'

const { Kafka, logLevel } = kafkajs
const TOKEN = 'gssapi-test-token-0123456789abcdef'

test('krb5ConfPathOf should take the config, then the first KRB5_CONFIG file, then /etc/krb5.conf', () => {
  assert.equal(krb5ConfPathOf('/a/krb5.conf', { KRB5_CONFIG: '/b' }), '/a/krb5.conf')
  assert.equal(krb5ConfPathOf(undefined, { KRB5_CONFIG: '/b/krb5.conf:/c/krb5.conf' }), '/b/krb5.conf')
  assert.equal(krb5ConfPathOf(undefined, {}), '/etc/krb5.conf')
})

describe('engine with a GSSAPI source', { timeout: 600_000 }, () => {
  let kdc: KerberosKdc
  let source: KafkaCluster
  let destination: KafkaCluster
  let app: EngineApp | undefined
  let sourceAdmin: Admin
  let base = ''
  const run = randomUUID().slice(0, 8)
  const previousKrb5Config = process.env['KRB5_CONFIG']

  async function call(method: string, path: string, body?: unknown): Promise<{ status: number; text: string }> {
    const response = await fetch(`${base}${path}`, {
      method, headers: { authorization: `Bearer ${TOKEN}`, ...(body ? { 'content-type': 'application/json' } : {}) },
      ...(body ? { body: JSON.stringify(body) } : {}),
    })
    return { status: response.status, text: await response.text() }
  }

  before(async () => {
    kdc = await startKerberosKdc()
    const brokerKeytab = await kdc.addKeytabPrincipal('kafka/localhost')
    ;[source, destination] = await Promise.all([
      startKafkaCluster({
        name: `gssapi-src-${run}`,
        security: {
          protocol: 'SASL_PLAINTEXT', mechanism: 'GSSAPI', users: {},
          kerberos: { principal: `kafka/localhost@${kdc.realm}`, keytab: brokerKeytab, krb5ConfPath: kdc.krb5ConfPath },
        },
      }),
      startKafkaCluster({ name: `gssapi-dst-${run}` }),
    ])
    process.env['KRB5_CONFIG'] = kdc.krb5ConfPath
    sourceAdmin = new Kafka({ brokers: [source.toolBootstrapServers], logLevel: logLevel.NOTHING }).admin()
    await sourceAdmin.connect()
    const config = EngineConfigSchema.parse({
      destination: { bootstrapServers: [destination.bootstrapServers] },
      listener: { host: '127.0.0.1', port: 0 }, auth: { tokens: [TOKEN] }, credentialsKey: 'gssapi-credentials-key-0123456789ab',
      stateTopic: `_clusterlink-state-${run}`,
    })
    app = await createEngineApp(config, { logger: createLogger({ level: 'warn' }) })
    base = `${await app.server.listen({ host: '127.0.0.1', port: 0 })}/kafka/v3/clusters/${app.clusterId}`
  })

  after(async () => {
    await app?.close().catch(() => undefined)
    await sourceAdmin?.disconnect().catch(() => undefined)
    await Promise.allSettled([source?.stop(), destination?.stop()])
    await kdc?.stop()
    if (previousKrb5Config === undefined) delete process.env['KRB5_CONFIG']
    else process.env['KRB5_CONFIG'] = previousKrb5Config
  })

  test('engine should mirror a GSSAPI source at identical offsets with a keytab login', async () => {
    const engineKeytab = await kdc.addKeytabPrincipal('engine')
    const topic = `orders-${run}`
    await sourceAdmin.createTopics({ topics: [{ topic, numPartitions: 2 }] })
    const producer = new Kafka({ brokers: [source.toolBootstrapServers], logLevel: logLevel.NOTHING }).producer()
    await producer.connect()
    await producer.send({ topic, messages: Array.from({ length: 120 }, (_, i) => ({ partition: i % 2, key: `k${i}`, value: `v${i}` })) })
    await producer.disconnect()
    const { clusterId } = await sourceAdmin.describeCluster()
    const link = await call('POST', '/links?link_name=kerberos', {
      source_cluster_id: clusterId,
      configs: [
        { name: 'bootstrap.servers', value: source.bootstrapServers }, { name: 'security.protocol', value: 'SASL_PLAINTEXT' },
        { name: 'sasl.mechanism', value: 'GSSAPI' }, { name: 'sasl.kerberos.principal', value: `engine@${kdc.realm}` },
        { name: 'sasl.kerberos.keytab.location', value: engineKeytab },
      ],
    })
    assert.equal(link.status, 204, link.text)
    assert.equal((await call('POST', '/links/kerberos/mirrors', { source_topic_name: topic })).status, 204)
    await waitFor(async () => {
      const mirror = JSON.parse((await call('GET', `/links/kerberos/mirrors/${topic}`)).text) as { mirror_lags?: { last_source_fetch_offset: number }[] }
      const lags = mirror.mirror_lags ?? []
      return lags.length === 2 && lags.every((l) => l.last_source_fetch_offset === 60)
    }, 'mirror caught up', 120_000)
    const result = await verifyTopics({ sourceBootstrap: source.toolBootstrapServers, destinationBootstrap: destination.toolBootstrapServers, topic })
    assert.equal(result.identical, true, JSON.stringify(result.firstDifferences))
  })
})
