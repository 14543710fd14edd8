// Tests of what a mirror topic shows, as pure functions (engine/link/mirror-view.ts).
import assert from 'node:assert/strict'
import { test } from 'node:test'
import type { MirrorPartitionStatus, MirrorTopicRunner, MirrorTopicStatus } from '../../../engine/mirror/contract.ts'
import type { MirrorStatusRecord } from '../../../engine/state/index.ts'
import { totalLag, viewSources, visibleRunState, type ViewSnapshot } from '../../../engine/link/mirror-view.ts'

const partition = (p: number, lagRecords: number, fetched = 10): MirrorPartitionStatus => ({
  partition: p, lagRecords, lastSourceFetchOffset: fetched, sourceHighWatermark: fetched + lagRecords, destinationLogEndOffset: fetched,
})
const status = (state: MirrorTopicStatus['state'], partitions: MirrorPartitionStatus[]): MirrorTopicStatus =>
  ({ state, stateTimeMs: 5, partitions })

test('totalLag should sum the partitions and say -1 while any lag is unknown', () => {
  assert.equal(totalLag(status('ACTIVE', [partition(0, 3), partition(1, 4)])), 7)
  assert.equal(totalLag(status('ACTIVE', [partition(0, 0)])), 0)
  assert.equal(totalLag(undefined), -1)
  assert.equal(totalLag(status('PENDING_MIRROR', [partition(0, 0)])), -1)
  assert.equal(totalLag(status('ACTIVE', [partition(0, 0), partition(1, 5, -1)])), -1)
})

test('visibleRunState should keep a mirror that ran before ACTIVE while its copiers restart without an error', () => {
  assert.equal(visibleRunState(status('PENDING_MIRROR', []), true), 'ACTIVE')
  assert.equal(visibleRunState(status('PENDING_MIRROR', []), false), 'PENDING_MIRROR')
  assert.equal(visibleRunState({ ...status('PENDING_MIRROR', []), error: { code: 'X', message: 'm' } }, true), 'PENDING_MIRROR')
})

test('viewSources should show the runner on the owner and the published status elsewhere', () => {
  const runner = { status: () => status('ACTIVE', [partition(0, 2)]) } as unknown as MirrorTopicRunner
  const remote = {
    runState: 'PAUSED', isStopping: false, stateTimeMs: 9, error: null, numPartitions: 3, partitions: [partition(0, 1)],
    transitionErrors: [{ error_code: 'A', error_message: 'remote' }], copiedRecords: 12,
  } as unknown as MirrorStatusRecord
  const base: ViewSnapshot = {
    owned: true, runner, runnerError: undefined, remote, ranBefore: false, isStopping: false, pendingPromote: true,
    transitionErrors: [{ error_code: 'B', error_message: 'local' }], stoppedPartitions: [],
  }
  const owner = viewSources(base)
  assert.equal(owner.runState, 'ACTIVE')
  assert.equal(owner.numPartitions, 1)
  assert.equal(owner.isStopping, false)
  assert.deepEqual(owner.transitionErrors.map((e) => e.error_code), ['B'])
  const failed = viewSources({ ...base, runnerError: { code: 'FENCED', message: 'taken over' } })
  assert.equal(failed.runState, 'FAILED')
  assert.equal(failed.error?.code, 'FENCED')
  const other = viewSources({ ...base, owned: false })
  assert.equal(other.runState, 'PAUSED')
  assert.equal(other.numPartitions, 3)
  assert.equal(other.isStopping, true, 'a stored pending promote reads as stopping')
  assert.deepEqual(other.counters, { copiedRecords: 12 })
  assert.deepEqual(other.transitionErrors.map((e) => e.error_code), ['A', 'B'])
})
