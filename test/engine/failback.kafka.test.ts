// Failback on real brokers through REST: reverse-and-start/pause, truncate-and-restore (the DR drill), and refusals that change nothing.
import assert from 'node:assert/strict'
import { randomUUID } from 'node:crypto'
import { after, before, describe, test } from 'node:test'
import { Kafka, logLevel, type Admin } from 'kafkajs'
import { startLocalStack, type LocalStack } from '../../cli/local/local-stack.ts'
import { verifyTopics } from '../../cli/verify/index.ts'
import { waitFor } from './link/fakes.ts'

type Json = Record<string, unknown> & { data?: Array<Record<string, unknown>> }

describe('failback', { timeout: 600_000 }, () => {
  let stack: LocalStack
  let primary: Kafka
  let dr: Kafka
  let primaryAdmin: Admin
  let drAdmin: Admin
  const run = randomUUID().slice(0, 8)
  const link = `dr-${run}`

  async function call(method: string, path: string, body?: unknown): Promise<{ status: number; json: Json }> {
    const response = await fetch(`${stack.engine.url}/kafka/v3/clusters/${stack.engine.clusterId}${path}`, {
      method, headers: { authorization: `Bearer ${stack.engine.token}`, ...(body ? { 'content-type': 'application/json' } : {}) },
      ...(body ? { body: JSON.stringify(body) } : {}),
    })
    const text = await response.text()
    return { status: response.status, json: (text ? JSON.parse(text) : {}) as Json }
  }

  async function act(action: string, topic: string, query = ''): Promise<Record<string, unknown>> {
    const res = await call('POST', `/links/${link}/mirrors:${action}${query}`, { mirror_topic_names: [topic] })
    assert.equal(res.status, 200, JSON.stringify(res.json))
    return res.json.data![0]!
  }

  /** Confluent answers success with error_code null (this engine once sent 0). */
  const succeeded = (result: Record<string, unknown>) => result.error_code === null || result.error_code === 0

  const mirror = async (topic: string) => (await call('GET', `/links/${link}/mirrors/${topic}`)).json

  async function produce(kafka: Kafka, topic: string, from: number, count: number): Promise<void> {
    const producer = kafka.producer()
    await producer.connect()
    await producer.send({ topic, messages: Array.from({ length: count }, (_, i) => ({ key: `k${(from + i) % 5}`, value: `v${from + i}` })) })
    await producer.disconnect()
  }

  async function endOffsets(admin: Admin, topic: string): Promise<number[]> {
    const offsets = await admin.fetchTopicOffsets(topic)
    return offsets.sort((a, b) => a.partition - b.partition).map((o) => Number(o.high))
  }

  async function copiedRecords(topic: string): Promise<number> {
    const text = await (await fetch(`${stack.engine.url}/metrics`, { headers: { authorization: `Bearer ${stack.engine.token}` } })).text()
    const line = text.split('\n').find((l) => l.startsWith('clusterlink_mirror_copied_records_total{') && l.includes(`topic="${topic}"`))
    return line ? Number(line.split(' ').at(-1)) : -1
  }

  /** Creates a mirror of a new 2-partition topic holding `records` records, and waits until it caught up. */
  async function activeMirror(topic: string, records: number): Promise<void> {
    await primaryAdmin.createTopics({ topics: [{ topic, numPartitions: 2 }], waitForLeaders: true })
    await produce(primary, topic, 0, records)
    const created = await call('POST', `/links/${link}/mirrors`, { source_topic_name: topic })
    assert.equal(created.status, 204, JSON.stringify(created.json))
    await waitFor(async () => (await mirror(topic)).mirror_status === 'ACTIVE', `${topic} ACTIVE`, 60_000)
    const expected = await endOffsets(primaryAdmin, topic)
    await waitFor(async () => JSON.stringify(await endOffsets(drAdmin, topic)) === JSON.stringify(expected), `${topic} caught up`, 60_000)
  }

  async function stopped(topic: string): Promise<void> {
    assert.ok(succeeded(await act('failover', topic)))
    await waitFor(async () => (await mirror(topic)).mirror_status === 'STOPPED', `${topic} STOPPED`, 60_000)
  }

  before(async () => {
    // A generous start bound: the brokers share a busy machine; nothing waits longer than it has to.
    stack = await startLocalStack({ clusters: 2, kafka: { readyTimeoutMs: 300_000 }, engineReadyTimeoutMs: 120_000 })
    primary = new Kafka({ clientId: 'failback-test', brokers: [stack.source!.bootstrapServers], logLevel: logLevel.NOTHING })
    dr = new Kafka({ clientId: 'failback-test', brokers: [stack.destination.bootstrapServers], logLevel: logLevel.NOTHING })
    primaryAdmin = primary.admin()
    drAdmin = dr.admin()
    await Promise.all([primaryAdmin.connect(), drAdmin.connect()])
    const created = await call('POST', `/links?link_name=${link}`, { configs: [{ name: 'bootstrap.servers', value: stack.source!.bootstrapServers }] })
    assert.equal(created.status, 204, JSON.stringify(created.json))
  })

  after(async () => {
    await Promise.allSettled([primaryAdmin?.disconnect(), drAdmin?.disconnect()])
    await stack?.stop()
  })

  test('reverse-and-start should refuse a mirror that is not STOPPED, saying what to do, and change nothing', async () => {
    const topic = `live-${run}`
    await activeMirror(topic, 10)
    for (const action of ['reverse-and-start-mirror', 'reverse-and-pause-mirror']) {
      const result = await act(action, topic)
      assert.equal(result.error_code, 409)
      assert.match(String(result.error_message), /only a STOPPED mirror topic can be reversed.*promote it \(or fail it over\) first/)
    }
    const after = await mirror(topic)
    assert.equal(after.mirror_status, 'ACTIVE')
    assert.equal(after.mirror_direction, 'FORWARD')
    await produce(primary, topic, 10, 4)
    const expected = await endOffsets(primaryAdmin, topic)
    await waitFor(async () => JSON.stringify(await endOffsets(drAdmin, topic)) === JSON.stringify(expected), 'still mirroring forward', 60_000)
  })

  test('reverse-and-start should refuse when the old primary holds records the DR topic lacks, and point at truncate-and-restore', async () => {
    const topic = `diverged-${run}`
    await activeMirror(topic, 20)
    await stopped(topic)
    await produce(primary, topic, 20, 6)
    const before = await endOffsets(primaryAdmin, topic)
    const dry = await act('reverse-and-start-mirror', topic, '?validate_only=true')
    assert.equal(dry.error_code, 409)
    const result = await act('reverse-and-start-mirror', topic)
    assert.equal(result.error_code, 409)
    assert.match(String(result.error_message), /truncate-and-restore/)
    const after = await mirror(topic)
    assert.equal(after.mirror_status, 'STOPPED')
    assert.equal(after.mirror_direction, 'FORWARD')
    assert.deepEqual(await endOffsets(primaryAdmin, topic), before, 'nothing was written to the old primary')
  })

  test('reverse-and-start should mirror the DR topic back into the primary from its own end, copying only new records, and reverse again', async () => {
    const topic = `switch-${run}`
    await activeMirror(topic, 40)
    await stopped(topic)
    // After the failover, producers write to the DR topic; the primary still holds exactly what it had.
    await produce(dr, topic, 40, 12)
    const dry = await act('reverse-and-pause-mirror', topic, '?validate_only=true')
    assert.ok(succeeded(dry), String(dry.error_message))
    assert.equal((await mirror(topic)).mirror_status, 'STOPPED', 'validate_only changed nothing')

    const reversed = await act('reverse-and-start-mirror', topic)
    assert.ok(succeeded(reversed), String(reversed.error_message))
    const drEnds = await endOffsets(drAdmin, topic)
    await waitFor(async () => JSON.stringify(await endOffsets(primaryAdmin, topic)) === JSON.stringify(drEnds), 'primary caught up', 60_000)
      .catch(async (error: unknown) => { throw new Error(`${String(error)}: ${JSON.stringify(await mirror(topic))}`) })
    const view = await mirror(topic)
    assert.equal(view.mirror_direction, 'REVERSE')
    assert.equal(view.mirror_status, 'ACTIVE')
    assert.equal(await copiedRecords(topic), 12, 'only the records written to DR after the failover were copied')
    const same = await verifyTopics({
      sourceBootstrap: stack.destination.bootstrapServers, destinationBootstrap: stack.source!.bootstrapServers, topic, timeoutMs: 60_000,
    })
    assert.equal(same.outcome, 'IDENTICAL', JSON.stringify(same.firstDifferences.slice(0, 3)))

    // The planned switchover back: promote the reversed mirror (lag zero), then reverse again; the primary writes again.
    assert.ok(succeeded(await act('promote', topic)))
    await waitFor(async () => (await mirror(topic)).mirror_status === 'STOPPED', 'reversed mirror promoted', 60_000)
    const back = await act('reverse-and-start-mirror', topic)
    assert.ok(succeeded(back), String(back.error_message))
    await produce(primary, topic, 52, 7)
    const primaryEnds = await endOffsets(primaryAdmin, topic)
    await waitFor(async () => JSON.stringify(await endOffsets(drAdmin, topic)) === JSON.stringify(primaryEnds), 'DR caught up again', 60_000)
    const forward = await mirror(topic)
    assert.equal(forward.mirror_direction, 'FORWARD')
    assert.equal(forward.mirror_status, 'ACTIVE')
    assert.equal(await copiedRecords(topic), 7, 'the switchover back copied only the new primary records')
    const again = await verifyTopics({
      sourceBootstrap: stack.source!.bootstrapServers, destinationBootstrap: stack.destination.bootstrapServers, topic, timeoutMs: 60_000,
    })
    assert.equal(again.outcome, 'IDENTICAL', JSON.stringify(again.firstDifferences.slice(0, 3)))
  })

  test('truncate-and-restore should set the old primary\'s extra records aside, rebuild it as a mirror of DR, and clamp group offsets', async () => {
    const topic = `drill-${run}`
    const group = `drill-group-${run}`
    await activeMirror(topic, 30)
    const refused = await call('POST', `/links/${link}/mirrors:truncate-and-restore`, { mirror_topic_names: [topic] })
    assert.equal(refused.json.data![0]!.error_code, 409, 'a mirror that is not STOPPED is refused')
    assert.match(String(refused.json.data![0]!.error_message), /only a STOPPED mirror topic/)
    await stopped(topic)
    const failoverEnds = await endOffsets(primaryAdmin, topic)
    // DR takes new writes; the old primary took records DR never received, and a group committed past the failover point.
    await produce(dr, topic, 30, 8)
    const extra = Array.from({ length: 5 }, (_, i) => `lost-${i}`)
    const producer = primary.producer()
    await producer.connect()
    await producer.send({ topic, messages: extra.map((value, i) => ({ key: `k${i}`, value })) })
    await producer.disconnect()
    const primaryEnds = await endOffsets(primaryAdmin, topic)
    await primaryAdmin.setOffsets({
      groupId: group, topic, partitions: primaryEnds.map((offset, partition) => ({ partition, offset: String(offset) })),
    })

    const dry = await call('POST', `/links/${link}/mirrors:truncate-and-restore?validate_only=true&include_partition_level_truncation_data=true`, { mirror_topic_names: [topic] })
    assert.ok(succeeded(dry.json.data![0]!), JSON.stringify(dry.json))
    assert.deepEqual(await endOffsets(primaryAdmin, topic), primaryEnds, 'the dry run changed nothing')

    const res = await call('POST', `/links/${link}/mirrors:truncate-and-restore?include_partition_level_truncation_data=true`, { mirror_topic_names: [topic] })
    const answer = res.json.data![0]!
    assert.ok(succeeded(answer), JSON.stringify(answer))
    assert.equal(answer.messages_truncated, 5)
    const partitions = answer.partition_level_truncation_data as
      Array<{ partition_id: number; offset_truncated_to: number; messages_truncated: number }>
    assert.deepEqual(partitions.map((p) => p.offset_truncated_to), failoverEnds, 'truncated to the failover point')
    assert.equal(partitions.reduce((n, p) => n + p.messages_truncated, 0), 5)
    const sideTopic = String(answer.truncated_records_topic)
    assert.match(sideTopic, new RegExp(`^${topic}\\.truncated-\\d+$`))

    const drEnds = await endOffsets(drAdmin, topic)
    await waitFor(async () => JSON.stringify(await endOffsets(primaryAdmin, topic).catch(() => [])) === JSON.stringify(drEnds), 'old primary rebuilt', 60_000)
      .catch(async (error: unknown) => { throw new Error(`${String(error)}: ${JSON.stringify(await mirror(topic))}`) })
    assert.equal((await mirror(topic)).mirror_direction, 'REVERSE')
    const same = await verifyTopics({
      sourceBootstrap: stack.destination.bootstrapServers, destinationBootstrap: stack.source!.bootstrapServers, topic, timeoutMs: 60_000,
    })
    assert.equal(same.outcome, 'IDENTICAL', JSON.stringify(same.firstDifferences.slice(0, 3)))

    // The set-aside records are where the answer says, each with its original offset.
    const kept: string[] = []
    const consumer = primary.consumer({ groupId: `reader-${randomUUID()}` })
    await consumer.connect()
    await consumer.subscribe({ topic: sideTopic, fromBeginning: true })
    await consumer.run({ eachMessage: async ({ message }) => { kept.push(String(message.value)) } })
    await waitFor(() => kept.length >= 5, 'set-aside records read', 30_000)
    await consumer.disconnect()
    assert.deepEqual(kept.sort(), extra)

    // The group's offsets on the old primary are back, none past the truncation point.
    await waitFor(async () => (await primaryAdmin.fetchOffsets({ groupId: group, topics: [topic] }))[0]!.partitions.every((p) => Number(p.offset) >= 0), 'group offsets committed again', 30_000)
    const offsets = (await primaryAdmin.fetchOffsets({ groupId: group, topics: [topic] }))[0]!.partitions
    for (const p of offsets) assert.ok(Number(p.offset) <= failoverEnds[p.partition]!, `partition ${p.partition}: ${p.offset} > ${failoverEnds[p.partition]}`)
  })
})
