// Engine tests with a destination that requires client certificates (ssl.client.auth=required): the engine presents
// destination.tls.cert/key and mirrors into it; without a certificate, or with one of a CA the brokers do not trust, it
// refuses to start at once with an error that names the destination and its TLS client certificate.
import assert from 'node:assert/strict'
import { randomUUID } from 'node:crypto'
import { mkdtemp, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, before, describe, test } from 'node:test'
import { startKafkaCluster, type KafkaCluster } from '../../../cli/local/kafka-cluster.ts'
import { isEngineError } from '../../../engine/errors.ts'
import {
  clientCertificate, clusterIdOf, createTopicWithRecords, startTestEngine, verifyMirror, waitForMirrorCaughtUp, type TestEngine,
} from './auth-harness.ts'

const ENGINE_PASSWORD = 'mtls-engine-password-9'

describe('engine with an mTLS destination', { timeout: 600_000 }, () => {
  let source: KafkaCluster
  let destination: KafkaCluster
  let engine: TestEngine | undefined
  let client: { ca: string; chain: string; key: string }
  const run = randomUUID().slice(0, 8)
  const destinationWith = (certificate?: { chain: string; key: string }) => ({
    bootstrapServers: [destination.bootstrapServers],
    sasl: { mechanism: 'PLAIN', username: 'engine', password: ENGINE_PASSWORD },
    tls: { ca: destination.caCertificate, ...(certificate ? { cert: certificate.chain, key: certificate.key } : {}) },
  })

  /** Starts an engine that must fail; the error it failed with and how long that took. */
  const failedStart = async (name: string, certificate?: { chain: string; key: string }) => {
    const started = Date.now()
    const failure = await startTestEngine({ run: `${run}-${name}`, destination: destinationWith(certificate), destinationWaitMs: 60_000 })
      .then(async (unexpected) => {
        await unexpected.close()
        return undefined
      }, (error: unknown) => error)
    return { failure, elapsedMs: Date.now() - started }
  }

  before(async () => {
    client = clientCertificate()
    const dir = await mkdtemp(join(tmpdir(), 'mtls-destination-'))
    const clientCaFile = join(dir, 'client-ca.pem')
    await writeFile(clientCaFile, client.ca)
    ;[source, destination] = await Promise.all([
      startKafkaCluster({ name: `mtls-dsrc-${run}` }),
      startKafkaCluster({
        name: `mtls-ddst-${run}`,
        security: { protocol: 'SASL_SSL', mechanism: 'PLAIN', users: { engine: ENGINE_PASSWORD } },
        // KIP-684: a SASL_SSL listener asks for client certificates only with the listener-prefixed ssl.client.auth.
        brokerConfig: { 'listener.name.sasl_ssl.ssl.client.auth': 'required', 'ssl.truststore.location': clientCaFile },
      }),
    ])
    engine = await startTestEngine({ run, destination: destinationWith(client) })
  })

  after(async () => {
    await engine?.close().catch(() => undefined)
    await Promise.allSettled([source?.stop(), destination?.stop()])
  })

  test('engine should mirror into a destination that requires its client certificate, at identical offsets', async () => {
    const e = engine!
    const topic = `orders-${run}`
    await createTopicWithRecords(source, topic, 2, 120)
    const link = await e.call('POST', '/links?link_name=plain', {
      source_cluster_id: await clusterIdOf(source), configs: [{ name: 'bootstrap.servers', value: source.bootstrapServers }],
    })
    assert.equal(link.status, 204, link.text)
    assert.equal((await e.call('POST', '/links/plain/mirrors', { source_topic_name: topic })).status, 204)
    await waitForMirrorCaughtUp(e, 'plain', topic, 2, 60)
    const result = await verifyMirror(source, destination, topic)
    assert.equal(result.identical, true, JSON.stringify(result.firstDifferences))
    assert.equal((await fetch(`${new URL(e.base).origin}/readyz`)).status, 200)
    const privateKeyBody = client.key.split('\n')[1] ?? client.key
    assert.ok(!e.logs.join('').includes(privateKeyBody), 'the client private key leaked')
  })

  test('engine should refuse to start at once without a client certificate or with one the destination does not trust', async () => {
    for (const [name, certificate] of [['absent', undefined], ['foreign', clientCertificate()]] as const) {
      const { failure, elapsedMs } = await failedStart(name, certificate)
      assert.ok(isEngineError(failure) && failure.code === 'DESTINATION_UNAVAILABLE', `${name}: ${String(failure)}`)
      assert.match(failure.message, /destination broker refused the engine's TLS client certificate/, name)
      assert.equal(failure.retriable, false, name)
      // A refused certificate stays refused: the start fails long before the 60 s wait for a destination that is still starting.
      assert.ok(elapsedMs < 30_000, `${name}: failed only after ${elapsedMs} ms`)
    }
  })
})
