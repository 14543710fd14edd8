// Pure tests of the source divergence rules: which epoch a fetch carries, and the error a diverging_epoch answer gives.
import { describe, test } from 'node:test'
import assert from 'node:assert/strict'
import { CODECS, encodeRecordBatch, readBatchHeader, type RawRecordBatch } from '../../../engine/kafka/index.ts'
import { divergedSourceError, epochBefore, SOURCE_DIVERGED } from '../../../engine/mirror/source-divergence.ts'
import type { RawFetchPartitionResponse } from '../../../engine/kafka/index.ts'

function batch(baseOffset: bigint, count: number, epoch: number): RawRecordBatch {
  const records = Array.from({ length: count }, () => ({ timestamp: 1n, key: null, value: Buffer.from('v'), headers: [] }))
  const bytes = encodeRecordBatch(records, { codec: CODECS.none, producerId: -1n, producerEpoch: -1, baseSequence: -1 })
  bytes.writeBigInt64BE(baseOffset, 0)
  bytes.writeInt32BE(epoch, 12)
  return { header: readBatchHeader(bytes), bytes }
}

function response(divergingEpoch: RawFetchPartitionResponse['divergingEpoch']): RawFetchPartitionResponse {
  return {
    partition: 0, errorCode: 0, highWatermark: 18n, lastStableOffset: 18n, logStartOffset: 0n, abortedTransactions: [],
    preferredReadReplica: -1, records: null, currentLeader: null, divergingEpoch,
  }
}

describe('source divergence', () => {
  test('epochBefore should give the epoch of the batch holding the offset below the end', () => {
    const batches = [batch(0n, 5, 0), batch(5n, 5, 2), batch(10n, 5, 3)]
    assert.equal(epochBefore(batches, 5n), 0)
    assert.equal(epochBefore(batches, 8n), 2)
    assert.equal(epochBefore(batches, 15n), 3)
    assert.equal(epochBefore([], 15n), -1)
    assert.equal(epochBefore([batch(0n, 2, -1)], 2n), -1)
  })

  test('divergedSourceError should fail at the end offset of the diverging epoch and say to recreate', () => {
    assert.equal(divergedSourceError('m', 0, 15n, response(null)), null)
    assert.equal(divergedSourceError('m', 0, 15n, response(undefined)), null)
    const error = divergedSourceError('m', 0, 15n, response({ epoch: 0, endOffset: 10n }))
    assert.ok(error)
    assert.equal(error.code, 'OFFSET_DIVERGENCE')
    assert.equal(error.retriable, false)
    assert.equal(error.context.offset, 10n)
    assert.equal(error.context.mirrorTopicError, SOURCE_DIVERGED)
  })
})
