// Real-broker tests of the runner's life cycle: pause/resume/stop in every non-terminal state, and start retries while a cluster is down.
import { after, before, describe, test } from 'node:test'
import assert from 'node:assert/strict'
import { startKafkaClusters, type KafkaCluster } from '../../../cli/local/kafka-cluster.ts'
import { verifyTopics } from '../../../cli/verify/index.ts'
import { KafkaClusterClient, createTopic } from '../../../engine/kafka/index.ts'
import type { MirrorRunState, MirrorTopicRunner } from '../../../engine/mirror/index.ts'
import { kafkaFor, newRunner, sourceEnds, stopAllRunners, uniqueName, waitCaughtUp, waitFor } from './mirror-harness.ts'

let source: KafkaCluster
let destination: KafkaCluster
let sourceAdmin: KafkaClusterClient
let destinationAdmin: KafkaClusterClient

async function produce(topic: string, count: number): Promise<void> {
  const producer = kafkaFor(source).producer()
  await producer.connect()
  await producer.send({ topic, messages: Array.from({ length: count }, (_, i) => ({ partition: i % 2, key: `k${i}`, value: `v${i}` })) })
  await producer.disconnect()
}

/** Every state the runner reported, in order (listeners see each change). */
function recordStates(runner: MirrorTopicRunner): MirrorRunState[] {
  const states: MirrorRunState[] = [runner.status().state]
  runner.onStateChange((s) => { if (states.at(-1) !== s.state) states.push(s.state) })
  return states
}

async function assertIdentical(topic: string): Promise<void> {
  const result = await verifyTopics({ sourceBootstrap: source.bootstrapServers, destinationBootstrap: destination.bootstrapServers, topic })
  assert.equal(result.outcome, 'IDENTICAL', JSON.stringify([result.partitions, result.firstDifferences]))
}

describe('mirror topic runner life cycle', () => {
  before(async () => {
    const clusters = await startKafkaClusters(2, { name: 'mirror-lifecycle' })
    source = clusters[0]!
    destination = clusters[1]!
    sourceAdmin = new KafkaClusterClient({ bootstrapServers: [source.bootstrapServers] }, { side: 'source' })
    destinationAdmin = new KafkaClusterClient({ bootstrapServers: [destination.bootstrapServers] }, { side: 'destination' })
  })
  after(async () => {
    await stopAllRunners()
    await sourceAdmin?.close()
    await destinationAdmin?.close()
    await Promise.all([source?.stop(), destination?.stop()])
  })

  test('runner should accept pause, resume, pause sent while it starts and end PAUSED without launching copiers', async () => {
    const topic = uniqueName('pause-start')
    await createTopic(sourceAdmin, { name: topic, partitions: 2 })
    await produce(topic, 40)
    const runner = newRunner(source, destination, topic, topic)
    const states = recordStates(runner)
    const started = runner.start()
    assert.equal(runner.status().state, 'PENDING_MIRROR')
    // Before the fix the first pause threw "cannot pause a mirror in state PENDING_MIRROR".
    await Promise.all([runner.pause(), runner.resume(), runner.pause(), started])
    assert.equal(runner.status().state, 'PAUSED')
    assert.ok(!states.includes('ACTIVE'), `the copiers never ran: ${states.join(' > ')}`)
    assert.ok(!states.includes('FAILED'))
    await runner.pause()
    assert.equal(runner.status().state, 'PAUSED', 'pause is idempotent')
    const mirror = await destinationAdmin.describeTopic(topic)
    if (mirror) {
      for (let p = 0; p < 2; p++) {
        // A just-created mirror topic may have no leader yet: waitFor retries until ListOffsets answers.
        const end = await waitFor(`the end offset of mirror partition ${p}`, async () => ({ offset: await destinationAdmin.listOffset(topic, p, 'latest') }))
        assert.equal(end.offset, 0n, 'nothing copied while paused')
      }
    }

    await Promise.all([runner.resume(), runner.resume()])
    assert.equal(runner.status().state, 'ACTIVE')
    await waitCaughtUp(runner, await sourceEnds(kafkaFor(source), topic))
    await assertIdentical(topic)

    // On a running mirror: the last of a quick succession wins, in both directions.
    await Promise.all([runner.pause(), runner.resume(), runner.pause()])
    assert.equal(runner.status().state, 'PAUSED')
    await Promise.all([runner.resume(), runner.pause(), runner.resume()])
    assert.equal(runner.status().state, 'ACTIVE')
    await produce(topic, 10)
    await waitCaughtUp(runner, await sourceEnds(kafkaFor(source), topic))
    await runner.stop()
    await runner.stop()
    assert.equal(runner.status().state, 'STOPPED')
    await assert.rejects(runner.resume(), /cannot resume a mirror in state STOPPED/)
    await assertIdentical(topic)
  })

  test('runner should accept stop while it starts and end STOPPED', async () => {
    const topic = uniqueName('stop-start')
    await createTopic(sourceAdmin, { name: topic, partitions: 1 })
    const runner = newRunner(source, destination, topic, topic)
    const started = runner.start()
    await runner.stop()
    await started
    assert.equal(runner.status().state, 'STOPPED')
  })

  test('runner should report SOURCE_UNAVAILABLE while the source is down at start and mirror once it is back', { timeout: 180_000 }, async () => {
    const topic = uniqueName('source-down')
    await createTopic(sourceAdmin, { name: topic, partitions: 2 })
    await produce(topic, 30)
    await source.stop({ keepData: true })
    let restarted = false
    try {
      const runner = newRunner(source, destination, topic, topic)
      const states = recordStates(runner)
      // Before the fix start() rejected and the mirror was FAILED for good.
      await runner.start()
      assert.equal(runner.status().state, 'SOURCE_UNAVAILABLE', JSON.stringify(runner.status()))
      assert.equal(runner.status().error?.code, 'SOURCE_UNAVAILABLE')
      await source.restart()
      restarted = true
      await waitFor('the mirror to start once the source is back', () => runner.status().state === 'ACTIVE', 120_000)
      assert.ok(!states.includes('FAILED'), states.join(' > '))
      assert.equal(runner.status().error, undefined)
      await waitCaughtUp(runner, await sourceEnds(kafkaFor(source), topic))
      await assertIdentical(topic)
    } finally {
      if (!restarted) await source.restart()
    }
  })

  test('runner should stop while it retries a start against a source that is down', { timeout: 120_000 }, async () => {
    const topic = uniqueName('stop-retrying')
    await createTopic(sourceAdmin, { name: topic, partitions: 1 })
    await source.stop({ keepData: true })
    try {
      const runner = newRunner(source, destination, topic, topic)
      await runner.start()
      assert.equal(runner.status().state, 'SOURCE_UNAVAILABLE')
      await runner.pause()
      assert.equal(runner.status().state, 'PAUSED', 'a pause holds a mirror that has not started')
      await runner.resume()
      await runner.stop()
      assert.equal(runner.status().state, 'STOPPED')
    } finally {
      await source.restart()
    }
  })

  test('runner should still fail at once for a non-retriable start problem', async () => {
    const runner = newRunner(source, destination, uniqueName('missing'), uniqueName('missing'))
    await assert.rejects(runner.start(), /does not exist/)
    assert.equal(runner.status().state, 'FAILED')
    assert.equal(runner.status().error?.code, 'NOT_FOUND')
  })
})
