// Starts local Apache Kafka clusters plus an engine against the first one: what `clusterlink local up`, the demo and the IaC tests run on.
import { spawn, type ChildProcess } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { mkdir, readFile, rm, writeFile, open, stat } from 'node:fs/promises'
import { join, resolve } from 'node:path'
import { tmpdir } from 'node:os'
import { startKafkaCluster, type KafkaCluster, type KafkaClusterOptions } from './kafka-cluster.ts'

const repoRoot = resolve(import.meta.dirname, '../..')

export interface LocalEngine {
  readonly url: string
  readonly token: string
  /** The destination cluster id: the `cluster_id` in every REST path. */
  readonly clusterId: string
  readonly pid: number
  readonly logFile: string
}

/**
 * The name of the cluster at `index` in a local stack: 0 is `destination` (the engine runs against it), 1 is `source`,
 * and any further ones are more sources named `local-<index>`. `clusterlink local up --json` keeps this order.
 */
export function localClusterName(index: number): string {
  return index === 0 ? 'destination' : index === 1 ? 'source' : `local-${index}`
}

/** Starts `count` clusters in parallel, named by `localClusterName`; stops the ones that started if any fails. */
export async function startLocalClusters(count: number, options: KafkaClusterOptions = {}): Promise<KafkaCluster[]> {
  const results = await Promise.allSettled(
    Array.from({ length: count }, (_, i) => startKafkaCluster({ ...options, name: localClusterName(i) })),
  )
  const failed = results.find((r) => r.status === 'rejected')
  if (failed) {
    await Promise.all(results.map((r) => (r.status === 'fulfilled' ? r.value.stop() : undefined)))
    throw (failed as PromiseRejectedResult).reason
  }
  return results.map((r) => (r as PromiseFulfilledResult<KafkaCluster>).value)
}

export interface LocalStack {
  /** In `localClusterName` order: 0 is the destination the engine runs against, 1 the source, the others more sources. */
  readonly clusters: readonly KafkaCluster[]
  /** `clusters[0]`. */
  readonly destination: KafkaCluster
  /** `clusters[1]`; absent when the stack has one cluster. */
  readonly source?: KafkaCluster
  readonly engine: LocalEngine
  readonly dir: string
  /** Stops the engine, then the clusters, and removes their data. */
  stop(): Promise<void>
}

export interface LocalStackOptions {
  /** Number of Kafka clusters; default 2. */
  readonly clusters?: number
  /** Processes outlive the calling process (for `clusterlink local up`). */
  readonly detached?: boolean
  /** Where cluster data and engine logs go; default a fresh temp directory. */
  readonly dir?: string
  readonly kafka?: KafkaClusterOptions
  /** Extra `clusterlink engine` flags. */
  readonly engineArgs?: readonly string[]
  readonly engineReadyTimeoutMs?: number
}

interface ListeningEvent { event: 'listening'; url: string; clusterId: string }

/** Starts `clusterlink engine` and waits for its `{"event":"listening"}` line on stdout (written to a log file). */
export async function startLocalEngine(options: {
  destination: KafkaCluster
  dir: string
  detached?: boolean
  token?: string
  extraArgs?: readonly string[]
  readyTimeoutMs?: number
}): Promise<{ engine: LocalEngine; child: ChildProcess }> {
  await mkdir(options.dir, { recursive: true })
  const token = options.token ?? randomBytes(24).toString('base64url')
  const keyFile = join(options.dir, 'credentials.key')
  const tokenFile = join(options.dir, 'token')
  await writeFile(keyFile, randomBytes(32).toString('base64'), { mode: 0o600 })
  await writeFile(tokenFile, token, { mode: 0o600 })
  const logFile = join(options.dir, 'engine.log')
  // A reused directory keeps earlier engines' logs: only lines written after this start count.
  const logStart = await stat(logFile).then((s) => s.size, () => 0)
  const out = await open(logFile, 'a')
  const child = spawn(process.execPath, [
    join(repoRoot, 'cli/main.ts'), 'engine',
    '--host', '127.0.0.1', '--port', '0',
    '--destination-bootstrap', options.destination.bootstrapServers,
    '--token-file', tokenFile,
    '--credentials-key-file', keyFile,
    ...(options.extraArgs ?? []),
  ], { stdio: ['ignore', out.fd, out.fd], detached: options.detached ?? false, cwd: repoRoot })
  await out.close()
  if (options.detached) child.unref()
  const deadline = Date.now() + (options.readyTimeoutMs ?? 60_000)
  while (Date.now() < deadline) {
    const text = (await readFile(logFile).catch(() => Buffer.alloc(0))).subarray(logStart).toString('utf8')
    for (const line of text.split('\n')) {
      if (!line.includes('"listening"')) continue
      try {
        const event = JSON.parse(line) as ListeningEvent
        if (event.event === 'listening') {
          return { child, engine: { url: event.url, clusterId: event.clusterId, token, pid: child.pid ?? -1, logFile } }
        }
      } catch { /* not the event line */ }
    }
    if (child.exitCode !== null || child.signalCode !== null) {
      throw new Error(`the engine exited during start (code ${child.exitCode ?? child.signalCode}); log ${logFile}:\n${text.split('\n').slice(-20).join('\n')}`)
    }
    await new Promise((r) => setTimeout(r, 100))
  }
  child.kill('SIGKILL')
  throw new Error(`the engine did not report listening within ${options.readyTimeoutMs ?? 60_000} ms; log ${logFile}`)
}

export async function stopProcess(pid: number, graceMs = 15_000): Promise<void> {
  const alive = () => { try { process.kill(pid, 0); return true } catch { return false } }
  if (pid <= 0 || !alive()) return
  process.kill(pid, 'SIGTERM')
  const deadline = Date.now() + graceMs
  while (alive() && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100))
  if (alive()) process.kill(pid, 'SIGKILL')
  while (alive()) await new Promise((r) => setTimeout(r, 50))
}

export async function startLocalStack(options: LocalStackOptions = {}): Promise<LocalStack> {
  const dir = options.dir ?? join(tmpdir(), `clusterlink-local-${randomBytes(4).toString('hex')}`)
  await mkdir(dir, { recursive: true })
  const clusters = await startLocalClusters(options.clusters ?? 2, {
    ...options.kafka,
    baseDir: join(dir, 'kafka'),
    ...(options.detached ? { detached: true } : {}),
  })
  let engine: LocalEngine
  try {
    ({ engine } = await startLocalEngine({
      destination: clusters[0] as KafkaCluster,
      dir: join(dir, 'engine'),
      ...(options.detached ? { detached: true } : {}),
      ...(options.engineArgs ? { extraArgs: options.engineArgs } : {}),
      ...(options.engineReadyTimeoutMs ? { readyTimeoutMs: options.engineReadyTimeoutMs } : {}),
    }))
  } catch (error) {
    await Promise.all(clusters.map((c) => c.stop()))
    await rm(dir, { recursive: true, force: true })
    throw error
  }
  return {
    clusters, engine, dir,
    destination: clusters[0] as KafkaCluster,
    ...(clusters[1] ? { source: clusters[1] } : {}),
    async stop() {
      await stopProcess(engine.pid)
      await Promise.all(clusters.map((c) => c.stop()))
      await rm(dir, { recursive: true, force: true })
    },
  }
}
