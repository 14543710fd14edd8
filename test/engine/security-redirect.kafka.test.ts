// Proves a token holder cannot make the engine send a link's stored password anywhere: a recording TCP listener in front
// of a SASL PLAIN broker (PLAIN carries the password in clear) sees it only when the credentials come with the request.
import assert from 'node:assert/strict'
import { randomUUID } from 'node:crypto'
import { connect, createServer, type Server, type Socket } from 'node:net'
import { after, before, describe, test } from 'node:test'
import kafkajs from 'kafkajs'
import { startKafkaCluster, type KafkaCluster } from '../../cli/local/kafka-cluster.ts'
import { createEngineApp, type EngineApp } from '../../engine/app.ts'
import { EngineConfigSchema } from '../../engine/config/index.ts'
import { createLogger } from '../../engine/logging/index.ts'
import { waitFor } from './link/fakes.ts'

const { Kafka, logLevel } = kafkajs
const TOKEN = 'redirect-token-0123456789abcdef'
const PASSWORD = 'stored-link-password-9f3c'
const jaas = (password: string) => `org.apache.kafka.common.security.plain.PlainLoginModule required username="linker" password="${password}";`

/** Forwards to a broker and records every byte clients send (what a rogue broker would receive). */
class RecordingListener {
  received = Buffer.alloc(0)
  connections = 0
  port = 0
  readonly #sockets = new Set<Socket>()
  readonly #server: Server

  constructor(target: { host: string; port: number }) {
    this.#server = createServer((client) => {
      this.connections += 1
      const upstream = connect(target)
      for (const socket of [client, upstream]) {
        this.#sockets.add(socket)
        socket.on('error', () => undefined)
        socket.on('close', () => { this.#sockets.delete(socket); client.destroy(); upstream.destroy() })
      }
      client.on('data', (chunk: Buffer) => { this.received = Buffer.concat([this.received, chunk]); upstream.write(chunk) })
      upstream.on('data', (chunk: Buffer) => client.write(chunk))
    })
  }

  async listen(): Promise<this> {
    await new Promise<void>((resolve) => this.#server.listen(0, '127.0.0.1', resolve))
    this.port = (this.#server.address() as { port: number }).port
    return this
  }

  hasSeen(text: string): boolean {
    return this.received.includes(Buffer.from(text))
  }

  reset(): void {
    this.received = Buffer.alloc(0)
    this.connections = 0
  }

  async close(): Promise<void> {
    for (const socket of this.#sockets) socket.destroy()
    await new Promise((resolve) => this.#server.close(resolve))
  }
}

describe('stored credentials cannot be redirected', { timeout: 300_000 }, () => {
  let source: KafkaCluster
  let destination: KafkaCluster
  let app: EngineApp | undefined
  let listener: RecordingListener
  let base = ''
  const run = randomUUID().slice(0, 8)
  const topic = `redirect-${run}`

  async function call(method: string, path: string, body?: unknown): Promise<{ status: number; text: string }> {
    const response = await fetch(`${base}${path}`, {
      method, headers: { authorization: `Bearer ${TOKEN}`, ...(body ? { 'content-type': 'application/json' } : {}) },
      ...(body ? { body: JSON.stringify(body) } : {}),
    })
    return { status: response.status, text: await response.text() }
  }

  const linkConfigs = (bootstrap: string, password?: string) => [
    { name: 'bootstrap.servers', value: bootstrap }, { name: 'security.protocol', value: 'SASL_PLAINTEXT' }, { name: 'sasl.mechanism', value: 'PLAIN' },
    ...(password ? [{ name: 'sasl.jaas.config', value: jaas(password) }] : []),
  ]

  before(async () => {
    [source, destination] = await Promise.all([
      startKafkaCluster({ name: `redir-src-${run}`, security: { protocol: 'SASL_PLAINTEXT', mechanism: 'PLAIN', users: { linker: PASSWORD } } }),
      startKafkaCluster({ name: `redir-dst-${run}` }),
    ])
    listener = await new RecordingListener({ host: '127.0.0.1', port: source.port }).listen()
    const config = EngineConfigSchema.parse({
      destination: { bootstrapServers: [destination.bootstrapServers] }, listener: { host: '127.0.0.1', port: 0 }, auth: { tokens: [TOKEN] },
      credentialsKey: 'redirect-credentials-key-0123456789', stateTopic: `_clusterlink-state-${run}`, replicas: { coordination: 'none' },
    })
    app = await createEngineApp(config, { logger: createLogger({ level: 'silent' }) })
    base = `${await app.server.listen({ host: '127.0.0.1', port: 0 })}/kafka/v3/clusters/${app.clusterId}`
    const kafka = new Kafka({ brokers: [source.bootstrapServers], logLevel: logLevel.NOTHING, sasl: { mechanism: 'plain', username: 'linker', password: PASSWORD } })
    const admin = kafka.admin()
    await admin.connect()
    await admin.createTopics({ topics: [{ topic, numPartitions: 1 }] })
    await admin.disconnect()
  })

  after(async () => {
    await app?.close().catch(() => undefined)
    await listener?.close()
    await Promise.allSettled([source?.stop(), destination?.stop()])
  })

  test('recording listener should see the password when a request sends it there (the probe works)', async () => {
    const res = await call('POST', `/links?link_name=control-${run}`, { configs: linkConfigs(`127.0.0.1:${listener.port}`, PASSWORD) })
    assert.equal(res.status, 204, res.text)
    assert.ok(listener.hasSeen(PASSWORD), 'SASL PLAIN bytes with the password should pass the listener')
    assert.equal((await call('DELETE', `/links/control-${run}`)).status, 200)
    listener.reset()
  })

  test('engine should never send a stored password to a listener a token holder names', async () => {
    const victim = `victim-${run}`
    const evil = `127.0.0.1:${listener.port}`
    assert.equal((await call('POST', `/links?link_name=${victim}`, { configs: linkConfigs(source.bootstrapServers, PASSWORD) })).status, 204)
    assert.equal((await call('POST', `/links/${victim}/mirrors`, { source_topic_name: topic })).status, 204)
    await waitFor(async () => (await call('GET', `/links/${victim}/mirrors/${topic}`)).text.includes('"mirror_status":"ACTIVE"'), 'mirror ACTIVE', 120_000)

    const attempts: Array<[string, string, unknown, number]> = [
      ['POST', `/links/${victim}/configs:alter`, { data: [{ name: 'bootstrap.servers', value: evil }] }, 400],
      ['PUT', `/links/${victim}/configs:alter?validate_only=true`, { data: [{ name: 'bootstrap.servers', value: evil }] }, 400],
      ['PUT', `/links/${victim}/configs/bootstrap.servers`, { value: evil }, 400],
      ['POST', `/links/${victim}/configs:alter`, { data: [{ name: 'bootstrap.servers', value: evil }, { name: 'sasl.jaas.config', value: jaas('guess') }, { name: 'sasl.jaas.config', operation: 'DELETE' }] }, 400],
      ['POST', `/links?link_name=${victim}`, { configs: linkConfigs(evil) }, 409],
      ['POST', `/links?link_name=thief-${run}`, { configs: linkConfigs(evil) }, 400],
    ]
    for (const [method, path, body, status] of attempts) {
      const res = await call(method, path, body)
      assert.equal(res.status, status, `${method} ${path}: ${res.text}`)
    }
    assert.equal(listener.connections, 0, 'nothing was pointed at the listener')
    // Clearing the credentials in the same request is allowed: the engine then goes there without any password.
    const cleared = await call('POST', `/links/${victim}/configs:alter`, { data: [
      { name: 'bootstrap.servers', value: evil }, { name: 'security.protocol', value: 'PLAINTEXT' }, { name: 'sasl.jaas.config', operation: 'DELETE' },
    ] })
    assert.equal(cleared.status, 204, cleared.text)
    await waitFor(() => listener.received.length > 0, 'the engine connects to the listener without credentials', 60_000)
    assert.ok(!listener.hasSeen(PASSWORD), 'the stored password reached the listener')
  })
})
