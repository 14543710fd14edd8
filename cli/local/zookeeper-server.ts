// Runs a standalone ZooKeeper server for a ZooKeeper-mode harness cluster, from the ZooKeeper jar Kafka's lib dir brings.
import { spawn, type ChildProcess } from 'node:child_process'
import { closeSync, openSync } from 'node:fs'
import { mkdir, readFile, writeFile } from 'node:fs/promises'
import { connect } from 'node:net'
import { join } from 'node:path'

export interface ZooKeeperServerOptions {
  /** Directory for zoo.cfg, the data and zookeeper.log. */
  readonly dir: string
  /** Kafka lib dir; Kafka 2.x/3.x depend on org.apache.zookeeper:zookeeper, so its jar is there. */
  readonly libDir: string
  readonly port: number
  /** Outlives this process (`clusterlink local up`). */
  readonly detached?: boolean
  readonly readyTimeoutMs?: number
  /** log4j 1 configuration file shared with the brokers. */
  readonly log4jFile: string
}

export interface ZooKeeperServer {
  readonly port: number
  /** `127.0.0.1:<port>`, the broker's zookeeper.connect. */
  readonly connect: string
  readonly pid: number
  stop(): Promise<void>
}

/** Sends a four-letter command and returns the answer ('' if the port does not answer). */
function fourLetterWord(port: number, word: string): Promise<string> {
  return new Promise((res) => {
    const socket = connect({ port, host: '127.0.0.1' })
    let answer = ''
    socket.setTimeout(2_000, () => socket.destroy())
    socket.once('connect', () => socket.write(word))
    socket.on('data', (chunk) => { answer += chunk.toString('utf8') })
    socket.once('close', () => res(answer))
    socket.once('error', () => res(''))
  })
}

/** Starts ZooKeeper (`ZooKeeperServerMain`, the class Kafka's zookeeper-server-start.sh runs in standalone mode) and waits for `imok`. */
export async function startZooKeeperServer(options: ZooKeeperServerOptions): Promise<ZooKeeperServer> {
  const { dir, libDir, port } = options
  await mkdir(join(dir, 'data'), { recursive: true })
  const config = join(dir, 'zoo.cfg')
  await writeFile(config, [
    `dataDir=${join(dir, 'data')}`,
    `clientPort=${port}`,
    'clientPortAddress=127.0.0.1',
    'tickTime=2000',
    'maxClientCnxns=0',
    // The admin server would take port 8080; ruok is the readiness probe.
    'admin.enableServer=false',
    '4lw.commands.whitelist=ruok,srvr',
    '',
  ].join('\n'))
  const logFile = join(dir, 'zookeeper.log')
  const fd = openSync(logFile, 'a')
  const child: ChildProcess = spawn('java', [
    '-Xms128m', '-Xmx256m', '-Djava.awt.headless=true', `-Dlog4j.configuration=file:${options.log4jFile}`,
    '-cp', `${libDir}/*`, 'org.apache.zookeeper.server.ZooKeeperServerMain', config,
  ], { stdio: ['ignore', fd, fd], detached: options.detached ?? false })
  closeSync(fd)
  if (options.detached) child.unref()
  const alive = () => child.exitCode === null && child.signalCode === null
  const deadline = Date.now() + (options.readyTimeoutMs ?? 60_000)
  for (;;) {
    if (!alive()) {
      const log = await readFile(logFile, 'utf8').catch(() => '')
      throw new Error(`ZooKeeper exited during start; last log lines:\n${log.split('\n').slice(-20).join('\n')}`)
    }
    if ((await fourLetterWord(port, 'ruok')) === 'imok') break
    if (Date.now() > deadline) {
      child.kill('SIGKILL')
      throw new Error(`ZooKeeper did not answer on 127.0.0.1:${port} (log: ${logFile})`)
    }
    await new Promise((r) => setTimeout(r, 200))
  }
  return {
    port,
    connect: `127.0.0.1:${port}`,
    get pid() { return child.pid ?? -1 },
    async stop() {
      if (!alive()) return
      const exited = new Promise<void>((res) => child.once('exit', () => res()))
      child.kill('SIGTERM')
      const timer = setTimeout(() => child.kill('SIGKILL'), 10_000)
      await exited
      clearTimeout(timer)
    },
  }
}
