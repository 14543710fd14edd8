// Tests of the rules between declared mirror topic status and the engine's mirror_status.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { declaredStatusFromEngine, nextMirrorAction } from '../../../provider/terraform/mirror-status-rules.ts'

const actionOf = (status: string, desired: 'ACTIVE' | 'PAUSED' | 'PROMOTED' | 'FAILED_OVER') => {
  const step = nextMirrorAction(status, desired, 'orders')
  return 'error' in step ? 'error' : step.action ?? 'none'
}

test('nextMirrorAction should pause, resume, promote and fail over from the reported status', () => {
  assert.equal(actionOf('ACTIVE', 'PAUSED'), 'pause')
  assert.equal(actionOf('PAUSED', 'ACTIVE'), 'resume')
  assert.equal(actionOf('ACTIVE', 'PROMOTED'), 'promote')
  assert.equal(actionOf('PAUSED', 'PROMOTED'), 'promote')
  assert.equal(actionOf('ACTIVE', 'FAILED_OVER'), 'failover')
  assert.equal(actionOf('ACTIVE', 'ACTIVE'), 'none')
  assert.equal(actionOf('PAUSED', 'PAUSED'), 'none')
})

test('nextMirrorAction should fail over from FAILED, SOURCE_UNAVAILABLE and LINK_FAILED', () => {
  for (const status of ['FAILED', 'SOURCE_UNAVAILABLE', 'LINK_FAILED']) assert.equal(actionOf(status, 'FAILED_OVER'), 'failover', status)
})

test('nextMirrorAction should do nothing for a stopped mirror declared PROMOTED or FAILED_OVER, and refuse going back', () => {
  assert.equal(actionOf('STOPPED', 'PROMOTED'), 'none')
  assert.equal(actionOf('STOPPED', 'FAILED_OVER'), 'none')
  assert.equal(actionOf('STOPPED', 'ACTIVE'), 'error')
  assert.equal(actionOf('PENDING_STOPPED', 'PAUSED'), 'error')
  const step = nextMirrorAction('STOPPED', 'ACTIVE', 'orders')
  assert.ok('error' in step && /status = "PROMOTED" or "FAILED_OVER"/.test(step.error))
})

test('nextMirrorAction should wait for STOPPED after a promote', () => {
  const step = nextMirrorAction('ACTIVE', 'PROMOTED', 'orders')
  assert.ok('isDone' in step)
  assert.equal(step.isDone('PENDING_STOPPED'), false)
  assert.equal(step.isDone('STOPPED'), true)
})

test('declaredStatusFromEngine should read ACTIVE and PAUSED back, keep the declared stop, and keep the declaration through conditions', () => {
  assert.equal(declaredStatusFromEngine('PAUSED', 'ACTIVE'), 'PAUSED')
  assert.equal(declaredStatusFromEngine('ACTIVE', 'PAUSED'), 'ACTIVE')
  assert.equal(declaredStatusFromEngine('STOPPED', 'PROMOTED'), 'PROMOTED')
  assert.equal(declaredStatusFromEngine('STOPPED', 'ACTIVE'), 'FAILED_OVER')
  assert.equal(declaredStatusFromEngine('STOPPED', undefined), 'FAILED_OVER')
  assert.equal(declaredStatusFromEngine('SOURCE_UNAVAILABLE', 'PAUSED'), 'PAUSED')
  assert.equal(declaredStatusFromEngine('PENDING_MIRROR', undefined), 'ACTIVE')
})

test('declaredStatusFromEngine should read a FAILED mirror declared ACTIVE as FAILED (plan shows the resume), and keep PAUSED', () => {
  assert.equal(declaredStatusFromEngine('FAILED', 'ACTIVE'), 'FAILED')
  assert.equal(declaredStatusFromEngine('FAILED', undefined), 'FAILED')
  assert.equal(declaredStatusFromEngine('FAILED', 'PAUSED'), 'PAUSED')
})
