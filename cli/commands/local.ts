// `clusterlink local up|down`: local Apache Kafka clusters and an engine that outlive the command, like `confluent local`.
import { parseArgs } from 'node:util'
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises'
import { homedir } from 'node:os'
import { join } from 'node:path'
import { startKafkaClusters, type KafkaCluster } from '../local/kafka-cluster.ts'
import { startLocalEngine, stopProcess } from '../local/local-stack.ts'

interface SavedStack {
  readonly dir: string
  readonly clusters: { name: string; bootstrapServers: string; pid: number; dir: string }[]
  readonly engine?: { url: string; token: string; clusterId: string; pid: number; logFile: string }
}

const USAGE = `usage: clusterlink local up [--clusters N] [--no-engine] [--json]
       clusterlink local down

up    starts N single-node Apache Kafka clusters on loopback (default 2) and an engine against
      the first (the destination); prints where they listen, or with --json one object
      {clusters: [{name, bootstrapServers}], engine: {url, token, clusterId}}.
down  stops what 'up' started and removes its data.
The state lives in $CLUSTERLINK_LOCAL_DIR (default ~/.cache/clusterlink/local).
`

function localDir(): string {
  return process.env.CLUSTERLINK_LOCAL_DIR ?? join(process.env.XDG_CACHE_HOME ?? join(homedir(), '.cache'), 'clusterlink', 'local')
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
    process.stdout.write(`${c.name.padEnd(12)} ${c.bootstrapServers}${i === 0 ? '   (destination)' : '   (source)'}\n`)
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
  await Promise.all(saved.clusters.map((c) => stopProcess(c.pid)))
  await rm(saved.dir, { recursive: true, force: true })
  process.stderr.write(`clusterlink local: stopped ${saved.clusters.length} clusters${saved.engine ? ' and the engine' : ''}\n`)
  return 0
}

async function up(argv: string[]): Promise<number> {
  const { values } = parseArgs({ args: argv, options: {
    clusters: { type: 'string', default: '2' }, json: { type: 'boolean', default: false },
    'no-engine': { type: 'boolean', default: false }, help: { type: 'boolean', default: false },
  } })
  if (values.help) { process.stdout.write(USAGE); return 0 }
  const count = Number(values.clusters)
  if (!Number.isInteger(count) || count < 1 || count > 8) {
    process.stderr.write(`clusterlink local up: --clusters must be a whole number from 1 to 8, got '${values.clusters}'\n`)
    return 2
  }
  const existing = await readSaved()
  if (existing) {
    const pids = [...existing.clusters.map((c) => c.pid), ...(existing.engine ? [existing.engine.pid] : [])]
    if (pids.every(isAlive) && existing.clusters.length === count && Boolean(existing.engine) !== values['no-engine']) {
      printStack(existing, values.json)
      return 0
    }
    await down()
  }
  const dir = join(localDir(), 'stack')
  await mkdir(dir, { recursive: true })
  const started = Date.now()
  if (!values.json) process.stderr.write(`clusterlink local: starting ${count} Kafka clusters${values['no-engine'] ? '' : ' and an engine'}...\n`)
  const clusters = await startKafkaClusters(count, { baseDir: join(dir, 'kafka'), detached: true, name: 'local' })
  let saved: SavedStack = { dir, clusters: clusters.map((c) => ({ name: c.name, bootstrapServers: c.bootstrapServers, pid: c.pid, dir: c.dir })) }
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
