// The engine-wide fetch budget on real brokers: 10 mirror topics × 16 partitions catching up on a 320 MB backlog stay under a
// 512 MiB memory limit.
import { after, before, describe, test } from 'node:test'
import assert from 'node:assert/strict'
import { randomBytes, randomUUID } from 'node:crypto'
import { mkdtemp, readFile, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import kafkajs from 'kafkajs'
import { startKafkaClusters, type KafkaCluster } from '../../../cli/local/kafka-cluster.ts'
import { verifyTopics } from '../../../cli/verify/index.ts'
import { fetchBudgetForMemoryLimit } from '../../../engine/mirror/index.ts'
import { ChaosEngine, createLinkAndMirror, kafkajsAdmin, waitFor, waitForMirrorCaughtUp } from '../../chaos/harness/index.ts'

const MEMORY_LIMIT = 512 << 20
const TOPICS = 10
const PARTITIONS = 16
const RECORD_BYTES = 16 << 10
/** 128 records of 16 KiB a partition: 2 MiB a partition, 32 MiB a topic, 320 MiB in all. */
const RECORDS_PER_PARTITION = 128
const RECORDS_PER_SEND = 32
const LINK = 'budget-link'

let source: KafkaCluster
let destination: KafkaCluster
let sourceAdmin: kafkajs.Admin
let destinationAdmin: kafkajs.Admin
let engine: ChaosEngine
let dir: string

/** Peak resident set size (VmHWM) of a process, in bytes. */
async function peakRss(pid: number): Promise<number> {
  const status = await readFile(`/proc/${pid}/status`, 'utf8')
  const kb = /VmHWM:\s+(\d+)\s+kB/.exec(status)?.[1]
  assert.ok(kb, 'VmHWM is in /proc/<pid>/status')
  return Number(kb) * 1024
}

/** Writes RECORDS_PER_PARTITION incompressible records to every partition of `topic` (acks=all). */
async function produceBacklog(producer: kafkajs.Producer, topic: string, values: readonly Buffer[]): Promise<void> {
  for (let sent = 0; sent < RECORDS_PER_PARTITION; sent += RECORDS_PER_SEND) {
    const messages = Array.from({ length: PARTITIONS * RECORDS_PER_SEND }, (_, i) => ({
      partition: i % PARTITIONS, key: `k${sent + i}`, value: values[(sent + i) % values.length]!,
    }))
    await producer.send({ topic, messages, acks: -1 })
  }
}

describe('engine-wide fetch budget', () => {
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'clusterlink-budget-'))
    ;[destination, source] = await startKafkaClusters(2, { name: 'budget', baseDir: join(dir, 'kafka') }) as [KafkaCluster, KafkaCluster]
    sourceAdmin = kafkajsAdmin(source.bootstrapServers)
    destinationAdmin = kafkajsAdmin(destination.bootstrapServers)
    await Promise.all([sourceAdmin.connect(), destinationAdmin.connect()])
    // The budget the engine derives from a 512 MiB container limit (a quarter of it), set explicitly: this machine has no cgroup limit.
    const budget = String(fetchBudgetForMemoryLimit(MEMORY_LIMIT))
    engine = new ChaosEngine({ destination, dir: join(dir, 'engine'), extraArgs: ['--fetch-budget-bytes', budget, '--log-level', 'warn'] })
    await engine.start()
  })

  after(async () => {
    await engine?.stop()
    await Promise.allSettled([sourceAdmin?.disconnect(), destinationAdmin?.disconnect()])
    await Promise.allSettled([source?.stop(), destination?.stop()])
    if (dir) await rm(dir, { recursive: true, force: true })
  })

  test(`${TOPICS} mirror topics × ${PARTITIONS} partitions catching up on a 320 MiB backlog should stay under a 512 MiB limit`, async (t) => {
    const run = randomUUID().slice(0, 8)
    const topics = Array.from({ length: TOPICS }, (_, i) => `budget-${run}-${i}`)
    await sourceAdmin.createTopics({ topics: topics.map((topic) => ({ topic, numPartitions: PARTITIONS })) })
    await waitFor('source topics with leaders', async () => {
      const md = await sourceAdmin.fetchTopicMetadata({ topics })
      return md.topics.every((topic) => topic.partitions.length === PARTITIONS && topic.partitions.every((p) => p.leader >= 0))
    })
    const values = Array.from({ length: 16 }, () => randomBytes(RECORD_BYTES))
    const producer = new kafkajs.Kafka({ clientId: 'budget-backlog', brokers: [source.bootstrapServers], logLevel: kafkajs.logLevel.NOTHING })
      .producer({ allowAutoTopicCreation: false, idempotent: true })
    await producer.connect()
    const producing = performance.now()
    try {
      await Promise.all(topics.map((topic) => produceBacklog(producer, topic, values)))
    } finally {
      await producer.disconnect()
    }
    const backlogBytes = TOPICS * PARTITIONS * RECORDS_PER_PARTITION * RECORD_BYTES
    t.diagnostic(`backlog: ${backlogBytes >> 20} MiB in ${Math.round(performance.now() - producing)} ms`)

    const pid = engine.pid
    assert.ok(pid, 'the engine runs')
    const rssBefore = await peakRss(pid)
    const started = performance.now()
    for (const topic of topics) await createLinkAndMirror(engine, LINK, source.bootstrapServers, topic)
    await Promise.all(topics.map((topic) => waitForMirrorCaughtUp({
      engine, link: LINK, topic, partitions: PARTITIONS, sourceAdmin, destinationAdmin, timeoutMs: 150_000,
    })))
    const catchUpMs = Math.round(performance.now() - started)
    const peak = await peakRss(pid)
    t.diagnostic(`caught up in ${catchUpMs} ms; engine peak RSS ${(peak / 2 ** 20).toFixed(0)} MiB (before the mirrors: ${(rssBefore / 2 ** 20).toFixed(0)} MiB)`)
    assert.ok(peak < MEMORY_LIMIT, `engine peak RSS ${(peak / 2 ** 20).toFixed(0)} MiB is under the 512 MiB limit`)

    for (const topic of topics) {
      const verified = await verifyTopics({
        sourceBootstrap: source.bootstrapServers, destinationBootstrap: destination.bootstrapServers, topic,
      })
      assert.equal(verified.identical, true, `${topic}: ${verified.differenceCount} differences, first ${JSON.stringify(verified.firstDifferences.slice(0, 3))}`)
      for (const p of verified.partitions) {
        assert.ok(p.sourceRecords >= RECORDS_PER_PARTITION, `${topic}/${p.partition}: the backlog is on the source`)
        assert.equal(p.mirrorRecords, p.sourceRecords, `${topic}/${p.partition}: every record mirrored`)
      }
    }
  })
})
