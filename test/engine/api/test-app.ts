// Builds an engine app on fakes (in-memory clusters, state store and runners) for fastify inject tests.
import { Writable } from 'node:stream'
import { createEngineApp, type EngineApp } from '../../../engine/app.ts'
import { EngineConfigSchema } from '../../../engine/config/index.ts'
import { createLogger } from '../../../engine/logging/index.ts'
import { MemoryStateStore } from '../../../engine/state/index.ts'
import { FakeCluster, fakeRunnerFactory, type FakeRunner } from '../link/fakes.ts'

export const TOKEN = 'test-token-0123456789abcdef'
export const SOURCE_BOOTSTRAP = 'source.example:9092'

export interface TestApp {
  readonly app: EngineApp
  readonly source: FakeCluster
  readonly destination: FakeCluster
  readonly store: MemoryStateStore
  readonly runners: Map<string, FakeRunner>
  readonly logs: string[]
  readonly base: string
  request(
    method: string, url: string, body?: unknown, headers?: Record<string, string>,
  ): Promise<{ status: number; json: () => unknown; body: string }>
}

export interface TestAppOptions {
  credentialsKey?: string; promoteTimeoutMs?: number; store?: MemoryStateStore; source?: FakeCluster; destination?: FakeCluster
  listenerTls?: { cert: string; key: string }
  /** Replaces the default auth (one admin token and one admin basic pair). */
  auth?: Record<string, unknown>
  api?: Record<string, unknown>
}

export async function buildTestApp(options: TestAppOptions = {}): Promise<TestApp> {
  const source = options.source ?? new FakeCluster('source-cluster-id')
  const destination = options.destination ?? new FakeCluster('destination-cluster-id')
  const store = options.store ?? new MemoryStateStore()
  const logs: string[] = []
  const sink = new Writable({ write(chunk, _encoding, done) { logs.push(String(chunk)); done() } })
  const config = EngineConfigSchema.parse({
    destination: { bootstrapServers: ['destination.example:9092'] },
    auth: options.auth ?? { tokens: [TOKEN], basic: [{ key: 'api-key', secret: 'api-secret-123' }] },
    ...(options.api ? { api: options.api } : {}),
    promoteTimeoutMs: options.promoteTimeoutMs ?? 2000,
    ...(options.listenerTls ? { listener: { host: '127.0.0.1', port: 0, tls: options.listenerTls } } : {}),
    ...(options.credentialsKey ? { credentialsKey: options.credentialsKey } : {}),
  })
  const factory = fakeRunnerFactory()
  const app = await createEngineApp(config, {
    logger: createLogger({ level: 'debug', destination: sink }),
    createAdmin: (connection) => (connection.bootstrapServers[0] === SOURCE_BOOTSTRAP ? source : destination),
    createRunner: factory.create,
    store,
  })
  const base = `/kafka/v3/clusters/${app.clusterId}`
  return {
    app, source, destination, store, runners: factory.runners, logs, base,
    request: async (method, url, body, headers) => {
      const response = await app.server.inject({
        method: method as 'GET', url,
        headers: { authorization: `Bearer ${TOKEN}`, ...(body !== undefined ? { 'content-type': 'application/json' } : {}), ...headers },
        ...(body !== undefined ? { payload: typeof body === 'string' ? body : JSON.stringify(body) } : {}),
      })
      return { status: response.statusCode, body: response.body, json: () => JSON.parse(response.body) as unknown }
    },
  }
}

/** A link create body with the given extra configs. */
export function linkBody(configs: Record<string, string> = {}, sourceClusterId = 'source-cluster-id') {
  return { source_cluster_id: sourceClusterId, configs: Object.entries({ 'bootstrap.servers': SOURCE_BOOTSTRAP, ...configs }).map(([name, value]) => ({ name, value })) }
}
