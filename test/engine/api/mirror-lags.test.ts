// Tests that mirror answers never show a lag of zero for a mirror partition whose copier has not fetched yet.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { mirrorObject } from '../../../engine/api/rest-objects.ts'
import type { MirrorView } from '../../../engine/link/index.ts'

function view(partitions: MirrorView['partitions']): MirrorView {
  return {
    linkName: 'l', mirrorTopicName: 't', sourceTopicName: 't', numPartitions: partitions.length, partitions,
    status: 'ACTIVE', stateTimeMs: 0, mirrorTopicError: 'NO_ERROR', mirrorTopicErrorMessage: null, transitionErrors: [],
    direction: 'FORWARD',
  }
}

test('mirrorObject should leave out partitions whose source high watermark is not known yet', () => {
  const answer = mirrorObject('http://e/kafka/v3/clusters/c', view([
    { partition: 0, lagRecords: 0, lastSourceFetchOffset: -1, sourceHighWatermark: -1, destinationLogEndOffset: 0 },
    { partition: 1, lagRecords: 5, lastSourceFetchOffset: 10, sourceHighWatermark: 15, destinationLogEndOffset: 10 },
  ]), false)
  assert.deepEqual(answer.mirror_lags.map((l) => [l.partition, l.lag]), [[1, 5]])
})

test('mirrorObject should show every partition once each copier has fetched', () => {
  const answer = mirrorObject('http://e/kafka/v3/clusters/c', view([
    { partition: 0, lagRecords: 0, lastSourceFetchOffset: 3, sourceHighWatermark: 3, destinationLogEndOffset: 3 },
    { partition: 1, lagRecords: 2, lastSourceFetchOffset: 1, sourceHighWatermark: 3, destinationLogEndOffset: 1 },
  ]), false)
  assert.deepEqual(answer.mirror_lags.map((l) => [l.partition, l.lag]), [[0, 0], [1, 2]])
})
