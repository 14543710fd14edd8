// Tests of the mirror write guard: which principals get DENY WRITE, and that a stop removes exactly the guard's entries.
import assert from 'node:assert/strict'
import { Writable } from 'node:stream'
import { test } from 'node:test'
import { MirrorWriteGuard, planWriteDenials, type TopicAcl } from '../../../engine/link/index.ts'
import { createLogger } from '../../../engine/logging/index.ts'
import { FakeCluster } from './fakes.ts'

const allow = (principal: string, topic: string, patternType: 'LITERAL' | 'PREFIXED', operation: 'WRITE' | 'ALL' | 'OTHER' = 'WRITE'): TopicAcl =>
  ({ topic, patternType, principal, host: '*', operation, permission: 'ALLOW' })

test('planWriteDenials should deny every writer but the engine and report wildcard principals', () => {
  const acls = [
    allow('User:alice', 'ord', 'PREFIXED'), allow('User:bob', 'orders', 'LITERAL', 'ALL'), allow('User:carol', 'orders', 'LITERAL', 'OTHER'),
    allow('User:engine', 'orders', 'LITERAL'), allow('User:*', '*', 'LITERAL'),
    { topic: 'orders', patternType: 'LITERAL', principal: 'User:bob', host: '*', operation: 'WRITE', permission: 'DENY' } as const,
  ]
  const plan = planWriteDenials(acls, 'orders', 'User:engine')
  assert.deepEqual(plan.deny.map((a) => a.principal), ['User:alice'])
  assert.deepEqual(plan.unguarded, ['User:*'])
  assert.ok(plan.deny.every((a) => a.permission === 'DENY' && a.patternType === 'LITERAL' && a.topic === 'orders'))
})

test('MirrorWriteGuard should add denials, release only its own, and ignore clusters without an authorizer', async () => {
  const cluster = new FakeCluster('d')
  const guard = new MirrorWriteGuard(cluster, 'User:engine', createLogger({ destination: new Writable({ write(_c, _e, done) { done() } }) }))
  await guard.protect('orders')
  assert.equal(cluster.acls, undefined)
  cluster.acls = [allow('User:alice', 'ord', 'PREFIXED'), { topic: 'other', patternType: 'LITERAL', principal: 'User:x', host: '*', operation: 'WRITE', permission: 'DENY' }]
  await guard.protect('orders')
  await guard.protect('orders')
  assert.equal(cluster.acls.filter((a) => a.permission === 'DENY' && a.topic === 'orders').length, 1)
  await guard.release('orders')
  assert.deepEqual(cluster.acls.map((a) => `${a.permission}:${a.topic}:${a.principal}`), ['ALLOW:ord:User:alice', 'DENY:other:User:x'])
})
