// Tests of the config table: it covers every field of the schema, each setting loads from env and flags, and the README shows it.
import assert from 'node:assert/strict'
import { readFileSync } from 'node:fs'
import { test } from 'node:test'
import { CONFIG_SETTINGS, configTableMarkdown } from '../../../engine/config/config-table.ts'
import { EngineConfigSchema } from '../../../engine/config/engine-config.ts'
import { loadEngineConfig } from '../../../engine/config/load-engine-config.ts'

interface SchemaDef { readonly type: string; readonly shape?: Record<string, SchemaNode>; readonly innerType?: SchemaNode }
interface SchemaNode { readonly _zod: { readonly def: SchemaDef } }

/** Dot paths of the schema's leaves (objects are walked; optional, default and prefault wrappers are looked through). */
function leafPaths(node: SchemaNode, path: string[] = []): string[] {
  const def = node._zod.def
  if (def.innerType && ['optional', 'default', 'prefault', 'nullable'].includes(def.type)) return leafPaths(def.innerType, path)
  if (def.type === 'object' && def.shape) return Object.entries(def.shape).flatMap(([key, child]) => leafPaths(child, [...path, key]))
  return [path.join('.')]
}

const base = ['--destination-bootstrap', 'd:9092', '--allow-no-auth']

test('CONFIG_SETTINGS should cover every field of the engine config schema, and only those', () => {
  const fields = leafPaths(EngineConfigSchema as unknown as SchemaNode).sort()
  const covered = CONFIG_SETTINGS.flatMap((s) => (s.readPath ? [s.path, s.readPath] : [s.path])).sort()
  assert.ok(fields.includes('replicas.workPartitions'))
  assert.deepEqual(covered, fields)
})

test('CONFIG_SETTINGS should give every setting an environment variable and a flag, each used once', () => {
  for (const s of CONFIG_SETTINGS) assert.ok(s.env.startsWith('CLUSTERLINK_') && (s.flag ?? s.fileFlag) !== undefined, s.path)
  const envs = CONFIG_SETTINGS.map((s) => s.env)
  const flags = CONFIG_SETTINGS.flatMap((s) => [s.flag, s.fileFlag].filter((f) => f !== undefined))
  assert.equal(new Set(envs).size, envs.length)
  assert.equal(new Set(flags).size, flags.length)
})

test('the README config table should equal the one generated from CONFIG_SETTINGS', () => {
  const readme = readFileSync(new URL('../../../README.md', import.meta.url), 'utf8')
  const start = readme.indexOf('\n', readme.indexOf('<!-- config-table: generated')) + 1
  const end = readme.indexOf('\n<!-- config-table: end -->')
  assert.ok(start > 0 && end > start, 'the README has the config-table markers')
  assert.equal(readme.slice(start, end), configTableMarkdown())
})

test('loadEngineConfig should read settings added to the table from env, flags and files, flags winning', () => {
  const files: Record<string, string> = { '/cert.pem': '-----BEGIN CERTIFICATE-----\nx\n', '/secret': 'oauth-secret\n' }
  const config = loadEngineConfig({
    argv: [...base, '--replica-work-partitions', '8', '--job-interval-scale', '0.25', '--destination-tls-cert-file', '/cert.pem',
      '--destination-oauth-client-secret-file', '/secret', '--request-timeout-ms', '5000'],
    env: {
      CLUSTERLINK_REPLICA_WORK_PARTITIONS: '4', CLUSTERLINK_REPLICA_STATUS_INTERVAL_MS: '250',
      CLUSTERLINK_DESTINATION_CLIENT_ID: 'env-client',
      CLUSTERLINK_DESTINATION_SASL_MECHANISM: 'OAUTHBEARER', CLUSTERLINK_DESTINATION_OAUTH_TOKEN_ENDPOINT_URL: 'https://idp.test/token',
      CLUSTERLINK_DESTINATION_OAUTH_CLIENT_ID: 'engine', CLUSTERLINK_DESTINATION_TLS_REJECT_UNAUTHORIZED: 'false',
    },
    readFile: (path) => files[path] ?? '',
  })
  assert.equal(config.replicas.workPartitions, 8)
  assert.equal(config.replicas.statusIntervalMs, 250)
  assert.equal(config.jobIntervalScale, 0.25)
  assert.equal(config.api.requestTimeoutMs, 5000)
  assert.equal(config.destination.clientId, 'env-client')
  assert.equal(config.destination.tls?.cert, '-----BEGIN CERTIFICATE-----\nx')
  assert.equal(config.destination.tls?.rejectUnauthorized, false)
  const oauthBearer = { tokenEndpointUrl: 'https://idp.test/token', clientId: 'engine', clientSecret: 'oauth-secret' }
  assert.deepEqual(config.destination.sasl?.oauthBearer, oauthBearer)
})

test('loadEngineConfig should apply each section default once when the section is absent', () => {
  const config = loadEngineConfig({ argv: base, env: {} })
  assert.deepEqual(config.listener, { host: '127.0.0.1', port: 8090 })
  assert.deepEqual(config.api, { requestTimeoutMs: 30_000, rateLimitPerSecond: 50, rateLimitBurst: 500, sourceNetworks: [] })
  const replicas = { coordination: 'group', sessionTimeoutMs: 10_000, rebalanceTimeoutMs: 30_000, workPartitions: 32,
    statusIntervalMs: 1000 }
  assert.deepEqual(config.replicas, replicas)
  assert.deepEqual(config.auth, { tokens: [], readTokens: [], basic: [], readBasic: [], allowNoAuth: true })
})

test('loadEngineConfig should report a number setting that is not a number, naming where it came from', () => {
  const env = { CLUSTERLINK_REPLICA_WORK_PARTITIONS: 'x' }
  assert.throws(() => loadEngineConfig({ argv: [...base, '--job-interval-scale', 'fast'], env }),
    (e: Error) => e.message.includes("--job-interval-scale: expected a number, got 'fast'")
      && e.message.includes("CLUSTERLINK_REPLICA_WORK_PARTITIONS: expected a whole number, got 'x'"))
})
