// The naive peer: a consume-then-produce loop with kafkajs, as users write it by hand; run as its own process so its CPU and
// memory are measured alone.
import { parseArgs } from 'node:util'
import { randomUUID } from 'node:crypto'
import { z } from 'zod'
import kafkajs from 'kafkajs'
import { kafkaClient } from './kafka-helpers.ts'

const COMPRESSION = {
  none: kafkajs.CompressionTypes.None, gzip: kafkajs.CompressionTypes.GZIP, snappy: kafkajs.CompressionTypes.Snappy,
  lz4: kafkajs.CompressionTypes.LZ4, zstd: kafkajs.CompressionTypes.ZSTD,
} as const

/** Payload bytes per producer send. */
const CHUNK_BYTES = 512 * 1024

const ArgsSchema = z.strictObject({
  source: z.string().regex(/^[^\s:,]+:\d+$/, 'expected host:port').describe('source bootstrap server'),
  destination: z.string().regex(/^[^\s:,]+:\d+$/, 'expected host:port').describe('destination bootstrap server'),
  topic: z.string().min(1).describe('source topic'),
  'destination-topic': z.string().min(1).describe('destination topic (created beforehand with the same partition count)'),
  compression: z.enum(['none', 'gzip', 'snappy', 'lz4', 'zstd']).default('none').describe('producer compression; default none'),
})

/**
 * The loop a user writes: one consumer group reading from the beginning, and for every fetched batch producer sends of
 * its records to the same partition of the destination topic (acks=all, kafkajs defaults otherwise), then commit.
 * It is the generous form of the naive loop: sending record by record from eachMessage is much slower.
 */
async function main(): Promise<void> {
  const { values } = parseArgs({ options: {
    source: { type: 'string' }, destination: { type: 'string' }, topic: { type: 'string' },
    'destination-topic': { type: 'string' }, compression: { type: 'string' },
  } })
  const parsed = ArgsSchema.safeParse(values)
  if (!parsed.success) {
    process.stderr.write(`naive-copy: ${parsed.error.issues.map((i) => `--${i.path.join('.')}: ${i.message}`).join('; ')}\n`)
    process.exit(2)
  }
  const args = parsed.data
  const consumer = kafkaClient(args.source, 'naive-copy').consumer({ groupId: `naive-copy-${randomUUID()}` })
  const producer = kafkaClient(args.destination, 'naive-copy').producer({ allowAutoTopicCreation: false })
  await Promise.all([consumer.connect(), producer.connect()])
  await consumer.subscribe({ topic: args.topic, fromBeginning: true })
  const stop = async () => {
    await consumer.disconnect().catch(() => undefined)
    await producer.disconnect().catch(() => undefined)
    process.exit(0)
  }
  process.once('SIGTERM', () => void stop())
  consumer.on(consumer.events.CRASH, ({ payload }) => {
    process.stderr.write(`naive-copy: the consumer crashed: ${payload.error.message}\n`)
    process.exit(1)
  })
  await consumer.run({
    eachBatchAutoResolve: true,
    eachBatch: async ({ batch, heartbeat }) => {
      // One send per fetched batch, cut into chunks the broker accepts (max.message.bytes is 1 MB by default and kafkajs
      // puts a whole send for one partition into one record batch): the first fix a user makes after MESSAGE_TOO_LARGE.
      let chunk: kafkajs.Message[] = []
      let chunkBytes = 0
      const flush = async () => {
        if (chunk.length === 0) return
        await producer.send({ topic: args['destination-topic'], acks: -1, compression: COMPRESSION[args.compression], messages: chunk })
        chunk = []
        chunkBytes = 0
      }
      for (const m of batch.messages) {
        chunk.push({ partition: batch.partition, key: m.key, value: m.value, headers: m.headers, timestamp: m.timestamp })
        chunkBytes += (m.key?.length ?? 0) + (m.value?.length ?? 0) + 16
        if (chunkBytes >= CHUNK_BYTES) await flush()
      }
      await flush()
      await heartbeat()
    },
  })
}

main().catch((error: unknown) => {
  process.stderr.write(`naive-copy: ${error instanceof Error ? error.stack : String(error)}\n`)
  process.exit(1)
})
