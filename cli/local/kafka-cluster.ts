// Starts and stops Apache Kafka clusters on loopback from jars cached by scripts/fetch-kafka.sh: one or N brokers, KRaft or ZooKeeper.
//
// Usage:
//   startKafkaCluster()                                          single-node KRaft 4.1.1 (the default)
//   startKafkaCluster({ version: '2.8.2' })                      ZooKeeper mode (versions without KRaft get it automatically)
//   startKafkaCluster({ version: '3.9.1', mode: 'zookeeper' })   ZooKeeper mode on a version that also has KRaft
//   startKafkaCluster({ brokers: 3 })                            3 brokers, 3-voter KRaft quorum, RF 3, min.insync.replicas 2
//   cluster.brokers[i].kill() / .start(), cluster.leaderOf(t, p), cluster.electPreferredLeaders(t), cluster.reassignPartitions(plan)
import { execFile } from 'node:child_process'
import { mkdir, rm, writeFile } from 'node:fs/promises'
import { createServer } from 'node:net'
import { join, resolve } from 'node:path'
import { tmpdir } from 'node:os'
import { promisify } from 'node:util'
import { randomUUID } from 'node:crypto'
import { generateTlsMaterial, type SubjectAltNames } from './certificates.ts'
import { BrokerProcess } from './broker-process.ts'
import { brokerProperties, renderProperties, type ListenerSecurity, type NodePorts, type ProxiedListener } from './broker-properties.ts'
import { resolveClusterMode, type KafkaClusterMode } from './cluster-mode.ts'
import { electPreferredLeaders, leaderOf, reassignPartitions, runKafkaTool, type ReassignmentPlanEntry } from './cluster-tools.ts'
import { startZooKeeperServer, type ZooKeeperServer } from './zookeeper-server.ts'

export { isPortOpen } from './broker-process.ts'
export type { KafkaClusterMode } from './cluster-mode.ts'
export type { ReassignmentPlanEntry } from './cluster-tools.ts'

const execFileAsync = promisify(execFile)
const repoRoot = resolve(import.meta.dirname, '../..')

export const DEFAULT_KAFKA_VERSION = '4.1.1'

export interface KafkaClusterOptions {
  /** Name used in logs and directory names; default `cluster-<random>`. */
  readonly name?: string
  /** Apache Kafka version from Maven Central; default 4.1.1. */
  readonly version?: string
  /** KRaft (default where the version has it, 3.3+) or ZooKeeper (2.x, 3.x; the default before 3.3). */
  readonly mode?: KafkaClusterMode
  /** Number of brokers; default 1. KRaft: every broker is also a controller voter. ZooKeeper: one ZooKeeper for all. */
  readonly brokers?: number
  /** Directory under which the cluster's data lives; default a fresh temp directory. */
  readonly baseDir?: string
  /** Extra broker properties, applied last (they override the replication defaults too). */
  readonly brokerConfig?: Readonly<Record<string, string | number | boolean>>
  /** Java heap per broker; default 512m (384m from 3 brokers). */
  readonly heap?: string
  /** How long to wait for a broker to answer; default 90 s (180 s with several brokers). */
  readonly readyTimeoutMs?: number
  /** Client listener security; default PLAINTEXT with no users. */
  readonly security?: KafkaClusterSecurity
  /** Turns on the authorizer (StandardAuthorizer or AclAuthorizer); the listed principals (user names) are super users. */
  readonly authorizer?: { readonly superUsers: readonly string[] }
  /** Runs the processes in their own process group, so they outlive this process (`clusterlink local up`). */
  readonly detached?: boolean
  /** One broker, PLAINTEXT only: a second listener advertised at a proxy's port (the benchmark's delaying proxy). */
  readonly proxiedListener?: ProxiedListener
}

export interface KafkaClusterSecurity {
  /** SASL_SSL generates a CA and a loopback server certificate; SASL_PLAINTEXT has no TLS. */
  readonly protocol: 'SASL_SSL' | 'SASL_PLAINTEXT'
  readonly mechanism: 'PLAIN' | 'SCRAM-SHA-256' | 'SCRAM-SHA-512' | 'GSSAPI' | 'OAUTHBEARER'
  /** User name to password. */
  readonly users: Readonly<Record<string, string>>
  /** SASL_SSL: the names in the brokers' certificate; default localhost and 127.0.0.1 (tests of host name verification change them). */
  readonly tlsAltNames?: SubjectAltNames
  /** GSSAPI: the broker principal (service/host@REALM), its keytab, and the krb5.conf naming the KDC (kerberos-kdc.ts). */
  readonly kerberos?: { readonly principal: string; readonly keytab: string; readonly krb5ConfPath: string }
}

/** One broker of a cluster. */
export interface KafkaBroker {
  /** node.id (KRaft) or broker.id (ZooKeeper), from 1. */
  readonly id: number
  /** Its client listener port. */
  readonly port: number
  /** The JVM's pid, -1 before the first start. */
  readonly pid: number
  readonly isRunning: boolean
  /** Controlled shutdown (SIGTERM); data kept. */
  stop(): Promise<void>
  /** SIGKILL, like a crashed machine; data kept. */
  kill(): Promise<void>
  /** Starts it again on the same ports and data; resolves once it serves. */
  start(): Promise<void>
}

export interface KafkaCluster {
  readonly name: string
  readonly version: string
  readonly mode: KafkaClusterMode
  /** Every broker's client listener, comma-separated. */
  readonly bootstrapServers: string
  /** PLAINTEXT listeners (internal ones when clients use SASL), for harness tools and inter-broker traffic. */
  readonly toolBootstrapServers: string
  /** The first broker's client port. */
  readonly port: number
  /** The first node's KRaft controller port; 0 in ZooKeeper mode. */
  readonly controllerPort: number
  /** ZooKeeper mode: the ensemble's connect string. */
  readonly zookeeperConnect?: string
  readonly dir: string
  /** The first broker's pid. */
  readonly pid: number
  /** Every process of the cluster (brokers, then ZooKeeper). */
  readonly pids: readonly number[]
  readonly brokers: readonly KafkaBroker[]
  readonly libDir: string
  /** The client listener's security protocol. */
  readonly securityProtocol: 'PLAINTEXT' | 'SASL_SSL' | 'SASL_PLAINTEXT'
  readonly saslMechanism?: string
  readonly users: Readonly<Record<string, string>>
  /** The CA certificate (PEM) clients trust, for SASL_SSL clusters. */
  readonly caCertificate?: string
  /** Kills every process and removes the data; with keepData, stops them gracefully (SIGTERM, SIGKILL after 15 s) instead. */
  stop(options?: { keepData?: boolean }): Promise<void>
  /** Stops every broker (data kept) and starts them again on the same ports. */
  restart(): Promise<void>
  /** The broker id leading the partition now, -1 if none. */
  leaderOf(topic: string, partition: number): Promise<number>
  /** Preferred leader election for the topic's partitions (all topics without one); waits until it took effect. */
  electPreferredLeaders(topic?: string): Promise<void>
  /** Moves partitions to new replica lists and waits until the reassignment completed. */
  reassignPartitions(plan: readonly ReassignmentPlanEntry[]): Promise<void>
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

// Kafka 2.x/3.x log through log4j 1 (reload4j); fetch-kafka.sh adds the slf4j-reload4j binding to 4.x too.
const LOG4J = [
  'log4j.rootLogger=INFO, stdout',
  'log4j.appender.stdout=org.apache.log4j.ConsoleAppender',
  'log4j.appender.stdout.layout=org.apache.log4j.PatternLayout',
  'log4j.appender.stdout.layout.ConversionPattern=[%d] %p %m (%c)%n',
  'log4j.logger.kafka=INFO', 'log4j.logger.org.apache.kafka=INFO', 'log4j.logger.state.change.logger=WARN',
  'log4j.logger.org.apache.zookeeper=WARN', '',
].join('\n')

async function uniquePorts(count: number): Promise<number[]> {
  const ports = new Set<number>()
  while (ports.size < count) ports.add(await findFreePort())
  return [...ports]
}

/** Validates the options a caller can get wrong, before anything starts. */
function checkOptions(options: KafkaClusterOptions): number {
  const brokers = options.brokers ?? 1
  if (!Number.isInteger(brokers) || brokers < 1 || brokers > 9) {
    throw new Error(`brokers must be a whole number from 1 to 9, got ${String(options.brokers)}`)
  }
  if (options.proxiedListener && brokers !== 1) throw new Error('a proxied listener needs a one-broker cluster')
  return brokers
}

export async function startKafkaCluster(options: KafkaClusterOptions = {}): Promise<KafkaCluster> {
  const version = options.version ?? DEFAULT_KAFKA_VERSION
  const brokerCount = checkOptions(options)
  const mode = resolveClusterMode(version, options.mode)
  const name = options.name ?? `cluster-${randomUUID().slice(0, 8)}`
  const libDir = await fetchKafka(version)
  const dir = join(options.baseDir ?? join(tmpdir(), 'clusterlink-kafka'), `${name}-${randomUUID().slice(0, 8)}`)
  await mkdir(dir, { recursive: true })
  const log4jFile = join(dir, 'log4j.properties')
  await writeFile(log4jFile, LOG4J)
  const security = options.security
  const ids = Array.from({ length: brokerCount }, (_, i) => i + 1)
  // Per node: client port, then the internal port (with security), then the controller port (KRaft).
  const perNode = 1 + (security ? 1 : 0) + (mode === 'kraft' ? 1 : 0)
  const allPorts = await uniquePorts(perNode * brokerCount + (mode === 'zookeeper' ? 1 : 0))
  const nodePorts: NodePorts[] = ids.map((_, i) => {
    const [port, ...rest] = allPorts.slice(i * perNode, (i + 1) * perNode) as [number, ...number[]]
    return {
      port,
      ...(security ? { internalPort: rest.shift() } : {}),
      ...(mode === 'kraft' ? { controllerPort: rest.shift() } : {}),
    }
  })
  const listenerSecurity = await prepareSecurity(dir, security)
  const nodeDirOf = (id: number) => (brokerCount === 1 ? dir : join(dir, `broker-${id}`))
  let zookeeper: ZooKeeperServer | undefined
  const processes: BrokerProcess[] = []
  const stopAll = async () => {
    await Promise.all(processes.map((p) => p.stop()))
    await zookeeper?.stop()
  }
  try {
    if (mode === 'zookeeper') {
      zookeeper = await startZooKeeperServer({
        dir: join(dir, 'zookeeper'), libDir, port: allPorts.at(-1) as number, log4jFile,
        ...(options.detached ? { detached: true } : {}),
      })
    }
    const quorumVoters = ids.map((id, i) => `${id}@127.0.0.1:${nodePorts[i]?.controllerPort}`).join(',')
    for (const [i, id] of ids.entries()) {
      const nodeDir = nodeDirOf(id)
      await mkdir(join(nodeDir, 'data'), { recursive: true })
      await writeFile(join(nodeDir, 'server.properties'), renderProperties(brokerProperties({
        mode, id, ports: nodePorts[i] as NodePorts, logDir: join(nodeDir, 'data'), brokers: brokerCount,
        ...(mode === 'kraft' ? { quorumVoters } : { zookeeperConnect: zookeeper?.connect ?? '' }),
        ...(listenerSecurity ? { security: listenerSecurity } : {}),
        ...(options.authorizer ? { authorizer: options.authorizer } : {}),
        ...(options.proxiedListener ? { proxiedListener: options.proxiedListener } : {}),
        ...(options.brokerConfig ? { brokerConfig: options.brokerConfig } : {}),
      })))
    }
    await prepareMetadata(mode, libDir, ids.map(nodeDirOf), security, zookeeper)
    for (const [i, id] of ids.entries()) {
      processes.push(new BrokerProcess({
        id, libDir, dir: nodeDirOf(id), port: (nodePorts[i] as NodePorts).port, log4jFile,
        heap: options.heap ?? (brokerCount >= 3 ? '384m' : '512m'),
        readyTimeoutMs: options.readyTimeoutMs ?? 90_000 * Math.min(brokerCount, 2), detached: options.detached ?? false,
        ...(security?.kerberos ? { jvmOptions: [`-Djava.security.krb5.conf=${security.kerberos.krb5ConfPath}`] } : {}),
      }))
    }
    // KRaft brokers only report started once a majority of voters runs, so all start together.
    await Promise.all(processes.map((p) => p.start()))
  } catch (error) {
    await stopAll().catch(() => undefined)
    await rm(dir, { recursive: true, force: true })
    throw error
  }
  const toolBootstrapServers = nodePorts.map((p) => `127.0.0.1:${p.internalPort ?? p.port}`).join(',')
  const tools = { toolBootstrapServers, libDir }
  const first = processes[0] as BrokerProcess
  return {
    name, version, mode, dir, libDir, toolBootstrapServers,
    bootstrapServers: nodePorts.map((p) => `127.0.0.1:${p.port}`).join(','),
    port: first.port,
    controllerPort: nodePorts[0]?.controllerPort ?? 0,
    ...(zookeeper ? { zookeeperConnect: zookeeper.connect } : {}),
    brokers: processes,
    securityProtocol: security?.protocol ?? 'PLAINTEXT',
    users: security?.users ?? {},
    ...(security ? { saslMechanism: security.mechanism } : {}),
    ...(listenerSecurity?.ca ? { caCertificate: listenerSecurity.ca } : {}),
    get pid() { return first.pid },
    get pids() { return [...processes.map((p) => p.pid), ...(zookeeper ? [zookeeper.pid] : [])].filter((p) => p > 0) },
    async stop(stopOptions = {}) {
      if (stopOptions.keepData) { await stopAll(); return }
      // Data about to be removed needs no controlled shutdown (which stalls while a KRaft quorum shuts down together).
      await Promise.all(processes.map((p) => p.kill()))
      await zookeeper?.stop()
      await rm(dir, { recursive: true, force: true })
    },
    async restart() {
      await Promise.all(processes.map((p) => p.stop()))
      await Promise.all(processes.map((p) => p.start()))
    },
    leaderOf: (topic, partition) => leaderOf(tools, topic, partition),
    electPreferredLeaders: (topic) => electPreferredLeaders(tools, topic),
    reassignPartitions: (plan) => reassignPartitions(tools, plan),
  }
}

/** Starts several independent clusters in parallel; stops the ones that started if any fails. */
export async function startKafkaClusters(count: number, options: KafkaClusterOptions = {}): Promise<KafkaCluster[]> {
  const results = await Promise.allSettled(
    Array.from({ length: count }, (_, i) => startKafkaCluster({
      ...options, name: options.name ? `${options.name}-${i}` : `cluster-${i}`,
    })),
  )
  const failed = results.find((r) => r.status === 'rejected')
  if (failed) {
    await Promise.all(results.map((r) => (r.status === 'fulfilled' ? r.value.stop() : undefined)))
    throw (failed as PromiseRejectedResult).reason
  }
  return results.map((r) => (r as PromiseFulfilledResult<KafkaCluster>).value)
}

/** Writes the TLS material a SASL_SSL listener needs (one loopback certificate shared by all brokers). */
async function prepareSecurity(
  dir: string, security: KafkaClusterSecurity | undefined,
): Promise<(ListenerSecurity & { ca?: string }) | undefined> {
  if (!security) return undefined
  if (security.protocol !== 'SASL_SSL') return { ...security }
  const tls = generateTlsMaterial('localhost', security.tlsAltNames)
  const keystore = join(dir, 'server-keystore.pem')
  const truststore = join(dir, 'ca.pem')
  await writeFile(keystore, tls.key + tls.certChain, { mode: 0o600 })
  await writeFile(truststore, tls.ca)
  return { ...security, tls: { keystore, truststore }, ca: tls.ca }
}

/**
 * KRaft: formats every node's log dir with one cluster id (and SCRAM users). ZooKeeper: SCRAM users go into ZooKeeper
 * before the brokers start (kafka-configs --zookeeper, kept for exactly this bootstrap case in 3.x, KIP-554).
 */
async function prepareMetadata(
  mode: KafkaClusterMode, libDir: string, nodeDirs: readonly string[],
  security: KafkaClusterSecurity | undefined, zookeeper: ZooKeeperServer | undefined,
): Promise<void> {
  const scramUsers = security?.mechanism.startsWith('SCRAM-') ? Object.entries(security.users) : []
  if (mode === 'zookeeper') {
    for (const [user, password] of scramUsers) {
      await runKafkaTool(libDir, ['kafka.admin.ConfigCommand'], [
        '--zookeeper', zookeeper?.connect ?? '', '--alter', '--entity-type', 'users', '--entity-name', user,
        '--add-config', `${security?.mechanism}=[iterations=4096,password=${password}]`,
      ])
    }
    return
  }
  const { cls, clusterId } = await findStorageToolClass(libDir)
  const scram = scramUsers.flatMap(([user, password]) => ['--add-scram', `${security?.mechanism}=[name=${user},password=${password}]`])
  await Promise.all(nodeDirs.map((nodeDir) => execFileAsync('java', [
    '-cp', `${libDir}/*`, cls, 'format', '-t', clusterId, '-c', join(nodeDir, 'server.properties'), '--ignore-formatted', ...scram,
  ])))
}
