// Tests of the MirrorTopic reconciler against a fake engine: a FAILED mirror declared ACTIVE is resumed as drift repair,
// and one the engine says to recreate is refused with the Kubernetes way to replace it.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { EngineClient } from '../../../provider/client/index.ts'
import { reconcileMirrorTopic } from '../../../provider/kubernetes/mirror-topic-reconciler.ts'
import { ReconcileRefusal } from '../../../provider/kubernetes/reconcile-outcome.ts'
import { validateMirrorTopicInputs } from '../../../provider/spec/index.ts'
import { FakeEngine } from '../client/fake-engine.ts'

test('reconcileMirrorTopic should resume a FAILED mirror declared ACTIVE, or refuse with how to recreate it', async () => {
  const engine = new FakeEngine()
  const client = new EngineClient({ endpoint: 'http://engine.test', fetch: engine.fetch })
  await client.createLink('dr', { configs: [{ name: 'bootstrap.servers', value: 'src:9092' }] })
  await client.createMirror('dr', { source_topic_name: 'orders' })
  const validated = validateMirrorTopicInputs({ linkName: 'dr', sourceTopicName: 'orders' })
  assert.ok(validated.ok)
  const request = { inputs: validated.value, ownedName: 'orders', specChanged: false, pollIntervalMs: 5 }

  Object.assign(engine.mirror('dr', 'orders')!, { status: 'FAILED', error: 'KAFKA_ERROR' })
  const outcome = await reconcileMirrorTopic(client, request)
  assert.equal(engine.mirror('dr', 'orders')!.status, 'ACTIVE')
  assert.deepEqual(outcome.events.map((event) => event.reason), ['DriftRepaired'])
  assert.equal(outcome.status['observedStatus'], 'ACTIVE')

  Object.assign(engine.mirror('dr', 'orders')!, { status: 'FAILED', error: 'OFFSET_DIVERGENCE' })
  await assert.rejects(reconcileMirrorTopic(client, request), (error: unknown) => error instanceof ReconcileRefusal
    && error.reason === 'MirrorNeedsRecreate' && /recreate the mirror topic.*delete this MirrorTopic, then apply it again$/.test(error.message))
  assert.equal(engine.mirror('dr', 'orders')!.status, 'FAILED')
})
