// Tests of the MirrorTopic spec: validation, status transitions, the status a refresh reads, and replace vs update.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import {
  checkStatusTransition, diffMirrorTopicInputs, observedMirrorStatus, validateMirrorTopicInputs, UNKNOWN_VALUE, type MirrorTopicInputs,
} from '../../../provider/spec/index.ts'

const valid = { linkName: 'dr-link', sourceTopicName: 'orders' }

function parsed(raw: Record<string, unknown>): MirrorTopicInputs {
  const result = validateMirrorTopicInputs(raw)
  assert.ok(result.ok, JSON.stringify(result))
  return result.value
}

test('validateMirrorTopicInputs should apply the documented defaults', () => {
  const inputs = parsed(valid)
  assert.equal(inputs.status, 'ACTIVE')
  assert.equal(inputs.onDelete, 'STOP_AND_KEEP_TOPIC')
  assert.equal(inputs.promoteTimeoutMs, 300_000)
  assert.equal(inputs.mirrorTopicName, undefined)
})

test('validateMirrorTopicInputs should name each bad field with what to fix', () => {
  const result = validateMirrorTopicInputs({ linkName: 'dr link', sourceTopicName: '..', status: 'STOPPED', replicationFactor: 0, onDelete: 'KEEP' })
  assert.equal(result.ok, false)
  const byProperty = Object.fromEntries((result.ok ? [] : result.failures).map((f) => [f.property, f.reason]))
  assert.match(byProperty.linkName!, /1 to 249 characters/)
  assert.match(byProperty.sourceTopicName!, /cannot be "." or ".."/)
  assert.match(byProperty.status!, /ACTIVE, PAUSED, PROMOTED, FAILED_OVER/)
  assert.match(byProperty.replicationFactor!, /at least 1/)
  assert.match(byProperty.onDelete!, /STOP_AND_KEEP_TOPIC or DELETE_TOPIC/)
})

test('validateMirrorTopicInputs should reject going back from PROMOTED or FAILED_OVER at preview', () => {
  const result = validateMirrorTopicInputs({ ...valid, status: 'ACTIVE' }, { ...valid, status: 'PROMOTED' })
  assert.equal(result.ok, false)
  assert.match(result.ok ? '' : result.failures[0]!.reason, /orders is PROMOTED .* cannot go back to ACTIVE/)
  assert.equal(validateMirrorTopicInputs({ ...valid, status: 'FAILED_OVER' }, { ...valid, status: 'PROMOTED' }).ok, true)
  assert.equal(validateMirrorTopicInputs({ ...valid, status: 'PAUSED' }, { ...valid, status: 'ACTIVE' }).ok, true)
})

test('validateMirrorTopicInputs should accept a linkName not known yet', () => {
  const result = validateMirrorTopicInputs({ ...valid, linkName: UNKNOWN_VALUE })
  assert.ok(result.ok)
})

test('checkStatusTransition should allow every move except leaving a stopped status', () => {
  const statuses = ['ACTIVE', 'PAUSED', 'PROMOTED', 'FAILED_OVER'] as const
  for (const from of statuses) {
    for (const to of statuses) {
      const stoppedFrom = from === 'PROMOTED' || from === 'FAILED_OVER'
      const stoppedTo = to === 'PROMOTED' || to === 'FAILED_OVER'
      assert.equal(checkStatusTransition(from, to) === undefined, !stoppedFrom || stoppedTo, `${from} -> ${to}`)
    }
  }
})

test('observedMirrorStatus should read engine states as declared statuses so refresh shows drift', () => {
  assert.equal(observedMirrorStatus('STOPPED', 'ACTIVE'), 'FAILED_OVER')
  assert.equal(observedMirrorStatus('STOPPED', 'PROMOTED'), 'PROMOTED')
  assert.equal(observedMirrorStatus('PENDING_STOPPED', 'FAILED_OVER'), 'FAILED_OVER')
  assert.equal(observedMirrorStatus('PAUSED', 'ACTIVE'), 'PAUSED')
  assert.equal(observedMirrorStatus('ACTIVE', 'PAUSED'), 'ACTIVE')
  assert.equal(observedMirrorStatus('PENDING_MIRROR', 'ACTIVE'), 'ACTIVE')
  assert.equal(observedMirrorStatus('FAILED', 'ACTIVE'), 'ACTIVE')
  assert.equal(observedMirrorStatus('SOURCE_UNAVAILABLE', 'PROMOTED'), 'ACTIVE')
})

test('diffMirrorTopicInputs should update status in place and replace on topic changes, deleting first when the name stays', () => {
  const olds = { ...parsed(valid), mirrorTopicName: 'orders', clusterId: 'c1', mirrorStatus: 'ACTIVE' }
  assert.deepEqual(diffMirrorTopicInputs(olds, parsed({ ...valid, status: 'PAUSED' })), { changed: ['status'], replaces: [], deleteBeforeReplace: false })
  assert.deepEqual(diffMirrorTopicInputs(olds, parsed(valid)).changed, [])
  const rf = diffMirrorTopicInputs(olds, parsed({ ...valid, replicationFactor: 3 }))
  assert.deepEqual(rf, { changed: ['replicationFactor'], replaces: ['replicationFactor'], deleteBeforeReplace: true })
  const source = diffMirrorTopicInputs(olds, parsed({ ...valid, sourceTopicName: 'payments' }))
  assert.deepEqual(source, { changed: ['sourceTopicName'], replaces: ['sourceTopicName'], deleteBeforeReplace: false })
  const pinned = diffMirrorTopicInputs(olds, parsed({ ...valid, sourceTopicName: 'payments', mirrorTopicName: 'orders' }))
  assert.equal(pinned.deleteBeforeReplace, true)
})

test('diffMirrorTopicInputs should keep a link prefix when it works out the next mirror topic name', () => {
  const olds = { ...parsed(valid), mirrorTopicName: 'east.orders' }
  assert.equal(diffMirrorTopicInputs(olds, parsed({ ...valid, linkName: 'other-link' })).deleteBeforeReplace, true)
  assert.equal(diffMirrorTopicInputs(olds, parsed({ ...valid, sourceTopicName: 'refunds' })).deleteBeforeReplace, false)
})
