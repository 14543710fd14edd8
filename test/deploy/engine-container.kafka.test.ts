// The engine image on real Kafka: builds it with the project script, runs one container configured like the Kubernetes
// Deployment, mirrors a topic through the REST API, stops cleanly on SIGTERM under load and resumes in a new container.
import assert from 'node:assert/strict'
import { execFile } from 'node:child_process'
import { randomUUID } from 'node:crypto'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { after, before, describe, test } from 'node:test'
import { promisify } from 'node:util'
import { Kafka, logLevel, type Admin } from 'kafkajs'
import { findFreePort, startKafkaClusters, type KafkaCluster } from '../../cli/local/kafka-cluster.ts'
import { verifyTopics } from '../../cli/verify/index.ts'
import { podman, startEngineContainer, waitFor, type EngineContainer } from './engine-container.ts'

const run = promisify(execFile)
const root = join(import.meta.dirname, '..', '..')
const version = (JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { version: string }).version
const TOKEN = `container-token-${randomUUID()}`
const CREDENTIALS_KEY = `container-key-${randomUUID()}`
/** Must match the Deployment's default terminationGracePeriodSeconds: podman kills with SIGKILL (exit 137) after it. */
const GRACE_SECONDS = 30

describe('engine container', { timeout: 900_000 }, () => {
  const id = randomUUID().slice(0, 8)
  let image = ''
  let source: KafkaCluster
  let destination: KafkaCluster
  let sourceAdmin: Admin
  let engine: EngineContainer | undefined
  /** Every container this file starts, removed in after() whatever happened. */
  const containers: EngineContainer[] = []
  let clusterBase = ''

  async function api(
    method: string, path: string, body?: unknown, token: string | null = TOKEN,
  ): Promise<{ status: number; json: Record<string, unknown> }> {
    const response = await fetch(`${engine?.url}${path}`, {
      method,
      headers: { ...(token ? { authorization: `Bearer ${token}` } : {}), ...(body ? { 'content-type': 'application/json' } : {}) },
      ...(body ? { body: JSON.stringify(body) } : {}),
    })
    const text = await response.text()
    return { status: response.status, json: (text ? JSON.parse(text) : {}) as Record<string, unknown> }
  }

  async function status(path: string): Promise<number> {
    return fetch(`${engine?.url}${path}`).then((r) => r.status, () => 0)
  }

  before(async () => {
    // The build script installs nothing here (CI runs it once before the tests); a warm build takes seconds.
    const built = await run('bash', [join(root, 'scripts', 'build-image.sh')], { env: { ...process.env, CLUSTERLINK_NO_INSTALL: '1' }, timeout: 600_000, maxBuffer: 64 << 20 })
    image = built.stdout.trim().split('\n').at(-1) ?? ''
    ;[source, destination] = await startKafkaClusters(2, { name: `container-${id}` }) as [KafkaCluster, KafkaCluster]
    sourceAdmin = new Kafka({ brokers: [source.bootstrapServers], logLevel: logLevel.NOTHING }).admin()
    await sourceAdmin.connect()
    const startedAt = Date.now()
    engine = await startEngineContainer({
      image, name: `clusterlink-test-${id}`, destinationBootstrap: destination.bootstrapServers, port: await findFreePort(),
      apiToken: TOKEN, credentialsKey: CREDENTIALS_KEY, stateTopic: `_clusterlink-state-${id}`,
    })
    containers.push(engine)
    await waitFor(async () => (await status('/readyz')) === 200, 'the engine container to be ready', 120_000)
    process.stderr.write(`# engine container: podman run to /readyz 200 in ${Date.now() - startedAt} ms\n`)
    const clusters = await api('GET', '/kafka/v3/clusters')
    const data = clusters.json['data'] as Array<{ cluster_id: string }>
    clusterBase = `/kafka/v3/clusters/${data[0]?.cluster_id}`
  })

  after(async () => {
    for (const container of containers) {
      if (process.env.CLUSTERLINK_TEST_VERBOSE) process.stderr.write((await podman(['logs', container.name]).catch(() => ({ stderr: '' }))).stderr)
      await container.remove()
    }
    await sourceAdmin?.disconnect().catch(() => undefined)
    await Promise.allSettled([source?.stop(), destination?.stop()])
  })

  test('engine image should carry OCI labels with the package version and run as a non-root user', async () => {
    assert.equal(image, `localhost/clusterlink-engine:${version}`)
    const { stdout } = await podman(['image', 'inspect', '--format', '{{json .Config}}', image])
    const config = JSON.parse(stdout) as { User: string; Entrypoint: string[]; Labels: Record<string, string> }
    assert.equal(config.User, '1000:1000')
    assert.deepEqual(config.Entrypoint, ['node', '/app/cli/main.ts', 'engine'])
    assert.equal(config.Labels['org.opencontainers.image.version'], version)
    assert.match(config.Labels['org.opencontainers.image.revision'] ?? '', /^([0-9a-f]{40}|unknown)$/)
  })

  test('engine container should keep its root filesystem read-only and hold no secret in the image', async () => {
    const write = await podman(['exec', engine?.name ?? '', 'sh', '-c', 'touch /app/probe 2>&1; echo $?'])
    assert.notEqual(write.stdout.trim().split('\n').at(-1), '0', 'writing under /app should fail')
    const tmp = await podman(['exec', engine?.name ?? '', 'sh', '-c', 'touch /tmp/probe && echo ok'])
    assert.equal(tmp.stdout.trim(), 'ok')
    // Build secrets (npmrc, a proxy CA) and the npm cache are mounts during the build: none of them may be in a layer.
    const { stdout } = await podman(['run', '--rm', '--user', '0', '--entrypoint', 'sh', image, '-c',
      'ls -A /app; for f in /root/.npmrc /app/.npmrc /run/secrets/ca_bundle /run/secrets/npmrc; do test -e $f && echo found $f; done; ls -A /root/.npm 2>/dev/null | head -3'])
    assert.deepEqual(stdout.trim().split('\n'), ['cli', 'engine', 'node_modules', 'package.json', 'provider'])
  })

  test('engine container should answer /healthz and /readyz without a token and refuse the REST API without one', async () => {
    assert.equal(await status('/healthz'), 200)
    assert.equal(await status('/readyz'), 200)
    assert.equal((await api('GET', '/kafka/v3/clusters', undefined, null)).status, 401)
    assert.equal((await api('GET', '/kafka/v3/clusters', undefined, 'not-the-token-0000000')).status, 401)
    const clusters = await api('GET', '/kafka/v3/clusters')
    assert.equal(clusters.status, 200)
  })

  test('engine container should mirror a topic created through the REST API at identical offsets', async () => {
    const topic = `container-orders-${id}`
    await sourceAdmin.createTopics({ topics: [{ topic, numPartitions: 2 }] })
    const producer = new Kafka({ brokers: [source.bootstrapServers], logLevel: logLevel.NOTHING }).producer()
    await producer.connect()
    await producer.send({ topic, messages: Array.from({ length: 300 }, (_, i) => ({ key: `k${i % 5}`, value: `v${i}`, headers: { n: String(i) } })) })
    await producer.disconnect()
    const { clusterId } = await sourceAdmin.describeCluster()
    const link = await api('POST', `${clusterBase}/links?link_name=container-link`, { source_cluster_id: clusterId, configs: [{ name: 'bootstrap.servers', value: source.bootstrapServers }] })
    assert.equal(link.status, 204, JSON.stringify(link.json))
    const mirror = await api('POST', `${clusterBase}/links/container-link/mirrors`, { source_topic_name: topic })
    assert.equal(mirror.status, 204, JSON.stringify(mirror.json))
    await waitFor(async () => {
      const described = (await api('GET', `${clusterBase}/links/container-link/mirrors/${topic}`)).json
      const lags = (described['mirror_lags'] as Array<{ lag: number; last_source_fetch_offset: number }> | undefined) ?? []
      return described['mirror_status'] === 'ACTIVE' && lags.length === 2 && lags.every((l) => l.lag === 0) && lags.reduce((s, l) => s + l.last_source_fetch_offset, 0) >= 300
    }, `mirror ${topic} to catch up`, 120_000, 500)
    const result = await verifyTopics({
      sourceBootstrap: source.bootstrapServers, destinationBootstrap: destination.bootstrapServers, topic,
    })
    assert.equal(result.identical, true, JSON.stringify(result.firstDifferences))
    assert.equal(result.partitions.reduce((sum, p) => sum + p.mirrorRecords, 0), 300)
    await sourceAdmin.deleteTopics({ topics: [topic] })
  })

  test('engine container should exit 0 on SIGTERM under load, and a new container should resume the mirror with identical records', async () => {
    const topic = `container-payments-${id}`
    await sourceAdmin.createTopics({ topics: [{ topic, numPartitions: 2 }] })
    const producer = new Kafka({ brokers: [source.bootstrapServers], logLevel: logLevel.NOTHING }).producer()
    await producer.connect()
    let produced = 0
    const send = async (count: number): Promise<void> => {
      await producer.send({ topic, messages: Array.from({ length: count }, (_, i) => ({ key: `p${(produced + i) % 11}`, value: `payment-${produced + i}` })) })
      produced += count
    }
    await send(200)
    assert.equal((await api('POST', `${clusterBase}/links/container-link/mirrors`, { source_topic_name: topic })).status, 204)
    await waitFor(async () => (await api('GET', `${clusterBase}/links/container-link/mirrors/${topic}`)).json['mirror_status'] === 'ACTIVE', `mirror ${topic} to be ACTIVE`)
    // Keep the copiers busy while SIGTERM arrives: a producer loop runs until the container has exited.
    let stopping = false
    const load = (async () => { while (!stopping) await send(50) })()
    const old = engine as EngineContainer
    // podman stop sends the image's STOPSIGNAL (SIGTERM), then SIGKILL after the grace period: exit 137 would mean too slow.
    const stopAt = Date.now()
    await podman(['stop', '--time', String(GRACE_SECONDS), old.name], { timeoutMs: (GRACE_SECONDS + 30) * 1000 })
    process.stderr.write(`# engine container: SIGTERM to exit in ${Date.now() - stopAt} ms (grace ${GRACE_SECONDS} s)\n`)
    stopping = true
    await load
    const { stdout } = await podman(['inspect', '--format', '{{.State.ExitCode}}', old.name])
    assert.equal(stdout.trim(), '0')
    const logs = await podman(['logs', old.name])
    assert.match(logs.stderr + logs.stdout, /engine stopped/)
    await send(100)
    await producer.disconnect()

    // A new container on the same state topic loads the link and the mirror and resumes from the destination's log end offset.
    engine = await startEngineContainer({
      image, name: `clusterlink-test-${id}-2`, destinationBootstrap: destination.bootstrapServers, port: await findFreePort(),
      apiToken: TOKEN, credentialsKey: CREDENTIALS_KEY, stateTopic: `_clusterlink-state-${id}`,
    })
    containers.push(engine)
    await old.remove()
    await waitFor(async () => (await status('/readyz')) === 200, 'the new engine container to be ready', 120_000)
    await waitFor(async () => {
      const described = (await api('GET', `${clusterBase}/links/container-link/mirrors/${topic}`)).json
      const lags = (described['mirror_lags'] as Array<{ lag: number; last_source_fetch_offset: number }> | undefined) ?? []
      return described['mirror_status'] === 'ACTIVE' && lags.length === 2 && lags.every((l) => l.lag === 0) && lags.reduce((s, l) => s + l.last_source_fetch_offset, 0) >= produced
    }, `mirror ${topic} to catch up after the restart`, 120_000, 500)
    const result = await verifyTopics({
      sourceBootstrap: source.bootstrapServers, destinationBootstrap: destination.bootstrapServers, topic,
    })
    assert.equal(result.identical, true, JSON.stringify(result.firstDifferences))
    assert.equal(result.partitions.reduce((sum, p) => sum + p.mirrorRecords, 0), produced)
  })

  test('engine image should exit 2 and list every configuration problem when started without configuration', async () => {
    const failed = await podman(['run', '--rm', '--network', 'none', '--read-only', image]).then(
      () => assert.fail('the engine started without a configuration'),
      (error: { code?: number; stderr?: string }) => error,
    )
    assert.equal(failed.code, 2)
    assert.match(failed.stderr ?? '', /invalid engine configuration/)
    assert.match(failed.stderr ?? '', /destination/)
    assert.match(failed.stderr ?? '', /no authentication configured/)
  })
})
