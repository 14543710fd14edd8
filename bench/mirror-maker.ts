// Starts Apache Kafka MirrorMaker 2 in dedicated mode (connect-mirror) for one source topic, the benchmark's JVM peer.
import { execFile, spawn, type ChildProcess } from 'node:child_process'
import { mkdir, open, readdir, readFile, writeFile } from 'node:fs/promises'
import { join, resolve } from 'node:path'
import { promisify } from 'node:util'

export interface MirrorMakerOptions {
  readonly libDir: string
  readonly sourceBootstrap: string
  readonly destinationBootstrap: string
  /** The one source topic to replicate. */
  readonly topic: string
  /** Connector tasks (MM2's default is 1; the bench gives it one per core, at most one per partition). */
  readonly tasks: number
  /** Compression of MM2's producer to the destination (the scenario's own codec). */
  readonly compression: string
  /** Directory for mm2.properties and mm2.log. */
  readonly dir: string
  /**
   * Maximum Java heap; default 2g, no minimum, so RSS shows what MM2 uses (8 tasks ran out of a 1g heap: every task
   * holds a consumer's fetches and a producer's buffer).
   */
  readonly heap?: string
}

export interface RunningMirrorMaker {
  readonly pid: number
  readonly logFile: string
  /** The topic MM2 writes on the destination. */
  readonly destinationTopic: string
  isRunning(): boolean
  stop(): Promise<void>
  /** The last lines of MM2's log, for error messages. */
  logTail(): Promise<string>
  /** The first line of the log that says a connector task died (MM2 keeps running without it), if any so far. */
  findTaskFailure(): Promise<string | undefined>
}

/** Log lines of a connector task that died (for example of OutOfMemoryError); MM2 itself keeps running. */
const TASK_FAILURE = /Task threw an uncaught and unrecoverable exception|OutOfMemoryError/

/** Source alias: with the default replication policy MM2 writes `src.<topic>`, a fresh topic beside the other contenders' topics. */
export const MM2_SOURCE_ALIAS = 'src'

/**
 * Dedicated mode, one direction, defaults elsewhere (heartbeats, checkpoints and offset syncs stay on, as users run it).
 * The default replication policy names the destination topic `src.<topic>`; the name has no effect on the copy.
 */
export function mirrorMakerProperties(options: MirrorMakerOptions): string {
  const escaped = options.topic.replace(/[.]/g, '\\\\.')
  return [
    `clusters = ${MM2_SOURCE_ALIAS}, dst`,
    `${MM2_SOURCE_ALIAS}.bootstrap.servers = ${options.sourceBootstrap}`,
    `dst.bootstrap.servers = ${options.destinationBootstrap}`,
    `${MM2_SOURCE_ALIAS}->dst.enabled = true`,
    `${MM2_SOURCE_ALIAS}->dst.topics = ${escaped}`,
    `dst->${MM2_SOURCE_ALIAS}.enabled = false`,
    `tasks.max = ${options.tasks}`,
    'replication.factor = 1',
    'checkpoints.topic.replication.factor = 1',
    'heartbeats.topic.replication.factor = 1',
    'offset-syncs.topic.replication.factor = 1',
    'offset.storage.replication.factor = 1',
    'status.storage.replication.factor = 1',
    'config.storage.replication.factor = 1',
    'sync.topic.acls.enabled = false',
    'refresh.topics.interval.seconds = 5',
    `dst.producer.compression.type = ${options.compression}`,
    'dst.producer.acks = all',
    '',
  ].join('\n')
}

/**
 * The jar folder with MirrorMaker 2 (connect-mirror) for the Kafka version of a cluster's lib dir: the clusters' own jars
 * leave it out, so `scripts/fetch-kafka.sh --mirror-maker VERSION` fetches it once into its own cache entry.
 */
export async function fetchMirrorMakerLibDir(clusterLibDir: string): Promise<string> {
  const clients = (await readdir(clusterLibDir)).map((name) => /^kafka-clients-(.+)\.jar$/.exec(name)?.[1]).find(Boolean)
  if (!clients) throw new Error(`no kafka-clients jar in ${clusterLibDir}`)
  const script = resolve(import.meta.dirname, '../scripts/fetch-kafka.sh')
  const { stdout } = await promisify(execFile)('bash', [script, '--mirror-maker', clients], { maxBuffer: 1 << 20 })
  return stdout.trim().split('\n').at(-1) ?? ''
}

export async function startMirrorMaker(options: MirrorMakerOptions): Promise<RunningMirrorMaker> {
  const libDir = await fetchMirrorMakerLibDir(options.libDir)
  await mkdir(options.dir, { recursive: true })
  const propsFile = join(options.dir, 'mm2.properties')
  const logFile = join(options.dir, 'mm2.log')
  const log4jFile = join(options.dir, 'log4j.properties')
  await writeFile(propsFile, mirrorMakerProperties(options))
  await writeFile(log4jFile, [
    'log4j.rootLogger=INFO, stdout',
    'log4j.appender.stdout=org.apache.log4j.ConsoleAppender',
    'log4j.appender.stdout.layout=org.apache.log4j.PatternLayout',
    'log4j.appender.stdout.layout.ConversionPattern=[%d] %p %m (%c)%n',
    '',
  ].join('\n'))
  const out = await open(logFile, 'a')
  const heap = options.heap ?? '2g'
  const child: ChildProcess = spawn('java', [
    `-Xmx${heap}`, '-XX:+UseG1GC', '-Djava.awt.headless=true', `-Dlog4j.configuration=file:${log4jFile}`,
    '-cp', `${libDir}/*`, 'org.apache.kafka.connect.mirror.MirrorMaker', propsFile, '--clusters', 'dst',
  ], { stdio: ['ignore', out.fd, out.fd] })
  await out.close()
  let logOffset = 0
  const isRunning = () => child.exitCode === null && child.signalCode === null
  return {
    pid: child.pid ?? -1,
    logFile,
    destinationTopic: `${MM2_SOURCE_ALIAS}.${options.topic}`,
    isRunning,
    async logTail() {
      const text = await readFile(logFile, 'utf8').catch(() => '')
      return text.split('\n').slice(-25).join('\n')
    },
    async findTaskFailure() {
      // Read only what was appended since the last call: the log grows by megabytes.
      const handle = await open(logFile, 'r')
      try {
        const size = (await handle.stat()).size
        if (size <= logOffset) return undefined
        const buffer = Buffer.alloc(size - logOffset)
        await handle.read(buffer, 0, buffer.length, logOffset)
        logOffset = size
        return buffer.toString('utf8').split('\n').find((line) => TASK_FAILURE.test(line))
      } finally {
        await handle.close()
      }
    },
    async stop() {
      if (!isRunning()) return
      const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()))
      child.kill('SIGTERM')
      const timer = setTimeout(() => child.kill('SIGKILL'), 20_000)
      await exited
      clearTimeout(timer)
    },
  }
}
