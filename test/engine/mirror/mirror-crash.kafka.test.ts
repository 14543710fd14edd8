// Crash safety on real brokers: an engine process running a copier is SIGKILLed at random moments while a producer writes.
import { after, before, describe, test } from 'node:test'
import assert from 'node:assert/strict'
import { spawn, type ChildProcess } from 'node:child_process'
import { join } from 'node:path'
import { startKafkaClusters, type KafkaCluster } from '../../../cli/local/kafka-cluster.ts'
import { verifyTopics } from '../../../cli/verify/index.ts'
import { KafkaClusterClient, createTopic } from '../../../engine/kafka/index.ts'
import { CompressionTypes, kafkaFor, newRunner, sourceEnds, stopAllRunners, uniqueName, waitCaughtUp, waitFor } from './mirror-harness.ts'

const KILLS = 20
let source: KafkaCluster
let destination: KafkaCluster
let sourceAdmin: KafkaClusterClient
let destinationAdmin: KafkaClusterClient
const children = new Set<ChildProcess>()

function spawnEngine(topic: string): { child: ChildProcess; active: Promise<void> } {
  const child = spawn(process.execPath, [join(import.meta.dirname, 'fixtures/run-mirror.ts'), source.bootstrapServers, destination.bootstrapServers, topic], { stdio: ['ignore', 'pipe', 'pipe'] })
  children.add(child)
  child.once('exit', () => children.delete(child))
  let out = ''
  const active = new Promise<void>((resolve, reject) => {
    child.stdout!.on('data', (d: Buffer) => {
      out += d.toString()
      if (out.includes('ACTIVE')) resolve()
      if (out.includes('FAILED')) reject(new Error(`engine failed: ${out}`))
    })
    child.once('exit', () => resolve())
  })
  return { child, active }
}

async function kill(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return
  const exited = new Promise((r) => child.once('exit', r))
  child.kill('SIGKILL')
  await exited
}

describe('mirror crash safety', () => {
  before(async () => {
    const clusters = await startKafkaClusters(2, { name: 'crash' })
    source = clusters[0]!
    destination = clusters[1]!
    sourceAdmin = new KafkaClusterClient({ bootstrapServers: [source.bootstrapServers] }, { side: 'source' })
    destinationAdmin = new KafkaClusterClient({ bootstrapServers: [destination.bootstrapServers] }, { side: 'destination' })
  })
  after(async () => {
    for (const c of children) c.kill('SIGKILL')
    await stopAllRunners()
    await sourceAdmin?.close()
    await destinationAdmin?.close()
    await Promise.all([source?.stop(), destination?.stop()])
  })

  test(`an engine SIGKILLed ${KILLS} times during a copy of a growing topic should lose and duplicate nothing`, async () => {
    const topic = uniqueName('crash')
    await createTopic(sourceAdmin, { name: topic, partitions: 2 })
    const kafka = kafkaFor(source)
    const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1 })
    await producer.connect()
    let producing = true
    let sent = 0
    const writer = (async () => {
      while (producing) {
        const n = 1 + (sent % 9)
        await producer.send({ topic, compression: sent % 2 ? CompressionTypes.GZIP : CompressionTypes.None, messages: Array.from({ length: n }, (_, i) => ({ partition: (sent + i) % 2, key: `k${sent}-${i}`, value: `record ${sent}-${i}` })) })
        sent++
      }
    })()
    let lastLeo = -1n
    for (let k = 0; k < KILLS; k++) {
      const { child, active } = spawnEngine(topic)
      if (k % 2 === 0) {
        await active // killed while copying
        const leo = lastLeo
        await waitFor('mirror progress', async () => (lastLeo = await destinationAdmin.listOffset(topic, 0, 'latest')) > leo, 30_000)
      }
      await new Promise((r) => setTimeout(r, Math.floor(Math.random() * 400))) // a random kill moment
      await kill(child)
    }
    producing = false
    await writer
    await producer.disconnect()
    const runner = newRunner(source, destination, topic, topic)
    await runner.start()
    await waitCaughtUp(runner, await sourceEnds(kafka, topic), 120_000)
    const result = await verifyTopics({
      sourceBootstrap: source.bootstrapServers, destinationBootstrap: destination.bootstrapServers, topic,
    })
    assert.equal(result.identical, true, JSON.stringify([result.partitions, result.firstDifferences.slice(0, 3)]))
    assert.ok(result.partitions.every((p) => p.mirrorRecords > 0), JSON.stringify(result.partitions))
    await runner.stop()
  })
})
