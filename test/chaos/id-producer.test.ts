// The chaos producer's acknowledgement rules: an id is acknowledged only with a successful response for its partition, at
// that response's base offset plus its index, and the judge finds an acknowledged id that is not at its offset.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import type kafkajs from 'kafkajs'
import { ackedNotAtTheirOffset, placeRecords, type TopicLedger } from './harness/index.ts'

const answer = (partition: number, baseOffset: string, errorCode = 0): kafkajs.RecordMetadata =>
  ({ topicName: 't', partition, errorCode, baseOffset })

test('placeRecords should place each partition\'s ids at its base offset plus their index', () => {
  const records = [{ id: 'a', partition: 0 }, { id: 'b', partition: 1 }, { id: 'c', partition: 0 }, { id: 'd', partition: 1 }]
  const { placed, missing } = placeRecords(records, [answer(1, '40'), answer(0, '7')])
  assert.deepEqual(missing, [])
  assert.deepEqual(Object.fromEntries(placed), {
    a: { partition: 0, offset: 7n }, c: { partition: 0, offset: 8n }, b: { partition: 1, offset: 40n }, d: { partition: 1, offset: 41n },
  })
})

test('placeRecords should leave unplaced a partition without a response or with an error', () => {
  // A send kafkajs resolved with responses for partitions 1 and 2 only (its partition 0 never re-sent after NOT_LEADER_OR_FOLLOWER).
  const records = [{ id: 'a', partition: 0 }, { id: 'b', partition: 1 }, { id: 'c', partition: 2 }, { id: 'd', partition: 0 }]
  const { placed, missing } = placeRecords(records, [answer(2, '4069'), answer(1, '4070', 6)])
  assert.deepEqual(missing, [0, 1])
  assert.deepEqual([...placed.keys()], ['c'])
})

test('ackedNotAtTheirOffset should name acknowledged ids the source holds elsewhere or not at all', () => {
  const source: TopicLedger = {
    endOffsets: new Map([[0, 3n]]),
    entries: [{ partition: 0, offset: 0n, id: 'a' }, { partition: 0, offset: 1n, id: 'b' }, { partition: 0, offset: 2n, id: 'x' }],
  }
  const ackedAt = new Map([
    ['a', { partition: 0, offset: 0n }], ['b', { partition: 0, offset: 1n }], ['c', { partition: 0, offset: 2n }], ['d', { partition: 0, offset: 3n }],
  ])
  assert.deepEqual(ackedNotAtTheirOffset(source, ackedAt), [
    'c acked at 0/2, source has x there', 'd acked at 0/3, source has nothing there',
  ])
})
