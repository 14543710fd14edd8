// Pure tests of the declared failback rules: which action a change of direction runs, and the refusals that say what to change.
import assert from 'node:assert/strict'
import { test } from 'node:test'
import { checkCreateDirection, planFailback, validateMirrorTopicInputs } from '../../../provider/spec/index.ts'

const topics = { source: 'orders', mirror: 'orders' }

test('planFailback should run nothing while the direction stays', () => {
  assert.deepEqual(planFailback({ status: 'FAILED_OVER', direction: 'FORWARD' }, { status: 'FAILED_OVER', direction: 'FORWARD', failbackMethod: 'REVERSE' }, topics), {})
})

test('planFailback should pick the action from the method and the declared status', () => {
  const stopped = { status: 'FAILED_OVER', direction: 'FORWARD' } as const
  const restore = planFailback(stopped, { status: 'ACTIVE', direction: 'REVERSE', failbackMethod: 'TRUNCATE_AND_RESTORE' }, topics,
    { reverseBlockedBy: 'partition 0 differs', recordsToSetAside: 7 })
  assert.equal('action' in restore ? restore.action : undefined, 'truncate-and-restore')
  assert.match('summary' in restore ? restore.summary : '', /orders on the destination cluster is copied back into orders on the source cluster.*\(7 at the last refresh\)/)
  const start = planFailback(stopped, { status: 'ACTIVE', direction: 'REVERSE', failbackMethod: 'REVERSE' }, topics)
  assert.equal('action' in start ? start.action : undefined, 'reverse-and-start')
  const pause = planFailback({ status: 'PROMOTED', direction: 'REVERSE' }, { status: 'PAUSED', direction: 'FORWARD', failbackMethod: 'REVERSE' }, topics)
  assert.equal('action' in pause ? pause.action : undefined, 'reverse-and-pause')
  assert.match('summary' in pause ? pause.summary : '', /orders on the source cluster is copied into orders on the destination cluster/)
})

test('planFailback should refuse a direction change from a running mirror, naming the status to apply first', () => {
  const plan = planFailback({ status: 'ACTIVE', direction: 'FORWARD' }, { status: 'ACTIVE', direction: 'REVERSE', failbackMethod: 'REVERSE' }, topics)
  assert.match('error' in plan ? plan.error : '', /orders is ACTIVE: direction REVERSE needs a stopped mirror\. Declare status: FAILED_OVER/)
})

test('planFailback should refuse a direction change declared with a stopped status', () => {
  const plan = planFailback({ status: 'FAILED_OVER', direction: 'FORWARD' }, { status: 'PROMOTED', direction: 'REVERSE', failbackMethod: 'REVERSE' }, topics)
  assert.match('error' in plan ? plan.error : '', /declare status: ACTIVE \(or PAUSED\) together with it, not PROMOTED/)
})

test('planFailback should refuse a REVERSE the last refresh found blocked, pointing at TRUNCATE_AND_RESTORE', () => {
  const check = { reverseBlockedBy: 'the source topic holds 3 records the destination lacks', recordsToSetAside: 3 }
  const plan = planFailback({ status: 'FAILED_OVER', direction: 'FORWARD' }, { status: 'ACTIVE', direction: 'REVERSE', failbackMethod: 'REVERSE' }, topics, check)
  assert.match('error' in plan ? plan.error : '', /would be refused: the source topic holds 3 records .*failbackMethod: TRUNCATE_AND_RESTORE to set those 3 record/)
})

test('validateMirrorTopicInputs should accept a failback from a stopped status and refuse one from a running mirror', () => {
  const valid = { linkName: 'dr', sourceTopicName: 'orders' }
  assert.equal(validateMirrorTopicInputs({ ...valid, status: 'ACTIVE', direction: 'REVERSE' }, { ...valid, status: 'FAILED_OVER' }).ok, true)
  const refused = validateMirrorTopicInputs({ ...valid, status: 'ACTIVE', direction: 'REVERSE' }, { ...valid, status: 'PAUSED' })
  assert.equal(refused.ok, false)
  assert.equal(refused.ok ? '' : refused.failures[0]!.property, 'direction')
  const unknownMethod = validateMirrorTopicInputs({ ...valid, failbackMethod: 'TRUNCATE' })
  assert.match(unknownMethod.ok ? '' : unknownMethod.failures[0]!.reason, /failbackMethod must be REVERSE or TRUNCATE_AND_RESTORE/)
})

test('checkCreateDirection should refuse a new REVERSE mirror unless it is adopted', () => {
  assert.match(checkCreateDirection('REVERSE', false) ?? '', /starts with direction: FORWARD/)
  assert.equal(checkCreateDirection('REVERSE', true), undefined)
  assert.equal(checkCreateDirection('FORWARD', false), undefined)
})
