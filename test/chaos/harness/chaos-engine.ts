// The real engine process under chaos: started, SIGKILLed and restarted against one destination, with a REST client, its log, and
// the waits the chaos tests share.
import type { ChildProcess } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { mkdir, readFile, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import kafkajs from 'kafkajs'
import { startLocalEngine, stopProcess, type LocalEngine } from '../../../cli/local/local-stack.ts'
import type { KafkaCluster } from '../../../cli/local/kafka-cluster.ts'
import { EngineClient, describeMirror, totalLag, type Mirror } from '../../../provider/client/index.ts'
import { waitUntil } from '../../wait-for.ts'

const { Kafka, logLevel } = kafkajs

/** Thrown from a wait when the mirror is FAILED: no retry can fix it, so the wait ends at once. */
export class FailedMirrorError extends Error {
  override readonly name = 'FailedMirrorError'
}

/** Polls `condition` until it returns a truthy value; fails with `what` (and the last error) after timeoutMs. */
export async function waitFor<T>(
  what: string | (() => string), condition: () => Promise<T> | T, timeoutMs = 60_000, intervalMs = 100,
): Promise<NonNullable<T>> {
  const stopOn = (error: unknown): boolean => error instanceof FailedMirrorError
  return await waitUntil(what, condition, { timeoutMs, intervalMs, stopOn }) as NonNullable<T>
}

/** A random delay in [minMs, maxMs): the deliberate, random moment of a kill. */
export function randomMoment(minMs: number, maxMs: number): Promise<void> {
  return new Promise((r) => setTimeout(r, minMs + Math.floor(Math.random() * (maxMs - minMs))))
}

export class ChaosEngine {
  readonly #destination: KafkaCluster
  readonly #dir: string
  readonly #extraArgs: readonly string[]
  readonly #token = randomBytes(24).toString('base64url')
  #engine: LocalEngine | null = null
  #child: ChildProcess | null = null
  #client: EngineClient | null = null
  kills = 0
  starts = 0
  /** How the last engine process ended. */
  lastExit = ''

  /**
   * `destinationBootstrap` overrides the cluster's own address (an engine that reaches it through a proxy);
   * `extraArgs` are more `clusterlink engine` flags.
   */
  constructor(options: { destination: KafkaCluster; dir: string; destinationBootstrap?: string; extraArgs?: readonly string[] }) {
    this.#extraArgs = options.extraArgs ?? []
    this.#destination = options.destinationBootstrap
      ? { ...options.destination, bootstrapServers: options.destinationBootstrap }
      : options.destination
    this.#dir = options.dir
  }

  get client(): EngineClient {
    if (!this.#client) throw new Error('the engine is not running')
    return this.#client
  }

  /** The running engine process's id (for /proc/<pid>/status), undefined when none runs. */
  get pid(): number | undefined {
    return this.#child?.pid
  }

  get isRunning(): boolean {
    return this.#child !== null && this.#child.exitCode === null && this.#child.signalCode === null
  }

  /** The current (last started) engine process's log. */
  get logFile(): string {
    return join(this.#dir, `run-${this.starts}`, 'engine.log')
  }

  #logFiles(): string[] {
    return Array.from({ length: this.starts }, (_, i) => join(this.#dir, `run-${i + 1}`, 'engine.log'))
  }

  /**
   * Starts a new engine process. Each process gets its own directory: startLocalEngine recognises readiness by the
   * first "listening" line in the log, so a log shared across restarts would hand back a dead process's address.
   */
  async start(): Promise<void> {
    this.starts++
    const { engine, child } = await startLocalEngine({ destination: this.#destination, dir: join(this.#dir, `run-${this.starts}`), token: this.#token, extraArgs: this.#extraArgs, readyTimeoutMs: 120_000 })
    this.#engine = engine
    this.#child = child
    child.once('exit', (code, signal) => { this.lastExit = `code ${code} signal ${signal}` })
    this.#client = new EngineClient({ endpoint: engine.url, token: this.#token, clusterId: engine.clusterId, timeoutMs: 20_000 })
  }

  /** SIGKILL: no shutdown hook runs, in-flight requests die with the process. */
  async kill(): Promise<void> {
    const child = this.#child
    this.#client = null
    this.#child = null
    if (!child || child.exitCode !== null || child.signalCode !== null) return
    const exited = new Promise((r) => child.once('exit', r))
    child.kill('SIGKILL')
    await exited
    this.kills++
  }

  async stop(): Promise<void> {
    const pid = this.#engine?.pid
    this.#client = null
    this.#child = null
    if (pid) await stopProcess(pid)
  }

  /** Copies the engine log out of the test's directory (which after() removes); returns where it went. */
  async keepLog(name: string): Promise<string> {
    const target = join(tmpdir(), 'clusterlink-chaos-logs', `${name}-engine.log`)
    await mkdir(join(tmpdir(), 'clusterlink-chaos-logs'), { recursive: true })
    await writeFile(target, (await this.#readLogs()).join('\n'))
    return target
  }

  async #readLogs(): Promise<string[]> {
    return Promise.all(this.#logFiles().map((f, i) => readFile(f, 'utf8').then((text) => `{"run":${i + 1}}\n${text}`, () => '')))
  }

  /** Log lines at warn level or above whose text matches `pattern` (pino JSON: level 40 = warn, 50 = error, 60 = fatal). */
  async logLines(pattern: RegExp = /./, minLevel = 40): Promise<string[]> {
    const text = (await this.#readLogs()).join('\n')
    return text.split('\n').filter((line) => {
      const level = /"level":(\d+)/.exec(line)?.[1]
      return level !== undefined && Number(level) >= minLevel && pattern.test(line)
    })
  }
}

/** The mirror's status line plus the engine's own error message (REST maps engine error codes to UNKNOWN). */
export function describeFailure(mirror: Mirror): string {
  const message = (mirror as Record<string, unknown>).mirror_topic_error_message
  return `${describeMirror(mirror)}${typeof message === 'string' ? `; ${message}` : ''}`
}

/** Per-partition high watermarks of a topic, through kafkajs (independent of the engine's own client). */
export async function highWatermarks(admin: kafkajs.Admin, topic: string): Promise<Map<number, bigint>> {
  return new Map((await admin.fetchTopicOffsets(topic)).map((o) => [o.partition, BigInt(o.high)]))
}

export function kafkajsAdmin(bootstrap: string): kafkajs.Admin {
  return new Kafka({ clientId: 'chaos-admin', brokers: [bootstrap], logLevel: logLevel.NOTHING, retry: { retries: 10 } }).admin()
}

export interface CaughtUpOptions {
  readonly engine: ChaosEngine
  readonly link: string
  readonly topic: string
  readonly partitions: number
  readonly sourceAdmin: kafkajs.Admin
  readonly destinationAdmin: kafkajs.Admin
  readonly timeoutMs?: number
}

/**
 * Waits until the engine reports the mirror ACTIVE with lag 0 on every partition AND the destination's high
 * watermarks equal the source's (read independently). Fails at once when the mirror is FAILED.
 */
export async function waitForMirrorCaughtUp(o: CaughtUpOptions): Promise<Mirror> {
  let mirror: Mirror | undefined
  let ends = ''
  return waitFor(() => `mirror ${o.topic} caught up: ${describeMirror(mirror)}; source/destination ends ${ends}`, async () => {
    if (!o.engine.isRunning) throw new FailedMirrorError(`the engine process exited (${o.engine.lastExit}); log ${o.engine.logFile}`)
    mirror = await o.engine.client.findMirror(o.link, o.topic)
    if (mirror?.mirror_status === 'FAILED') throw new FailedMirrorError(`mirror ${o.topic} FAILED: ${describeFailure(mirror)}`)
    if (!mirror || mirror.mirror_status !== 'ACTIVE' || totalLag(mirror) !== 0 || (mirror.mirror_lags ?? []).length !== o.partitions) return undefined
    const [source, destination] = await Promise.all([highWatermarks(o.sourceAdmin, o.topic), highWatermarks(o.destinationAdmin, o.topic)])
    ends = JSON.stringify([...source].map(([p, s]) => [p, String(s), String(destination.get(p))]))
    return [...source].every(([p, s]) => destination.get(p) === s) ? mirror : undefined
  }, o.timeoutMs ?? 120_000, 250)
}
