// ACL sync against two real clusters with the StandardAuthorizer: copies selected source ACLs, keeps the destination's own, removes
// its copies when the source drops them; a principal allowed on the source reads the mirror topic on the destination.
import assert from 'node:assert/strict'
import { randomUUID } from 'node:crypto'
import { after, before, describe, test } from 'node:test'
import kafkajs, { type Admin, type Kafka as KafkaClient } from 'kafkajs'
import { startKafkaClusters, type KafkaCluster } from '../../../cli/local/kafka-cluster.ts'
import { createEngineApp, type EngineApp } from '../../../engine/app.ts'
import { EngineConfigSchema } from '../../../engine/config/index.ts'
import { createLogger } from '../../../engine/logging/index.ts'
import { waitFor } from './fakes.ts'

const { AclOperationTypes, AclPermissionTypes, AclResourceTypes, Kafka, logLevel, ResourcePatternTypes } = kafkajs
const run = randomUUID().slice(0, 8)
const TOKEN = `acl-sync-token-${run}-0123456789`
const PASSWORD = `pw-${run}`
const [linker, engine, alice, bob, ops] = ['linker', 'engine', 'alice', 'bob', 'ops']
  .map((u) => `${u}${run}`) as [string, string, string, string, string]
const topic = `orders-${run}`
const secretTopic = `secret-${run}`
const group = `grp-${run}`
type Json = Record<string, unknown> & { data?: Array<Record<string, unknown>> }
interface Entry { type: number; name: string; principal: string; operation: number }

const entry = (type: number, name: string, principal: string, operation: number): Entry =>
  ({ type, name, principal: `User:${principal}`, operation })
const toAcl = (e: Entry) => ({
  resourceType: e.type, resourceName: e.name, resourcePatternType: ResourcePatternTypes.LITERAL,
  principal: e.principal, host: '*', operation: e.operation, permissionType: AclPermissionTypes.ALLOW,
})
const keyOf = (e: Entry) => `${e.type}|${e.name}|${e.principal}|${e.operation}`

async function aclKeys(admin: Admin): Promise<Set<string>> {
  const { resources } = await admin.describeAcls({
    resourceType: AclResourceTypes.ANY, resourcePatternType: ResourcePatternTypes.ANY,
    operation: AclOperationTypes.ANY, permissionType: AclPermissionTypes.ANY,
  })
  return new Set(resources.flatMap((r) => r.acls.filter((a) => a.permissionType === AclPermissionTypes.ALLOW)
    .map((a) => keyOf({ type: r.resourceType, name: r.resourceName, principal: a.principal, operation: a.operation }))))
}

describe('ACL sync with real clusters', { timeout: 600_000 }, () => {
  let source: KafkaCluster
  let destination: KafkaCluster
  let app: EngineApp | undefined
  let sourceAdmin: Admin
  let destinationAdmin: Admin
  let aliceOnDestination: KafkaClient
  let base = ''
  // Selected by the filters (topic orders-*, group grp-*): alice may read the topic and the group.
  const aliceTopic = entry(AclResourceTypes.TOPIC, topic, alice, AclOperationTypes.READ)
  const aliceGroup = entry(AclResourceTypes.GROUP, group, alice, AclOperationTypes.READ)
  // Not selected: another topic.
  const bobSecret = entry(AclResourceTypes.TOPIC, secretTopic, bob, AclOperationTypes.READ)
  // On both clusters before the link: the destination's own, never deleted by the link.
  const opsTopic = entry(AclResourceTypes.TOPIC, topic, ops, AclOperationTypes.DESCRIBE)
  // Only on the destination, made by hand.
  const opsGroup = entry(AclResourceTypes.GROUP, group, ops, AclOperationTypes.DESCRIBE)

  async function call(method: string, path: string, body?: unknown): Promise<{ status: number; json: Json }> {
    const response = await fetch(`${base}${path}`, {
      method, headers: { authorization: `Bearer ${TOKEN}`, ...(body ? { 'content-type': 'application/json' } : {}) },
      ...(body ? { body: JSON.stringify(body) } : {}),
    })
    const text = await response.text()
    return { status: response.status, json: (text ? JSON.parse(text) : {}) as Json }
  }

  const linkConfigs = (filters: string) => [
    { name: 'bootstrap.servers', value: source.bootstrapServers }, { name: 'security.protocol', value: 'SASL_PLAINTEXT' },
    { name: 'sasl.mechanism', value: 'PLAIN' },
    {
      name: 'sasl.jaas.config',
      value: `org.apache.kafka.common.security.plain.PlainLoginModule required username="${linker}" password="${PASSWORD}";`,
    },
    { name: 'acl.sync.enable', value: 'true' }, { name: 'acl.sync.ms', value: '1000' }, { name: 'acl.filters', value: filters },
  ]

  before(async () => {
    const users = Object.fromEntries([linker, engine, alice, bob, ops].map((u) => [u, PASSWORD]))
    const security = { protocol: 'SASL_PLAINTEXT', mechanism: 'PLAIN', users } as const
    ;[source, destination] = await Promise.all([
      startKafkaClusters(1, { name: `acl-src-${run}`, security, authorizer: { superUsers: [linker] } }).then(([c]) => c as KafkaCluster),
      startKafkaClusters(1, { name: `acl-dst-${run}`, security, authorizer: { superUsers: [engine] } }).then(([c]) => c as KafkaCluster),
    ])
    const client = (cluster: KafkaCluster, username: string) => new Kafka({
      brokers: [cluster.bootstrapServers], logLevel: logLevel.NOTHING, sasl: { mechanism: 'plain', username, password: PASSWORD },
    })
    sourceAdmin = client(source, linker).admin()
    destinationAdmin = client(destination, engine).admin()
    aliceOnDestination = client(destination, alice)
    await Promise.all([sourceAdmin.connect(), destinationAdmin.connect()])
    const config = EngineConfigSchema.parse({
      destination: { bootstrapServers: [destination.bootstrapServers], sasl: { mechanism: 'PLAIN', username: engine, password: PASSWORD } },
      listener: { host: '127.0.0.1', port: 0 }, auth: { tokens: [TOKEN] }, credentialsKey: `acl-sync-credentials-key-${run}`,
      stateTopic: `_clusterlink-state-${run}`,
    })
    app = await createEngineApp(config, { logger: createLogger({ level: 'silent' }) })
    base = `${await app.server.listen({ host: '127.0.0.1', port: 0 })}/kafka/v3/clusters/${app.clusterId}`
  })

  after(async () => {
    await app?.close().catch(() => undefined)
    await Promise.allSettled([sourceAdmin?.disconnect(), destinationAdmin?.disconnect()])
    await Promise.allSettled([source?.stop(), destination?.stop()])
  })

  test('ACL sync link configs should refuse acl.filters JSON that does not parse with a 400 and change nothing', async () => {
    const refused = await call('POST', `/links?link_name=bad-acl-${run}`, { configs: linkConfigs('{"aclFilters": [') })
    assert.equal(refused.status, 400)
    assert.match(String(refused.json['message']), /acl\.filters: is not JSON/)
    assert.equal((await call('GET', `/links/bad-acl-${run}`)).status, 404, 'a refused create leaves nothing behind')
  })

  test('ACL sync should let a principal allowed on the source read its mirror on the destination, skipping filtered-out ACLs', async () => {
    await sourceAdmin.createTopics({ topics: [{ topic, numPartitions: 1 }, { topic: secretTopic, numPartitions: 1 }] })
    await sourceAdmin.createAcls({ acl: [aliceTopic, aliceGroup, bobSecret, opsTopic].map(toAcl) })
    await destinationAdmin.createAcls({ acl: [opsTopic, opsGroup].map(toAcl) })
    const sasl = { mechanism: 'plain', username: linker, password: PASSWORD } as const
    const producer = new Kafka({ brokers: [source.bootstrapServers], logLevel: logLevel.NOTHING, sasl }).producer()
    await producer.connect()
    await producer.send({ topic, messages: Array.from({ length: 10 }, (_, i) => ({ key: `k${i}`, value: `v${i}` })) })
    await producer.disconnect()
    const filters = JSON.stringify({ aclFilters: [
      { resourceFilter: { resourceType: 'TOPIC', name: topic, patternType: 'MATCH' },
        accessFilter: { operation: 'ANY', permissionType: 'ANY' } },
      { resourceFilter: { resourceType: 'group', name: group, patternType: 'literal' },
        accessFilter: { operation: 'any', permissionType: 'any' } },
    ] })
    const created = await call('POST', `/links?link_name=acl-${run}`, { configs: linkConfigs(filters) })
    assert.equal(created.status, 204, JSON.stringify(created.json))
    const badFilters = '{"aclFilters":[{"resourceFilter":{}}]}'
    const bad = await call('PUT', `/links/acl-${run}/configs:alter`, { data: [{ name: 'acl.filters', value: badFilters }] })
    assert.equal(bad.status, 400, 'a filter that does not fit the shape is refused on alter too')
    assert.equal((await call('GET', `/links/acl-${run}/configs/acl.filters`)).json['value'], filters, 'nothing changed')
    assert.equal((await call('POST', `/links/acl-${run}/mirrors`, { source_topic_name: topic })).status, 204)
    await waitFor(async () => {
      const keys = await aclKeys(destinationAdmin)
      return keys.has(keyOf(aliceTopic)) && keys.has(keyOf(aliceGroup))
    }, 'alice ACLs copied', 120_000)
    assert.ok(!(await aclKeys(destinationAdmin)).has(keyOf(bobSecret)), 'the filtered-out ACL is not copied')
    await waitFor(async () => {
      const mirror = (await call('GET', `/links/acl-${run}/mirrors/${topic}`)).json
      const lags = mirror['mirror_lags'] as Array<{ last_source_fetch_offset: number }> | undefined
      return lags?.[0]?.last_source_fetch_offset === 10
    }, 'mirror caught up', 120_000)
    const consumer = aliceOnDestination.consumer({ groupId: group })
    const read: string[] = []
    await consumer.connect()
    try {
      await consumer.subscribe({ topic, fromBeginning: true })
      await consumer.run({ eachMessage: async ({ message }) => { read.push(String(message.value)) } })
      await waitFor(() => read.length >= 10, 'alice read the mirror topic on the destination', 120_000)
    } finally {
      await consumer.disconnect()
    }
    assert.deepEqual(read.slice(0, 10), Array.from({ length: 10 }, (_, i) => `v${i}`))
  })

  test('ACL sync should remove its copy when the source drops an ACL and never delete the destination\'s own', async () => {
    await sourceAdmin.deleteAcls({ filters: [aliceTopic, opsTopic].map(toAcl) })
    await waitFor(async () => !(await aclKeys(destinationAdmin)).has(keyOf(aliceTopic)), 'copy of the dropped ACL removed', 120_000)
    // A later run could still delete a foreign ACL: wait for one more full run after the removal before checking.
    const metricsUrl = `${base.replace(/\/kafka.*$/, '')}/metrics`
    const metricsText = async () => (await fetch(metricsUrl, { headers: { authorization: `Bearer ${TOKEN}` } })).text()
    const runsLine = /clusterlink_link_job_runs_total\{[^}]*job="AclSync"[^}]*\} (\d+)/
    const runs = async () => Number(runsLine.exec(await metricsText())?.[1] ?? 0)
    const seen = await runs()
    await waitFor(async () => (await runs()) >= seen + 2, 'two more ACL sync runs', 60_000)
    const keys = await aclKeys(destinationAdmin)
    assert.ok(keys.has(keyOf(opsTopic)), 'a destination ACL that the source also had, then dropped, stays')
    assert.ok(keys.has(keyOf(opsGroup)), 'a destination-only ACL stays')
    assert.ok(keys.has(keyOf(aliceGroup)), 'a copy still on the source stays')
    const link = await call('GET', `/links/acl-${run}?include_tasks=true`)
    const task = (link.json['tasks'] as Array<{ task_name: string; state: string }> | undefined)?.find((t) => t.task_name === 'AclSync')
    assert.equal(task?.state, 'ACTIVE')
  })
})
