// Real-broker test of the data path over SASL_SSL (SCRAM) and SASL_PLAINTEXT (PLAIN) listeners, and of a refused login.
import { after, before, describe, test } from 'node:test'
import assert from 'node:assert/strict'
import { startKafkaCluster, type KafkaCluster } from '../../../cli/local/kafka-cluster.ts'
import { createLogger } from '../../../engine/logging/index.ts'
import { createMirrorTopicRunner } from '../../../engine/mirror/index.ts'
import { CODECS, KafkaClusterClient, createTopic, encodeRecordBatch, splitRecordSet } from '../../../engine/kafka/index.ts'
import type { KafkaConnectionConfig } from '../../../engine/mirror/contract.ts'
import { stopAllRunners, uniqueName, waitCaughtUp, TEST_LIMITS } from './mirror-harness.ts'

let source: KafkaCluster
let destination: KafkaCluster
let sourceConfig: KafkaConnectionConfig
let destinationConfig: KafkaConnectionConfig

describe('mirror topic runner over SASL and TLS', () => {
  before(async () => {
    // allSettled: when one cluster fails to start, the other is still known to after(), which stops it.
    const started = await Promise.allSettled([
      startKafkaCluster({ name: 'sasl-ssl', security: { protocol: 'SASL_SSL', mechanism: 'SCRAM-SHA-256', users: { alice: 'alice-secret' } } }),
      startKafkaCluster({ name: 'sasl-plain', security: { protocol: 'SASL_PLAINTEXT', mechanism: 'PLAIN', users: { bob: 'bob-secret' } } }),
    ])
    if (started[0].status === 'fulfilled') source = started[0].value
    if (started[1].status === 'fulfilled') destination = started[1].value
    const failed = started.find((r) => r.status === 'rejected')
    if (failed) throw failed.reason
    sourceConfig = { bootstrapServers: [source.bootstrapServers], sasl: { mechanism: 'SCRAM-SHA-256', username: 'alice', password: 'alice-secret' }, tls: { ca: source.caCertificate! } }
    destinationConfig = { bootstrapServers: [destination.bootstrapServers], sasl: { mechanism: 'PLAIN', username: 'bob', password: 'bob-secret' } }
  })
  after(async () => {
    await stopAllRunners()
    await Promise.all([source?.stop(), destination?.stop()])
  })

  test('runner should mirror over SASL_SSL SCRAM and SASL_PLAINTEXT PLAIN at identical offsets', async () => {
    const topic = uniqueName('secure')
    const src = new KafkaClusterClient(sourceConfig, { side: 'source' })
    const dst = new KafkaClusterClient(destinationConfig, { side: 'destination' })
    await createTopic(src, { name: topic, partitions: 1 })
    for (let b = 0; b < 5; b++) {
      const batch = encodeRecordBatch(Array.from({ length: 3 }, (_, i) => ({ timestamp: BigInt(Date.now()), key: Buffer.from(`k${b}-${i}`), value: Buffer.from(`v${b}-${i}`), headers: [] })),
        { codec: CODECS.zstd, producerId: -1n, producerEpoch: -1, baseSequence: -1 })
      assert.equal((await src.produceRaw(topic, 0, batch, { lane: 'test' })).errorCode, 0)
    }
    const runner = createMirrorTopicRunner({
      source: sourceConfig, destination: destinationConfig,
      spec: { linkName: 'secure', sourceTopic: topic, mirrorTopic: topic, startOffsetSpec: 'earliest' },
      logger: createLogger({ level: 'silent' }), limits: TEST_LIMITS,
    })
    await runner.start()
    await waitCaughtUp(runner, new Map([[0, 15]]))
    const fetch = async (c: KafkaClusterClient) => splitRecordSet((await c.fetchRaw(topic, 0, 0n, { maxBytes: 1 << 20, maxWaitMs: 0, isolation: 'read_uncommitted', lane: 'test' })).records)
    const [s, d] = [await fetch(src), await fetch(dst)]
    assert.equal(d.length, 5)
    for (let i = 0; i < 5; i++) {
      assert.equal(d[i]!.header.baseOffset, s[i]!.header.baseOffset)
      assert.deepEqual(d[i]!.bytes.subarray(61), s[i]!.bytes.subarray(61))
    }
    await runner.stop()
    await src.close()
    await dst.close()
  })

  test('runner should reject start with UNAUTHORIZED when the source refuses the credentials', async () => {
    const runner = createMirrorTopicRunner({
      source: { ...sourceConfig, sasl: { mechanism: 'SCRAM-SHA-256', username: 'alice', password: 'wrong' } }, destination: destinationConfig,
      spec: { linkName: 'secure', sourceTopic: 'any', mirrorTopic: 'any', startOffsetSpec: 'earliest' },
      logger: createLogger({ level: 'silent' }), limits: TEST_LIMITS,
    })
    await assert.rejects(runner.start(), (e: Error & { code?: string }) => e.code === 'UNAUTHORIZED' && !e.message.includes('wrong'))
    assert.equal(runner.status().state, 'FAILED')
    await runner.stop()
  })
})
