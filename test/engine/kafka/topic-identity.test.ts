// Pure tests of the source topic identity check: topic ids where the broker has them, leader epochs where it has not.
import { describe, test } from 'node:test'
import assert from 'node:assert/strict'
import { checkTopicIdentity, identityOf } from '../../../engine/kafka/topic-identity.ts'
import type { TopicMetadata } from '../../../engine/kafka/index.ts'

function topic(topicId: string, epochs: number[]): TopicMetadata {
  return { name: 't', topicId, errorCode: 0, isInternal: false, partitions: epochs.map((leaderEpoch, partition) => ({ partition, leaderId: 1, leaderEpoch, errorCode: 0 })) }
}

describe('checkTopicIdentity', () => {
  test('checkTopicIdentity should detect a new topic id and accept the same one whatever the epochs', () => {
    const start = identityOf(topic('id-1', [5, 5]))
    assert.equal(checkTopicIdentity('t', start, topic('id-1', [0, 0])).error, undefined)
    const changed = checkTopicIdentity('t', start, topic('id-2', [5, 5])).error
    assert.equal(changed?.code, 'SOURCE_TOPIC_ID_CHANGED')
    assert.match(changed?.message ?? '', /topic id id-1 is now id-2/)
  })

  test('checkTopicIdentity should follow rising leader epochs of a topic without an id', () => {
    let identity = identityOf(topic('', [2, 0]))
    for (const epochs of [[2, 0], [3, 1], [7, 1]]) {
      const check = checkTopicIdentity('t', identity, topic('', epochs))
      assert.equal(check.error, undefined)
      identity = check.identity
    }
    assert.deepEqual(identity.leaderEpochs, [7, 1])
  })

  test('checkTopicIdentity should report a recreated id-less topic only when two checks in a row see an epoch drop', () => {
    const start = identityOf(topic('', [4, 2]))
    const once = checkTopicIdentity('t', start, topic('', [0, 0]))
    assert.equal(once.error, undefined)
    assert.equal(once.identity.suspectedDrop, true)
    const twice = checkTopicIdentity('t', once.identity, topic('', [0, 0]))
    assert.equal(twice.error?.code, 'SOURCE_TOPIC_ID_CHANGED')
    assert.match(twice.error?.message ?? '', /partition 0's leader epoch went back from 4 to 0/)
    // A lagging broker's older epoch that is gone at the next check is not a recreation.
    const recovered = checkTopicIdentity('t', once.identity, topic('', [4, 3]))
    assert.equal(recovered.error, undefined)
    assert.equal(recovered.identity.suspectedDrop, false)
  })

  test('checkTopicIdentity should report an id-less topic whose partition count fell', () => {
    const check = checkTopicIdentity('t', identityOf(topic('', [0, 0, 0])), topic('', [0]))
    assert.match(check.error?.message ?? '', /partition count fell from 3 to 1/)
  })
})
