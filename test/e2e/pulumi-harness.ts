// Drives the real Pulumi CLI (built from Go modules, cached outside the repository) through the Automation API with inline programs,
// a file backend and repo-local work dirs; pulumi-cli.ts runs the same CLI on Pulumi.yaml folders as users type it.
import { execFile } from 'node:child_process'
import { mkdir, readdir, readFile, rm } from 'node:fs/promises'
import { join, resolve } from 'node:path'
import { promisify } from 'node:util'
import { LocalWorkspace, PulumiCommand, type PulumiFn, type Stack } from '@pulumi/pulumi/automation/index.js'
import { Kafka, logLevel } from 'kafkajs'
import { EngineClient } from '../../provider/client/index.ts'
import type { LocalStack } from '../../cli/local/local-stack.ts'
import { waitUntil } from '../wait-for.ts'

const repoRoot = resolve(import.meta.dirname, '../..')
const run = promisify(execFile)

/**
 * Builds the Pulumi CLI once (scripts/build-pulumi.sh is idempotent) and puts the dynamic-provider plugin and the
 * project's minimal Node language host next to it (scripts/install-pulumi-language-host.sh); returns the tool root.
 */
export async function pulumiToolRoot(): Promise<string> {
  const { stdout } = await run('bash', [join(repoRoot, 'scripts/install-pulumi-language-host.sh')], { cwd: repoRoot, maxBuffer: 16 * 1024 * 1024 })
  return stdout.trim().split('\n').at(-1)!
}

export interface TestStack {
  readonly stack: Stack
  /** The program's directory: where the dynamic-provider plugin runs. */
  readonly workDir: string
  readonly stateDir: string
  /** Destroys what is left (when asked), removes the stack and its state directory. */
  dispose(options?: { destroy?: boolean }): Promise<void>
}

/**
 * A fresh stack with a unique name, on a file backend under .pulumi-work/ (git-ignored, inside the repository so the
 * dynamic-provider plugin resolves the repository's node_modules). Engine endpoint and token go into stack config, the
 * token as a secret, exactly as a user would set them.
 */
export async function createTestStack(options: {
  readonly projectName: string
  readonly program: PulumiFn
  readonly engine: { readonly url: string; readonly token: string }
  readonly config?: Readonly<Record<string, string>>
}): Promise<TestStack> {
  const root = await pulumiToolRoot()
  const pulumiCommand = await PulumiCommand.get({ root })
  const unique = `${options.projectName}-${Date.now().toString(36)}-${process.pid}`
  const workDir = join(repoRoot, '.pulumi-work', unique)
  const stateDir = join(workDir, 'state')
  await mkdir(stateDir, { recursive: true })
  const stack = await LocalWorkspace.createOrSelectStack(
    { projectName: options.projectName, stackName: 'e2e', program: options.program },
    {
      pulumiCommand,
      workDir,
      pulumiHome: join(repoRoot, '.pulumi-home'),
      projectSettings: { name: options.projectName, runtime: 'nodejs', backend: { url: `file://${stateDir}` } },
      envVars: {
        PULUMI_CONFIG_PASSPHRASE: 'e2e-only',
        PULUMI_SKIP_UPDATE_CHECK: 'true',
        PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION: 'true',
      },
    },
  )
  await stack.setConfig('clusterlink:endpoint', { value: options.engine.url })
  await stack.setConfig('clusterlink:token', { value: options.engine.token, secret: true })
  for (const [key, value] of Object.entries(options.config ?? {})) await stack.setConfig(key, { value })
  return {
    stack,
    workDir,
    stateDir,
    async dispose(disposeOptions = {}) {
      if (disposeOptions.destroy) await stack.destroy().catch(() => undefined)
      await rm(workDir, { recursive: true, force: true })
    },
  }
}

/** A REST client for the local stack's engine: the tests' way to change things behind Pulumi's back and to check what is left. */
export function engineClientOf(local: LocalStack): EngineClient {
  return new EngineClient({ endpoint: local.engine.url, token: local.engine.token, clusterId: local.engine.clusterId })
}

/** Runs `clusterlink verify` (a kafkajs reader, not the engine's code path); resolves with its exit code and JSON result. */
export async function verifyMirror(source: string, destination: string, topic: string, mirrorTopic = topic): Promise<{
  code: number
  result: {
    identical: boolean
    partitions: { partition: number; sourceRecords: number; mirrorRecords: number; sourceEndOffset: string; mirrorEndOffset: string }[]
  } | undefined
  stderr: string
}> {
  try {
    const { stdout, stderr } = await run('node', [join(repoRoot, 'cli/main.ts'), 'verify', '--source-bootstrap', source, '--destination-bootstrap', destination,
      '--topic', topic, '--mirror-topic', mirrorTopic, '--output', 'json', '--idle-ms', '3000', '--timeout-ms', '60000'],
    { cwd: repoRoot, maxBuffer: 64 * 1024 * 1024, timeout: 120_000, killSignal: 'SIGKILL' })
    return { code: 0, result: JSON.parse(stdout), stderr }
  } catch (error) {
    const failed = error as { code?: number; stdout?: string; stderr?: string }
    let result
    try { result = JSON.parse(failed.stdout ?? '') } catch { result = undefined }
    return { code: typeof failed.code === 'number' ? failed.code : 2, result, stderr: failed.stderr ?? String(error) }
  }
}

export type VerifyOutcome = Awaited<ReturnType<typeof verifyMirror>>

/** The mirror holds every source record at its offset: verify found no difference and both sides end at the same offsets. */
export function isFullyMirrored(v: VerifyOutcome, minimumRecords = 1): boolean {
  const partitions = v.result?.partitions ?? []
  return v.code === 0 && v.result?.identical === true && partitions.length > 0 &&
    partitions.every((p) => p.mirrorEndOffset === p.sourceEndOffset && p.mirrorRecords === p.sourceRecords) &&
    partitions.reduce((sum, p) => sum + p.sourceRecords, 0) >= minimumRecords
}

/** Polls until `check` returns a value (not undefined) or `timeoutMs` passes; the error says what was awaited. */
export async function waitFor<T>(what: string, check: () => Promise<T | undefined>, timeoutMs = 60_000): Promise<T> {
  const backoff = (attempt: number): number => Math.min(1000, 100 * 2 ** Math.min(attempt, 4))
  return await waitUntil(what, check, { timeoutMs, intervalMs: backoff, isDone: (value) => value !== undefined }) as T
}

/** A kafkajs client for one cluster (an independent client: not the engine's code path). */
export function kafkaOf(bootstrapServers: string): Kafka {
  return new Kafka({ clientId: 'pulumi-e2e', brokers: [bootstrapServers], logLevel: logLevel.NOTHING, retry: { retries: 5, initialRetryTime: 100 } })
}

export async function createTopics(bootstrapServers: string, topics: readonly string[], numPartitions = 2): Promise<void> {
  const admin = kafkaOf(bootstrapServers).admin()
  await admin.connect()
  try {
    await admin.createTopics({ topics: topics.map((topic) => ({ topic, numPartitions })), waitForLeaders: true })
  } finally {
    await admin.disconnect()
  }
}

export async function deleteTopics(bootstrapServers: string, topics: readonly string[]): Promise<void> {
  const admin = kafkaOf(bootstrapServers).admin()
  await admin.connect()
  try {
    const existing = new Set(await admin.listTopics())
    const present = topics.filter((topic) => existing.has(topic))
    if (present.length > 0) await admin.deleteTopics({ topics: present })
  } finally {
    await admin.disconnect()
  }
}

/** Produces `count` keyed records spread over the partitions; resolves with the base offset of each send per partition. */
export async function produce(
  bootstrapServers: string, topic: string, count: number, tag: string,
): Promise<{ partition: number; baseOffset: string }[]> {
  const producer = kafkaOf(bootstrapServers).producer({ allowAutoTopicCreation: false, idempotent: true, maxInFlightRequests: 1 })
  await producer.connect()
  try {
    const messages = Array.from({ length: count }, (_, i) => ({ key: `${tag}-${i}`, value: `${tag} record ${i}`, headers: { tag } }))
    const metadata = await producer.send({ topic, acks: -1, messages })
    return metadata.map((m) => ({ partition: m.partition, baseOffset: m.baseOffset ?? '-1' }))
  } finally {
    await producer.disconnect()
  }
}

/**
 * Every file of a stack's file backend as stored on disk (secrets encrypted): what a leak check must search, not
 * `stack export --show-secrets`.
 */
export async function readStoredState(stateDir: string): Promise<string> {
  const files = await readdir(stateDir, { recursive: true, withFileTypes: true })
  const texts = await Promise.all(files.filter((f) => f.isFile()).map((f) => readFile(join(f.parentPath, f.name), 'utf8')))
  return texts.join('\n')
}
