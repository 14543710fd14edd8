// Benchmark (never part of the test run): clusterlink's copier vs Kafka's ProducerPerformance ceiling and MirrorMaker 2,
// same brokers, same run.
// Usage: node bench/mirror-bench.ts [--records-1k N] [--records-100b N] [--partitions N]
import { spawn } from 'node:child_process'
import { mkdir, writeFile, readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { parseArgs } from 'node:util'
import { startKafkaClusters, type KafkaCluster } from '../cli/local/kafka-cluster.ts'
import { KafkaClusterClient, createTopic } from '../engine/kafka/index.ts'

const { values } = parseArgs({ options: { 'records-1k': { type: 'string' }, 'records-100b': { type: 'string' }, 'records-tiny': { type: 'string' }, partitions: { type: 'string' } } })
const PARTITIONS = Number(values.partitions ?? 8)
interface Workload { name: string; recordSize: number; records: number; compression: string; producerProps: string[] }
const BATCHED = ['linger.ms=5', 'batch.size=262144']
const WORKLOADS: Workload[] = [
  { name: '1 KB records, zstd', recordSize: 1000, records: Number(values['records-1k'] ?? 200_000), compression: 'zstd', producerProps: BATCHED },
  { name: '100 B records, none', recordSize: 100, records: Number(values['records-100b'] ?? 500_000), compression: 'none', producerProps: BATCHED },
  { name: '100 B records, one record per source batch (linger 0, batch.size 0)', recordSize: 100, records: Number(values['records-tiny'] ?? 50_000), compression: 'none', producerProps: ['linger.ms=0', 'batch.size=0'] },
]
const runDir = join(import.meta.dirname, '.runs', new Date().toISOString().replace(/[:.]/g, '-'))

interface Measure { wallSeconds: number; cpuSeconds: number; peakRssBytes: number }

function run(cmd: string, args: string[], onPid?: (pid: number) => void): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'] })
    if (child.pid) onPid?.(child.pid)
    let out = ''
    let err = ''
    child.stdout.on('data', (d: Buffer) => { out += d.toString() })
    child.stderr.on('data', (d: Buffer) => { err += d.toString() })
    child.once('exit', (code) => (code === 0 ? resolve(out) : reject(new Error(`${cmd} exited ${code}: ${err.slice(-2000)}`))))
  })
}

/** CPU seconds (utime + stime of the process) and peak RSS from /proc. */
async function procStats(pid: number): Promise<{ cpuSeconds: number; peakRssBytes: number }> {
  const stat = (await readFile(`/proc/${pid}/stat`, 'utf8')).split(') ')[1]!.split(' ')
  const ticks = Number(stat[11]) + Number(stat[12])
  const status = await readFile(`/proc/${pid}/status`, 'utf8')
  const hwm = Number(/VmHWM:\s+(\d+)/.exec(status)?.[1] ?? 0) * 1024
  return { cpuSeconds: ticks / 100, peakRssBytes: hwm }
}

async function producerPerformance(cluster: KafkaCluster, topic: string, w: Workload): Promise<Measure> {
  let pid = 0
  let last = { cpuSeconds: 0, peakRssBytes: 0 }
  const sampler = setInterval(() => { if (pid) procStats(pid).then((s) => { last = s }, () => {}) }, 50)
  const started = performance.now()
  const out = await run('java', ['-Xmx512m', '-cp', `${cluster.libDir}/*`, 'org.apache.kafka.tools.ProducerPerformance', '--topic', topic,
    '--num-records', String(w.records), '--record-size', String(w.recordSize), '--throughput', '-1',
    '--producer-props', `bootstrap.servers=${cluster.bootstrapServers}`, 'acks=all', `compression.type=${w.compression}`, ...w.producerProps], (p) => { pid = p })
  clearInterval(sampler)
  const wallSeconds = (performance.now() - started) / 1000
  const line = out.trim().split('\n').at(-1) ?? ''
  const recordsPerSec = Number(/([\d.]+) records\/sec/.exec(line)?.[1] ?? 0)
  return { wallSeconds: recordsPerSec > 0 ? w.records / recordsPerSec : wallSeconds, ...last }
}

async function endOffsets(client: KafkaClusterClient, topic: string): Promise<number[]> {
  return Promise.all(Array.from({ length: PARTITIONS }, async (_, p) => Number(await client.listOffset(topic, p, 'latest'))))
}

async function clusterlinkCopy(
  source: KafkaCluster, destination: KafkaCluster, topic: string, mirror: string, ends: number[], coalesceBelowBytes = 0,
): Promise<Measure> {
  const out = await run(process.execPath, [join(import.meta.dirname, 'run-copier.ts'), source.bootstrapServers, destination.bootstrapServers, topic, mirror, JSON.stringify(ends), String(coalesceBelowBytes)])
  const r = JSON.parse(out.trim().split('\n').at(-1)!) as { wallMs: number; cpuSeconds: number; maxRssBytes: number }
  return { wallSeconds: r.wallMs / 1000, cpuSeconds: r.cpuSeconds, peakRssBytes: r.maxRssBytes }
}

async function mirrorMaker(
  source: KafkaCluster, destination: KafkaCluster, topic: string, compression: string, ends: number[], dest: KafkaClusterClient,
): Promise<Measure> {
  const dir = join(runDir, `mm2-${topic}`)
  await mkdir(dir, { recursive: true })
  const props = [
    'clusters = A, B', `A.bootstrap.servers = ${source.bootstrapServers}`, `B.bootstrap.servers = ${destination.bootstrapServers}`,
    'A->B.enabled = true', `A->B.topics = ${topic}`, 'B->A.enabled = false', 'tasks.max = 2',
    'replication.factor = 1', 'checkpoints.topic.replication.factor = 1', 'heartbeats.topic.replication.factor = 1',
    'offset-syncs.topic.replication.factor = 1', 'offset.storage.replication.factor = 1', 'status.storage.replication.factor = 1',
    'config.storage.replication.factor = 1', 'sync.topic.acls.enabled = false', 'emit.checkpoints.enabled = false',
    'emit.heartbeats.enabled = false', 'sync.group.offsets.enabled = false', 'refresh.topics.interval.seconds = 1',
    'replication.policy.class = org.apache.kafka.connect.mirror.IdentityReplicationPolicy',
    `B.producer.compression.type = ${compression}`, 'B.producer.linger.ms = 5', 'B.producer.batch.size = 262144',
  ].join('\n') + '\n'
  await writeFile(join(dir, 'mm2.properties'), props)
  const child = spawn('java', ['-Xmx768m', '-cp', `${source.libDir}/*`, 'org.apache.kafka.connect.mirror.MirrorMaker', join(dir, 'mm2.properties'), '--clusters', 'B'], { stdio: ['ignore', 'ignore', 'ignore'] })
  const pid = child.pid!
  const started = performance.now()
  // Wall time counts from the first record MM2 lands (its JVM and Connect start-up, 10-20 s here, is left out in its
  // favour); CPU counts everything, start-up included, as for the clusterlink process.
  let firstRecordAt = 0
  let stats = { cpuSeconds: 0, peakRssBytes: 0 }
  try {
    for (;;) {
      stats = await procStats(pid).catch(() => stats)
      const got = await endOffsets(dest, topic).catch(() => [] as number[])
      if (!firstRecordAt && got.some((g) => g > 0)) firstRecordAt = performance.now()
      if (got.length === ends.length && got.every((g, p) => g >= ends[p]!)) break
      if (performance.now() - started > 600_000) throw new Error('MirrorMaker 2 did not finish within 10 minutes')
      await new Promise((r) => setTimeout(r, 100))
    }
    return { wallSeconds: (performance.now() - (firstRecordAt || started)) / 1000, ...stats }
  } finally {
    child.kill('SIGKILL')
  }
}

function row(name: string, w: Workload, m: Measure, ceiling: Measure, mm2?: Measure): string {
  const mb = (w.records * w.recordSize) / 1e6
  const mbps = mb / m.wallSeconds
  const cpuPerGb = m.cpuSeconds / (mb / 1000)
  const perCpu = (x: Measure) => (mb / x.wallSeconds) / (x.cpuSeconds / x.wallSeconds || 1)
  const cells = [name, mbps.toFixed(1), Math.round(w.records / m.wallSeconds).toLocaleString('en-US'), cpuPerGb.toFixed(1), m.peakRssBytes > 0 ? (m.peakRssBytes / 2 ** 20).toFixed(0) : 'n/a',
    `${((mbps / ((mb / ceiling.wallSeconds))) * 100).toFixed(0)}%`, mm2 ? `${(perCpu(m) / perCpu(mm2)).toFixed(2)}x` : '']
  return `| ${cells.join(' | ')} |`
}

async function main(): Promise<void> {
  await mkdir(runDir, { recursive: true })
  const [source, destination] = await startKafkaClusters(2, { name: 'bench', heap: '1g' })
  const src = new KafkaClusterClient({ bootstrapServers: [source!.bootstrapServers] }, { side: 'source' })
  const dst = new KafkaClusterClient({ bootstrapServers: [destination!.bootstrapServers] }, { side: 'destination' })
  const lines: string[] = []
  try {
    for (const [i, w] of WORKLOADS.entries()) {
      const topic = `bench-${i}`
      await createTopic(src, { name: topic, partitions: PARTITIONS })
      await createTopic(dst, { name: `${topic}-ceiling`, partitions: PARTITIONS })
      process.stderr.write(`bench: ${w.name}: filling the source\n`)
      await producerPerformance(source!, topic, w)
      const ends = await endOffsets(src, topic)
      process.stderr.write(`bench: ${w.name}: ProducerPerformance ceiling on the destination\n`)
      const ceiling = await producerPerformance(destination!, `${topic}-ceiling`, w)
      process.stderr.write(`bench: ${w.name}: clusterlink copier\n`)
      const copier = await clusterlinkCopy(source!, destination!, topic, `${topic}-clusterlink`, ends)
      const tiny = w.producerProps.includes('batch.size=0')
      let coalesced: Measure | undefined
      if (tiny) {
        process.stderr.write(`bench: ${w.name}: clusterlink copier, coalescing on\n`)
        coalesced = await clusterlinkCopy(source!, destination!, topic, `${topic}-clusterlink-coalesced`, ends, 16 << 10)
      }
      process.stderr.write(`bench: ${w.name}: MirrorMaker 2\n`)
      const mm2 = await mirrorMaker(source!, destination!, topic, w.compression, ends, dst)
      lines.push(`**${w.name}** (${w.records.toLocaleString('en-US')} records, ${PARTITIONS} partitions)`, '',
        '| tool | MB/s | records/s | CPU-s per GB | peak RSS (MiB) | vs broker ceiling | MB/s per CPU-s vs MM2 |', '|---|---|---|---|---|---|---|',
        row('ProducerPerformance (ceiling)', w, ceiling, ceiling), row('clusterlink copier', w, copier, ceiling, mm2),
        ...(coalesced ? [row('clusterlink copier, coalescing on', w, coalesced, ceiling, mm2)] : []), row('MirrorMaker 2 (dedicated)', w, mm2, ceiling, mm2), '')
    }
  } finally {
    await src.close()
    await dst.close()
    await Promise.all([source!.stop(), destination!.stop()])
  }
  const table = lines.join('\n')
  await writeFile(join(runDir, 'results.md'), table + '\n')
  process.stdout.write(table + '\n')
}

await main()
