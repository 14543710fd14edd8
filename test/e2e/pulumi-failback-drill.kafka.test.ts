// End to end with the real Pulumi CLI: the disaster-recovery drill declared as code. Each `pulumi up` only changes the
// MirrorTopic's declared status, direction and failbackMethod: failover, writes on DR, truncate-and-restore, switch back.
import { after, before, describe, test } from 'node:test'
import assert from 'node:assert/strict'
import { startLocalStack, type LocalStack } from '../../cli/local/local-stack.ts'
import { ClusterLink, MirrorTopic, type MirrorTopicArgs } from '../../provider/pulumi/index.ts'
import type { EngineClient } from '../../provider/client/index.ts'
import { createTestStack, createTopics, engineClientOf, waitFor, type TestStack } from './pulumi-harness.ts'
import { endOffsets, produceTagged, readValues, waitForIdentical } from './failback-drill-checks.ts'

type Declared = Pick<MirrorTopicArgs, 'status' | 'direction' | 'failbackMethod'>

/** The mirror topic's outputs as stored in the stack (refreshed outputs included), read from the deployment. */
async function mirrorOutputs(stack: TestStack): Promise<Record<string, unknown>> {
  const deployment = (await stack.stack.exportStack()).deployment as { resources: { type: string; outputs?: Record<string, unknown> }[] }
  const resource = deployment.resources.find((r) => r.type === 'pulumi-nodejs:dynamic/clusterlink:MirrorTopic')
  assert.ok(resource?.outputs, 'the stack holds the mirror topic')
  return resource.outputs
}

describe('Pulumi failback drill', { timeout: 900_000 }, () => {
  const id = Date.now().toString(36)
  const linkName = `drill-${id}`
  const topic = `drill-orders-${id}`
  let local: LocalStack
  let client: EngineClient
  let primary: string
  let dr: string
  let drill: TestStack
  let declared: Declared = { status: 'ACTIVE' }

  before(async () => {
    local = await startLocalStack({ clusters: 2 })
    client = engineClientOf(local)
    dr = local.clusters[0]!.bootstrapServers
    primary = local.clusters[1]!.bootstrapServers
    await createTopics(primary, [topic])
    await produceTagged(primary, topic, 100, 'before-up')
    drill = await createTestStack({
      projectName: 'clusterlink-drill',
      engine: local.engine,
      program: async () => {
        const link = new ClusterLink(linkName, { linkName, sourceBootstrapServers: primary })
        const mirror = new MirrorTopic(topic, { linkName: link.linkName, sourceTopicName: topic, promoteTimeoutMs: 120_000, ...declared })
        return { direction: mirror.direction, mirrorStatus: mirror.mirrorStatus, lastFailback: mirror.lastFailback }
      },
    })
  })

  after(async () => {
    await drill?.dispose({ destroy: true })
    await local?.stop()
  })

  test('a drill of pulumi up runs should fail over, restore the old primary, and switch back with nothing lost', async () => {
    // 1. Mirror the primary into DR.
    await drill.stack.up()
    await waitForIdentical(primary, dr, topic, 100)

    // 2. The primary takes records DR never receives (the mirror lags), then the primary is lost: fail over.
    await client.alterMirror(linkName, 'pause', topic)
    await waitFor('the mirror to pause', async () => ((await client.getMirror(linkName, topic)).mirror_status === 'PAUSED' ? true : undefined))
    const failoverPoint = await endOffsets(dr, topic)
    const lostTail = await produceTagged(primary, topic, 15, 'primary-only')
    declared = { status: 'FAILED_OVER' }
    const failedOver = await drill.stack.up()
    assert.equal(failedOver.outputs.mirrorStatus?.value, 'STOPPED')

    // 3. Producers write on DR.
    await produceTagged(dr, topic, 30, 'written-on-dr')

    // 4. A refresh runs the engine's dry runs; a plain REVERSE is then refused at preview, saying what to declare instead.
    declared = { status: 'ACTIVE', direction: 'REVERSE' }
    const primaryEnds = await endOffsets(primary, topic)
    await drill.stack.refresh()
    await assert.rejects(drill.stack.preview(), /would be refused: [\s\S]*failbackMethod: TRUNCATE_AND_RESTORE to set those 15 record/)
    const refreshed = await mirrorOutputs(drill)
    assert.equal((refreshed.failbackCheck as { recordsToSetAside: number } | undefined)?.recordsToSetAside, 15, 'refresh shows what a restore sets aside')
    assert.deepEqual(await endOffsets(primary, topic), primaryEnds, 'preview changed nothing')
    assert.equal((await client.getMirror(linkName, topic)).mirror_status, 'STOPPED', 'preview changed nothing')

    // 5. Failback with truncate-and-restore: the primary topic becomes DR's mirror; its 15 extra records are set aside.
    declared = { status: 'ACTIVE', direction: 'REVERSE', failbackMethod: 'TRUNCATE_AND_RESTORE' }
    const restored = await drill.stack.up()
    assert.equal(restored.outputs.direction?.value, 'REVERSE')
    const outcome = restored.outputs.lastFailback?.value as {
      action: string; messagesTruncated: number; truncatedRecordsTopic: string; partitions: { offsetTruncatedTo: number }[]
    }
    assert.equal(outcome.action, 'truncate-and-restore')
    assert.equal(outcome.messagesTruncated, 15)
    assert.deepEqual(outcome.partitions.map((p) => p.offsetTruncatedTo), failoverPoint, 'truncated to the failover point')
    assert.match(outcome.truncatedRecordsTopic, new RegExp(`^${topic}\\.truncated-\\d+$`))
    await waitForIdentical(dr, primary, topic, 130)
    const setAside = await readValues(primary, outcome.truncatedRecordsTopic, 15)
    assert.deepEqual(setAside.map((r) => r.value).sort(), [...lostTail].sort(), 'the primary-only records are in the side topic, each once')
    assert.ok(setAside.every((r) => r.originalOffset !== undefined), 'each set-aside record names its original offset')

    // 6. Planned switchover back: promote the reversed mirror (lag 0), then reverse it: DR mirrors the primary again.
    declared = { status: 'PROMOTED', direction: 'REVERSE', failbackMethod: 'TRUNCATE_AND_RESTORE' }
    assert.equal((await drill.stack.up()).outputs.mirrorStatus?.value, 'STOPPED')
    declared = { status: 'ACTIVE', direction: 'FORWARD' }
    const back = await drill.stack.up()
    assert.equal(back.outputs.direction?.value, 'FORWARD')
    assert.equal((back.outputs.lastFailback?.value as { action: string }).action, 'reverse-and-start')
    await produceTagged(primary, topic, 10, 'primary-again')
    await waitForIdentical(primary, dr, topic, 140)
    await drill.stack.preview({ refresh: true, expectNoChanges: true })
  })

  test('preview should refuse a direction change on a running mirror and say which status to apply first', async () => {
    const other = `drill-refused-${id}`
    await createTopics(primary, [other])
    let declaredOther: Declared = { status: 'ACTIVE' }
    const refused = await createTestStack({
      projectName: 'clusterlink-drill-refused',
      engine: local.engine,
      program: async () => {
        const link = new ClusterLink(`${linkName}-r`, { linkName: `${linkName}-r`, sourceBootstrapServers: primary })
        return { status: new MirrorTopic(other, { linkName: link.linkName, sourceTopicName: other, ...declaredOther }).mirrorStatus }
      },
    })
    try {
      await refused.stack.up()
      declaredOther = { status: 'ACTIVE', direction: 'REVERSE' }
      await assert.rejects(refused.stack.preview(), /is ACTIVE: direction REVERSE needs a stopped mirror\. Declare status: FAILED_OVER/)
      assert.equal((await client.getMirror(`${linkName}-r`, other)).mirror_status, 'ACTIVE', 'nothing changed')
    } finally {
      await refused.dispose({ destroy: true })
    }
  })
})
