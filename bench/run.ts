// `node bench/run.ts`: the side-by-side benchmark of issue 3 (clusterlink vs the broker ceiling, a naive kafkajs loop and
// MirrorMaker 2), on one pair of local clusters.
import { parseArgs } from 'node:util'
import { execFileSync } from 'node:child_process'
import { mkdtemp, mkdir, rm, writeFile, access } from 'node:fs/promises'
import { cpus, release, tmpdir, totalmem } from 'node:os'
import { join, relative, resolve } from 'node:path'
import { z } from 'zod'
import { startKafkaClusters, type KafkaCluster } from '../cli/local/kafka-cluster.ts'
import { measureRoundTrips, proxiedBootstrap, startProxiedClusters, type ProxiedClusters } from './measure-round-trips.ts'
import type { BenchContext } from './contenders.ts'
import { formatReport, type BenchRun } from './format-report.ts'
import { connectAdmin, type Admin } from './kafka-helpers.ts'
import { measureLatency } from './measure-latency.ts'
import { measureManyPartitions } from './measure-many-partitions.ts'
import { readLoadAverage } from './process-usage.ts'
import { ProcessRegistry } from './process-registry.ts'
import { CONTENDERS, runScenario, type ScenarioResult } from './run-scenario.ts'
import { SCENARIOS, type BenchSize } from './scenarios.ts'

const repoRoot = resolve(import.meta.dirname, '..')
const EXTRAS = ['latency', 'many-partitions', 'scale'] as const

const USAGE = `usage: node bench/run.ts [--scenario NAMES] [--size small|full] [--contenders NAMES] [--extra NAMES] [--rtt-ms LIST]
                         [--rtt-on LINKS] [--latency-rate N] [--verify] [--results-dir DIR]

Starts two single-node Apache Kafka clusters on loopback (source and destination) and, for each scenario, pre-fills a
source topic with Kafka's ProducerPerformance, measures the destination broker's own produce ceiling with the same
records, then lets each copier copy the same backlog one after the other: the clusterlink engine process, a naive
kafkajs consume-then-produce loop, and MirrorMaker 2 in dedicated mode. Writes the table to
bench/results/<UTC date>-<scenario set>-<size>.md and prints it.

  --scenario      comma-separated, from: ${SCENARIOS.map((s) => s.name).join(', ')}, or all (default all)
  --size          small (a quick check, about 3 minutes) or full (default small)
  --contenders    comma-separated, from: ${CONTENDERS.join(', ')} (default all)
  --extra         comma-separated, from: ${EXTRAS.join(', ')}, or none (default none); scale = 100 topics × 100
                  partitions (10,000 mirror partitions) on one engine
  --rtt-ms        comma-separated round-trip times, e.g. 20,50,100: instead of the plain runs, each scenario runs at 0 ms
                  and at each RTT between the copiers and the source, then the destination (delaying proxies)
  --rtt-on        with --rtt-ms: source, destination or source,destination (default): which link gets the delay
  --latency-rate  with --extra latency: records/s of 1 KB the source producer writes (default 10000 full, 5000 small);
                  the run lasts 90 s (full, the first 30 s left out) or 4 s (small)
  --results-dir   where the markdown goes (default bench/results)
  --copy-timeout  seconds one copier may take for one backlog (default 600)
  --verify        after each clusterlink copy, compare the mirror with its source record by record (clusterlink
                  verify's comparison; slow on full sizes, outside the measured window)
`

function list<T extends string>(allowed: readonly T[], what: string) {
  return z.string().transform((text, ctx): T[] => {
    const items = text.split(',').map((s) => s.trim()).filter(Boolean)
    if (items.length === 1 && items[0] === 'all') return [...allowed]
    if (items.length === 1 && items[0] === 'none') return []
    const unknown = items.filter((i) => !allowed.includes(i as T))
    if (unknown.length > 0) ctx.addIssue({ code: 'custom', message: `unknown ${what} '${unknown.join(', ')}'; choose from ${allowed.join(', ')}` })
    return items as T[]
  })
}

const OptionsSchema = z.strictObject({
  scenario: list(SCENARIOS.map((s) => s.name), 'scenario').default([...SCENARIOS.map((s) => s.name)]).describe('scenarios to run; default all'),
  size: z.enum(['small', 'full']).default('small').describe('record counts; default small'),
  contenders: list(CONTENDERS, 'contender').default([...CONTENDERS]).describe('copiers to race; default all'),
  extra: list(EXTRAS, 'extra').default([]).describe('latency and many-partitions measurements; default none'),
  'results-dir': z.string().min(1).default(join(repoRoot, 'bench/results')).describe('output directory; default bench/results'),
  'rtt-ms': z.string().regex(/^\d+(,\d+)*$/, 'comma-separated whole milliseconds').optional()
    .transform((text) => (text ? text.split(',').map(Number) : undefined)).describe('round-trip-time runs; default none'),
  'rtt-on': list(['source', 'destination'] as const, 'link').default(['source', 'destination']).describe('delayed links; default both'),
  'copy-timeout': z.string().regex(/^\d+$/, 'a whole number of seconds').default('600').transform(Number).describe('seconds per copy; default 600'),
  'latency-rate': z.string().regex(/^[1-9]\d*$/, 'a whole number of records per second').optional().transform((t) => (t ? Number(t) : undefined))
    .describe('records/s of the latency run; default 10000 (full) or 5000 (small)'),
  verify: z.boolean().default(false).describe('compare each clusterlink mirror with its source record by record; default off'),
  help: z.boolean().default(false),
})

function log(line: string): void {
  process.stderr.write(`[${new Date().toISOString().slice(11, 19)}] ${line}\n`)
}

/** The first line of `java -version` (which writes to stderr). */
function javaVersionLine(): string {
  try {
    return execFileSync('bash', ['-c', 'java -version 2>&1 | head -1'], { encoding: 'utf8' }).trim() || 'java'
  } catch {
    return 'java (version unknown)'
  }
}

async function resultsPath(dir: string, set: string): Promise<string> {
  const now = new Date().toISOString()
  const base = join(dir, `${now.slice(0, 10)}-${set}`)
  try {
    await access(`${base}.md`)
    return `${base}-${now.slice(11, 19).replace(/:/g, '')}.md`
  } catch {
    return `${base}.md`
  }
}

async function main(argv: string[]): Promise<number> {
  let raw: Record<string, unknown>
  try {
    raw = parseArgs({ args: argv, strict: true, options: {
      scenario: { type: 'string' }, size: { type: 'string' }, contenders: { type: 'string' }, extra: { type: 'string' },
      'results-dir': { type: 'string' }, 'copy-timeout': { type: 'string' }, 'rtt-ms': { type: 'string' }, 'rtt-on': { type: 'string' },
      'latency-rate': { type: 'string' }, verify: { type: 'boolean' }, help: { type: 'boolean' },
    } }).values
  } catch (error) {
    process.stderr.write(`bench: ${error instanceof Error ? error.message : String(error)}\n\n${USAGE}`)
    return 2
  }
  const parsed = OptionsSchema.safeParse(raw)
  if (!parsed.success) {
    process.stderr.write(`bench: ${parsed.error.issues.map((i) => `--${i.path.join('.')}: ${i.message}`).join('\n')}\n\n${USAGE}`)
    return 2
  }
  const options = parsed.data
  if (options.help) { process.stdout.write(USAGE); return 0 }
  const size: BenchSize = options.size
  const scenarios = SCENARIOS.filter((s) => options.scenario.includes(s.name))
  const roundTripsMs = options['rtt-ms']
  const set = [
    scenarios.length === SCENARIOS.length ? 'all' : scenarios.map((s) => s.name).join('+') || 'none',
    ...(roundTripsMs ? ['rtt'] : []), ...options.extra, size,
  ].join('-')

  const startedAt = new Date().toISOString()
  const loadBefore = await readLoadAverage()
  log(`load average before: ${loadBefore}`)
  const workDir = await mkdtemp(join(tmpdir(), 'clusterlink-bench-'))
  let clusters: KafkaCluster[] = []
  let proxied: ProxiedClusters | undefined
  const admins: Admin[] = []
  const processes = new ProcessRegistry()
  // Ctrl-C or SIGTERM: kill what this run started (copiers, tools, the brokers: all children of this process) and leave.
  const interrupt = (signal: string) => {
    log(`${signal}: stopping the processes this run started`)
    processes.killAll()
    void rm(workDir, { recursive: true, force: true }).finally(() => process.exit(130))
  }
  process.once('SIGINT', interrupt)
  process.once('SIGTERM', interrupt)
  try {
    log('starting two Apache Kafka clusters (source, destination)')
    // A generous start timeout: on a loaded shared machine a broker JVM can take minutes to come up.
    const clusterOptions = { name: 'bench', baseDir: join(workDir, 'kafka'), readyTimeoutMs: 600_000 }
    proxied = roundTripsMs ? await startProxiedClusters(clusterOptions) : undefined
    clusters = proxied ? [proxied.source, proxied.destination] : await startKafkaClusters(2, clusterOptions)
    const [source, destination] = clusters as [KafkaCluster, KafkaCluster]
    const [sourceAdmin, destinationAdmin] = await Promise.all([
      connectAdmin(source.bootstrapServers), connectAdmin(destination.bootstrapServers),
    ])
    admins.push(sourceAdmin, destinationAdmin)
    const ctx: BenchContext = {
      source, destination, sourceAdmin, destinationAdmin, workDir, copyTimeoutMs: options['copy-timeout'] * 1000, log, processes,
      ...(proxied ? { copierBootstrap: proxiedBootstrap(proxied) } : {}),
    }

    const results: ScenarioResult[] = []
    const run: { -readonly [K in keyof BenchRun]: BenchRun[K] } = { scenarios: results, machine: undefined as unknown as BenchRun['machine'] }
    if (proxied && roundTripsMs) {
      const placements = options['rtt-on']
      run.roundTrips = await measureRoundTrips(ctx, proxied, scenarios, { size, contenders: options.contenders, roundTripsMs, placements })
    } else {
      const scenarioOptions = { size, contenders: options.contenders, verify: options.verify }
      for (const scenario of scenarios) results.push(await runScenario(ctx, scenario, scenarioOptions))
    }
    if (options.extra.includes('latency')) {
      try {
        run.latency = await measureLatency(ctx, size === 'full'
          // 90 s, the first 30 s left out: brokers started for the run are still compiling their hot paths (JIT).
          ? { records: 90 * (options['latency-rate'] ?? 10_000), recordsPerSecond: options['latency-rate'] ?? 10_000, recordSize: 1000, warmupSeconds: 30 }
          : { records: 4 * (options['latency-rate'] ?? 5_000), recordsPerSecond: options['latency-rate'] ?? 5_000, recordSize: 1000, warmupSeconds: 1 })
      } catch (error) {
        run.latency = { error: error instanceof Error ? error.message : String(error) }
        log(`latency failed: ${run.latency.error}`)
      }
    }
    if (options.extra.includes('scale')) {
      try {
        run.manyPartitions = await measureManyPartitions(ctx, {
          topics: 100, partitionsPerTopic: 100, recordsPerPartition: 5, idleSeconds: 30, timeoutMs: 1_800_000,
        })
      } catch (error) {
        run.manyPartitions = { error: error instanceof Error ? error.message : String(error) }
        log(`scale failed: ${run.manyPartitions.error}`)
      }
    }
    if (options.extra.includes('many-partitions')) {
      try {
        run.manyPartitions = await measureManyPartitions(ctx, size === 'full'
          ? { topics: 125, partitionsPerTopic: 8, recordsPerPartition: 20, idleSeconds: 10, timeoutMs: 600_000 }
          : { topics: 25, partitionsPerTopic: 8, recordsPerPartition: 20, idleSeconds: 5, timeoutMs: 300_000 })
      } catch (error) {
        run.manyPartitions = { error: error instanceof Error ? error.message : String(error) }
        log(`many-partitions failed: ${run.manyPartitions.error}`)
      }
    }
    run.machine = {
      startedAt, finishedAt: new Date().toISOString(), size,
      command: `node bench/run.ts ${argv.join(' ')}`.trim(),
      cores: cpus().length, cpuModel: cpus()[0]?.model ?? 'unknown', memoryGiB: Math.round(totalmem() / 2 ** 30), kernel: release(),
      nodeVersion: process.version, javaVersion: javaVersionLine(), kafkaVersion: source.version,
      loadBefore, loadAfter: await readLoadAverage(),
    }
    const markdown = formatReport(run)
    await mkdir(options['results-dir'], { recursive: true })
    const file = await resultsPath(options['results-dir'], set)
    await writeFile(file, markdown)
    process.stdout.write(markdown + '\n')
    log(`wrote ${relative(process.cwd(), file)}; load average after: ${run.machine.loadAfter}`)
    return 0
  } finally {
    await Promise.all(admins.map((a) => a.disconnect().catch(() => undefined)))
    await Promise.all(clusters.map((c) => c.stop().catch(() => undefined)))
    await proxied?.close()
    await rm(workDir, { recursive: true, force: true })
  }
}

main(process.argv.slice(2)).then((code) => process.exit(code), (error: unknown) => {
  process.stderr.write(`bench: ${error instanceof Error ? error.stack : String(error)}\n`)
  process.exit(1)
})
