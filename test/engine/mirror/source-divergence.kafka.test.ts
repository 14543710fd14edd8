// Unclean leader election on a 3-broker source: the mirror stops in FAILED at the divergence and writes nothing past
// it, both while copying (last_fetched_epoch) and when a copier opens (content check of the last mirrored record).
import { after, before, describe, test } from 'node:test'
import assert from 'node:assert/strict'
import { startKafkaCluster, type KafkaCluster } from '../../../cli/local/kafka-cluster.ts'
import { runKafkaTool } from '../../../cli/local/cluster-tools.ts'
import { createLogger } from '../../../engine/logging/index.ts'
import { createMirrorTopicRunner, type MirrorTopicRunner } from '../../../engine/mirror/index.ts'
import { Kafka, logLevel, TEST_LIMITS, uniqueName, waitFor } from './mirror-harness.ts'

let source: KafkaCluster
let destination: KafkaCluster
const runners: MirrorTopicRunner[] = []

before(async () => {
  ;[source, destination] = await Promise.all([
    startKafkaCluster({ name: 'unclean-src', brokers: 3 }),
    startKafkaCluster({ name: 'unclean-dst' }),
  ])
})

after(async () => {
  await Promise.allSettled(runners.map((r) => r.stop()))
  await Promise.allSettled([source?.stop(), destination?.stop()])
})

function runner(topic: string): MirrorTopicRunner {
  const r = createMirrorTopicRunner({
    source: { bootstrapServers: source.bootstrapServers.split(',') },
    destination: { bootstrapServers: destination.bootstrapServers.split(',') },
    spec: { linkName: 'unclean-link', sourceTopic: topic, mirrorTopic: topic, startOffsetSpec: 'earliest' },
    logger: createLogger({ level: process.env.CLUSTERLINK_TEST_LOG_LEVEL ?? 'silent' }),
    limits: TEST_LIMITS,
  })
  runners.push(r)
  return r
}

function status(r: MirrorTopicRunner): { state: string; code?: string; offset?: number; logEndOffset?: number } {
  const s = r.status()
  return { state: s.state, code: s.error?.code, offset: s.error?.offset, logEndOffset: s.partitions[0]?.destinationLogEndOffset }
}

describe('mirror of a source with an unclean leader election', () => {
  test('mirror should stop in FAILED at the divergence and write nothing past it after an unclean leader election', async () => {
    const topic = uniqueName('unclean')
    const [b1, b2, b3] = source.brokers
    assert.ok(b1 && b2 && b3)
    // Broker 3 is never stopped: the test's clients bootstrap from it.
    const kafka = new Kafka({ clientId: 'unclean-test', brokers: [`127.0.0.1:${b3.port}`], logLevel: logLevel.NOTHING })
    const admin = kafka.admin()
    await admin.connect()
    const isr = async () => (await admin.fetchTopicMetadata({ topics: [topic] })).topics[0]?.partitions[0]
    const send = async (values: string[]) => {
      const producer = kafka.producer({ allowAutoTopicCreation: false })
      await producer.connect()
      try {
        await producer.send({ topic, acks: -1, messages: values.map((value) => ({ value, partition: 0 })) })
      } finally {
        await producer.disconnect()
      }
    }
    const destinationEnd = async () => {
      const a = new Kafka({ clientId: 'unclean-test', brokers: [destination.bootstrapServers], logLevel: logLevel.NOTHING }).admin()
      await a.connect()
      try {
        return Number((await a.fetchTopicOffsets(topic))[0]?.high)
      } finally {
        await a.disconnect()
      }
    }
    try {
      await admin.createTopics({
        waitForLeaders: true,
        topics: [{
          topic, replicaAssignment: [{ partition: 0, replicas: [b1.id, b2.id] }],
          configEntries: [{ name: 'unclean.leader.election.enable', value: 'true' }, { name: 'min.insync.replicas', value: '1' }],
        }],
      })
      await waitFor('the topic known to every broker', async () => (await isr())?.leader === b1.id)
      await waitFor('the first records', () => send(Array.from({ length: 10 }, (_, i) => `old-${i}`)).then(() => true))
      const first = runner(topic)
      await first.start()
      await waitFor('the mirror at 10', () => status(first).logEndOffset === 10)

      // Broker 2 misses offsets 10..14, which broker 1 alone acknowledges and the mirror copies.
      await b2.kill()
      await waitFor('broker 2 out of the ISR', async () => (await isr())?.isr.join() === String(b1.id))
      await send(Array.from({ length: 5 }, (_, i) => `old-${10 + i}`))
      await waitFor('the mirror at 15', () => status(first).logEndOffset === 15)

      // Broker 1 goes; the stale broker 2 becomes leader uncleanly and takes different records from offset 10 on.
      await b1.kill()
      await b2.start()
      await runKafkaTool(source.libDir, ['org.apache.kafka.tools.LeaderElectionCommand', 'kafka.admin.LeaderElectionCommand'], [
        '--bootstrap-server', `127.0.0.1:${b3.port}`, '--election-type', 'UNCLEAN', '--topic', topic, '--partition', '0',
      ]).catch(() => undefined) // the controller may have elected it already (the topic allows unclean elections)
      await waitFor('broker 2 leading', async () => (await isr())?.leader === b2.id, 120_000)
      await send(Array.from({ length: 8 }, (_, i) => `new-${10 + i}`))

      const failed = await waitFor('the running mirror FAILED', () => (status(first).state === 'FAILED' ? status(first) : null), 120_000)
      assert.equal(failed.code, 'SOURCE_DIVERGED')
      assert.equal(failed.offset, 10, 'the source diverged at offset 10')
      assert.equal(await destinationEnd(), 15, 'nothing written past the divergence')

      // A copier that opens on the mirror later compares the last mirrored record (old-14) with the source (new-14).
      await first.stop()
      const second = runner(topic)
      await second.start().catch(() => undefined)
      const reopened = await waitFor('the reopened mirror FAILED', () => (status(second).state === 'FAILED' ? status(second) : null), 120_000)
      assert.equal(reopened.code, 'SOURCE_DIVERGED')
      assert.equal(reopened.offset, 14)
      assert.equal(await destinationEnd(), 15, 'nothing written past the divergence')
    } finally {
      await admin.disconnect()
      await b1.start().catch(() => undefined)
    }
  })
})
