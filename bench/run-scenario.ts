// Runs one scenario end to end: pre-fill the source with ProducerPerformance, the destination's ceiling, then each
// contender on the same backlog.
import { join } from 'node:path'
import { randomUUID } from 'node:crypto'
import { BYTES_PREFIX, runClusterlink, runClusterlinkBytes, runMirrorMaker, runNaiveLoop, trackWith, type BenchContext, type ContenderResult, type CopyJob } from './contenders.ts'
import { MM2_SOURCE_ALIAS } from './mirror-maker.ts'
import { createTopic, logBatchCount, logSizeBytes, sumEndOffsets } from './kafka-helpers.ts'
import { runProducerPerformance, writePayloadFile, type ProducerPerformanceResult } from './producer-performance.ts'
import type { BenchSize, Scenario } from './scenarios.ts'
import { verifyTopics } from '../cli/verify/index.ts'

export const CONTENDERS = ['clusterlink', 'clusterlink-bytes', 'naive', 'mm2'] as const
export type ContenderName = typeof CONTENDERS[number]

export interface ContenderOutcome {
  readonly name: ContenderName
  readonly result?: ContenderResult
  /** Stored bytes of the topic the contender wrote (compressed, as on disk). */
  readonly destinationLogBytes?: number
  /** With --verify, for clusterlink: the record-by-record comparison of source and mirror (`clusterlink verify`). */
  readonly verification?: string
  readonly error?: string
}

export interface ScenarioResult {
  readonly scenario: Scenario
  readonly records: number
  /** Stored bytes of the source topic (compressed, as on disk). */
  readonly sourceLogBytes: number
  /** Record batches of the source topic, read from its log segments. */
  readonly sourceBatches: number
  readonly prefill: ProducerPerformanceResult
  readonly ceiling?: ProducerPerformanceResult
  readonly ceilingError?: string
  readonly contenders: readonly ContenderOutcome[]
}

function message(error: unknown): string {
  return error instanceof Error ? error.message : String(error)
}

/** Compares the mirror topic with the source record by record, offset by offset, outside the measured window. */
async function verifyMirror(ctx: BenchContext, topic: string): Promise<string> {
  try {
    const result = await verifyTopics({
      sourceBootstrap: ctx.source.bootstrapServers, destinationBootstrap: ctx.destination.bootstrapServers, topic, timeoutMs: 600_000,
    })
    return result.outcome === 'IDENTICAL' ? 'identical' : result.outcome === 'INCOMPLETE' ? 'incomplete (verify timed out)' : `${result.differenceCount} differences`
  } catch (error) {
    return `not verified: ${message(error)}`
  }
}

export interface RunScenarioOptions {
  readonly size: BenchSize
  readonly contenders: readonly ContenderName[]
  /** Compare the clusterlink mirror with its source record by record after the copy. */
  readonly verify: boolean
  /** Measure the destination broker's ceiling with ProducerPerformance; default true. */
  readonly ceiling?: boolean
}

export async function runScenario(ctx: BenchContext, scenario: Scenario, options: RunScenarioOptions): Promise<ScenarioResult> {
  const { size, contenders } = options
  const records = scenario.records[size]
  const topic = `bench-${scenario.name}-${randomUUID().slice(0, 6)}`
  const payloadFile = join(ctx.workDir, `payload-${scenario.recordSize}.txt`)
  await writePayloadFile(payloadFile, scenario.recordSize)
  const createdOnDestination: string[] = []
  try {
    ctx.log(`${scenario.name}: pre-filling ${topic} on the source with ${records} records (ProducerPerformance)`)
    await createTopic(ctx.sourceAdmin, topic, scenario.partitions)
    const prefill = await runProducerPerformance({
      libDir: ctx.source.libDir, bootstrapServers: ctx.source.bootstrapServers, topic, records, payloadFile,
      producerProps: scenario.producerProps, onProcess: trackWith(ctx),
    })
    const targetRecords = await sumEndOffsets(ctx.sourceAdmin, topic)
    const sourceLogBytes = await logSizeBytes(ctx.source.dir, topic)
    const sourceBatches = await logBatchCount(ctx.source.dir, topic)

    let ceiling: ProducerPerformanceResult | undefined
    let ceilingError: string | undefined
    if (options.ceiling !== false) try {
      const ceilingTopic = `${topic}-ceiling`
      await createTopic(ctx.destinationAdmin, ceilingTopic, scenario.partitions)
      createdOnDestination.push(ceilingTopic)
      ctx.log(`${scenario.name}: destination ceiling (ProducerPerformance into ${ceilingTopic})`)
      ceiling = await runProducerPerformance({
        libDir: ctx.destination.libDir, bootstrapServers: ctx.destination.bootstrapServers, topic: ceilingTopic, records, payloadFile,
        producerProps: scenario.producerProps, onProcess: trackWith(ctx),
      })
    } catch (error) {
      ceilingError = message(error)
      ctx.log(`${scenario.name}: ceiling failed: ${ceilingError}`)
    }

    const job: CopyJob = { scenario, sourceTopic: topic, targetRecords }
    const runners = { clusterlink: runClusterlink, 'clusterlink-bytes': runClusterlinkBytes, naive: runNaiveLoop, mm2: runMirrorMaker } as const
    const outcomes: ContenderOutcome[] = []
    for (const name of contenders) {
      ctx.log(`${scenario.name}: ${name} copying ${targetRecords} records`)
      try {
        const result = await runners[name](ctx, job)
        createdOnDestination.push(result.destinationTopic)
        const destinationLogBytes = await logSizeBytes(ctx.destination.dir, result.destinationTopic)
        ctx.log(`${scenario.name}: ${name} done: ${(result.copiedRecords / result.copySeconds).toFixed(0)} records/s, ${result.copyCpuSeconds.toFixed(2)} CPU-s in the copy window, peak RSS ${(result.peakRssBytes / 2 ** 20).toFixed(0)} MiB`)
        const verification = options.verify && name === 'clusterlink' ? await verifyMirror(ctx, topic) : undefined
        if (verification) ctx.log(`${scenario.name}: clusterlink mirror compared with the source record by record: ${verification}`)
        outcomes.push({ name, result, destinationLogBytes, ...(verification ? { verification } : {}) })
      } catch (error) {
        outcomes.push({ name, error: message(error) })
        ctx.log(`${scenario.name}: ${name} failed: ${message(error)}`)
      }
    }
    return {
      scenario, records: targetRecords, sourceLogBytes, sourceBatches, prefill,
      ...(ceiling ? { ceiling } : {}), ...(ceilingError ? { ceilingError } : {}), contenders: outcomes,
    }
  } finally {
    // Free the brokers' disk and page cache for the next scenario; the contenders' destination topics are known by now.
    const onDestination = [...new Set([...createdOnDestination, topic, `${BYTES_PREFIX}${topic}`, `${topic}-naive`, `${MM2_SOURCE_ALIAS}.${topic}`])]
    const existing = new Set(await ctx.destinationAdmin.listTopics().catch(() => [] as string[]))
    await ctx.destinationAdmin.deleteTopics({ topics: onDestination.filter((t) => existing.has(t)) }).catch(() => undefined)
    await ctx.sourceAdmin.deleteTopics({ topics: [topic] }).catch(() => undefined)
  }
}
