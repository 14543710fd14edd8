// Pure tests of PartitionWriter's filler transactions against a fake destination: wait for the coordinator, then tell a
// duplicated marker from a foreign write.
import { describe, test } from 'node:test'
import assert from 'node:assert/strict'
import { createLogger } from '../../../engine/logging/index.ts'
import { EngineError } from '../../../engine/errors.ts'
import { ATTR_CONTROL, CODECS, computeBatchCrc, encodeRecordBatch, type KafkaClusterClient } from '../../../engine/kafka/index.ts'
import { PartitionWriter } from '../../../engine/mirror/partition-writer.ts'

const FILLER_PID = 7001n

/** A batch at `offset`, written by `producerId`; a control batch (a marker) when `control`. */
function batchAt(offset: bigint, producerId: bigint, control: boolean): Buffer {
  const b = encodeRecordBatch([{ timestamp: 1n, key: null, value: Buffer.from('x'), headers: [] }], { codec: CODECS.none, producerId, producerEpoch: 0, baseSequence: -1, transactional: control })
  b.writeBigInt64BE(offset, 0)
  if (control) {
    b.writeInt16BE(b.readInt16BE(21) | ATTR_CONTROL, 21)
    b.writeUInt32BE(computeBatchCrc(b), 17)
  }
  return b
}

/**
 * The destination as the writer sees it: the transaction stays in PrepareAbort for `pendingPolls` DescribeTransactions
 * calls; the log end offset is 0 until the coordinator completes, then `logEndAfter`; `extra` is what a fetch returns.
 */
function fakeDestination(o: { pendingPolls: number; logEndAfter: bigint; extra: Buffer | null }) {
  const calls: string[] = []
  let polls = 0
  let complete = false
  const client = {
    side: 'destination',
    invalidateLeader: () => {},
    initProducerId: async () => { calls.push('initProducerId'); return { producerId: FILLER_PID, producerEpoch: 0 } },
    describeProducers: async () => [],
    listOffset: async (_t: string, _p: number, spec: string) => {
      calls.push(`listOffset ${spec}`)
      return spec === 'latest' && complete ? o.logEndAfter : 0n
    },
    logEndOffset: async () => (complete ? o.logEndAfter : 0n),
    addPartitionsToTxn: async () => { calls.push('addPartitionsToTxn') },
    endTxn: async () => { calls.push('endTxn') },
    describeTransaction: async (id: string) => {
      // Helper transactional.ids of the filler were never used on this partition (offset-filler.ts).
      if (id !== 'clusterlink-filler-mid-0') throw new EngineError('KAFKA_ERROR', 'unknown transactional.id', { context: { kafkaErrorCode: 105 } })
      calls.push('describeTransaction')
      complete = ++polls > o.pendingPolls
      return { producerId: FILLER_PID, producerEpoch: 0, state: complete ? 'CompleteAbort' : 'PrepareAbort' }
    },
    fetchRaw: async () => {
      calls.push('fetchRaw')
      return {
        partition: 0, errorCode: 0, highWatermark: o.logEndAfter, lastStableOffset: o.logEndAfter, logStartOffset: 0n,
        abortedTransactions: null, preferredReadReplica: -1, records: o.extra, currentLeader: null,
      }
    },
    produceRaw: async () => { throw new Error('the writer must not append after a filler that went wrong') },
  }
  return { client: client as unknown as KafkaClusterClient, calls }
}

async function openWriter(client: KafkaClusterClient): Promise<PartitionWriter> {
  const writer = new PartitionWriter({
    destination: client, mirrorTopic: 'm', mirrorTopicId: 'mid', sourceTopicId: 'sid', partition: 0,
    logger: createLogger({ level: 'silent' }), fillerChunkRecords: 1000, emptyTxnFillMax: 8, isStopping: () => false,
  })
  await writer.open()
  return writer
}

describe('PartitionWriter filler transactions', () => {
  test('fill should wait until the coordinator completes the transaction before it reads the log end offset', async () => {
    const { client, calls } = fakeDestination({ pendingPolls: 3, logEndAfter: 1n, extra: null })
    const writer = await openWriter(client)
    calls.length = 0
    await writer.fill(1)
    assert.equal(writer.expected, 1n)
    const firstLeo = calls.indexOf('listOffset latest')
    assert.deepEqual(calls.slice(0, firstLeo), ['addPartitionsToTxn', 'endTxn', 'describeTransaction', 'describeTransaction', 'describeTransaction', 'describeTransaction'])
  })

  test('fill should fail with DUPLICATE_FILLER_MARKER when the extra offset is a second marker of its own filler producer', async () => {
    const { client } = fakeDestination({
      pendingPolls: 1, logEndAfter: 2n, extra: Buffer.concat([batchAt(0n, FILLER_PID, true), batchAt(1n, FILLER_PID, true)]),
    })
    const writer = await openWriter(client)
    const error = await writer.fill(1).then(() => null, (e: unknown) => e)
    assert.ok(error instanceof EngineError)
    assert.equal(error.code, 'OFFSET_DIVERGENCE')
    assert.equal(error.retriable, false)
    assert.equal(error.context.mirrorTopicError, 'DUPLICATE_FILLER_MARKER')
    assert.equal(error.context.offset, 1n)
    assert.match(error.message, /wrote the filler marker for offset 0 twice .*lost WriteTxnMarkers response.*offsets from 1 on cannot equal the source.*recreate the mirror topic/)
    assert.equal(writer.expected, 0n, 'the writer does not move past the divergence')
  })

  test('fill should blame a foreign producer when the extra offset holds another producer\'s data', async () => {
    const { client } = fakeDestination({
      pendingPolls: 0, logEndAfter: 2n, extra: Buffer.concat([batchAt(0n, FILLER_PID, true), batchAt(1n, 999n, false)]),
    })
    const writer = await openWriter(client)
    const error = await writer.fill(1).then(() => null, (e: unknown) => e)
    assert.ok(error instanceof EngineError)
    assert.equal(error.code, 'OFFSET_DIVERGENCE')
    assert.equal(error.context.mirrorTopicError, undefined)
    assert.match(error.message, /another producer \(producer id 999\) wrote into the mirror topic at offset 1/)
  })
})
