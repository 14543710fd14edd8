// Starts and stops single-node KRaft Apache Kafka clusters on loopback from jars cached by scripts/fetch-kafka.sh.
import { spawn, execFile } from 'node:child_process'
import { mkdir, rm, writeFile, readFile } from 'node:fs/promises'
import { createServer, connect } from 'node:net'
import { join, resolve } from 'node:path'
import { tmpdir } from 'node:os'
import { promisify } from 'node:util'
import { randomUUID } from 'node:crypto'
import { generateTlsMaterial } from './certificates.ts'

const execFileAsync = promisify(execFile)
const repoRoot = resolve(import.meta.dirname, '../..')

export const DEFAULT_KAFKA_VERSION = '4.1.1'

export interface KafkaClusterOptions {
  /** Name used in logs and directory names; default `cluster-<random>`. */
  readonly name?: string
  /** Apache Kafka version from Maven Central; default 4.1.1. */
  readonly version?: string
  /** Directory under which the cluster's data lives; default a fresh temp directory. */
  readonly baseDir?: string
  /** Extra broker properties, applied last. */
  readonly brokerConfig?: Readonly<Record<string, string | number | boolean>>
  /** Java heap for the broker; default 512m. */
  readonly heap?: string
  /** How long to wait for the broker to answer; default 90 s. */
  readonly readyTimeoutMs?: number
  /** Client listener security; default PLAINTEXT with no users. */
  readonly security?: KafkaClusterSecurity
  /** Turns on the StandardAuthorizer; the listed principals (user names) are super users. */
  readonly authorizer?: { readonly superUsers: readonly string[] }
  /** Runs the broker in its own process group, so it outlives this process (`clusterlink local up`). */
  readonly detached?: boolean
}

export interface KafkaClusterSecurity {
  /** SASL_SSL generates a CA and a loopback server certificate; SASL_PLAINTEXT has no TLS. */
  readonly protocol: 'SASL_SSL' | 'SASL_PLAINTEXT'
  readonly mechanism: 'PLAIN' | 'SCRAM-SHA-256' | 'SCRAM-SHA-512'
  /** User name to password. */
  readonly users: Readonly<Record<string, string>>
}

export interface KafkaCluster {
  readonly name: string
  readonly version: string
  readonly bootstrapServers: string
  readonly port: number
  readonly controllerPort: number
  readonly dir: string
  readonly pid: number
  readonly libDir: string
  /** The client listener's security protocol. */
  readonly securityProtocol: 'PLAINTEXT' | 'SASL_SSL' | 'SASL_PLAINTEXT'
  readonly saslMechanism?: string
  readonly users: Readonly<Record<string, string>>
  /** The CA certificate (PEM) clients trust, for SASL_SSL clusters. */
  readonly caCertificate?: string
  /** Stops the broker (SIGTERM, then SIGKILL after a grace period) and removes its data unless keepData. */
  stop(options?: { keepData?: boolean }): Promise<void>
  /** Stops the broker process only (data kept) and starts it again on the same ports. */
  restart(): Promise<void>
}

/** Resolves the jar directory for a Kafka version, fetching the jars with Maven once. */
export async function fetchKafka(version: string = DEFAULT_KAFKA_VERSION): Promise<string> {
  try {
    const { stdout } = await execFileAsync('bash', [join(repoRoot, 'scripts/fetch-kafka.sh'), version], { maxBuffer: 1 << 20 })
    return stdout.trim().split('\n').at(-1) ?? ''
  } catch (error) {
    const stderr = (error as { stderr?: string }).stderr ?? ''
    throw new Error(`could not fetch Apache Kafka ${version}: ${stderr.trim() || String(error)}`, { cause: error })
  }
}

export async function findFreePort(): Promise<number> {
  return new Promise((res, rej) => {
    const server = createServer()
    server.unref()
    server.on('error', rej)
    server.listen(0, '127.0.0.1', () => {
      const address = server.address()
      const port = typeof address === 'object' && address ? address.port : 0
      server.close(() => res(port))
    })
  })
}

export async function isPortOpen(port: number, host = '127.0.0.1'): Promise<boolean> {
  return new Promise((res) => {
    const socket = connect({ port, host })
    socket.once('connect', () => { socket.destroy(); res(true) })
    socket.once('error', () => { socket.destroy(); res(false) })
  })
}

function sleep(ms: number): Promise<void> {
  return new Promise((res) => setTimeout(res, ms))
}

async function findStorageToolClass(libDir: string): Promise<{ cls: string; clusterId: string }> {
  for (const cls of ['kafka.tools.StorageTool', 'org.apache.kafka.tools.StorageTool']) {
    try {
      const { stdout } = await execFileAsync('java', ['-cp', `${libDir}/*`, cls, 'random-uuid'])
      const clusterId = stdout.trim().split('\n').at(-1)
      if (clusterId) return { cls, clusterId }
    } catch { /* try the next class name */ }
  }
  throw new Error(`no Kafka StorageTool class in ${libDir}`)
}

function renderProperties(props: Record<string, string | number | boolean>): string {
  return Object.entries(props).map(([k, v]) => `${k}=${String(v)}`).join('\n') + '\n'
}

async function waitForBroker(port: number, logFile: string, pidAlive: () => boolean, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs
  while (Date.now() < deadline) {
    if (!pidAlive()) {
      const log = await readFile(logFile, 'utf8').catch(() => '')
      throw new Error(`Kafka broker exited during start; last log lines:\n${log.split('\n').slice(-30).join('\n')}`)
    }
    if (await isPortOpen(port)) {
      const log = await readFile(logFile, 'utf8').catch(() => '')
      if (/Kafka Server started|\[KafkaRaftServer nodeId=\d+\] Kafka Server started/.test(log)) return
    }
    await sleep(200)
  }
  throw new Error(`Kafka broker did not start within ${timeoutMs} ms (log: ${logFile})`)
}

export async function startKafkaCluster(options: KafkaClusterOptions = {}): Promise<KafkaCluster> {
  const version = options.version ?? DEFAULT_KAFKA_VERSION
  const name = options.name ?? `cluster-${randomUUID().slice(0, 8)}`
  const libDir = await fetchKafka(version)
  const baseDir = options.baseDir ?? join(tmpdir(), 'clusterlink-kafka')
  const dir = join(baseDir, `${name}-${randomUUID().slice(0, 8)}`)
  await mkdir(join(dir, 'data'), { recursive: true })
  const ports = new Set<number>()
  while (ports.size < 3) ports.add(await findFreePort())
  const [port, controllerPort, internalPort] = [...ports] as [number, number, number]
  const security = options.security
  const protocol = security?.protocol ?? 'PLAINTEXT'
  const listenerProps = await securityProperties(dir, { port, internalPort, controllerPort }, security)
  const props: Record<string, string | number | boolean> = {
    'process.roles': 'broker,controller',
    'node.id': 1,
    'controller.quorum.voters': `1@127.0.0.1:${controllerPort}`,
    'controller.listener.names': 'CONTROLLER',
    ...listenerProps.props,
    ...(options.authorizer ? {
      'authorizer.class.name': 'org.apache.kafka.metadata.authorizer.StandardAuthorizer',
      // ANONYMOUS is the principal of the controller and internal PLAINTEXT listeners (loopback only).
      'super.users': ['ANONYMOUS', ...options.authorizer.superUsers].map((u) => `User:${u}`).join(';'),
      'allow.everyone.if.no.acl.found': false,
    } : {}),
    'log.dirs': join(dir, 'data'),
    'num.partitions': 1,
    'offsets.topic.replication.factor': 1,
    'offsets.topic.num.partitions': 4,
    'transaction.state.log.replication.factor': 1,
    'transaction.state.log.min.isr': 1,
    'transaction.state.log.num.partitions': 4,
    'share.coordinator.state.topic.replication.factor': 1,
    'share.coordinator.state.topic.min.isr': 1,
    'group.initial.rebalance.delay.ms': 0,
    'auto.create.topics.enable': false,
    ...options.brokerConfig,
  }
  const propsFile = join(dir, 'server.properties')
  await writeFile(propsFile, renderProperties(props))
  await writeFile(join(dir, 'log4j.properties'), [
    'log4j.rootLogger=INFO, stdout',
    'log4j.appender.stdout=org.apache.log4j.ConsoleAppender',
    'log4j.appender.stdout.layout=org.apache.log4j.PatternLayout',
    'log4j.appender.stdout.layout.ConversionPattern=[%d] %p %m (%c)%n',
    'log4j.logger.kafka=INFO', 'log4j.logger.org.apache.kafka=INFO', 'log4j.logger.state.change.logger=WARN',
    '',
  ].join('\n'))
  const { cls, clusterId } = await findStorageToolClass(libDir)
  const scram = security && security.mechanism !== 'PLAIN'
    ? Object.entries(security.users).flatMap(([user, password]) => ['--add-scram', `${security.mechanism}=[name=${user},password=${password}]`])
    : []
  await execFileAsync('java', ['-cp', `${libDir}/*`, cls, 'format', '-t', clusterId, '-c', propsFile, '--ignore-formatted', ...scram])
  const logFile = join(dir, 'broker.log')
  const heap = options.heap ?? '512m'

  let child = await launch()
  async function launch() {
    const { openSync, closeSync } = await import('node:fs')
    const fd = openSync(logFile, 'a')
    const proc = spawn('java', [
      `-Xms${heap}`, `-Xmx${heap}`, '-XX:+UseG1GC', '-XX:MaxGCPauseMillis=20', '-Djava.awt.headless=true',
      `-Dlog4j.configuration=file:${join(dir, 'log4j.properties')}`, `-Dkafka.logs.dir=${dir}`,
      '-cp', `${libDir}/*`, 'kafka.Kafka', propsFile,
    ], { stdio: ['ignore', fd, fd], detached: options.detached ?? false })
    closeSync(fd)
    if (options.detached) proc.unref()
    await writeFile(join(dir, 'pid'), String(proc.pid))
    const alive = () => proc.exitCode === null && proc.signalCode === null
    try {
      await waitForBroker(port, logFile, alive, options.readyTimeoutMs ?? 90_000)
    } catch (error) {
      proc.kill('SIGKILL')
      throw error
    }
    return proc
  }

  async function stopProcess(): Promise<void> {
    if (child.exitCode !== null || child.signalCode !== null) return
    const exited = new Promise<void>((res) => child.once('exit', () => res()))
    child.kill('SIGTERM')
    const timer = setTimeout(() => child.kill('SIGKILL'), 15_000)
    await exited
    clearTimeout(timer)
  }

  const cluster: KafkaCluster = {
    name, version, port, controllerPort, dir, libDir,
    bootstrapServers: `127.0.0.1:${port}`,
    securityProtocol: protocol,
    users: security?.users ?? {},
    ...(security ? { saslMechanism: security.mechanism } : {}),
    ...(listenerProps.ca ? { caCertificate: listenerProps.ca } : {}),
    get pid() { return child.pid ?? -1 },
    async stop(stopOptions = {}) {
      await stopProcess()
      if (!stopOptions.keepData) await rm(dir, { recursive: true, force: true })
    },
    async restart() {
      await stopProcess()
      child = await launch()
    },
  }
  return cluster
}

/** Starts several independent clusters in parallel; stops the ones that started if any fails. */
export async function startKafkaClusters(count: number, options: KafkaClusterOptions = {}): Promise<KafkaCluster[]> {
  const results = await Promise.allSettled(
    Array.from({ length: count }, (_, i) => startKafkaCluster({ ...options, name: options.name ? `${options.name}-${i}` : `cluster-${i}` })),
  )
  const failed = results.find((r) => r.status === 'rejected')
  if (failed) {
    await Promise.all(results.map((r) => (r.status === 'fulfilled' ? r.value.stop() : undefined)))
    throw (failed as PromiseRejectedResult).reason
  }
  return results.map((r) => (r as PromiseFulfilledResult<KafkaCluster>).value)
}

/** Listener properties: the client listener (PLAINTEXT or SASL), an internal PLAINTEXT listener for the broker itself, the controller. */
async function securityProperties(
  dir: string,
  { port, internalPort, controllerPort }: { port: number; internalPort: number; controllerPort: number },
  security: KafkaClusterSecurity | undefined,
): Promise<{ props: Record<string, string>; ca?: string }> {
  if (!security) {
    return { props: {
      listeners: `PLAINTEXT://127.0.0.1:${port},CONTROLLER://127.0.0.1:${controllerPort}`,
      'advertised.listeners': `PLAINTEXT://127.0.0.1:${port}`,
      'inter.broker.listener.name': 'PLAINTEXT',
      'listener.security.protocol.map': 'CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT',
    } }
  }
  const name = security.protocol.toLowerCase()
  const mech = security.mechanism.toLowerCase()
  const jaas = security.mechanism === 'PLAIN'
    ? `org.apache.kafka.common.security.plain.PlainLoginModule required ${Object.entries(security.users).map(([u, p]) => `user_${u}="${p}"`).join(' ')};`
    : 'org.apache.kafka.common.security.scram.ScramLoginModule required;'
  const props: Record<string, string> = {
    listeners: `${security.protocol}://127.0.0.1:${port},INTERNAL://127.0.0.1:${internalPort},CONTROLLER://127.0.0.1:${controllerPort}`,
    'advertised.listeners': `${security.protocol}://127.0.0.1:${port},INTERNAL://127.0.0.1:${internalPort}`,
    'inter.broker.listener.name': 'INTERNAL',
    'listener.security.protocol.map': `CONTROLLER:PLAINTEXT,INTERNAL:PLAINTEXT,${security.protocol}:${security.protocol}`,
    'sasl.enabled.mechanisms': security.mechanism,
    [`listener.name.${name}.${mech}.sasl.jaas.config`]: jaas,
  }
  if (security.protocol !== 'SASL_SSL') return { props }
  const tls = generateTlsMaterial()
  const keystore = join(dir, 'server-keystore.pem')
  const truststore = join(dir, 'ca.pem')
  await writeFile(keystore, tls.key + tls.certChain, { mode: 0o600 })
  await writeFile(truststore, tls.ca)
  Object.assign(props, {
    'ssl.keystore.type': 'PEM',
    'ssl.keystore.location': keystore,
    'ssl.truststore.type': 'PEM',
    'ssl.truststore.location': truststore,
    'ssl.client.auth': 'none',
  })
  return { props, ca: tls.ca }
}
