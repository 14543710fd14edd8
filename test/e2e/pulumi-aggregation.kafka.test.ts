// End to end with the real Pulumi CLI, a real engine and real brokers: the aggregation example mirrors two source clusters into
// one, under per-source prefixes; the quick start runs on the same clusters.
import { after, before, describe, test } from 'node:test'
import assert from 'node:assert/strict'
import { startLocalStack, type LocalStack } from '../../cli/local/local-stack.ts'
import { aggregation, type AggregationOptions } from '../../examples/pulumi/aggregation/program.ts'
import { quickStart, type QuickStartOptions } from '../../examples/pulumi/quick-start/program.ts'
import type { EngineClient } from '../../provider/client/index.ts'
import { createTestStack, createTopics, deleteTopics, engineClientOf, isFullyMirrored, kafkaOf, produce, verifyMirror, waitFor, type TestStack } from './pulumi-harness.ts'

describe('Pulumi aggregation example', { timeout: 600_000 }, () => {
  const id = Date.now().toString(36)
  const topic = `orders-${id}`
  const names = [`east${id}`.slice(0, 10), `west${id}`.slice(0, 10)]
  let local: LocalStack
  let client: EngineClient
  let destination: string
  let testStack: TestStack
  let options: AggregationOptions

  before(async () => {
    try {
      local = await startLocalStack({ clusters: 3 })
    } catch (error) {
      throw new Error(`the local stack (Kafka clusters + clusterlink engine) did not start, so the Pulumi end-to-end test cannot run: ${(error as Error).message}`)
    }
    client = engineClientOf(local)
    destination = local.clusters[0]!.bootstrapServers
    const sources = local.clusters.slice(1).map((c) => c.bootstrapServers)
    for (const [i, bootstrap] of sources.entries()) {
      await createTopics(bootstrap, [topic])
      await produce(bootstrap, topic, 60 + i * 10, names[i]!)
    }
    options = { sources: names.map((name, i) => ({ name, bootstrapServers: sources[i]!, topics: [topic] })) }
    testStack = await createTestStack({ projectName: 'clusterlink-aggregation', program: async () => aggregation(options), engine: local.engine })
  })

  after(async () => {
    await testStack?.dispose({ destroy: true })
    await local?.stop()
  })

  test('up should mirror each source under its own prefix into the one destination', async () => {
    const result = await testStack.stack.up()
    assert.equal(result.summary.resourceChanges?.create, 1 + 2 * 2)
    const mirrorTopics = result.outputs.mirrorTopics?.value as Record<string, string[]>
    assert.deepEqual(mirrorTopics, Object.fromEntries(names.map((name) => [name, [`${name}.${topic}`]])))
    for (const [i, name] of names.entries()) {
      await waitFor(`${name}.${topic} mirrored`, async () => {
        const v = await verifyMirror(local.clusters[i + 1]!.bootstrapServers, destination, topic, `${name}.${topic}`)
        return isFullyMirrored(v, 60 + i * 10) ? true : undefined
      }, 120_000)
    }
  })

  test('a link config change should update in place, and drift made behind Pulumi\'s back should be found and repaired', async () => {
    options = { sources: options.sources.map((s, i) => (i === 0 ? { ...s, linkConfigs: { 'topic.config.sync.ms': '2000' } } : s)) }
    const updated = await testStack.stack.up()
    assert.equal(updated.summary.resourceChanges?.update, 1)
    assert.equal((await client.getLinkConfig(`${names[0]}-link`, 'topic.config.sync.ms')).value, '2000')
    await client.setLinkConfig(`${names[1]}-link`, 'availability.check.ms', '7000')
    await assert.rejects(testStack.stack.preview({ refresh: true, expectNoChanges: true }), /no changes were expected/)
    await testStack.stack.up({ refresh: true })
    assert.equal((await client.getLinkConfig(`${names[1]}-link`, 'availability.check.ms')).is_default, true)
    await testStack.stack.preview({ refresh: true, expectNoChanges: true })
  })

  test('destroy should delete the mirror topics (onDelete DELETE_TOPIC) and leave nothing on the engine', async () => {
    await testStack.stack.destroy()
    for (const name of names) assert.equal(await client.findLink(`${name}-link`), undefined)
    const admin = kafkaOf(destination).admin()
    await admin.connect()
    try {
      await waitFor('mirror topics deleted on the destination', async () => {
        const left = (await admin.listTopics()).filter((t) => t.endsWith(topic))
        return left.length === 0 ? true : undefined
      })
    } finally {
      await admin.disconnect()
    }
    await deleteTopics(destination, names.map((name) => `${name}.${topic}`))
  })

  test('the quick start should reject bad inputs at preview, then mirror a topic, pause it in place, and clean up', async () => {
    const quickTopic = `quick-${id}`
    await createTopics(local.clusters[1]!.bootstrapServers, [quickTopic], 1)
    await produce(local.clusters[1]!.bootstrapServers, quickTopic, 25, 'quick')
    let quick: QuickStartOptions = { sourceBootstrapServers: 'not a bootstrap', topic: quickTopic }
    const quickStack = await createTestStack({ projectName: 'clusterlink-quick-start', program: async () => quickStart(quick), engine: local.engine })
    try {
      await assert.rejects(quickStack.stack.preview(), /sourceBootstrapServers: expected host:port/)
      assert.equal(await client.findLink('quick-start'), undefined)
      quick = { ...quick, sourceBootstrapServers: local.clusters[1]!.bootstrapServers }
      const up = await quickStack.stack.up()
      assert.equal(up.outputs.linkState?.value, 'ACTIVE')
      await waitFor(`${quickTopic} mirrored`, async () => {
        const v = await verifyMirror(local.clusters[1]!.bootstrapServers, destination, quickTopic)
        return isFullyMirrored(v, 25) ? true : undefined
      }, 120_000)
      quick = { ...quick, status: 'PAUSED' }
      const paused = await quickStack.stack.up()
      assert.equal(paused.summary.resourceChanges?.update, 1)
      assert.equal(paused.outputs.mirrorStatus?.value, 'PAUSED')
      await quickStack.stack.destroy()
      assert.equal(await client.findLink('quick-start'), undefined)
    } finally {
      await quickStack.dispose({ destroy: true })
      await deleteTopics(destination, [quickTopic]).catch(() => undefined)
    }
  })
})
