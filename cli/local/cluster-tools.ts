// Operator actions on a harness cluster: who leads a partition, preferred leader election, partition reassignment.
import { execFile } from 'node:child_process'
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { Kafka, logLevel, type Admin, type PartitionMetadata } from 'kafkajs'

const execFileAsync = promisify(execFile)

/** One partition's new replica list; the first replica is the preferred leader. */
export interface ReassignmentPlanEntry {
  readonly topic: string
  readonly partition: number
  readonly replicas: readonly number[]
}

/** Runs the first of `classes` that exists in the lib dir (tools moved from `kafka.admin` to `org.apache.kafka.tools` in 3.x/4.x). */
export async function runKafkaTool(libDir: string, classes: readonly string[], args: readonly string[]): Promise<string> {
  let lastError: unknown
  for (const cls of classes) {
    try {
      const { stdout } = await execFileAsync('java', ['-Xmx256m', '-cp', `${libDir}/*`, cls, ...args], { maxBuffer: 8 << 20 })
      return stdout
    } catch (error) {
      const stderr = (error as { stderr?: string }).stderr ?? ''
      lastError = new Error(`${cls} failed: ${stderr.trim().split('\n').slice(-5).join('\n') || String(error)}`, { cause: error })
      if (!/Could not find or load main class|ClassNotFoundException/.test(stderr)) throw lastError
    }
  }
  throw lastError ?? new Error('no tool class given')
}

/** The harness's view of a cluster's tools: a PLAINTEXT bootstrap (the internal listener when clients use SASL) and the jars. */
export interface ClusterToolsTarget {
  readonly toolBootstrapServers: string
  readonly libDir: string
}

async function withAdmin<T>(target: ClusterToolsTarget, use: (admin: Admin) => Promise<T>): Promise<T> {
  const kafka = new Kafka({
    clientId: 'clusterlink-harness-tools',
    brokers: target.toolBootstrapServers.split(','),
    logLevel: logLevel.NOTHING,
    connectionTimeout: 3_000,
    retry: { retries: 3, initialRetryTime: 200 },
  })
  const admin = kafka.admin()
  await admin.connect()
  try { return await use(admin) } finally { await admin.disconnect().catch(() => undefined) }
}

/** Current metadata of a topic's partitions, fresh from a broker. */
export async function partitionsOf(target: ClusterToolsTarget, topic: string): Promise<PartitionMetadata[]> {
  return withAdmin(target, async (admin) => {
    const { topics } = await admin.fetchTopicMetadata({ topics: [topic] })
    return [...(topics[0]?.partitions ?? [])].sort((a, b) => a.partitionId - b.partitionId)
  })
}

/** The broker id that leads the partition now, or -1 when it has no leader. */
export async function leaderOf(target: ClusterToolsTarget, topic: string, partition: number): Promise<number> {
  const found = (await partitionsOf(target, topic)).find((p) => p.partitionId === partition)
  if (!found) throw new Error(`topic ${topic} has no partition ${partition}`)
  return found.leader
}

async function waitFor(what: string, timeoutMs: number, check: () => Promise<boolean>): Promise<void> {
  const deadline = Date.now() + timeoutMs
  for (;;) {
    if (await check().catch(() => false)) return
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting until ${what}`)
    await new Promise((r) => setTimeout(r, 250))
  }
}

/**
 * Runs a preferred leader election (Kafka's LeaderElectionCommand) for every partition of `topic`, or of every topic,
 * then waits until each partition whose preferred replica is in sync is led by it.
 */
export async function electPreferredLeaders(target: ClusterToolsTarget, topic?: string, timeoutMs = 60_000): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), 'clusterlink-elect-'))
  try {
    const scope = topic === undefined ? ['--all-topic-partitions'] : await (async () => {
      const partitions = (await partitionsOf(target, topic)).map((p) => ({ topic, partition: p.partitionId }))
      const file = join(dir, 'partitions.json')
      await writeFile(file, JSON.stringify({ partitions }))
      return ['--path-to-json-file', file]
    })()
    await runKafkaTool(target.libDir, ['org.apache.kafka.tools.LeaderElectionCommand', 'kafka.admin.LeaderElectionCommand'],
      ['--bootstrap-server', target.toolBootstrapServers, '--election-type', 'PREFERRED', ...scope])
  } finally {
    await rm(dir, { recursive: true, force: true })
  }
  if (topic === undefined) return
  await waitFor(`the preferred replicas of ${topic} lead`, timeoutMs, async () => (await partitionsOf(target, topic))
    .every((p) => p.replicas[0] === undefined || !p.isr.includes(p.replicas[0]) || p.leader === p.replicas[0]))
}

/** Moves partitions to new replica lists (AlterPartitionReassignments) and waits until the reassignment completed. */
export async function reassignPartitions(
  target: ClusterToolsTarget, plan: readonly ReassignmentPlanEntry[], timeoutMs = 120_000,
): Promise<void> {
  const byTopic = new Map<string, { partition: number; replicas: number[] }[]>()
  for (const entry of plan) {
    byTopic.set(entry.topic, [...(byTopic.get(entry.topic) ?? []), { partition: entry.partition, replicas: [...entry.replicas] }])
  }
  const topics = [...byTopic].map(([topic, partitionAssignment]) => ({ topic, partitionAssignment }))
  await withAdmin(target, (admin) => admin.alterPartitionReassignments({ topics }))
  const sameSet = (a: readonly number[], b: readonly number[]) => a.length === b.length && a.every((x) => b.includes(x))
  await waitFor('the reassignment completed', timeoutMs, async () => {
    const pending = await withAdmin(target, (admin) => admin.listPartitionReassignments({}))
    if (pending.topics.some((t) => byTopic.has(t.topic))) return false
    for (const [topic, entries] of byTopic) {
      const partitions = await partitionsOf(target, topic)
      for (const entry of entries) {
        const found = partitions.find((p) => p.partitionId === entry.partition)
        if (!found || !sameSet(found.replicas, entry.replicas) || !sameSet(found.isr, entry.replicas)) return false
      }
    }
    return true
  })
}
