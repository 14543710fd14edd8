// Runs one Kafka broker JVM (`kafka.Kafka <server.properties>`) of a harness cluster: start, wait until it serves, stop, SIGKILL.
import { spawn, type ChildProcess } from 'node:child_process'
import { closeSync, openSync } from 'node:fs'
import { open, stat, writeFile } from 'node:fs/promises'
import { connect } from 'node:net'
import { join } from 'node:path'

export interface BrokerProcessOptions {
  /** node.id (KRaft) or broker.id (ZooKeeper). */
  readonly id: number
  readonly libDir: string
  /** Node directory holding server.properties; broker.log and pid are written there. */
  readonly dir: string
  /** Client listener port, probed for readiness. */
  readonly port: number
  readonly log4jFile: string
  readonly heap: string
  readonly readyTimeoutMs: number
  readonly detached: boolean
  /** Extra JVM options, e.g. -Djava.security.krb5.conf for a GSSAPI listener. */
  readonly jvmOptions?: readonly string[]
}

export async function isPortOpen(port: number, host = '127.0.0.1'): Promise<boolean> {
  return new Promise((res) => {
    const socket = connect({ port, host })
    socket.once('connect', () => { socket.destroy(); res(true) })
    socket.once('error', () => { socket.destroy(); res(false) })
  })
}

// KRaft: "[KafkaRaftServer nodeId=1] Kafka Server started"; ZooKeeper mode: "[KafkaServer id=1] started".
const STARTED = /Kafka Server started|\[KafkaServer id=\d+\] started/

async function readFrom(file: string, offset: number): Promise<string> {
  const handle = await open(file, 'r').catch(() => undefined)
  if (!handle) return ''
  try {
    const { size } = await handle.stat()
    if (size <= offset) return ''
    const buffer = Buffer.alloc(size - offset)
    await handle.read(buffer, 0, buffer.length, offset)
    return buffer.toString('utf8')
  } finally {
    await handle.close()
  }
}

/** One broker process; `start()` after `stop()` or `kill()` runs it again on the same ports and data. */
export class BrokerProcess {
  readonly id: number
  readonly port: number
  readonly logFile: string
  readonly #options: BrokerProcessOptions
  #child: ChildProcess | undefined

  constructor(options: BrokerProcessOptions) {
    this.#options = options
    this.id = options.id
    this.port = options.port
    this.logFile = join(options.dir, 'broker.log')
  }

  get pid(): number { return this.#child?.pid ?? -1 }

  get isRunning(): boolean {
    return this.#child !== undefined && this.#child.exitCode === null && this.#child.signalCode === null
  }

  /** Starts the broker and resolves once it logged that it started and its client port accepts connections. */
  async start(): Promise<void> {
    if (this.isRunning) return
    const o = this.#options
    // Only log lines written by this run count as "started".
    const logOffset = await stat(this.logFile).then((s) => s.size, () => 0)
    const fd = openSync(this.logFile, 'a')
    const child = spawn('java', [
      `-Xms${o.heap}`, `-Xmx${o.heap}`, '-XX:+UseG1GC', '-XX:MaxGCPauseMillis=20', '-Djava.awt.headless=true',
      `-Dlog4j.configuration=file:${o.log4jFile}`, `-Dkafka.logs.dir=${o.dir}`, ...(o.jvmOptions ?? []),
      '-cp', `${o.libDir}/*`, 'kafka.Kafka', join(o.dir, 'server.properties'),
    ], { stdio: ['ignore', fd, fd], detached: o.detached })
    closeSync(fd)
    if (o.detached) child.unref()
    this.#child = child
    await writeFile(join(o.dir, 'pid'), String(child.pid))
    const deadline = Date.now() + o.readyTimeoutMs
    for (;;) {
      if (!this.isRunning) {
        const log = await readFrom(this.logFile, logOffset)
        throw new Error(`Kafka broker ${o.id} exited during start; last log lines:\n${log.split('\n').slice(-30).join('\n')}`)
      }
      if (await isPortOpen(o.port) && STARTED.test(await readFrom(this.logFile, logOffset))) return
      if (Date.now() > deadline) {
        await this.kill()
        const log = await readFrom(this.logFile, logOffset)
        const tail = log.split('\n').slice(-15).join('\n')
        throw new Error(`Kafka broker ${o.id} did not start within ${o.readyTimeoutMs} ms; last log lines:\n${tail}`)
      }
      await new Promise((r) => setTimeout(r, 200))
    }
  }

  /** Controlled shutdown (SIGTERM), then SIGKILL after 15 s. */
  async stop(): Promise<void> {
    await this.#signal('SIGTERM', 15_000)
  }

  /** SIGKILL: the broker dies without a controlled shutdown, like a crashed machine. */
  async kill(): Promise<void> {
    await this.#signal('SIGKILL', 0)
  }

  async #signal(signal: NodeJS.Signals, graceMs: number): Promise<void> {
    const child = this.#child
    if (!child || !this.isRunning) return
    const exited = new Promise<void>((res) => child.once('exit', () => res()))
    child.kill(signal)
    const timer = graceMs > 0 ? setTimeout(() => child.kill('SIGKILL'), graceMs) : undefined
    await exited
    clearTimeout(timer)
  }
}
