// Memory of one engine process running many mirror partitions (issue 3: 1,000 mirror partitions on one engine, RSS reported).
import { randomUUID } from 'node:crypto'
import { LINK_NAME, startBenchEngine, stopBenchProcess, type BenchContext } from './contenders.ts'
import { kafkaClient, sumEndOffsets } from './kafka-helpers.ts'
import { readProcessUsage } from './process-usage.ts'

export interface ManyPartitionsOptions {
  readonly topics: number
  readonly partitionsPerTopic: number
  readonly recordsPerPartition: number
  /** How long the caught-up engine is watched for its idle CPU. */
  readonly idleSeconds: number
  readonly timeoutMs: number
}

export interface ManyPartitionsResult {
  readonly topics: number
  readonly partitionsPerTopic: number
  readonly recordsPerPartition: number
  readonly catchUpSeconds: number
  readonly rssBytes: number
  readonly peakRssBytes: number
  readonly idleSeconds: number
  readonly idleCores: number
}

async function inBatches<T>(items: readonly T[], size: number, each: (item: T) => Promise<void>): Promise<void> {
  for (let i = 0; i < items.length; i += size) await Promise.all(items.slice(i, i + size).map(each))
}

export async function measureManyPartitions(ctx: BenchContext, options: ManyPartitionsOptions): Promise<ManyPartitionsResult> {
  const prefix = `bench-many-${randomUUID().slice(0, 6)}`
  const topics = Array.from({ length: options.topics }, (_, i) => `${prefix}-${String(i).padStart(4, '0')}`)
  const perTopic = options.partitionsPerTopic * options.recordsPerPartition
  ctx.log(`many-partitions: ${options.topics} topics × ${options.partitionsPerTopic} partitions on the source`)
  const filling = Date.now()
  // A few topics per request: a KRaft controller refuses one operation of more than 10,000 records (QuorumController).
  for (let i = 0; i < topics.length; i += 10) {
    const chunk = topics.slice(i, i + 10).map((topic) => ({ topic, numPartitions: options.partitionsPerTopic, replicationFactor: 1 }))
    // No waitForLeaders: kafkajs gives up on a thousand fresh partitions; the producer below retries until they are served.
    await ctx.sourceAdmin.createTopics({ waitForLeaders: false, timeout: 120_000, topics: chunk })
  }
  const producer = kafkaClient(ctx.source.bootstrapServers).producer()
  await producer.connect()
  try {
    await inBatches(topics, 10, async (topic) => {
      const messages = Array.from({ length: perTopic }, (_, i) => ({ partition: i % options.partitionsPerTopic, key: `k${i}`, value: `record ${i} of ${topic}` }))
      // Fresh topics: the producer's metadata may not list every partition leader yet.
      for (let attempt = 0; ; attempt++) {
        try {
          await producer.send({ topic, acks: -1, messages })
          return
        } catch (error) {
          // 10,000 fresh partitions on a loaded broker: leaders can take a minute to be served.
          if (attempt >= 240) throw error
          await new Promise((resolve) => setTimeout(resolve, 500))
        }
      }
    })
  } finally {
    await producer.disconnect()
  }
  const targets = new Map<string, number>()
  for (const topic of topics) targets.set(topic, await sumEndOffsets(ctx.sourceAdmin, topic))
  const engine = await startBenchEngine(ctx, 'many-partitions')
  try {
    const startedAt = Date.now()
    ctx.log(`many-partitions: source filled after ${((startedAt - filling) / 1000).toFixed(0)} s; creating ${topics.length} mirror topics on one engine`)
    await inBatches(topics, 5, async (topic) => { await engine.client.createMirror(LINK_NAME, { source_topic_name: topic }) })
    const pending = new Set(topics)
    const deadline = Date.now() + options.timeoutMs
    let lastReport = Date.now()
    while (pending.size > 0) {
      for (const topic of [...pending]) {
        if ((await sumEndOffsets(ctx.destinationAdmin, topic)) >= (targets.get(topic) ?? perTopic)) pending.delete(topic)
      }
      if (pending.size === 0) break
      if (Date.now() > deadline) throw new Error(`${pending.size} of ${topics.length} mirror topics not caught up after ${options.timeoutMs} ms (engine log ${engine.logFile})`)
      const usage = await readProcessUsage(engine.pid)
      if (!usage) throw new Error(`the engine exited (log ${engine.logFile})`)
      if (Date.now() - lastReport >= 30_000) {
        lastReport = Date.now()
        ctx.log(`many-partitions: ${topics.length - pending.size} of ${topics.length} mirror topics caught up after `
          + `${((Date.now() - startedAt) / 1000).toFixed(0)} s; engine RSS ${(usage.rssBytes / 2 ** 20).toFixed(0)} MiB, `
          + `peak ${(usage.peakRssBytes / 2 ** 20).toFixed(0)} MiB, ${usage.cpuSeconds.toFixed(0)} CPU-seconds`)
      }
      await new Promise((resolve) => setTimeout(resolve, 1000))
    }
    const catchUpSeconds = (Date.now() - startedAt) / 1000
    ctx.log(`many-partitions: caught up after ${catchUpSeconds.toFixed(1)} s; watching the idle engine for ${options.idleSeconds} s`)
    const before = await readProcessUsage(engine.pid)
    await new Promise((resolve) => setTimeout(resolve, options.idleSeconds * 1000))
    const after = await readProcessUsage(engine.pid)
    if (!before || !after) throw new Error(`the engine exited (log ${engine.logFile})`)
    return {
      topics: options.topics,
      partitionsPerTopic: options.partitionsPerTopic,
      recordsPerPartition: options.recordsPerPartition,
      catchUpSeconds,
      rssBytes: after.rssBytes,
      peakRssBytes: after.peakRssBytes,
      idleSeconds: options.idleSeconds,
      idleCores: (after.cpuSeconds - before.cpuSeconds) / options.idleSeconds,
    }
  } finally {
    await stopBenchProcess(ctx, engine.pid)
    await ctx.destinationAdmin.deleteTopics({ topics }).catch(() => undefined)
    await ctx.sourceAdmin.deleteTopics({ topics }).catch(() => undefined)
  }
}
