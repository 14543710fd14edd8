// Real-broker tests of `clusterlink verify`: exit codes, table and JSON output, and the differences it reports.
import { after, before, describe, test } from 'node:test'
import assert from 'node:assert/strict'
import { execFile } from 'node:child_process'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { randomUUID } from 'node:crypto'
import { createServer, type AddressInfo, type Socket } from 'node:net'
import kafkajs from 'kafkajs'
import { startKafkaCluster, type KafkaCluster } from '../../cli/local/kafka-cluster.ts'
import { registerKafkajsCodecs, verifyTopics } from '../../cli/verify/index.ts'

const execFileAsync = promisify(execFile)
const main = join(import.meta.dirname, '../../cli/main.ts')
let cluster: KafkaCluster
let kafka: kafkajs.Kafka

async function runVerify(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await execFileAsync(process.execPath, [main, 'verify', ...args], { maxBuffer: 8 << 20 })
    return { code: 0, stdout, stderr }
  } catch (error) {
    const e = error as { code: number; stdout: string; stderr: string }
    return { code: e.code, stdout: e.stdout, stderr: e.stderr }
  }
}

const END_OFFSETS_TIMEOUT = /could not read the end offsets/

/** Runs a read with a 500 ms timeout, again (warm clients) while the timeout ended it before the end offsets were known. */
async function shortRead<T>(read: (timeoutMs: number) => Promise<T>): Promise<T> {
  for (let attempt = 0; attempt < 5; attempt++) {
    try {
      return await read(500)
    } catch (error) {
      if (!END_OFFSETS_TIMEOUT.test(String(error))) throw error
    }
  }
  return read(500)
}

async function fill(topic: string, messages: kafkajs.Message[]): Promise<void> {
  const admin = kafka.admin()
  await admin.connect()
  await admin.createTopics({ topics: [{ topic, numPartitions: 2 }], waitForLeaders: true })
  await admin.disconnect()
  const producer = kafka.producer()
  await producer.connect()
  await producer.send({ topic, compression: kafkajs.CompressionTypes.ZSTD, messages })
  await producer.disconnect()
}

describe('clusterlink verify', () => {
  before(async () => {
    registerKafkajsCodecs()
    cluster = await startKafkaCluster({ name: 'verify' })
    kafka = new kafkajs.Kafka({ clientId: 'verify-test', brokers: [cluster.bootstrapServers], logLevel: kafkajs.logLevel.NOTHING })
  })
  after(async () => { await cluster?.stop() })

  test('verify should exit 0 for identical topics and 1 with the first differences otherwise', async () => {
    const id = randomUUID().slice(0, 8)
    const messages = Array.from({ length: 30 }, (_, i) => ({ partition: i % 2, key: i % 3 ? `k${i}` : null, value: `v${i}`, timestamp: String(1_600_000_000_000 + i), headers: { n: String(i) } }))
    await fill(`a-${id}`, messages)
    await fill(`b-${id}`, messages)
    const changed = messages.map((m, i) => (i === 7 ? { ...m, value: 'changed' } : m))
    await fill(`c-${id}`, changed)
    const b = cluster.bootstrapServers
    const same = await runVerify(['--source-bootstrap', b, '--destination-bootstrap', b, '--topic', `a-${id}`, '--mirror-topic', `b-${id}`])
    assert.equal(same.code, 0, same.stderr)
    assert.match(same.stdout, /IDENTICAL/)
    const diff = await runVerify(['--source-bootstrap', b, '--destination-bootstrap', b, '--topic', `a-${id}`, '--mirror-topic', `c-${id}`, '--output', 'json'])
    assert.equal(diff.code, 1)
    const result = JSON.parse(diff.stdout)
    assert.equal(result.identical, false)
    assert.equal(result.differenceCount, 1)
    assert.equal(result.firstDifferences[0].kind, 'record_differs')
    assert.equal(result.firstDifferences[0].partition, 1)
    assert.equal(result.firstDifferences[0].offset, '3')
  })

  test('verifyTopics should report offsets missing from the mirror', async () => {
    const id = randomUUID().slice(0, 8)
    const messages = Array.from({ length: 10 }, (_, i) => ({ partition: 0, value: `v${i}`, timestamp: String(1_600_000_000_000 + i) }))
    await fill(`d-${id}`, messages)
    await fill(`e-${id}`, messages.slice(0, 8))
    const result = await verifyTopics({ sourceBootstrap: cluster.bootstrapServers, destinationBootstrap: cluster.bootstrapServers, topic: `d-${id}`, mirrorTopic: `e-${id}` })
    assert.equal(result.identical, false)
    assert.deepEqual(result.firstDifferences.filter((d) => d.kind === 'missing_in_mirror').map((d) => d.offset), ['8', '9'])
    assert.ok(result.firstDifferences.some((d) => d.kind === 'end_offset'))
  })

  test('verify should exit 2 and say what to fix on bad arguments', async () => {
    const res = await runVerify(['--source-bootstrap', 'nohost', '--topic', 't'])
    assert.equal(res.code, 2)
    assert.match(res.stderr, /--source-bootstrap: must be HOST:PORT/)
    assert.match(res.stderr, /--destination-bootstrap/)
  })

  test('verify should report INCOMPLETE, never IDENTICAL, and exit 3 when the timeout ends the read of a large topic, and read it all given time', async () => {
    // The reported case: 4 x 78,773 records, verify read 17,775 per partition and said IDENTICAL.
    const topic = `big-${randomUUID().slice(0, 8)}`
    // Large enough that no machine reads both sides in 500 ms (80,000 a partition was read in time on a quiet one).
    const perPartition = 160_000
    const admin = kafka.admin()
    await admin.connect()
    await admin.createTopics({ topics: [{ topic, numPartitions: 4 }], waitForLeaders: true })
    await admin.disconnect()
    const producer = kafka.producer()
    await producer.connect()
    for (let chunk = 0; chunk < perPartition / 5_000; chunk++) {
      await producer.send({ topic, compression: kafkajs.CompressionTypes.ZSTD, messages: Array.from({ length: 20_000 }, (_, i) => ({ partition: i % 4, value: `r${chunk}-${i}` })) })
    }
    await producer.disconnect()
    const b = cluster.bootstrapServers
    // A loaded machine may not even read the end offsets within 500 ms (verify then throws): read again.
    const short = await shortRead((timeoutMs) => verifyTopics({ sourceBootstrap: b, destinationBootstrap: b, topic, timeoutMs }))
    assert.equal(short.outcome, 'INCOMPLETE', JSON.stringify(short.partitions))
    assert.equal(short.identical, false)
    assert.ok(short.incomplete.length > 0)
    for (const i of short.incomplete) assert.ok(BigInt(i.position) < BigInt(i.endOffset), JSON.stringify(i))
    const cli = await shortRead(async (timeoutMs) => {
      const r = await runVerify(['--source-bootstrap', b, '--destination-bootstrap', b, '--topic', topic, '--timeout-ms', String(timeoutMs)])
      if (END_OFFSETS_TIMEOUT.test(r.stderr)) throw new Error(r.stderr)
      return r
    })
    assert.equal(cli.code, 3, cli.stdout + cli.stderr)
    assert.match(cli.stdout, /INCOMPLETE/)
    assert.match(cli.stderr, new RegExp(`INCOMPLETE, not identical: (source|mirror) partition \\d stopped at \\d+ of ${perPartition}`))
    const full = await verifyTopics({ sourceBootstrap: b, destinationBootstrap: b, topic })
    assert.equal(full.outcome, 'IDENTICAL')
    const n = String(perPartition)
    assert.deepEqual(full.partitions.map((p) => [p.sourceRecords, p.mirrorRecords, p.sourcePosition, p.mirrorPosition]),
      Array.from({ length: 4 }, () => [perPartition, perPartition, n, n]))
  })

  test('verifyTopics should take the last stable offset as the end under an open transaction, and compare up to it', async () => {
    const topic = `open-${randomUUID().slice(0, 8)}`
    await fill(topic, Array.from({ length: 20 }, (_, i) => ({ partition: i % 2, value: `v${i}` })))
    const producer = kafka.producer({ transactionalId: `verify-${topic}`, idempotent: true, maxInFlightRequests: 1 })
    await producer.connect()
    const txn = await producer.transaction()
    try {
      await txn.send({ topic, messages: [{ partition: 0, value: 'open' }] })
      const result = await verifyTopics({
        sourceBootstrap: cluster.bootstrapServers, destinationBootstrap: cluster.bootstrapServers, topic, timeoutMs: 20_000,
      })
      assert.equal(result.outcome, 'IDENTICAL', JSON.stringify(result))
      assert.deepEqual(result.partitions.map((p) => [p.sourceEndOffset, p.sourcePosition, p.sourceRecords]), [['10', '10', 10], ['10', '10', 10]])
    } finally {
      await txn.abort()
      await producer.disconnect()
    }
  })

  test('verifyTopics should read past trailing transaction markers and aborted data to the end offset', async () => {
    const topic = `txn-${randomUUID().slice(0, 8)}`
    await fill(topic, [{ partition: 0, value: 'plain' }])
    const producer = kafka.producer({ transactionalId: `verify-${topic}`, idempotent: true, maxInFlightRequests: 1 })
    await producer.connect()
    for (const commit of [true, false]) {
      const txn = await producer.transaction()
      await txn.send({ topic, messages: [{ partition: 0, value: commit ? 'committed' : 'aborted' }, { partition: 1, value: 'x' }] })
      if (commit) await txn.commit()
      else await txn.abort()
    }
    await producer.disconnect()
    for (const isolation of ['read_committed', 'read_uncommitted'] as const) {
      const result = await verifyTopics({
        sourceBootstrap: cluster.bootstrapServers, destinationBootstrap: cluster.bootstrapServers, topic, isolation,
      })
      assert.equal(result.outcome, 'IDENTICAL', JSON.stringify(result))
      const p0 = result.partitions[0]!
      assert.equal(p0.sourcePosition, p0.sourceEndOffset, 'the position passed the trailing abort marker')
      assert.equal(p0.sourceRecords, isolation === 'read_committed' ? 2 : 3)
    }
  })

  test('verify should end after its timeout when a broker accepts connections and never answers', { timeout: 60_000 }, async () => {
    const sockets: Socket[] = []
    const silent = createServer((socket) => { sockets.push(socket) })
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve))
    const port = (silent.address() as AddressInfo).port
    try {
      await assert.rejects(
        verifyTopics({ sourceBootstrap: `127.0.0.1:${port}`, destinationBootstrap: `127.0.0.1:${port}`, topic: 'never-answered', timeoutMs: 2_000 }),
        /could not read the end offsets of 'never-answered'/,
      )
      const cli = await runVerify(['--source-bootstrap', `127.0.0.1:${port}`, '--destination-bootstrap', `127.0.0.1:${port}`, '--topic', 'never-answered', '--timeout-ms', '2000'])
      assert.equal(cli.code, 2, 'the command ends (no hang) and says it could not read the topics')
      assert.match(cli.stderr, /could not read the topics/)
    } finally {
      silent.close()
      for (const socket of sockets) socket.destroy()
    }
  })
})
