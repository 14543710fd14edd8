// Turns one benchmark run into the markdown of bench/results/<date>-<set>.md: machine facts, the side-by-side table, the ratios.
import type { ContenderOutcome, ScenarioResult } from './run-scenario.ts'
import type { ContenderResult } from './contenders.ts'
import type { LatencyResult } from './measure-latency.ts'
import type { ManyPartitionsResult } from './measure-many-partitions.ts'
import type { RoundTripRun } from './measure-round-trips.ts'
import { formatRoundTrips } from './format-round-trips.ts'

export interface MachineFacts {
  readonly startedAt: string
  readonly finishedAt: string
  readonly command: string
  readonly size: string
  readonly cores: number
  readonly cpuModel: string
  readonly memoryGiB: number
  readonly kernel: string
  readonly nodeVersion: string
  readonly javaVersion: string
  readonly kafkaVersion: string
  readonly loadBefore: string
  readonly loadAfter: string
}

export interface BenchRun {
  readonly machine: MachineFacts
  readonly scenarios: readonly ScenarioResult[]
  readonly latency?: LatencyResult | { readonly error: string }
  readonly manyPartitions?: ManyPartitionsResult | { readonly error: string }
  /** `--rtt-ms`: the round-trip-time settings, which replace the plain scenario runs. */
  readonly roundTrips?: readonly RoundTripRun[]
}

const LABELS: Record<ContenderOutcome['name'], string> = {
  clusterlink: 'clusterlink engine',
  'clusterlink-bytes': 'clusterlink engine, byte for byte (mirror.coalesce.below.bytes=0)',
  naive: 'naive kafkajs loop',
  mm2: 'MirrorMaker 2',
}

export interface Rates {
  readonly recordsPerSecond: number
  readonly mbPerSecond: number
  /** CPU seconds per GB of record payload (uncompressed key-less values, 10^9 bytes). */
  readonly cpuSecondsPerGb: number
  /** Average cores busy in the copy window. */
  readonly cores: number
}

export function ratesOf(result: ContenderResult, recordSize: number): Rates {
  const recordsPerSecond = result.copiedRecords / result.copySeconds
  const gb = (result.copiedRecords * recordSize) / 1e9
  return {
    recordsPerSecond,
    mbPerSecond: (recordsPerSecond * recordSize) / 1e6,
    cpuSecondsPerGb: gb > 0 ? result.copyCpuSeconds / gb : Number.NaN,
    cores: result.copyCpuSeconds / result.copySeconds,
  }
}

const n0 = (v: number) => (Number.isFinite(v) ? Math.round(v).toLocaleString('en-US') : 'n/a')
const n1 = (v: number) => (Number.isFinite(v) ? v.toFixed(1) : 'n/a')
const n2 = (v: number) => (Number.isFinite(v) ? v.toFixed(2) : 'n/a')
const mib = (bytes: number) => `${Math.round(bytes / 2 ** 20)}`
const ratio = (a: number | undefined, b: number | undefined) => (a !== undefined && b !== undefined && b > 0 && Number.isFinite(a / b) ? `${(a / b).toFixed(2)}×` : 'n/a')

function contender(scenario: ScenarioResult, name: ContenderOutcome['name']): Rates | undefined {
  const outcome = scenario.contenders.find((c) => c.name === name)
  return outcome?.result ? ratesOf(outcome.result, scenario.scenario.recordSize) : undefined
}

/** The side-by-side table: one row per scenario and contender. */
export function formatThroughputTable(scenarios: readonly ScenarioResult[]): string {
  const rows = [
    '| Scenario | Copier | records/s | MB/s | source batches/s | CPU-s per GB | cores busy | peak RSS MiB | startup s | stored MiB | broker cores (src/dst) |',
    '|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|',
  ]
  for (const s of scenarios) {
    const title = `${s.scenario.name} (${s.records.toLocaleString('en-US')} rec)`
    if (s.ceiling) {
      const mbps = (s.ceiling.recordsPerSecond * s.scenario.recordSize) / 1e6
      rows.push(`| ${title} | broker ceiling (ProducerPerformance → destination) | ${n0(s.ceiling.recordsPerSecond)} | ${n1(mbps)} | | | | | | | |`)
    } else {
      rows.push(`| ${title} | broker ceiling | failed: ${s.ceilingError ?? 'not run'} | | | | | | | | |`)
    }
    for (const c of s.contenders) {
      if (!c.result) {
        rows.push(`| ${title} | ${LABELS[c.name]} | failed: ${(c.error ?? '').split('\n')[0]?.slice(0, 160)} | | | | | | | | |`)
        continue
      }
      const r = ratesOf(c.result, s.scenario.recordSize)
      const window = c.result.copiedRecords / s.records
      const other = c.result.otherCpuSeconds
      const brokers = `${n2((other['sourceBroker'] ?? 0) / c.result.copySeconds)} / ${n2((other['destinationBroker'] ?? 0) / c.result.copySeconds)}`
      const batchesPerSecond = (s.sourceBatches * (c.result.copiedRecords / s.records)) / c.result.copySeconds
      const verified = c.verification ? ` (mirror ${c.verification})` : ''
      rows.push(`| ${title} | ${LABELS[c.name]}${verified}${window < 0.8 ? ` (window ${Math.round(window * 100)}% of backlog)` : ''} | ${n0(r.recordsPerSecond)} | ${n1(r.mbPerSecond)} | ${n0(batchesPerSecond)} | ${n1(r.cpuSecondsPerGb)} | ${n2(r.cores)} | ${mib(c.result.peakRssBytes)} | ${n1(c.result.startupSeconds)} | ${c.destinationLogBytes === undefined ? 'n/a' : mib(c.destinationLogBytes)} | ${brokers} |`)
    }
  }
  return rows.join('\n')
}

/** The ratios issue 3 asks for, per scenario. */
export function formatRatioTable(scenarios: readonly ScenarioResult[]): string {
  const rows = [
    '| Scenario | clusterlink / broker ceiling (records/s) | clusterlink / MM2 (records/s) | clusterlink / MM2 (throughput per CPU-second) | clusterlink / naive loop (records/s) | clusterlink / naive loop (per CPU-second) | byte for byte / MM2 (records/s; per CPU-second) |',
    '|---|---:|---:|---:|---:|---:|---:|',
  ]
  for (const s of scenarios) {
    const cl = contender(s, 'clusterlink')
    const bytes = contender(s, 'clusterlink-bytes')
    const mm2 = contender(s, 'mm2')
    const naive = contender(s, 'naive')
    const byteForByte = bytes ? `${ratio(bytes.recordsPerSecond, mm2?.recordsPerSecond)}; ${ratio(mm2?.cpuSecondsPerGb, bytes.cpuSecondsPerGb)}` : ''
    rows.push(`| ${s.scenario.name} | ${ratio(cl?.recordsPerSecond, s.ceiling?.recordsPerSecond)} | ${ratio(cl?.recordsPerSecond, mm2?.recordsPerSecond)} | ${ratio(mm2?.cpuSecondsPerGb, cl?.cpuSecondsPerGb)} | ${ratio(cl?.recordsPerSecond, naive?.recordsPerSecond)} | ${ratio(naive?.cpuSecondsPerGb, cl?.cpuSecondsPerGb)} | ${byteForByte} |`)
  }
  return rows.join('\n')
}

/**
 * Where the time went in each copy window: the copier, the brokers, the whole machine (other users included), and for
 * every copier the wall time and its own CPU time per source batch and partition. A copier that spends much less CPU
 * per batch than wall time per batch is waiting: on request round trips to the brokers, or on a CPU the scheduler
 * gives to someone else.
 */
export function formatLimitsTable(scenarios: readonly ScenarioResult[], cores: number): string {
  const rows = [
    `| Scenario | Copier | copier cores | broker cores (src + dst) | machine busy (of ${cores}) | everything else | per source batch and partition: wall ms / copier CPU ms |`,
    '|---|---|---:|---:|---:|---:|---:|',
  ]
  for (const s of scenarios) {
    for (const c of s.contenders) {
      if (!c.result) continue
      const r = c.result
      const copier = r.copyCpuSeconds / r.copySeconds
      const brokers = ((r.otherCpuSeconds['sourceBroker'] ?? 0) + (r.otherCpuSeconds['destinationBroker'] ?? 0)) / r.copySeconds
      const machine = r.machineBusySeconds / r.copySeconds
      const batches = s.sourceBatches * (r.copiedRecords / s.records)
      const wallMs = batches > 0 ? (r.copySeconds * 1000 * s.scenario.partitions) / batches : Number.NaN
      const cpuMs = batches > 0 ? (r.copyCpuSeconds * 1000) / batches : Number.NaN
      rows.push(`| ${s.scenario.name} | ${LABELS[c.name]} | ${n2(copier)} | ${n2(brokers)} | ${n2(machine)} | ${n2(Math.max(0, machine - copier - brokers))} | ${n2(wallMs)} / ${n2(cpuMs)} |`)
    }
  }
  return rows.join('\n')
}

function formatScenarioFacts(scenarios: readonly ScenarioResult[]): string {
  const rows = ['| Scenario | Records | Record size | Partitions | Source producer | Stored on source | Source batches | Source pre-fill rate |', '|---|---:|---:|---:|---|---:|---:|---:|']
  for (const s of scenarios) {
    const props = Object.entries(s.scenario.producerProps).map(([k, v]) => `${k}=${v}`).join(' ')
    const stored = `${mib(s.sourceLogBytes)} MiB (${n2((s.records * s.scenario.recordSize) / Math.max(1, s.sourceLogBytes))}× payload ratio)`
    rows.push(`| ${s.scenario.name}: ${s.scenario.title} | ${s.records.toLocaleString('en-US')} | ${s.scenario.recordSize} B | ${s.scenario.partitions} | ${props} | ${stored} | ${n0(s.sourceBatches)} (${n1(s.records / Math.max(1, s.sourceBatches))} records each) | ${n0(s.prefill.recordsPerSecond)} rec/s |`)
  }
  return rows.join('\n')
}

function formatLatency(latency: BenchRun['latency']): string {
  if (!latency) return ''
  if ('error' in latency) return `## Replication latency\n\nFailed: ${latency.error}\n`
  const rows = ['| Read from | records | p50 ms | p99 ms | max ms |', '|---|---:|---:|---:|---:|']
  for (const side of latency.sides) rows.push(`| ${side.label} | ${side.records.toLocaleString('en-US')} | ${side.p50Ms} | ${side.p99Ms} | ${side.maxMs} |`)
  return [
    '## Replication latency at a steady rate',
    '',
    `ProducerPerformance writes ${latency.records.toLocaleString('en-US')} records of ${latency.recordSize} B (${latency.compression}) at ${latency.targetRecordsPerSecond.toLocaleString('en-US')} records/s`,
    `(${n1((latency.targetRecordsPerSecond * latency.recordSize) / 1e6)} MB/s; achieved ${n0(latency.achievedRecordsPerSecond)} records/s) into a source topic that a clusterlink mirror topic copies.`,
    'Two kafkajs consumers in one process read the source topic and the mirror topic. CreateTime is set by the source producer and kept by the mirror;',
    'the last row compares the two arrival times of each offset, so the producer\'s own queueing (when it falls behind the rate) cancels out.',
    `Records created in the first ${latency.warmupSeconds} s are left out.`,
    `Engine CPU during the run: ${n2(latency.engineCores)} cores; engine peak RSS ${mib(latency.enginePeakRssBytes)} MiB; the whole machine was busy ${n2(latency.machineCores)} cores on average.`,
    '',
    rows.join('\n'),
    '',
  ].join('\n')
}

function formatManyPartitions(many: BenchRun['manyPartitions']): string {
  if (!many) return ''
  if ('error' in many) return `## Many mirror partitions on one engine\n\nFailed: ${many.error}\n`
  return [
    '## Many mirror partitions on one engine',
    '',
    `${many.topics} mirror topics × ${many.partitionsPerTopic} partitions = ${many.topics * many.partitionsPerTopic} mirror partitions on one engine process,`,
    `${many.recordsPerPartition} records per partition. All caught up after ${n1(many.catchUpSeconds)} s (from the first createMirror call).`,
    '',
    '| Engine | value |',
    '|---|---:|',
    `| RSS once caught up | ${mib(many.rssBytes)} MiB |`,
    `| peak RSS (VmHWM) | ${mib(many.peakRssBytes)} MiB |`,
    `| CPU while idle and caught up (${many.idleSeconds} s) | ${n2(many.idleCores)} cores |`,
    '',
  ].join('\n')
}

export function formatReport(run: BenchRun): string {
  const m = run.machine
  return [
    `# clusterlink benchmark, ${m.startedAt} (${m.size})`,
    '',
    `Command: \`${m.command}\``,
    '',
    '## Machine',
    '',
    `- ${m.cores} cores (${m.cpuModel}), ${m.memoryGiB} GiB memory, Linux ${m.kernel}`,
    `- Node ${m.nodeVersion}; ${m.javaVersion}; Apache Kafka ${m.kafkaVersion} (two single-node KRaft clusters on loopback, 512 MiB heap each)`,
    `- Load average (1/5/15 min) before: ${m.loadBefore}; after: ${m.loadAfter}; finished ${m.finishedAt}`,
    '',
    run.roundTrips ? formatRoundTrips(run.roundTrips) : formatScenarioSections(run),
    formatLatency(run.latency),
    formatManyPartitions(run.manyPartitions),
  ].join('\n')
}

function formatScenarioSections(run: BenchRun): string {
  return [
    '## Scenarios',
    '',
    formatScenarioFacts(run.scenarios),
    '',
    '## Throughput, side by side on the same brokers',
    '',
    'records/s and MB/s are measured over the copy window (last 100 ms poll with no record on the destination → destination end offsets equal the source\'s),',
    'MB = 10^6 bytes of record payload (uncompressed). CPU-s per GB and cores busy count the copier process only (utime+stime from /proc) in the same window;',
    'peak RSS is the process\'s VmHWM. Startup = process start to the copy window. Stored = the destination topic\'s log segments',
    '(the source\'s size is in the scenario table: a byte-for-byte copy stores the same). Broker cores = the source and destination broker processes\' CPU in the window.',
    '',
    formatThroughputTable(run.scenarios),
    '',
    '## Ratios',
    '',
    formatRatioTable(run.scenarios),
    '',
    '## What limits these numbers',
    '',
    'CPU inside each copy window, in cores (CPU-seconds per second). "Everything else" is the machine\'s busy time minus the copier and the brokers:',
    'the bench\'s own pollers and every other process on the machine. When the machine is near its core count, every number above is a',
    'share of a contended CPU. A copier whose CPU per batch is far below its wall time per batch is waiting (request round trips, scheduling), not computing.',
    '',
    formatLimitsTable(run.scenarios, run.machine.cores),
    '',
  ].join('\n')
}
