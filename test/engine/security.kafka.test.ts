// Engine tests with secured clusters: a SASL_SSL/SCRAM source reached with link credentials, and a SASL destination with an
// authorizer where mirror topics are read-only for other principals until promote.
import assert from 'node:assert/strict'
import { randomUUID } from 'node:crypto'
import { Writable } from 'node:stream'
import { after, before, describe, test } from 'node:test'
import kafkajs, { type Admin, type Kafka as KafkaClient } from 'kafkajs'
import { startKafkaCluster, type KafkaCluster } from '../../cli/local/kafka-cluster.ts'
import { createEngineApp, type EngineApp } from '../../engine/app.ts'
import { EngineConfigSchema } from '../../engine/config/index.ts'
import { createLogger } from '../../engine/logging/index.ts'
import { waitFor } from './link/fakes.ts'

const { AclOperationTypes, AclPermissionTypes, AclResourceTypes, Kafka, logLevel, ResourcePatternTypes } = kafkajs
const TOKEN = 'security-token-0123456789abcdef'
const LINK_PASSWORD = 'linker-scram-password-42'
type Json = Record<string, unknown> & { data?: Array<Record<string, unknown>> }

describe('engine with secured clusters', { timeout: 600_000 }, () => {
  let source: KafkaCluster
  let destination: KafkaCluster
  let app: EngineApp | undefined
  let sourceKafka: KafkaClient
  let engineKafka: KafkaClient
  let aliceKafka: KafkaClient
  let destinationAdmin: Admin
  let base = ''
  const logs: string[] = []
  const run = randomUUID().slice(0, 8)
  const topic = `orders-${run}`

  async function call(method: string, path: string, body?: unknown): Promise<{ status: number; json: Json }> {
    const response = await fetch(`${base}${path}`, {
      method, headers: { authorization: `Bearer ${TOKEN}`, ...(body ? { 'content-type': 'application/json' } : {}) },
      ...(body ? { body: JSON.stringify(body) } : {}),
    })
    const text = await response.text()
    return { status: response.status, json: (text ? JSON.parse(text) : {}) as Json }
  }

  async function aliceWrites(): Promise<string> {
    const producer = aliceKafka.producer({ retry: { retries: 0 } })
    await producer.connect()
    try {
      await producer.send({ topic, messages: [{ key: 'alice', value: 'hello' }] })
      return 'ok'
    } catch (error) {
      return String((error as { type?: string }).type ?? (error as Error).message)
    } finally {
      await producer.disconnect()
    }
  }

  before(async () => {
    [source, destination] = await Promise.all([
      startKafkaCluster({ name: `sec-src-${run}`, security: { protocol: 'SASL_SSL', mechanism: 'SCRAM-SHA-256', users: { linker: LINK_PASSWORD } } }),
      startKafkaCluster({ name: `sec-dst-${run}`, security: { protocol: 'SASL_PLAINTEXT', mechanism: 'PLAIN', users: { engine: 'engine-password-1', alice: 'alice-password-1' } }, authorizer: { superUsers: ['engine'] } }),
    ])
    sourceKafka = new Kafka({ brokers: [source.bootstrapServers], logLevel: logLevel.NOTHING, ssl: { ca: [source.caCertificate ?? ''] }, sasl: { mechanism: 'scram-sha-256', username: 'linker', password: LINK_PASSWORD } })
    engineKafka = new Kafka({ brokers: [destination.bootstrapServers], logLevel: logLevel.NOTHING, sasl: { mechanism: 'plain', username: 'engine', password: 'engine-password-1' } })
    aliceKafka = new Kafka({ brokers: [destination.bootstrapServers], logLevel: logLevel.NOTHING, sasl: { mechanism: 'plain', username: 'alice', password: 'alice-password-1' } })
    destinationAdmin = engineKafka.admin()
    await destinationAdmin.connect()
    const sink = new Writable({ write(chunk, _e, done) { logs.push(String(chunk)); done() } })
    const config = EngineConfigSchema.parse({
      destination: { bootstrapServers: [destination.bootstrapServers], sasl: { mechanism: 'PLAIN', username: 'engine', password: 'engine-password-1' } },
      listener: { host: '127.0.0.1', port: 0 }, auth: { tokens: [TOKEN] }, credentialsKey: 'security-credentials-key-0123456789',
      stateTopic: `_clusterlink-state-${run}`,
    })
    app = await createEngineApp(config, { logger: createLogger({ level: 'info', destination: sink }) })
    base = `${await app.server.listen({ host: '127.0.0.1', port: 0 })}/kafka/v3/clusters/${app.clusterId}`
  })

  after(async () => {
    await app?.close().catch(() => undefined)
    await destinationAdmin?.disconnect().catch(() => undefined)
    await Promise.allSettled([source?.stop(), destination?.stop()])
  })

  test('engine should mirror from a SASL_SSL SCRAM source using link credentials and inline PEM', async () => {
    const admin = sourceKafka.admin()
    await admin.connect()
    await admin.createTopics({ topics: [{ topic, numPartitions: 1 }] })
    const { clusterId } = await admin.describeCluster()
    await admin.disconnect()
    const producer = sourceKafka.producer()
    await producer.connect()
    await producer.send({ topic, messages: Array.from({ length: 50 }, (_, i) => ({ key: `k${i}`, value: `v${i}` })) })
    await producer.disconnect()
    const link = await call('POST', '/links?link_name=secure', { source_cluster_id: clusterId, configs: [
      { name: 'bootstrap.servers', value: source.bootstrapServers }, { name: 'security.protocol', value: 'SASL_SSL' },
      { name: 'sasl.mechanism', value: 'SCRAM-SHA-256' },
      { name: 'sasl.jaas.config', value: `org.apache.kafka.common.security.scram.ScramLoginModule required username="linker" password="${LINK_PASSWORD}";` },
      { name: 'ssl.truststore.certificates', value: source.caCertificate ?? '' },
    ] })
    assert.equal(link.status, 204, JSON.stringify(link.json))
    await destinationAdmin.createAcls({ acl: [AclOperationTypes.WRITE, AclOperationTypes.DESCRIBE].map((operation) => ({
      resourceType: AclResourceTypes.TOPIC, resourceName: 'orders-', resourcePatternType: ResourcePatternTypes.PREFIXED,
      principal: 'User:alice', host: '*', operation, permissionType: AclPermissionTypes.ALLOW,
    })) })
    assert.equal((await call('POST', '/links/secure/mirrors', { source_topic_name: topic })).status, 204)
    await waitFor(async () => {
      const lags = ((await call('GET', `/links/secure/mirrors/${topic}`)).json['mirror_lags'] as Array<{ last_source_fetch_offset: number }> | undefined) ?? []
      return lags[0]?.last_source_fetch_offset === 50
    }, 'mirror caught up', 120_000)
    assert.ok(!logs.join('').includes(LINK_PASSWORD), 'link password in the logs')
  })

  test('engine should deny writes to the mirror topic for other principals until promote', async () => {
    await waitFor(async () => {
      const acls = await destinationAdmin.describeAcls({
        resourceType: AclResourceTypes.TOPIC, resourceName: topic, resourcePatternType: ResourcePatternTypes.LITERAL,
        operation: AclOperationTypes.WRITE, permissionType: AclPermissionTypes.DENY,
      })
      return acls.resources.some((r) => r.acls.some((a) => a.principal === 'User:alice'))
    }, 'DENY WRITE for alice', 60_000)
    assert.match(await aliceWrites(), /TOPIC_AUTHORIZATION_FAILED/)
    const promote = await call('POST', '/links/secure/mirrors:promote', { mirror_topic_names: [topic] })
    assert.equal(promote.json.data?.[0]?.['error_code'], null)
    await waitFor(async () => (await call('GET', `/links/secure/mirrors/${topic}`)).json['mirror_status'] === 'STOPPED', 'STOPPED', 60_000)
    assert.equal(await aliceWrites(), 'ok')
  })
})
