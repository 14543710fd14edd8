// Filler rate on a real broker: offsets per second of empty transactions (T alone, with helper ids) and of marked filler records.
// Run: node bench/measure-fill-rate.ts [offsets per run, default 3000]. Prints one JSON line per setting.
import { startKafkaCluster } from '../cli/local/kafka-cluster.ts'
import { KafkaClusterClient, createTopic } from '../engine/kafka/index.ts'
import { createLogger } from '../engine/logging/index.ts'
import { PartitionWriter } from '../engine/mirror/partition-writer.ts'

const offsets = Number(process.argv[2] ?? 3000)
const cluster = await startKafkaCluster({ name: 'fill-rate' })
const client = new KafkaClusterClient({ bootstrapServers: [cluster.bootstrapServers] }, { side: 'destination' })

async function run(label: string, helpers: number, emptyTxnFillMax: number, count: number): Promise<void> {
  const topic = `fill-rate-${label}-${Date.now()}`
  await createTopic(client, { name: topic, partitions: 1 })
  const topicId = (await client.describeTopic(topic))!.topicId
  const writer = new PartitionWriter({
    destination: client, mirrorTopic: topic, mirrorTopicId: topicId, sourceTopicId: 'bench', partition: 0, logger: createLogger({ level: 'silent' }),
    fillerChunkRecords: 500_000, emptyTxnFillMax, fillerHelpers: helpers, isStopping: () => false,
  })
  await writer.open()
  const started = performance.now()
  await writer.fill(count)
  const seconds = (performance.now() - started) / 1000
  const logEnd = await client.logEndOffset(topic, 0)
  const rate = Math.round(count / seconds)
  const result = { label, helpers, offsets: count, seconds: Number(seconds.toFixed(2)), offsetsPerSecond: rate, logEnd: String(logEnd) }
  console.log(JSON.stringify(result))
}

try {
  await run('warm-up', 8, offsets, 200)
  await run('empty-txn-T-only', 0, offsets, Math.min(offsets, 600))
  for (const helpers of [1, 2, 4, 8]) await run(`empty-txn-${helpers}-helpers`, helpers, offsets, offsets)
  await run('marked-records', 0, 0, 1_000_000)
} finally {
  await client.close()
  await cluster.stop()
}
