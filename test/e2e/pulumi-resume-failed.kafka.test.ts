// End to end with the real Pulumi CLI: a MirrorTopic that FAILED for a cause that can be retried (the mirror topic's
// max.message.bytes lowered under a batch, then raised again) shows as drift at `preview --refresh`, and `up --refresh` with
// status ACTIVE resumes it: the mirror runs again and holds the source's records at identical offsets.
import { after, before, describe, test } from 'node:test'
import assert from 'node:assert/strict'
import { startLocalStack, type LocalStack } from '../../cli/local/local-stack.ts'
import { ClusterLink, MirrorTopic } from '../../provider/pulumi/index.ts'
import type { EngineClient } from '../../provider/client/index.ts'
import { createTestStack, createTopics, engineClientOf, kafkaOf, waitFor, type TestStack } from './pulumi-harness.ts'
import { produceTagged, setMaxMessageBytes, waitForIdentical } from './failback-drill-checks.ts'

describe('Pulumi resume of a FAILED mirror topic', { timeout: 900_000 }, () => {
  const id = Date.now().toString(36)
  const linkName = `resume-${id}`
  const topic = `resume-orders-${id}`
  let local: LocalStack
  let client: EngineClient
  let source: string
  let destination: string
  let program: TestStack

  before(async () => {
    local = await startLocalStack({ clusters: 2 })
    client = engineClientOf(local)
    destination = local.clusters[0]!.bootstrapServers
    source = local.clusters[1]!.bootstrapServers
    await createTopics(source, [topic])
    await produceTagged(source, topic, 40, 'before-up')
    program = await createTestStack({
      projectName: 'clusterlink-resume',
      engine: local.engine,
      program: async () => {
        // Topic config sync would put max.message.bytes back from the source by itself; here the operator fixes it.
        const link = new ClusterLink(linkName, { linkName, sourceBootstrapServers: source, configs: { 'topic.config.sync.ms': '86400000' } })
        const mirror = new MirrorTopic(topic, { linkName: link.linkName, sourceTopicName: topic, status: 'ACTIVE' })
        return { status: mirror.status, mirrorStatus: mirror.mirrorStatus }
      },
    })
  })

  after(async () => {
    await program?.dispose({ destroy: true })
    await local?.stop()
  })

  test('preview --refresh should show a FAILED mirror declared ACTIVE as drift, and up --refresh should resume it', async () => {
    await program.stack.up()
    await waitForIdentical(source, destination, topic, 40)

    // Someone lowered max.message.bytes on the mirror topic: the destination refuses the next (larger) batch for good.
    await setMaxMessageBytes(destination, topic, '1024')
    const producer = kafkaOf(source).producer({ allowAutoTopicCreation: false })
    await producer.connect()
    await producer.send({ topic, acks: -1, messages: [{ key: 'big', value: 'x'.repeat(4000) }] }).finally(() => producer.disconnect())
    await waitFor(`${topic} FAILED`, async () => ((await client.getMirror(linkName, topic)).mirror_status === 'FAILED' ? true : undefined), 120_000)
    await setMaxMessageBytes(destination, topic, '1048588')
    await produceTagged(source, topic, 20, 'while-failed')

    const preview = await program.stack.preview({ refresh: true })
    assert.equal(preview.changeSummary.update, 1, JSON.stringify(preview.changeSummary))
    assert.equal((await client.getMirror(linkName, topic)).mirror_status, 'FAILED', 'preview changed nothing')

    const resumed = await program.stack.up({ refresh: true })
    assert.equal(resumed.outputs.status?.value, 'ACTIVE')
    assert.notEqual(resumed.outputs.mirrorStatus?.value, 'FAILED')
    await waitForIdentical(source, destination, topic, 61)
    assert.equal((await client.getMirror(linkName, topic)).mirror_topic_error, 'NO_ERROR')
    await program.stack.preview({ refresh: true, expectNoChanges: true })
  })
})
