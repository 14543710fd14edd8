// Tests of the shared mirror flows against the in-process fake engine: which mirror is a resource's own, create, adopt, refuse, undo.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { EngineClient } from '../../../provider/client/index.ts'
import { createOrAdoptMirror, findOwnMirror } from '../../../provider/lifecycle/index.ts'
import { validateMirrorTopicInputs, type MirrorTopicInputs } from '../../../provider/spec/index.ts'
import { FakeEngine } from '../client/fake-engine.ts'

function inputsOf(raw: Record<string, unknown>): MirrorTopicInputs {
  const result = validateMirrorTopicInputs(raw)
  assert.ok(result.ok)
  return result.value
}

async function setup(prefix?: string): Promise<{ engine: FakeEngine; client: EngineClient }> {
  const engine = new FakeEngine()
  const client = new EngineClient({ endpoint: 'http://engine.test', fetch: engine.fetch })
  const configs = [{ name: 'bootstrap.servers', value: 'src:9092' }, ...(prefix ? [{ name: 'cluster.link.prefix', value: prefix }] : [])]
  await client.createLink('dr', { configs })
  return { engine, client }
}

const refuse = (mirror: { mirror_topic_name: string }): Error => new Error(`refused ${mirror.mirror_topic_name}`)
const settleName = async (mirror: { mirror_topic_name: string }): Promise<string> => mirror.mirror_topic_name

test('findOwnMirror should find the named mirror, else the one named by the link prefix, never another mirror of the source', async () => {
  const { client } = await setup('east.')
  await client.createMirror('dr', { source_topic_name: 'orders', mirror_topic_name: 'orders-copy' })
  assert.equal(await findOwnMirror(client, { linkName: 'dr', sourceTopicName: 'orders' }), undefined)
  const named = await findOwnMirror(client, { linkName: 'dr', sourceTopicName: 'orders', mirrorTopicName: 'orders-copy' })
  assert.equal(named?.mirror_topic_name, 'orders-copy')
  await client.createMirror('dr', { source_topic_name: 'orders' })
  assert.equal((await findOwnMirror(client, { linkName: 'dr', sourceTopicName: 'orders' }))?.mirror_topic_name, 'east.orders')
  assert.equal(await findOwnMirror(client, { linkName: 'gone', sourceTopicName: 'orders' }), undefined)
})

test('createOrAdoptMirror should create the mirror and settle it under the name the engine gave it', async () => {
  const { engine, client } = await setup('east.')
  const inputs = inputsOf({ linkName: 'dr', sourceTopicName: 'orders' })
  const name = await createOrAdoptMirror(client, inputs, { refuseExisting: refuse, settle: settleName })
  assert.equal(name, 'east.orders')
  assert.equal(engine.mirror('dr', 'east.orders')?.sourceTopicName, 'orders')
})

test('createOrAdoptMirror should refuse an existing default-named mirror unless adopt, and adopt it without creating', async () => {
  const { engine, client } = await setup()
  await client.createMirror('dr', { source_topic_name: 'orders' })
  const inputs = inputsOf({ linkName: 'dr', sourceTopicName: 'orders' })
  await assert.rejects(createOrAdoptMirror(client, inputs, { refuseExisting: refuse, settle: settleName }), /^Error: refused orders$/)
  const creates = engine.requests.filter((r) => r.startsWith('POST') && r.endsWith('/mirrors')).length
  assert.equal(await createOrAdoptMirror(client, { ...inputs, adopt: true }, { refuseExisting: refuse, settle: settleName }), 'orders')
  assert.equal(engine.requests.filter((r) => r.startsWith('POST') && r.endsWith('/mirrors')).length, creates)
})

test('createOrAdoptMirror should remove the mirror and topic it made when settling fails, and never an adopted one', async () => {
  const { engine, client } = await setup()
  const failing = { refuseExisting: refuse, settle: async (): Promise<string> => { throw new Error('settle failed') }, pollIntervalMs: 5 }
  await assert.rejects(createOrAdoptMirror(client, inputsOf({ linkName: 'dr', sourceTopicName: 'orders' }), failing), /settle failed/)
  assert.equal(engine.mirrors.size, 0)
  assert.equal(engine.topics.has('orders'), false)
  await client.createMirror('dr', { source_topic_name: 'orders' })
  const adopted = inputsOf({ linkName: 'dr', sourceTopicName: 'orders', adopt: true })
  await assert.rejects(createOrAdoptMirror(client, adopted, failing), /settle failed/)
  assert.equal(engine.mirror('dr', 'orders')?.status, 'ACTIVE')
  assert.ok(engine.topics.has('orders'))
})
