// The shared part of the authentication tests: an engine on a free port with its REST client and captured logs, tool-side
// admins and producers on the clusters' PLAINTEXT listeners (the independent side needs no credentials), and catch-up waits.
import { Writable } from 'node:stream'
import kafkajs, { type Admin } from 'kafkajs'
import forge from 'node-forge'
import type { KafkaCluster, KafkaClusterSecurity } from '../../../cli/local/kafka-cluster.ts'
import { startKerberosKdc, type KerberosKdc } from '../../../cli/local/kerberos-kdc.ts'
import { verifyTopics, type VerifyResult } from '../../../cli/verify/index.ts'
import { createEngineApp, type EngineApp } from '../../../engine/app.ts'
import { EngineConfigSchema } from '../../../engine/config/index.ts'
import { createLogger } from '../../../engine/logging/index.ts'
import { waitFor } from '../link/fakes.ts'

const { Kafka, logLevel } = kafkajs

export type Json = Record<string, unknown> & { data?: Array<Record<string, unknown>> }
export type LinkConfig = { readonly name: string; readonly value: string }

export interface Answer {
  readonly status: number
  readonly json: Json
  readonly text: string
}

export interface TestEngine {
  readonly app: EngineApp
  /** `http://127.0.0.1:<port>/kafka/v3/clusters/<destination cluster id>`. */
  readonly base: string
  /** Every log line the engine wrote (to check that no secret reaches them). */
  readonly logs: readonly string[]
  /** A REST call with the admin token; `path` is relative to `base`. */
  call(method: string, path: string, body?: unknown): Promise<Answer>
  close(): Promise<void>
}

export interface TestEngineOptions {
  /** The engine config's `destination` section (bootstrap servers and, for these tests, its security settings). */
  readonly destination: Record<string, unknown>
  /** Names the state topic and tokens so that files never share them. */
  readonly run: string
  /** How long the engine waits for the destination to answer at start; default 60 s. */
  readonly destinationWaitMs?: number
}

const tokenOf = (run: string): string => `auth-test-token-${run}-0123456789abcdef`

/** Parses the engine config like `clusterlink engine` does (so a bad section fails here with the schema's message). */
export function testEngineConfig(options: TestEngineOptions): ReturnType<typeof EngineConfigSchema.parse> {
  return EngineConfigSchema.parse({
    destination: options.destination,
    listener: { host: '127.0.0.1', port: 0 }, auth: { tokens: [tokenOf(options.run)] },
    credentialsKey: `auth-credentials-key-${options.run}-0123456789`, stateTopic: `_clusterlink-state-${options.run}`,
  })
}

/** Starts an engine against the destination in `options` and listens on a free loopback port. */
export async function startTestEngine(options: TestEngineOptions): Promise<TestEngine> {
  const logs: string[] = []
  const sink = new Writable({ write(chunk, _encoding, done) { logs.push(String(chunk)); done() } })
  const app = await createEngineApp(testEngineConfig(options), {
    logger: createLogger({ level: 'info', destination: sink }),
    ...(options.destinationWaitMs === undefined ? {} : { destinationWaitMs: options.destinationWaitMs }),
  })
  let base = ''
  try {
    base = `${await app.server.listen({ host: '127.0.0.1', port: 0 })}/kafka/v3/clusters/${app.clusterId}`
  } catch (error) {
    await app.close()
    throw error
  }
  const token = tokenOf(options.run)
  return {
    app, base, logs,
    async call(method, path, body) {
      const response = await fetch(`${base}${path}`, {
        method, headers: { authorization: `Bearer ${token}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      })
      const text = await response.text()
      return { status: response.status, json: (text ? JSON.parse(text) : {}) as Json, text }
    },
    close: () => app.close(),
  }
}

/** A connected kafkajs admin on the cluster's PLAINTEXT tool listener. */
export async function toolAdmin(cluster: KafkaCluster): Promise<Admin> {
  const admin = new Kafka({ brokers: [cluster.toolBootstrapServers], logLevel: logLevel.NOTHING }).admin()
  await admin.connect()
  return admin
}

/** The cluster's id (a link's source_cluster_id). */
export async function clusterIdOf(cluster: KafkaCluster): Promise<string> {
  const admin = await toolAdmin(cluster)
  try {
    return (await admin.describeCluster()).clusterId
  } finally {
    await admin.disconnect()
  }
}

/** Creates `topic` on the source and writes `count` records `k<i>`/`v<i>`, record i to partition i % partitions. */
export async function createTopicWithRecords(cluster: KafkaCluster, topic: string, partitions: number, count: number): Promise<void> {
  const admin = await toolAdmin(cluster)
  try {
    await admin.createTopics({ topics: [{ topic, numPartitions: partitions }] })
  } finally {
    await admin.disconnect()
  }
  const producer = new Kafka({ brokers: [cluster.toolBootstrapServers], logLevel: logLevel.NOTHING }).producer()
  await producer.connect()
  try {
    for (let start = 0; start < count; start += 50) {
      const batch = Array.from({ length: Math.min(50, count - start) }, (_, j) => start + j)
      await producer.send({ topic, messages: batch.map((i) => ({ partition: i % partitions, key: `k${i}`, value: `v${i}` })) })
    }
  } finally {
    await producer.disconnect()
  }
}

/** Waits until every one of the mirror's `partitions` has fetched up to `offset` from the source. */
export async function waitForMirrorCaughtUp(
  engine: TestEngine, link: string, topic: string, partitions: number, offset: number, timeoutMs = 120_000,
): Promise<void> {
  await waitFor(async () => {
    const lags = ((await engine.call('GET', `/links/${link}/mirrors/${topic}`)).json['mirror_lags'] as
      Array<{ last_source_fetch_offset: number }> | undefined) ?? []
    return lags.length === partitions && lags.every((l) => l.last_source_fetch_offset === offset)
  }, `mirror ${link}/${topic} caught up to ${offset}`, timeoutMs)
}

/** Record-by-record comparison through the tool listeners (kafkajs, not the engine's code path). */
export function verifyMirror(source: KafkaCluster, destination: KafkaCluster, topic: string): Promise<VerifyResult> {
  return verifyTopics({ sourceBootstrap: source.toolBootstrapServers, destinationBootstrap: destination.toolBootstrapServers, topic })
}

/** A client CA (for the broker's truststore) and a client certificate it signed, PEM. */
export function clientCertificate(): { ca: string; chain: string; key: string } {
  const sign = (cert: forge.pki.Certificate, key: forge.pki.rsa.PrivateKey) => cert.sign(key, forge.md.sha256.create())
  const make = (publicKey: forge.pki.PublicKey, serial: string, subject: string, issuer: string) => {
    const cert = forge.pki.createCertificate()
    cert.publicKey = publicKey
    cert.serialNumber = serial
    cert.validity.notBefore = new Date(Date.now() - 60_000)
    cert.validity.notAfter = new Date(Date.now() + 86_400_000)
    cert.setSubject([{ name: 'commonName', value: subject }])
    cert.setIssuer([{ name: 'commonName', value: issuer }])
    return cert
  }
  const caKeys = forge.pki.rsa.generateKeyPair(2048)
  const ca = make(caKeys.publicKey, '01', 'mtls client CA', 'mtls client CA')
  ca.setExtensions([{ name: 'basicConstraints', cA: true }, { name: 'keyUsage', keyCertSign: true }])
  sign(ca, caKeys.privateKey)
  const keys = forge.pki.rsa.generateKeyPair(2048)
  const client = make(keys.publicKey, '02', 'clusterlink-engine', 'mtls client CA')
  client.setExtensions([{ name: 'keyUsage', digitalSignature: true, keyEncipherment: true }, { name: 'extKeyUsage', clientAuth: true }])
  sign(client, caKeys.privateKey)
  const key = forge.pki.privateKeyInfoToPem(forge.pki.wrapRsaPrivateKey(forge.pki.privateKeyToAsn1(keys.privateKey)))
  return { ca: forge.pki.certificateToPem(ca), chain: forge.pki.certificateToPem(client), key }
}

export interface KerberosRealm {
  readonly kdc: KerberosKdc
  /** The listener security of a GSSAPI cluster whose brokers log in as kafka/localhost (one keytab for every cluster). */
  readonly brokerSecurity: KafkaClusterSecurity
  /** Stops the KDC and gives KRB5_CONFIG back its value from before. */
  stop(): Promise<void>
}

/**
 * Starts an MIT KDC with the brokers' service principal, and points this process's KRB5_CONFIG at its krb5.conf: the engine
 * finds the KDC there (as it would in /etc/krb5.conf) when neither the link nor the engine config names one.
 */
export async function startKerberosRealm(): Promise<KerberosRealm> {
  const kdc = await startKerberosKdc()
  const previous = process.env['KRB5_CONFIG']
  try {
    const keytab = await kdc.addKeytabPrincipal('kafka/localhost')
    process.env['KRB5_CONFIG'] = kdc.krb5ConfPath
    const brokerSecurity: KafkaClusterSecurity = {
      protocol: 'SASL_PLAINTEXT', mechanism: 'GSSAPI', users: {},
      kerberos: { principal: `kafka/localhost@${kdc.realm}`, keytab, krb5ConfPath: kdc.krb5ConfPath },
    }
    return {
      kdc, brokerSecurity,
      async stop() {
        if (previous === undefined) delete process.env['KRB5_CONFIG']
        else process.env['KRB5_CONFIG'] = previous
        await kdc.stop()
      },
    }
  } catch (error) {
    await kdc.stop()
    throw error
  }
}

/** Every message in an error's cause chain (the Kafka client wraps an authenticator's error in connection errors). */
export function messagesOf(error: unknown): string {
  const seen: string[] = []
  const visit = (value: unknown, depth: number): void => {
    if (!(value instanceof Error) || depth > 8) return
    seen.push(value.message)
    visit(value.cause, depth + 1)
    const nested = (value as { errors?: unknown }).errors
    if (Array.isArray(nested)) for (const inner of nested) visit(inner, depth + 1)
  }
  visit(error, 0)
  return seen.join(' | ')
}
