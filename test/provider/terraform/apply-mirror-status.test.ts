// Tests of driving a mirror topic to a declared status against an in-memory engine: actions taken, refusals, and a
// promote wait that StopProvider ends early.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { EngineApiError } from '../../../provider/client/index.ts'
import { applyMirrorStatus } from '../../../provider/terraform/apply-mirror-status.ts'
import { FakeEngine } from './fake-engine-client.ts'

async function engineWithMirror(): Promise<FakeEngine> {
  const engine = new FakeEngine()
  await engine.client.createLink('dr', { configs: [{ name: 'bootstrap.servers', value: 's:9092' }] })
  await engine.client.createMirror('dr', { source_topic_name: 'orders' })
  return engine
}

test('applyMirrorStatus should take the one action that reaches the declared status, and none when it is reached', async () => {
  const engine = await engineWithMirror()
  await applyMirrorStatus(engine.engineClient, { linkName: 'dr', mirrorTopicName: 'orders', desired: 'PAUSED', promoteTimeoutMs: 5000 })
  await applyMirrorStatus(engine.engineClient, { linkName: 'dr', mirrorTopicName: 'orders', desired: 'PAUSED', promoteTimeoutMs: 5000 })
  await applyMirrorStatus(engine.engineClient, { linkName: 'dr', mirrorTopicName: 'orders', desired: 'FAILED_OVER', promoteTimeoutMs: 5000 })
  assert.deepEqual(engine.calls.filter((call) => !call.startsWith('create')), ['pause dr/orders', 'failover dr/orders'])
  await assert.rejects(applyMirrorStatus(engine.engineClient, { linkName: 'dr', mirrorTopicName: 'orders', desired: 'ACTIVE', promoteTimeoutMs: 5000 }), /cannot be ACTIVE again/)
})

test('applyMirrorStatus should end a promote wait with an error once Terraform asks the provider to stop', async () => {
  const engine = await engineWithMirror()
  // This engine accepts the promote but never finishes it (lag never reaches zero).
  engine.client.alterMirror = async (link: string, action: string, topic: string) => {
    engine.calls.push(`${action} ${link}/${topic}`)
    const mirror = engine.mirrors.get(`${link}/${topic}`)
    if (mirror) engine.mirrors.set(`${link}/${topic}`, { ...mirror, mirror_status: 'PENDING_STOPPED' })
    return undefined
  }
  const stop = new AbortController()
  let polls = 0
  const findMirror = engine.client.findMirror
  engine.client.findMirror = async (link: string, topic: string) => {
    polls += 1
    if (polls === 2) stop.abort()
    return findMirror(link, topic)
  }
  await assert.rejects(
    applyMirrorStatus(engine.engineClient, { linkName: 'dr', mirrorTopicName: 'orders', desired: 'PROMOTED', promoteTimeoutMs: 600_000, signal: stop.signal }),
    /asked the provider to stop while waiting for lag zero/,
  )
})

test('applyMirrorStatus should resume a FAILED mirror declared ACTIVE, and name terraform apply -replace when the engine says recreate', async () => {
  const engine = await engineWithMirror()
  const failed = () => engine.mirrors.set('dr/orders', { ...engine.mirrors.get('dr/orders')!, mirror_status: 'FAILED' })
  failed()
  const options = { linkName: 'dr', mirrorTopicName: 'orders', desired: 'ACTIVE', promoteTimeoutMs: 5000 } as const
  const resumed = await applyMirrorStatus(engine.engineClient, options)
  assert.equal(resumed?.mirror_status, 'ACTIVE')
  assert.deepEqual(engine.calls.filter((call) => !call.startsWith('create')), ['resume dr/orders'])
  failed()
  engine.client.alterMirror = async (link: string, action: string, topic: string) => {
    throw new EngineApiError(`${action} ${topic} on link ${link}: cannot resume a FAILED mirror topic: recreate the mirror topic (error_code 409)`, {
      method: 'POST', path: `/links/${link}/mirrors:${action}`, httpStatus: 200, errorCode: 409,
    })
  }
  await assert.rejects(applyMirrorStatus(engine.engineClient, options), /cannot resume it \(.*recreate the mirror topic.*\); recreate it: terraform apply -replace=/)
  await assert.rejects(applyMirrorStatus(engine.engineClient, { ...options, replaceHint: 'delete this MirrorTopic' }), /; delete this MirrorTopic$/)
})
