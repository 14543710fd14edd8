// Tests of the MirrorTopic provider methods against a fake engine: create, status changes (pause, resume, lag-gated promote,
// failover), read drift, delete modes, adoption, cleanup.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { EngineClient } from '../../../provider/client/index.ts'
import { createMirrorTopicProvider, type ResourceProviderMethods } from '../../../provider/pulumi/index.ts'
import { FakeEngine } from '../client/fake-engine.ts'

interface Setup { engine: FakeEngine; provider: ResourceProviderMethods; client: EngineClient }

async function setup(options: { prefix?: string; fetch?: (engine: FakeEngine) => typeof fetch } = {}): Promise<Setup> {
  const engine = new FakeEngine()
  const fetchFn = options.fetch?.(engine) ?? engine.fetch
  const provider = createMirrorTopicProvider({
    defaults: { endpoint: 'http://engine.test' },
    clientFor: (connection) => new EngineClient({ ...connection, fetch: fetchFn }),
    pollIntervalMs: 5,
  })
  const client = new EngineClient({ endpoint: 'http://engine.test', fetch: engine.fetch })
  const configs = [{ name: 'bootstrap.servers', value: 'src:9092' }, ...(options.prefix ? [{ name: 'cluster.link.prefix', value: options.prefix }] : [])]
  await client.createLink('dr', { configs })
  return { engine, provider, client }
}

async function checked(
  provider: ResourceProviderMethods, raw: Record<string, unknown>, olds: Record<string, unknown> = {},
): Promise<Record<string, unknown>> {
  const result = await provider.check(olds, raw)
  assert.deepEqual(result.failures ?? [], [])
  return result.inputs
}

const declared = { linkName: 'dr', sourceTopicName: 'orders' }

test('MirrorTopic create should start mirroring and output status, lag per partition and partition count', async () => {
  let pendingPolls = 0
  const { engine, provider } = await setup({
    fetch: (fake) => async (input, init) => {
      const mirror = fake.mirror('dr', 'orders')
      if (mirror?.status === 'PENDING_MIRROR' && String(input).endsWith('/mirrors/orders?include_state_transition_errors=true') && ++pendingPolls === 3) mirror.status = 'ACTIVE'
      return fake.fetch(input, init)
    },
  })
  engine.initialMirrorStatus = 'PENDING_MIRROR'
  const { id, outs } = await provider.create(await checked(provider, declared))
  assert.equal(pendingPolls, 3)
  assert.equal(id, 'fake-cluster/dr/orders')
  assert.equal(outs.status, 'ACTIVE')
  assert.equal(outs.mirrorStatus, 'ACTIVE')
  assert.equal(outs.partitionCount, 2)
  assert.deepEqual(outs.mirrorLags, [
    { partition: 0, lag: 0, lastSourceFetchOffset: 100 }, { partition: 1, lag: 0, lastSourceFetchOffset: 100 },
  ])
  assert.equal(outs.mirrorTopicName, 'orders')
})

test('MirrorTopic create should name the mirror after the link prefix when no name is given', async () => {
  const { provider } = await setup({ prefix: 'east.' })
  const { id, outs } = await provider.create(await checked(provider, declared))
  assert.equal(outs.mirrorTopicName, 'east.orders')
  assert.equal(id, 'fake-cluster/dr/east.orders')
})

test('MirrorTopic create should apply a declared PAUSED status', async () => {
  const { engine, provider } = await setup()
  const { outs } = await provider.create(await checked(provider, { ...declared, status: 'PAUSED' }))
  assert.equal(outs.status, 'PAUSED')
  assert.equal(engine.mirror('dr', 'orders')!.status, 'PAUSED')
})

test('MirrorTopic create should leave nothing behind when the new mirror fails', async () => {
  const { engine, provider } = await setup()
  engine.initialMirrorStatus = 'FAILED'
  await assert.rejects(provider.create(await checked(provider, declared)), /orders on link dr: the mirror FAILED/)
  assert.equal(engine.mirrors.size, 0)
  assert.equal(engine.topics.has('orders'), false)
})

test('MirrorTopic create should refuse an existing mirror unless adopt', async () => {
  const { engine, provider, client } = await setup()
  await client.createMirror('dr', { source_topic_name: 'orders' })
  await assert.rejects(provider.create(await checked(provider, declared)), /mirror topic orders already exists on link dr \(status ACTIVE\); set adopt: true/)
  const { outs } = await provider.create(await checked(provider, { ...declared, adopt: true, status: 'PAUSED' }))
  assert.equal(outs.status, 'PAUSED')
  assert.equal(engine.mirror('dr', 'orders')!.status, 'PAUSED')
})

test('MirrorTopic update should pause and resume in place', async () => {
  const { engine, provider } = await setup()
  const { id, outs } = await provider.create(await checked(provider, declared))
  const paused = await provider.update(id, outs, await checked(provider, { ...declared, status: 'PAUSED' }, outs))
  assert.equal(engine.mirror('dr', 'orders')!.status, 'PAUSED')
  const resumed = await provider.update(id, paused.outs, await checked(provider, declared, paused.outs))
  assert.equal(resumed.outs.status, 'ACTIVE')
  assert.equal(engine.mirror('dr', 'orders')!.status, 'ACTIVE')
})

test('MirrorTopic update to PROMOTED should wait for lag 0, then stop the mirror', async () => {
  let refusals = 0
  const { engine, provider } = await setup({
    fetch: (fake) => async (input, init) => {
      const response = await fake.fetch(input, init)
      if (String(input).includes('mirrors:promote') && fake.mirror('dr', 'orders')!.lags.some((lag) => lag > 0)) {
        refusals++
        fake.mirror('dr', 'orders')!.lags = [0, 0]
      }
      return response
    },
  })
  const { id, outs } = await provider.create(await checked(provider, declared))
  engine.mirror('dr', 'orders')!.lags = [2, 0]
  const { outs: promoted } = await provider.update(id, outs, await checked(provider, { ...declared, status: 'PROMOTED' }, outs))
  assert.equal(refusals, 1)
  assert.equal(promoted.status, 'PROMOTED')
  assert.equal(promoted.mirrorStatus, 'STOPPED')
})

test('MirrorTopic update to PROMOTED should give up after promoteTimeoutMs, naming the lag and FAILED_OVER', async () => {
  const { engine, provider } = await setup()
  const { id, outs } = await provider.create(await checked(provider, declared))
  engine.mirror('dr', 'orders')!.lags = [0, 9]
  await assert.rejects(provider.update(id, outs, await checked(provider, { ...declared, status: 'PROMOTED', promoteTimeoutMs: 1000 }, outs)),
    /promote of orders did not succeed within 1000 ms .*status ACTIVE, lag 9 \(p0=0 p1=9\).*use status FAILED_OVER/)
  assert.equal(engine.mirror('dr', 'orders')!.status, 'ACTIVE')
})

test('MirrorTopic update to FAILED_OVER should stop the mirror whatever the lag, also from FAILED', async () => {
  const { engine, provider } = await setup()
  const { id, outs } = await provider.create(await checked(provider, declared))
  engine.mirror('dr', 'orders')!.lags = [5, 5]
  engine.mirror('dr', 'orders')!.status = 'FAILED'
  const { outs: failedOver } = await provider.update(id, outs, await checked(provider, { ...declared, status: 'FAILED_OVER' }, outs))
  assert.equal(failedOver.status, 'FAILED_OVER')
  assert.equal(engine.mirror('dr', 'orders')!.status, 'STOPPED')
})

test('MirrorTopic read should show a pause or a failover made behind the tool, and diff should refuse to un-stop', async () => {
  const { engine, provider } = await setup()
  const { id, outs } = await provider.create(await checked(provider, declared))
  engine.mirror('dr', 'orders')!.status = 'PAUSED'
  const paused = await provider.read(id, outs)
  assert.equal(paused.props.status, 'PAUSED')
  assert.deepEqual(await provider.diff(id, paused.props, await checked(provider, declared)),
    { changes: true, replaces: [], deleteBeforeReplace: false })
  engine.mirror('dr', 'orders')!.status = 'STOPPED'
  const stopped = await provider.read(id, outs)
  assert.equal(stopped.props.status, 'FAILED_OVER')
  await assert.rejects(provider.diff(id, stopped.props, await checked(provider, declared)), /orders is FAILED_OVER .*cannot go back to ACTIVE/)
  engine.mirrors.clear()
  assert.deepEqual(await provider.read(id, outs), { id: '', props: {} })
})

test('MirrorTopic delete should stop the mirror and keep the topic by default', async () => {
  const { engine, provider } = await setup()
  const { id, outs } = await provider.create(await checked(provider, declared))
  await provider.delete(id, outs)
  assert.equal(engine.mirror('dr', 'orders')!.status, 'STOPPED')
  assert.ok(engine.topics.has('orders'))
})

test('MirrorTopic delete with DELETE_TOPIC should stop the mirror and delete the topic', async () => {
  const { engine, provider } = await setup()
  const { id, outs } = await provider.create(await checked(provider, { ...declared, onDelete: 'DELETE_TOPIC' }))
  await provider.delete(id, outs)
  assert.equal(engine.mirror('dr', 'orders'), undefined)
  assert.equal(engine.topics.has('orders'), false)
  await provider.delete(id, outs)
})

test('MirrorTopic read should show a FAILED mirror declared ACTIVE as drift; update should resume it, or name --replace', async () => {
  const { engine, provider } = await setup()
  const { id, outs } = await provider.create(await checked(provider, declared))
  Object.assign(engine.mirror('dr', 'orders')!, { status: 'FAILED', error: 'KAFKA_ERROR' })
  const failed = await provider.read(id, outs)
  assert.equal(failed.props.status, 'FAILED')
  assert.equal(failed.props.mirrorStatus, 'FAILED')
  const drift = await provider.diff(id, failed.props, await checked(provider, declared))
  assert.deepEqual(drift, { changes: true, replaces: [], deleteBeforeReplace: false })
  // A second refresh starts from outputs that say FAILED.
  assert.equal((await provider.read(id, failed.props)).props.status, 'FAILED')
  const { outs: resumed } = await provider.update(id, failed.props, await checked(provider, declared, failed.props))
  assert.equal(resumed.status, 'ACTIVE')
  assert.equal(engine.mirror('dr', 'orders')!.status, 'ACTIVE')
  Object.assign(engine.mirror('dr', 'orders')!, { status: 'FAILED', error: 'OFFSET_DIVERGENCE' })
  const diverged = await provider.read(id, resumed)
  await assert.rejects(provider.update(id, diverged.props, await checked(provider, declared, diverged.props)),
    /orders on link dr is FAILED and the engine cannot resume it \(.*recreate the mirror topic.*\); recreate it: pulumi up --replace/)
  assert.equal(engine.mirror('dr', 'orders')!.status, 'FAILED')
  // Declared PAUSED, a FAILED mirror is health, not drift: nothing to resume.
  const paused = await provider.read(id, { ...diverged.props, status: 'PAUSED' })
  assert.equal(paused.props.status, 'PAUSED')
})
