// The copiers the benchmark races on the same backlog: the clusterlink engine process (with its defaults, and byte for byte),
// the naive kafkajs loop, and MirrorMaker 2.
import { spawn } from 'node:child_process'
import { randomUUID } from 'node:crypto'
import { join, resolve } from 'node:path'
import { availableParallelism } from 'node:os'
import type { KafkaCluster } from '../cli/local/kafka-cluster.ts'
import { startLocalEngine, stopProcess } from '../cli/local/local-stack.ts'
import { EngineClient } from '../provider/client/index.ts'
import { createTopic, type Admin } from './kafka-helpers.ts'
import { startMirrorMaker } from './mirror-maker.ts'
import type { Scenario } from './scenarios.ts'
import { watchCopy, type CopyMeasurement } from './watch-copy.ts'
import type { ProcessRegistry } from './process-registry.ts'

const benchDir = resolve(import.meta.dirname)

export interface BenchContext {
  readonly source: KafkaCluster
  readonly destination: KafkaCluster
  readonly sourceAdmin: Admin
  readonly destinationAdmin: Admin
  /** Scratch directory for engine state files, MM2 configs and logs. */
  readonly workDir: string
  /** Upper bound for one contender's copy. */
  readonly copyTimeoutMs: number
  readonly log: (line: string) => void
  /** Every process the run starts goes in here, so that an interrupted run can stop them. */
  readonly processes: ProcessRegistry
  /** Where copiers reach the source and the destination (delaying proxies in the round-trip-time runs); default the clusters. */
  readonly copierBootstrap?: { readonly source: string; readonly destination: string }
}

export interface CopyJob {
  readonly scenario: Scenario
  readonly sourceTopic: string
  /** Sum of the source topic's end offsets: the backlog every contender copies. */
  readonly targetRecords: number
}

export interface ContenderResult extends CopyMeasurement {
  /** The topic the contender wrote on the destination. */
  readonly destinationTopic: string
}

export const LINK_NAME = 'bench-link'

/** The ProducerPerformance hook that keeps its process in the run's registry while it runs. */
export function trackWith(ctx: BenchContext): (pid: number | undefined, running: boolean) => void {
  return (pid, running) => {
    if (running) ctx.processes.track(pid)
    else ctx.processes.untrack(pid)
  }
}

/** Stops a process this run started (SIGTERM, then SIGKILL after the grace period) and forgets it. */
export async function stopBenchProcess(ctx: BenchContext, pid: number, graceMs?: number): Promise<void> {
  await stopProcess(pid, graceMs)
  ctx.processes.untrack(pid)
}

/** The bootstrap servers a copier uses: the delaying proxies when the run has them. */
export function copierBootstrapOf(ctx: BenchContext): { source: string; destination: string } {
  return ctx.copierBootstrap ?? { source: ctx.source.bootstrapServers, destination: ctx.destination.bootstrapServers }
}

function brokerPids(ctx: BenchContext): Record<string, number> {
  return { sourceBroker: ctx.source.pid, destinationBroker: ctx.destination.pid }
}

/**
 * Starts a fresh engine process (its own state topic, so nothing from an earlier scenario runs in it) with one cluster link
 * to the source.
 */
export async function startBenchEngine(
  ctx: BenchContext, name: string, linkConfigs: Record<string, string> = {},
): Promise<{ client: EngineClient; pid: number; logFile: string }> {
  const bootstrap = copierBootstrapOf(ctx)
  const { engine } = await startLocalEngine({
    destination: { ...ctx.destination, bootstrapServers: bootstrap.destination },
    dir: join(ctx.workDir, `engine-${name}`),
    // A state topic per engine start: the round-trip runs start several engines for one scenario, each with a fresh link.
    extraArgs: ['--state-topic', `_clusterlink-bench-${name}-${randomUUID().slice(0, 6)}`],
  })
  ctx.processes.track(engine.pid)
  try {
    const client = new EngineClient({ endpoint: engine.url, token: engine.token })
    const configs = Object.entries({ 'bootstrap.servers': bootstrap.source, ...linkConfigs }).map(([n, value]) => ({ name: n, value }))
    await client.createLink(LINK_NAME, { configs })
    return { client, pid: engine.pid, logFile: engine.logFile }
  } catch (error) {
    await stopBenchProcess(ctx, engine.pid)
    throw error
  }
}

/** The clusterlink engine, as users run it: a process with the REST API, a link and a mirror topic created through REST. */
export function runClusterlink(ctx: BenchContext, job: CopyJob): Promise<ContenderResult> {
  return runEngine(ctx, job, {}, '')
}

/**
 * The engine with `mirror.coalesce.below.bytes=0`: every source batch forwarded byte for byte, one-record batches
 * included. Its link's `cluster.link.prefix` keeps its mirror topic apart from the default engine's.
 */
export function runClusterlinkBytes(ctx: BenchContext, job: CopyJob): Promise<ContenderResult> {
  return runEngine(ctx, job, { 'mirror.coalesce.below.bytes': '0', 'cluster.link.prefix': BYTES_PREFIX }, BYTES_PREFIX)
}

export const BYTES_PREFIX = 'bytes.'

async function runEngine(ctx: BenchContext, job: CopyJob, linkConfigs: Record<string, string>, prefix: string): Promise<ContenderResult> {
  const engine = await startBenchEngine(ctx, `${job.scenario.name}${prefix ? '-bytes' : ''}`, linkConfigs)
  const destinationTopic = `${prefix}${job.sourceTopic}`
  try {
    const startedAt = Date.now()
    await engine.client.createMirror(LINK_NAME, { source_topic_name: job.sourceTopic })
    let nextStatusAt = 0
    const measurement = await watchCopy({
      destination: ctx.destinationAdmin,
      topic: destinationTopic,
      targetRecords: job.targetRecords,
      pid: engine.pid,
      timeoutMs: ctx.copyTimeoutMs,
      otherPids: brokerPids(ctx),
      check: async () => {
        if (Date.now() < nextStatusAt) return
        nextStatusAt = Date.now() + 2000
        const mirror = await engine.client.findMirror(LINK_NAME, job.sourceTopic)
        if (mirror?.mirror_status === 'FAILED') throw new Error(`the mirror topic FAILED: ${mirror.mirror_topic_error ?? 'unknown error'} (engine log ${engine.logFile})`)
      },
    }, startedAt)
    return { ...measurement, destinationTopic }
  } finally {
    await stopBenchProcess(ctx, engine.pid)
  }
}

/** The naive consume-then-produce loop (bench/naive-copy.ts) in its own Node process. */
export async function runNaiveLoop(ctx: BenchContext, job: CopyJob): Promise<ContenderResult> {
  const destinationTopic = `${job.sourceTopic}-naive`
  await createTopic(ctx.destinationAdmin, destinationTopic, job.scenario.partitions)
  const startedAt = Date.now()
  const child = spawn(process.execPath, [
    '--no-warnings', join(benchDir, 'naive-copy.ts'),
    '--source', copierBootstrapOf(ctx).source, '--destination', copierBootstrapOf(ctx).destination,
    '--topic', job.sourceTopic, '--destination-topic', destinationTopic, '--compression', job.scenario.compression,
  ], { stdio: ['ignore', 'ignore', 'pipe'] })
  ctx.processes.track(child.pid)
  let stderr = ''
  child.stderr.on('data', (chunk: Buffer) => { stderr = (stderr + chunk.toString()).slice(-4000) })
  try {
    const measurement = await watchCopy({
      destination: ctx.destinationAdmin,
      topic: destinationTopic,
      targetRecords: job.targetRecords,
      pid: child.pid ?? -1,
      timeoutMs: ctx.copyTimeoutMs,
      otherPids: brokerPids(ctx),
      check: () => {
        if (child.exitCode !== null) throw new Error(`the naive loop exited with code ${child.exitCode}: ${stderr.trim()}`)
      },
    }, startedAt)
    return { ...measurement, destinationTopic }
  } finally {
    await stopBenchProcess(ctx, child.pid ?? -1, 10_000)
  }
}

/** Apache Kafka MirrorMaker 2 in dedicated mode, one task per core (at most one per partition), the scenario's codec on its producer. */
export async function runMirrorMaker(ctx: BenchContext, job: CopyJob): Promise<ContenderResult> {
  const startedAt = Date.now()
  const mm2 = await startMirrorMaker({
    libDir: ctx.destination.libDir,
    sourceBootstrap: copierBootstrapOf(ctx).source,
    destinationBootstrap: copierBootstrapOf(ctx).destination,
    topic: job.sourceTopic,
    tasks: Math.min(job.scenario.partitions, availableParallelism()),
    compression: job.scenario.compression,
    dir: join(ctx.workDir, `mm2-${job.scenario.name}`),
  })
  ctx.processes.track(mm2.pid)
  try {
    const measurement = await watchCopy({
      destination: ctx.destinationAdmin,
      topic: mm2.destinationTopic,
      targetRecords: job.targetRecords,
      pid: mm2.pid,
      timeoutMs: ctx.copyTimeoutMs,
      otherPids: brokerPids(ctx),
      check: async () => {
        if (!mm2.isRunning()) throw new Error(`MirrorMaker 2 exited; log ${mm2.logFile}:\n${await mm2.logTail()}`)
        const failure = await mm2.findTaskFailure()
        if (failure) throw new Error(`a MirrorMaker 2 task died: ${failure.slice(0, 300)} (log ${mm2.logFile})`)
      },
    }, startedAt)
    return { ...measurement, destinationTopic: mm2.destinationTopic }
  } finally {
    await mm2.stop()
    ctx.processes.untrack(mm2.pid)
  }
}
