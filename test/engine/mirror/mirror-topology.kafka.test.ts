// Real-broker tests of the mirror data path against source topology changes and competing writers.
import { after, before, describe, test } from 'node:test'
import assert from 'node:assert/strict'
import { startKafkaClusters, type KafkaCluster } from '../../../cli/local/kafka-cluster.ts'
import { verifyTopics } from '../../../cli/verify/index.ts'
import { KafkaClusterClient, createPartitions, createTopic, deleteTopic } from '../../../engine/kafka/index.ts'
import { dataPathObserver, MetricsRegistry } from '../../../engine/metrics/index.ts'
import { kafkaFor, newRunner, sourceEnds, stopAllRunners, TEST_LIMITS, uniqueName, waitCaughtUp, waitFor } from './mirror-harness.ts'
import { createLogger } from '../../../engine/logging/index.ts'
import { createMirrorTopicRunner } from '../../../engine/mirror/index.ts'

let source: KafkaCluster
let destination: KafkaCluster
let sourceAdmin: KafkaClusterClient

describe('mirror topic runner under topology changes', () => {
  before(async () => {
    const clusters = await startKafkaClusters(2, { name: 'topology' })
    source = clusters[0]!
    destination = clusters[1]!
    sourceAdmin = new KafkaClusterClient({ bootstrapServers: [source.bootstrapServers] }, { side: 'source' })
  })
  after(async () => {
    await stopAllRunners()
    await sourceAdmin?.close()
    await Promise.all([source?.stop(), destination?.stop()])
  })

  test('partitions added on the source should appear on the mirror and be copied', async () => {
    const topic = uniqueName('grow')
    await createTopic(sourceAdmin, { name: topic, partitions: 1 })
    const kafka = kafkaFor(source)
    const producer = kafka.producer()
    await producer.connect()
    await producer.send({ topic, messages: Array.from({ length: 10 }, (_, i) => ({ partition: 0, value: `p0-${i}` })) })
    // The runner is the one owner of partition growth: its named source-topic-watch job counts its runs in the job metrics.
    const metrics = new MetricsRegistry()
    const runner = createMirrorTopicRunner({
      source: { bootstrapServers: [source.bootstrapServers] }, destination: { bootstrapServers: [destination.bootstrapServers] },
      spec: { linkName: 'grow-link', sourceTopic: topic, mirrorTopic: topic, startOffsetSpec: 'earliest' },
      logger: createLogger({ level: 'silent' }), limits: TEST_LIMITS, observer: dataPathObserver(metrics, 'grow-link', topic),
    })
    try {
      await runner.start()
      await createPartitions(sourceAdmin, topic, 3)
      await waitFor('source has 3 partitions', async () => (await sourceAdmin.describeTopic(topic))?.partitions.length === 3)
      await waitFor('3 copiers', () => runner.status().partitions.length === 3)
      for (const p of [1, 2]) {
        await producer.send({ topic, messages: Array.from({ length: 4 }, (_, i) => ({ partition: p, value: `p${p}-${i}` })) })
      }
      await producer.disconnect()
      await waitCaughtUp(runner, await sourceEnds(kafka, topic))
      const result = await verifyTopics({
        sourceBootstrap: source.bootstrapServers, destinationBootstrap: destination.bootstrapServers, topic,
      })
      assert.equal(result.identical, true, JSON.stringify(result.firstDifferences))
      assert.equal(result.partitions.length, 3)
      const runs = new RegExp(`clusterlink_job_runs_total\\{job="source-topic-watch",link="grow-link",topic="${topic}"\\} [1-9]`)
      assert.match(metrics.render(), runs)
    } finally {
      await runner.stop()
    }
  })

  test('a recreated source topic should fail the mirror without mixing data', async () => {
    const topic = uniqueName('recreate')
    await createTopic(sourceAdmin, { name: topic, partitions: 1 })
    const kafka = kafkaFor(source)
    const producer = kafka.producer()
    await producer.connect()
    await producer.send({ topic, messages: Array.from({ length: 10 }, (_, i) => ({ value: `old-${i}` })) })
    const runner = newRunner(source, destination, topic, topic)
    await runner.start()
    await waitCaughtUp(runner, await sourceEnds(kafka, topic))
    await deleteTopic(sourceAdmin, topic)
    await waitFor('source topic gone', async () => (await sourceAdmin.describeTopic(topic)) === null)
    await createTopic(sourceAdmin, { name: topic, partitions: 1 })
    await producer.send({ topic, messages: Array.from({ length: 30 }, (_, i) => ({ value: `new-${i}` })) })
    await producer.disconnect()
    const failed = await waitFor('FAILED', () => (runner.status().state === 'FAILED' ? runner.status() : null))
    assert.ok(['SOURCE_TOPIC_ID_CHANGED', 'SOURCE_TOPIC_MAY_BE_DELETED'].includes(failed.error?.code ?? ''), JSON.stringify(failed.error))
    const dest = new KafkaClusterClient({ bootstrapServers: [destination.bootstrapServers] }, { side: 'destination' })
    assert.equal(await dest.listOffset(topic, 0, 'latest'), 10n, 'no record of the new topic reached the mirror')
    await runner.stop()
    // A new runner against the recreated source refuses to resume the mirror (its writer identity changed with the topic id).
    const again = newRunner(source, destination, topic, topic)
    await assert.rejects(again.start(), (e: Error & { code?: string }) => e.code === 'OFFSET_DIVERGENCE')
    await dest.close()
  })

  test('a second engine on the same mirror should fence the first while the source is written, with nothing duplicated', async () => {
    const topic = uniqueName('twoengines')
    await createTopic(sourceAdmin, { name: topic, partitions: 2 })
    const kafka = kafkaFor(source)
    const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1 })
    await producer.connect()
    await producer.send({ topic, messages: Array.from({ length: 10 }, (_, i) => ({ partition: i % 2, value: `a-${i}` })) })
    const first = newRunner(source, destination, topic, topic)
    await first.start()
    await waitCaughtUp(first, await sourceEnds(kafka, topic))
    // Keep the source busy while the second engine takes over, so that both engines copy at the same time.
    let writing = true
    let batch = 0
    const writer = (async () => {
      while (writing) await producer.send({ topic, messages: Array.from({ length: 3 }, (_, i) => ({ partition: (batch + i) % 2, value: `b-${batch}-${i}` })) }).then(() => { batch++ })
    })()
    await waitFor('first engine copying', () => batch > 5)
    const second = newRunner(source, destination, topic, topic)
    await second.start()
    const fenced = await waitFor('first engine stops', () => (first.status().state === 'FAILED' ? first.status() : null))
    writing = false
    await writer
    await producer.disconnect()
    assert.equal(fenced.error?.code, 'FENCED')
    await waitCaughtUp(second, await sourceEnds(kafka, topic))
    assert.equal(second.status().state, 'ACTIVE')
    const result = await verifyTopics({
      sourceBootstrap: source.bootstrapServers, destinationBootstrap: destination.bootstrapServers, topic,
    })
    assert.equal(result.identical, true, JSON.stringify(result.firstDifferences))
    await first.stop()
    await second.stop()
  })

  test('pause should stop copying and resume should continue at the same offsets', async () => {
    const topic = uniqueName('pause')
    await createTopic(sourceAdmin, { name: topic, partitions: 2 })
    const kafka = kafkaFor(source)
    const producer = kafka.producer()
    await producer.connect()
    await producer.send({ topic, messages: Array.from({ length: 10 }, (_, i) => ({ partition: i % 2, value: `a-${i}` })) })
    const runner = newRunner(source, destination, topic, topic)
    await runner.start()
    await waitCaughtUp(runner, await sourceEnds(kafka, topic))
    await runner.pause()
    assert.equal(runner.status().state, 'PAUSED')
    const before = runner.status().partitions.map((p) => p.destinationLogEndOffset)
    await producer.send({ topic, messages: Array.from({ length: 10 }, (_, i) => ({ partition: i % 2, value: `b-${i}` })) })
    const dest = new KafkaClusterClient({ bootstrapServers: [destination.bootstrapServers] }, { side: 'destination' })
    assert.deepEqual([await dest.listOffset(topic, 0, 'latest'), await dest.listOffset(topic, 1, 'latest')].map(Number), before)
    await runner.resume()
    await producer.disconnect()
    await waitCaughtUp(runner, await sourceEnds(kafka, topic))
    const result = await verifyTopics({
      sourceBootstrap: source.bootstrapServers, destinationBootstrap: destination.bootstrapServers, topic,
    })
    assert.equal(result.identical, true, JSON.stringify(result.firstDifferences))
    await runner.stop()
    await dest.close()
  })

  test('a restart of the source broker and of the destination broker mid-copy should resume by itself with nothing lost', async () => {
    const topic = uniqueName('restart')
    await createTopic(sourceAdmin, { name: topic, partitions: 2 })
    const kafka = kafkaFor(source)
    const produce = async (round: string) => {
      const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1 })
      await producer.connect()
      for (let b = 0; b < 10; b++) await producer.send({ topic, messages: Array.from({ length: 5 }, (_, i) => ({ partition: i % 2, value: `${round}-${b}-${i}` })) })
      await producer.disconnect()
    }
    await produce('one')
    const runner = newRunner(source, destination, topic, topic)
    const states: string[] = []
    runner.onStateChange((s) => states.push(s.state))
    await runner.start()
    await waitCaughtUp(runner, await sourceEnds(kafka, topic))
    await source.restart()
    await waitFor('source reported unavailable, then active again', () => states.includes('SOURCE_UNAVAILABLE') && runner.status().state === 'ACTIVE', 90_000)
    await produce('two')
    await destination.restart()
    await produce('three')
    await waitCaughtUp(runner, await sourceEnds(kafka, topic), 90_000)
    const result = await verifyTopics({
      sourceBootstrap: source.bootstrapServers, destinationBootstrap: destination.bootstrapServers, topic,
    })
    assert.equal(result.identical, true, JSON.stringify(result.firstDifferences))
    assert.equal(result.partitions.reduce((n, p) => n + p.mirrorRecords, 0), 150, JSON.stringify(result.partitions))
    await runner.stop()
  })
})
