// `clusterlink local up|down`: local Apache Kafka clusters and an engine that outlive the command, like `confluent local`.
import { parseArgs } from 'node:util'
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises'
import { homedir } from 'node:os'
import { join } from 'node:path'
import type { KafkaCluster } from '../local/kafka-cluster.ts'
import { startLocalClusters, startLocalEngine, stopProcess } from '../local/local-stack.ts'

interface SavedStack {
  readonly dir: string
  readonly clusters: { name: string; bootstrapServers: string; pid: number; dir: string; pids?: number[]; brokers?: number }[]
  readonly engine?: { url: string; token: string; clusterId: string; pid: number; logFile: string }
}

const USAGE = `usage: clusterlink local up [--clusters N] [--brokers N] [--no-engine] [--json]
       clusterlink local down

up    starts N single-node Apache Kafka clusters on loopback (default 2) and an engine against
      the destination; prints where they listen, or with --json one object
      {clusters: [{name, bootstrapServers}], engine: {url, token, clusterId}}.
      The clusters always come in this order: clusters[0] is named 'destination' (the engine
      runs against it), clusters[1] 'source', and any more are further sources 'local-2', 'local-3', ...
      --brokers N gives each cluster N brokers (default 1; from 3: replication factor 3, min.insync.replicas 2).
down  stops what 'up' started and removes its data.
The state lives in $CLUSTERLINK_LOCAL_DIR (default $CLUSTERLINK_CACHE/local, else ~/.cache/clusterlink/local).
`

function localDir(): string {
  const cache = process.env.CLUSTERLINK_CACHE || join(process.env.XDG_CACHE_HOME || join(homedir(), '.cache'), 'clusterlink')
  return process.env.CLUSTERLINK_LOCAL_DIR || join(cache, 'local')
}

function isAlive(pid: number): boolean {
  try { process.kill(pid, 0); return true } catch { return false }
}

async function readSaved(): Promise<SavedStack | undefined> {
  try { return JSON.parse(await readFile(join(localDir(), 'stack.json'), 'utf8')) as SavedStack } catch { return undefined }
}

function publicView(saved: SavedStack): object {
  return {
    clusters: saved.clusters.map(({ name, bootstrapServers }) => ({ name, bootstrapServers })),
    ...(saved.engine ? { engine: { url: saved.engine.url, token: saved.engine.token, clusterId: saved.engine.clusterId } } : {}),
  }
}

function printStack(saved: SavedStack, json: boolean): void {
  if (json) { process.stdout.write(JSON.stringify(publicView(saved)) + '\n'); return }
  for (const [i, c] of saved.clusters.entries()) {
    const role = i === 0 ? '(destination cluster: the engine runs against it)' : '(source cluster)'
    process.stdout.write(`${c.name.padEnd(12)} ${c.bootstrapServers}   ${role}\n`)
  }
  if (saved.engine) {
    process.stdout.write(`engine       ${saved.engine.url}   cluster_id ${saved.engine.clusterId}\n`)
    process.stdout.write(`export CLUSTERLINK_URL=${saved.engine.url} CLUSTERLINK_TOKEN=${saved.engine.token}\n`)
  }
}

async function down(): Promise<number> {
  const saved = await readSaved()
  if (!saved) { process.stderr.write('clusterlink local: nothing is running\n'); return 0 }
  if (saved.engine) await stopProcess(saved.engine.pid)
  await Promise.all(saved.clusters.flatMap((c) => (c.pids ?? [c.pid]).map((pid) => stopProcess(pid))))
  await rm(saved.dir, { recursive: true, force: true })
  process.stderr.write(`clusterlink local: stopped ${saved.clusters.length} clusters${saved.engine ? ' and the engine' : ''}\n`)
  return 0
}

async function up(argv: string[]): Promise<number> {
  const { values } = parseArgs({ args: argv, options: {
    clusters: { type: 'string', default: '2' }, brokers: { type: 'string', default: '1' }, json: { type: 'boolean', default: false },
    'no-engine': { type: 'boolean', default: false }, help: { type: 'boolean', default: false },
  } })
  if (values.help) { process.stdout.write(USAGE); return 0 }
  const count = Number(values.clusters)
  if (!Number.isInteger(count) || count < 1 || count > 8) {
    process.stderr.write(`clusterlink local up: --clusters must be a whole number from 1 to 8, got '${values.clusters}'\n`)
    return 2
  }
  const brokers = Number(values.brokers)
  if (!Number.isInteger(brokers) || brokers < 1 || brokers > 5) {
    process.stderr.write(`clusterlink local up: --brokers must be a whole number from 1 to 5, got '${values.brokers}'\n`)
    return 2
  }
  const existing = await readSaved()
  if (existing) {
    const pids = [...existing.clusters.flatMap((c) => c.pids ?? [c.pid]), ...(existing.engine ? [existing.engine.pid] : [])]
    const sameBrokers = existing.clusters.every((c) => (c.brokers ?? 1) === brokers)
    if (pids.every(isAlive) && sameBrokers && existing.clusters.length === count && Boolean(existing.engine) !== values['no-engine']) {
      printStack(existing, values.json)
      return 0
    }
    await down()
  }
  const dir = join(localDir(), 'stack')
  await mkdir(dir, { recursive: true })
  const started = Date.now()
  if (!values.json) process.stderr.write(`clusterlink local: starting ${count} Kafka clusters${values['no-engine'] ? '' : ' and an engine'}...\n`)
  const clusters = await startLocalClusters(count, { baseDir: join(dir, 'kafka'), detached: true, brokers })
  let saved: SavedStack = { dir, clusters: clusters.map((c) => ({
    name: c.name, bootstrapServers: c.bootstrapServers, pid: c.pid, dir: c.dir, pids: [...c.pids], brokers: c.brokers.length,
  })) }
  await writeFile(join(localDir(), 'stack.json'), JSON.stringify(saved, null, 2), { mode: 0o600 })
  if (!values['no-engine']) {
    try {
      const { engine } = await startLocalEngine({ destination: clusters[0] as KafkaCluster, dir: join(dir, 'engine'), detached: true })
      saved = { ...saved, engine }
      await writeFile(join(localDir(), 'stack.json'), JSON.stringify(saved, null, 2), { mode: 0o600 })
    } catch (error) {
      await down()
      throw error
    }
  }
  if (!values.json) process.stderr.write(`clusterlink local: ready in ${((Date.now() - started) / 1000).toFixed(1)} s\n`)
  printStack(saved, values.json)
  return 0
}

export async function run(argv: string[]): Promise<number> {
  const [sub, ...rest] = argv
  if (sub === 'up') return up(rest)
  if (sub === 'down') return down()
  process.stdout.write(USAGE)
  return sub === '--help' || sub === '-h' ? 0 : 2
}
