// Tests of the shared rule for a FAILED mirror topic declared ACTIVE: drift at refresh, resume at update, and the replace
// hint when the engine answers that the mirror topic must be recreated.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { EngineApiError, EngineClient, type Mirror, type MirrorAction } from '../../../provider/client/index.ts'
import {
  MirrorNeedsRecreateError, declaredStatusOf, isRecreateRequired, readBackStatus, resumeFailedMirror, shouldResumeFailedMirror,
} from '../../../provider/lifecycle/index.ts'
import { FakeEngine } from '../client/fake-engine.ts'

test('shouldResumeFailedMirror should ask for a resume only when ACTIVE (or the default) is declared and the engine says FAILED', () => {
  assert.equal(shouldResumeFailedMirror('FAILED', 'ACTIVE'), true)
  assert.equal(shouldResumeFailedMirror('FAILED', undefined), true)
  for (const declared of ['PAUSED', 'PROMOTED', 'FAILED_OVER']) assert.equal(shouldResumeFailedMirror('FAILED', declared), false, declared)
  for (const status of ['ACTIVE', 'PAUSED', 'PENDING_MIRROR', 'SOURCE_UNAVAILABLE', 'LINK_FAILED', 'STOPPED']) {
    assert.equal(shouldResumeFailedMirror(status, 'ACTIVE'), false, status)
  }
})

test('readBackStatus should read a FAILED mirror declared ACTIVE as FAILED (drift), and leave every other reading alone', () => {
  assert.equal(readBackStatus('FAILED', 'ACTIVE', 'ACTIVE'), 'FAILED')
  assert.equal(readBackStatus('FAILED', 'PAUSED', 'PAUSED'), 'PAUSED')
  assert.equal(readBackStatus('SOURCE_UNAVAILABLE', 'ACTIVE', 'ACTIVE'), 'ACTIVE')
  assert.equal(readBackStatus('STOPPED', 'ACTIVE', 'FAILED_OVER'), 'FAILED_OVER')
  assert.equal(declaredStatusOf('FAILED'), 'ACTIVE')
  assert.equal(declaredStatusOf('PAUSED'), 'PAUSED')
})

test('isRecreateRequired should recognise the engine\'s 409, as an HTTP status or as a per-mirror error code', () => {
  const at = { method: 'POST', path: '/links/dr/mirrors:resume' }
  assert.equal(isRecreateRequired(new EngineApiError('x', { ...at, httpStatus: 409 })), true)
  assert.equal(isRecreateRequired(new EngineApiError('x', { ...at, httpStatus: 200, errorCode: 409 })), true)
  assert.equal(isRecreateRequired(new EngineApiError('x', { ...at, httpStatus: 200, errorCode: 40002 })), false)
  assert.equal(isRecreateRequired(new Error('409')), false)
})

async function failedMirror(error: string): Promise<{ engine: FakeEngine; client: EngineClient }> {
  const engine = new FakeEngine()
  const client = new EngineClient({ endpoint: 'http://engine.test', fetch: engine.fetch })
  await client.createLink('dr', { configs: [{ name: 'bootstrap.servers', value: 'src:9092' }] })
  await client.createMirror('dr', { source_topic_name: 'orders' })
  Object.assign(engine.mirror('dr', 'orders')!, { status: 'FAILED', error })
  return { engine, client }
}

test('resumeFailedMirror should resume a FAILED mirror whose failure can be retried and wait until it runs again', async () => {
  const { engine, client } = await failedMirror('KAFKA_ERROR')
  const seen: string[] = []
  const watching = {
    findMirror: async (link: string, topic: string): Promise<Mirror | undefined> => {
      const mirror = await client.findMirror(link, topic)
      seen.push(mirror?.mirror_status ?? 'gone')
      return mirror
    },
    // The engine shows PENDING_MIRROR while the new runner takes the partitions over: the wait goes on through it.
    alterMirror: async (link: string, action: MirrorAction, topic: string) => {
      const result = await client.alterMirror(link, action, topic)
      engine.mirror('dr', 'orders')!.status = 'PENDING_MIRROR'
      setTimeout(() => { engine.mirror('dr', 'orders')!.status = 'ACTIVE' }, 30)
      return result
    },
  }
  const mirror = await resumeFailedMirror(watching, { linkName: 'dr', mirrorTopicName: 'orders', replaceHint: 'replace it', timeoutMs: 5000, intervalMs: 5 })
  assert.equal(mirror?.mirror_status, 'ACTIVE')
  assert.equal(seen[0], 'PENDING_MIRROR')
})

test('resumeFailedMirror should turn the engine\'s "recreate the mirror topic" into an error with its reason and the replace hint', async () => {
  const { engine, client } = await failedMirror('OFFSET_DIVERGENCE')
  const options = { linkName: 'dr', mirrorTopicName: 'orders', replaceHint: 'run the replace command', timeoutMs: 5000, intervalMs: 5 }
  await assert.rejects(resumeFailedMirror(client, options), (error: unknown) => error instanceof MirrorNeedsRecreateError
    && /orders on link dr is FAILED and the engine cannot resume it \(.*OFFSET_DIVERGENCE.*recreate the mirror topic.*\); run the replace command$/
      .test(error.message))
  assert.equal(engine.mirror('dr', 'orders')!.status, 'FAILED', 'nothing changed')
})
