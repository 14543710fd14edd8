// Replication latency at a steady rate: CreateTime of each record against its arrival at a consumer of the mirror topic
// (and of the source, for the baseline).
import { randomUUID } from 'node:crypto'
import { join } from 'node:path'
import { LINK_NAME, startBenchEngine, stopBenchProcess, trackWith, type BenchContext } from './contenders.ts'
import { createTopic, kafkaClient } from './kafka-helpers.ts'
import { readMachineBusySeconds, readProcessUsage } from './process-usage.ts'
import { runProducerPerformance, writePayloadFile } from './producer-performance.ts'

export interface LatencyOptions {
  readonly records: number
  readonly recordsPerSecond: number
  readonly recordSize: number
  /** Records produced in the first seconds are left out (JIT, connection set-up, group joins). */
  readonly warmupSeconds: number
}

export interface LatencySide {
  readonly label: string
  readonly records: number
  readonly p50Ms: number
  readonly p99Ms: number
  readonly maxMs: number
}

export interface LatencyResult {
  readonly records: number
  readonly recordSize: number
  readonly compression: string
  readonly targetRecordsPerSecond: number
  readonly achievedRecordsPerSecond: number
  readonly warmupSeconds: number
  readonly sides: readonly LatencySide[]
  readonly engineCores: number
  readonly enginePeakRssBytes: number
  /** Cores the whole machine was busy during the run (every process, other users' included). */
  readonly machineCores: number
}

/** Nearest-rank percentile of a sorted array. */
export function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return Number.NaN
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))] as number
}

interface Sample { readonly offset: number; readonly createdMs: number; readonly arrivedMs: number }

/** A kafkajs consumer that records (offset, CreateTime, arrival) for every record of `topic`. */
async function startLatencyConsumer(bootstrapServers: string, topic: string, samples: Sample[]) {
  const consumer = kafkaClient(bootstrapServers, 'bench-latency').consumer({ groupId: `bench-latency-${randomUUID()}`, maxWaitTimeInMs: 500 })
  await consumer.connect()
  const joined = new Promise<void>((resolve) => consumer.on(consumer.events.GROUP_JOIN, () => resolve()))
  await consumer.subscribe({ topic, fromBeginning: true })
  await consumer.run({
    eachBatch: async ({ batch }) => {
      const now = Date.now()
      for (const m of batch.messages) {
        samples.push({ offset: Number(m.offset), createdMs: Number(m.timestamp), arrivedMs: now })
      }
    },
  })
  await joined
  return consumer
}

function summarize(label: string, latencies: readonly number[]): LatencySide {
  const sorted = [...latencies].sort((a, b) => a - b)
  return { label, records: sorted.length, p50Ms: percentile(sorted, 50), p99Ms: percentile(sorted, 99), maxMs: sorted.at(-1) ?? Number.NaN }
}

/**
 * Three views of the same records after the warm-up: CreateTime → arrival on the source (producer queueing included),
 * CreateTime → arrival on the mirror, and, offset by offset (offsets are identical), arrival on the mirror − arrival
 * on the source: what the mirror adds, whatever the producer's own queueing.
 */
export function summarizeLatency(sourceSamples: readonly Sample[], mirrorSamples: readonly Sample[], warmupSeconds: number): LatencySide[] {
  const start = sourceSamples.reduce((min, s) => Math.min(min, s.createdMs), Number.POSITIVE_INFINITY)
  const kept = (s: Sample) => s.createdMs >= start + warmupSeconds * 1000
  const sourceArrival = new Map(sourceSamples.map((s) => [s.offset, s.arrivedMs]))
  const added: number[] = []
  for (const m of mirrorSamples) {
    const arrived = sourceArrival.get(m.offset)
    if (kept(m) && arrived !== undefined) added.push(m.arrivedMs - arrived)
  }
  return [
    summarize('source topic: CreateTime → consumer (producer queueing included)', sourceSamples.filter(kept).map((s) => s.arrivedMs - s.createdMs)),
    summarize('mirror topic: CreateTime → consumer', mirrorSamples.filter(kept).map((s) => s.arrivedMs - s.createdMs)),
    summarize('added by the mirror: mirror arrival − source arrival, same offset', added),
  ]
}

export async function measureLatency(ctx: BenchContext, options: LatencyOptions): Promise<LatencyResult> {
  const topic = `bench-latency-${randomUUID().slice(0, 6)}`
  const payloadFile = join(ctx.workDir, `payload-${options.recordSize}.txt`)
  await writePayloadFile(payloadFile, options.recordSize)
  await createTopic(ctx.sourceAdmin, topic, 1)
  const engine = await startBenchEngine(ctx, 'latency')
  const consumers: Array<{ disconnect(): Promise<void> }> = []
  try {
    await engine.client.createMirror(LINK_NAME, { source_topic_name: topic })
    const deadline = Date.now() + 60_000
    while ((await engine.client.findMirror(LINK_NAME, topic))?.mirror_status !== 'ACTIVE') {
      if (Date.now() > deadline) throw new Error(`the mirror topic ${topic} did not become ACTIVE within 60 s (engine log ${engine.logFile})`)
      await new Promise((resolve) => setTimeout(resolve, 200))
    }
    const sourceSamples: Sample[] = []
    const mirrorSamples: Sample[] = []
    consumers.push(await startLatencyConsumer(ctx.source.bootstrapServers, topic, sourceSamples))
    consumers.push(await startLatencyConsumer(ctx.destination.bootstrapServers, topic, mirrorSamples))
    const before = await readProcessUsage(engine.pid)
    const machineBefore = await readMachineBusySeconds()
    const startedAt = Date.now()
    ctx.log(`latency: ${options.records} records at ${options.recordsPerSecond} records/s into ${topic}`)
    const produced = await runProducerPerformance({
      libDir: ctx.source.libDir, bootstrapServers: ctx.source.bootstrapServers, topic, records: options.records, payloadFile,
      throughput: options.recordsPerSecond, producerProps: { acks: 'all', 'compression.type': 'zstd' }, onProcess: trackWith(ctx),
    })
    const waitUntil = Date.now() + 120_000
    while (mirrorSamples.length < options.records || sourceSamples.length < options.records) {
      if (Date.now() > waitUntil) throw new Error(`only ${mirrorSamples.length} of ${options.records} records arrived on the mirror topic (engine log ${engine.logFile})`)
      await new Promise((resolve) => setTimeout(resolve, 100))
    }
    const after = await readProcessUsage(engine.pid)
    const machineAfter = await readMachineBusySeconds()
    const elapsed = (Date.now() - startedAt) / 1000
    return {
      records: options.records,
      recordSize: options.recordSize,
      compression: 'zstd',
      targetRecordsPerSecond: options.recordsPerSecond,
      achievedRecordsPerSecond: produced.recordsPerSecond,
      warmupSeconds: options.warmupSeconds,
      sides: summarizeLatency(sourceSamples, mirrorSamples, options.warmupSeconds),
      engineCores: before && after ? (after.cpuSeconds - before.cpuSeconds) / elapsed : Number.NaN,
      enginePeakRssBytes: after?.peakRssBytes ?? Number.NaN,
      machineCores: (machineAfter - machineBefore) / elapsed,
    }
  } finally {
    await Promise.all(consumers.map((c) => c.disconnect().catch(() => undefined)))
    await stopBenchProcess(ctx, engine.pid)
    await ctx.destinationAdmin.deleteTopics({ topics: [topic] }).catch(() => undefined)
    await ctx.sourceAdmin.deleteTopics({ topics: [topic] }).catch(() => undefined)
  }
}
