// Real-broker tests of `clusterlink verify`: exit codes, table and JSON output, and the differences it reports.
import { after, before, describe, test } from 'node:test'
import assert from 'node:assert/strict'
import { execFile } from 'node:child_process'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { randomUUID } from 'node:crypto'
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
    const same = await runVerify(['--source-bootstrap', b, '--destination-bootstrap', b, '--topic', `a-${id}`, '--mirror-topic', `b-${id}`, '--idle-ms', '800'])
    assert.equal(same.code, 0, same.stderr)
    assert.match(same.stdout, /IDENTICAL/)
    const diff = await runVerify(['--source-bootstrap', b, '--destination-bootstrap', b, '--topic', `a-${id}`, '--mirror-topic', `c-${id}`, '--output', 'json', '--idle-ms', '800'])
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
    const result = await verifyTopics({ sourceBootstrap: cluster.bootstrapServers, destinationBootstrap: cluster.bootstrapServers, topic: `d-${id}`, mirrorTopic: `e-${id}`, idleMs: 800 })
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
})
