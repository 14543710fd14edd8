// Small kafkajs helpers the benchmark uses around the contenders: topics, end offsets, and a client per cluster.
import { open, readdir, stat } from 'node:fs/promises'
import { join } from 'node:path'
import kafkajs from 'kafkajs'
import { registerKafkajsCodecs } from '../cli/verify/index.ts'

export type Admin = kafkajs.Admin

/** A kafkajs client with every codec registered (kafkajs ships gzip only). */
export function kafkaClient(bootstrapServers: string, clientId = 'clusterlink-bench'): kafkajs.Kafka {
  registerKafkajsCodecs()
  return new kafkajs.Kafka({ clientId, brokers: [bootstrapServers], logLevel: kafkajs.logLevel.NOTHING })
}

export async function connectAdmin(bootstrapServers: string): Promise<Admin> {
  const admin = kafkaClient(bootstrapServers).admin()
  await admin.connect()
  return admin
}

export async function createTopic(admin: Admin, topic: string, partitions: number, configs: Record<string, string> = {}): Promise<void> {
  try {
    await admin.createTopics({
      waitForLeaders: true,
      topics: [{
        topic, numPartitions: partitions, replicationFactor: 1,
        configEntries: Object.entries(configs).map(([name, value]) => ({ name, value })),
      }],
    })
  } catch (error) {
    // On a loaded machine the broker's metadata can lag its controller: kafkajs's leader wait then fails with
    // UNKNOWN_TOPIC_OR_PARTITION although the topic was created. Wait for the leaders here instead.
    if ((error as { type?: string }).type !== 'UNKNOWN_TOPIC_OR_PARTITION') throw error
    await waitForLeaders(admin, topic, partitions)
  }
}

async function waitForLeaders(admin: Admin, topic: string, partitions: number): Promise<void> {
  for (let attempt = 0; attempt < 240; attempt++) {
    const metadata = await admin.fetchTopicMetadata({ topics: [topic] }).catch(() => null)
    const served = metadata?.topics[0]?.partitions.filter((p) => p.leader >= 0).length ?? 0
    if (served === partitions) return
    await new Promise((resolve) => setTimeout(resolve, 500))
  }
  throw new Error(`topic ${topic}: no leader for every partition after 2 minutes`)
}

/** Sum of the partitions' high watermarks (= log end offsets on a single broker); 0 when the topic does not exist. */
export async function sumEndOffsets(admin: Admin, topic: string): Promise<number> {
  return (await tryEndOffsets(admin, topic)) ?? 0
}

/**
 * Like sumEndOffsets, but undefined when the offsets could not be read (a poller must not take that for "empty").
 * Topic existence is checked first: kafkajs retries offsets of a missing topic for seconds, and by the time it
 * answers a copier may have written half the backlog.
 */
export async function tryEndOffsets(admin: Admin, topic: string): Promise<number | undefined> {
  try {
    if (!(await admin.listTopics()).includes(topic)) return 0
    const offsets = await admin.fetchTopicOffsets(topic)
    return offsets.reduce((sum, o) => sum + Number(o.high), 0)
  } catch {
    return undefined
  }
}

/** The topic's log segment files (`<data>/<topic>-<partition>/*.log`) in a local broker's data directory. */
async function logSegments(clusterDir: string, topic: string): Promise<string[]> {
  const dataDir = join(clusterDir, 'data')
  const partitionDir = new RegExp(`^${topic.replace(/[.]/g, '\\.')}-\\d+$`)
  const files: string[] = []
  for (const entry of await readdir(dataDir)) {
    if (!partitionDir.test(entry)) continue
    for (const file of await readdir(join(dataDir, entry))) if (file.endsWith('.log')) files.push(join(dataDir, entry, file))
  }
  return files
}

/** Bytes of the topic's log segments (all partitions): the stored, compressed size. */
export async function logSizeBytes(clusterDir: string, topic: string): Promise<number> {
  let total = 0
  for (const file of await logSegments(clusterDir, topic)) total += (await stat(file)).size
  return total
}

/**
 * Record batches in the topic's log segments (all partitions), read from the batch headers on disk: baseOffset (int64)
 * then batchLength (int32, the bytes after this field), so the next batch starts 12 + batchLength bytes further.
 */
export async function logBatchCount(clusterDir: string, topic: string): Promise<number> {
  const header = Buffer.alloc(12)
  let batches = 0
  for (const file of await logSegments(clusterDir, topic)) {
    const handle = await open(file, 'r')
    try {
      const size = (await handle.stat()).size
      for (let position = 0; position + 12 <= size;) {
        const { bytesRead } = await handle.read(header, 0, 12, position)
        const length = header.readInt32BE(8)
        if (bytesRead < 12 || length <= 0) break
        batches++
        position += 12 + length
      }
    } finally {
      await handle.close()
    }
  }
  return batches
}
