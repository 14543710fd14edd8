// Pure tests of the pipelined produce path (PartitionWriter over ProducePipeline) against a fake destination connection.
import { describe, test } from 'node:test'
import assert from 'node:assert/strict'
import { createLogger } from '../../../engine/logging/index.ts'
import { EngineError } from '../../../engine/errors.ts'
import {
  CODECS, KafkaErrorCodes, encodeRecordBatch, splitRecordSet, type KafkaClusterClient, type RawProducePartitionResponse,
} from '../../../engine/kafka/index.ts'
import { PartitionWriter } from '../../../engine/mirror/partition-writer.ts'
import type { WriteAction } from '../../../engine/mirror/batch-plan.ts'
import { MAX_IN_FLIGHT_BATCHES, MAX_IN_FLIGHT_BYTES } from '../../../engine/mirror/produce-pipeline.ts'

const FILLER_PID = 7001n
/** The data producer id: the filler transactional.id's (partition-writer.ts). */
const P = FILLER_PID
const START = 100n
const FIRST_SEQUENCE = 10

interface Send { readonly bytes: Buffer; readonly sequence: number; resolve(r: RawProducePartitionResponse): void; reject(e: unknown): void;
  settled: boolean }

function answer(baseOffset: bigint, errorCode = 0): RawProducePartitionResponse {
  return { partition: 0, errorCode, baseOffset: errorCode === 0 ? baseOffset : -1n, logAppendTimeMs: -1n, logStartOffset: 0n,
    recordErrors: [], errorMessage: null }
}

/** The destination as the writer sees it: every produce waits until the test answers it; `withState` says whether P has producer state. */
function fakeDestination(withState = true) {
  const sends: Send[] = []
  const calls: string[] = []
  let inFlight = 0
  let maxInFlight = 0
  let logEnd = START
  // P's last sequence at the leader: a batch answered with success moves it (and the log end offset) on.
  let lastSequence = FIRST_SEQUENCE - 1
  let describeFailures = 0
  const client = {
    side: 'destination',
    invalidateLeader: () => { calls.push('invalidateLeader') },
    initProducerId: async () => ({ producerId: FILLER_PID, producerEpoch: 0 }),
    describeTransaction: async () => { calls.push('describeTransaction'); return { producerId: FILLER_PID, producerEpoch: 0, state: 'CompleteAbort' } },
    describeProducers: async () => {
      if (describeFailures > 0) {
        describeFailures--
        throw new EngineError('KAFKA_ERROR', 'describe producers refused', { retriable: false })
      }
      return withState ? [{ producerId: P, producerEpoch: 0, lastSequence, lastTimestamp: 0n, currentTxnStartOffset: -1n }] : []
    },
    listOffset: async () => logEnd,
    logEndOffset: async () => logEnd,
    fetchRaw: async () => ({ partition: 0, errorCode: 0, highWatermark: logEnd, lastStableOffset: logEnd, logStartOffset: 0n,
      abortedTransactions: null, preferredReadReplica: -1, records: null, currentLeader: null }),
    addPartitionsToTxn: async () => { calls.push('addPartitionsToTxn') },
    endTxn: async () => { calls.push('endTxn'); logEnd += 1n },
    produceRaw: async () => { throw new Error('data batches go through produceRawOrdered') },
    produceRawOrdered: (_t: string, _p: number, bytes: Buffer) => new Promise<RawProducePartitionResponse>((resolve, reject) => {
      inFlight++
      maxInFlight = Math.max(maxInFlight, inFlight)
      const send: Send = {
        bytes: Buffer.from(bytes), sequence: bytes.readInt32BE(53), settled: false,
        resolve: (r) => {
          send.settled = true
          inFlight--
          calls.push(`answer ${send.sequence}`)
          if (r.errorCode === 0 && withState) {
            lastSequence = Math.max(lastSequence, send.sequence)
            logEnd = logEnd > r.baseOffset + 1n ? logEnd : r.baseOffset + 1n
          }
          resolve(r)
        },
        reject: (e) => { send.settled = true; inFlight--; reject(e) },
      }
      sends.push(send)
    }),
  }
  return {
    client: client as unknown as KafkaClusterClient, sends, calls, maxInFlight: () => maxInFlight, setLogEnd: (o: bigint) => { logEnd = o },
    /** What the leader holds when responses were lost: P's last sequence and the log end offset. */
    setLanded: (sequence: number, end: bigint) => { lastSequence = sequence; logEnd = end },
    /** The next `n` DescribeProducers calls fail (not retriable). */
    failDescribes: (n: number) => { describeFailures = n },
  }
}

async function openWriter(client: KafkaClusterClient): Promise<PartitionWriter> {
  const writer = new PartitionWriter({
    destination: client, mirrorTopic: 'm', mirrorTopicId: 'mid', sourceTopicId: 'sid', partition: 0,
    logger: createLogger({ level: 'silent' }), fillerChunkRecords: 1000, emptyTxnFillMax: 8, isStopping: () => false,
  })
  await writer.open()
  return writer
}

/** n one-record copy actions from START on, as the planner makes them from a fetched record set. */
function copies(n: number, valueBytes = 0): WriteAction[] {
  return Array.from({ length: n }, (_, i) => {
    const value = valueBytes > 0 ? Buffer.alloc(valueBytes, i) : Buffer.from(`v${i}`)
    const bytes = encodeRecordBatch([{ timestamp: 1n, key: null, value, headers: [] }],
      { codec: CODECS.none, producerId: 42n, producerEpoch: 0, baseSequence: i })
    bytes.writeBigInt64BE(START + BigInt(i), 0)
    const batch = splitRecordSet(bytes)[0]!
    return { kind: 'copy', offset: START + BigInt(i), count: 1, batch: batch.bytes, header: batch.header }
  })
}

/** Writes every action, then drains; settles with the error that stopped it, or null. */
function writeAll(writer: PartitionWriter, actions: readonly WriteAction[]): { done: Promise<unknown>; isDone: () => boolean } {
  let finished = false
  const done = (async () => {
    for (const a of actions) await writer.write(a)
    await writer.drain()
  })().then(() => null, (e: unknown) => e).finally(() => { finished = true })
  return { done, isDone: () => finished }
}

/** Waits on a condition, one event-loop turn at a time (no timers). */
async function until(condition: () => boolean): Promise<void> {
  for (let i = 0; !condition(); i++) {
    if (i > 200_000) throw new Error('condition never became true')
    await new Promise((resolve) => setImmediate(resolve))
  }
}

/** A few event-loop turns: enough for the writer to send anything it was going to send. */
async function settle(): Promise<void> {
  for (let i = 0; i < 50; i++) await new Promise((resolve) => setImmediate(resolve))
}

describe('PartitionWriter pipelined produce', () => {
  test('write should keep more batches in flight than the duplicate cache and accept out-of-order responses strictly in order', async () => {
    const d = fakeDestination()
    const writer = await openWriter(d.client)
    const run = writeAll(writer, copies(12))
    await until(() => d.sends.length === 12)
    for (const i of [11, 9, 10, 4, 3, 2, 1, 8, 7]) d.sends[i]!.resolve(answer(START + BigInt(i)))
    await settle()
    assert.equal(writer.expected, START, 'nothing is accepted before the first batch')
    d.sends[0]!.resolve(answer(START))
    await until(() => writer.expected === START + 5n)
    d.sends[6]!.resolve(answer(START + 6n))
    await settle()
    assert.equal(writer.expected, START + 5n, 'batch 6 is awaited before 7 to 12 are accepted')
    d.sends[5]!.resolve(answer(START + 5n))
    assert.equal(await run.done, null)
    assert.equal(writer.expected, START + 12n)
    assert.deepEqual(d.sends.map((s) => s.sequence), Array.from({ length: 12 }, (_, i) => FIRST_SEQUENCE + i))
    assert.equal(d.maxInFlight(), 12)
    assert.equal(writer.counters.batchesCopied, 12)
  })

  test('write should hold a batch back while the bytes in flight would pass the window', async () => {
    const d = fakeDestination()
    const writer = await openWriter(d.client)
    const big = Math.floor(MAX_IN_FLIGHT_BYTES / 2) - 1024
    const run = writeAll(writer, copies(3, big))
    await until(() => d.sends.length === 2)
    await settle()
    assert.equal(d.sends.length, 2, 'a third batch of half the window waits')
    d.sends[0]!.resolve(answer(START))
    await until(() => d.sends.length === 3)
    d.sends[1]!.resolve(answer(START + 1n))
    d.sends[2]!.resolve(answer(START + 2n))
    assert.equal(await run.done, null)
    assert.equal(writer.expected, START + 3n)
  })

  test('write should hold a batch back while the window is full of batches', async () => {
    const d = fakeDestination()
    const writer = await openWriter(d.client)
    const run = writeAll(writer, copies(MAX_IN_FLIGHT_BATCHES + 1))
    await until(() => d.sends.length === MAX_IN_FLIGHT_BATCHES)
    await settle()
    assert.equal(d.sends.length, MAX_IN_FLIGHT_BATCHES)
    d.sends[0]!.resolve(answer(START))
    await until(() => d.sends.length === MAX_IN_FLIGHT_BATCHES + 1)
    for (let i = 1; i <= MAX_IN_FLIGHT_BATCHES; i++) d.sends[i]!.resolve(answer(START + BigInt(i)))
    assert.equal(await run.done, null)
    assert.equal(writer.expected, START + BigInt(MAX_IN_FLIGHT_BATCHES) + 1n)
  })

  test('write should resend batch 2 and the batches after it with the same bytes when batch 2 fails while 3 to 6 are in flight', async () => {
    const d = fakeDestination()
    const writer = await openWriter(d.client)
    const run = writeAll(writer, copies(6))
    await until(() => d.sends.length === 6)
    d.sends[0]!.resolve(answer(START))
    d.sends[1]!.resolve(answer(0n, KafkaErrorCodes.NOT_LEADER_OR_FOLLOWER))
    for (const i of [2, 3, 4]) d.sends[i]!.resolve(answer(0n, KafkaErrorCodes.OUT_OF_ORDER_SEQUENCE_NUMBER))
    await settle()
    assert.equal(d.sends.length, 6, 'no resend before every later batch has settled')
    d.sends[5]!.resolve(answer(0n, KafkaErrorCodes.OUT_OF_ORDER_SEQUENCE_NUMBER))
    await until(() => d.sends.length === 11)
    for (let i = 0; i < 5; i++) assert.ok(d.sends[6 + i]!.bytes.equals(d.sends[1 + i]!.bytes), `resend ${i} is byte-identical`)
    assert.deepEqual(d.sends.slice(6).map((s) => s.sequence), [11, 12, 13, 14, 15])
    assert.ok(d.calls.includes('invalidateLeader'))
    for (let i = 6; i < 11; i++) d.sends[i]!.resolve(answer(START + BigInt(i - 5)))
    assert.equal(await run.done, null)
    assert.equal(writer.expected, START + 6n)
    assert.equal(writer.counters.batchesCopied, 6)
  })

  test('write should resend after a connection cut mid-pipeline and accept the original offsets of batches that had landed', async () => {
    const d = fakeDestination()
    const writer = await openWriter(d.client)
    const run = writeAll(writer, copies(5))
    await until(() => d.sends.length === 5)
    d.sends[0]!.resolve(answer(START))
    for (let i = 1; i < 5; i++) d.sends[i]!.reject(new EngineError('DESTINATION_UNAVAILABLE', 'produce: connection closed', { retriable: true }))
    await until(() => d.sends.length === 9)
    assert.deepEqual(d.sends.slice(5).map((s) => s.sequence), [11, 12, 13, 14])
    // Batches 2 and 3 had been appended before the cut: the broker answers their resends with the original offsets.
    for (let i = 5; i < 9; i++) d.sends[i]!.resolve(answer(START + BigInt(i - 4)))
    assert.equal(await run.done, null)
    assert.equal(writer.expected, START + 5n)
    assert.equal(writer.counters.batchesCopied, 5)
  })

  test('write should stop with FENCED when a batch mid-pipe is fenced, after awaiting the later ones, and send nothing more', async () => {
    const d = fakeDestination()
    const writer = await openWriter(d.client)
    const actions = copies(8)
    for (const a of actions.slice(0, 7)) await writer.write(a)
    assert.equal(d.sends.length, 7)
    d.sends[0]!.resolve(answer(START))
    d.sends[1]!.resolve(answer(START + 1n))
    d.sends[2]!.resolve(answer(0n, KafkaErrorCodes.PRODUCER_FENCED))
    await settle()
    const late = writer.write(actions[7]!).then(() => null, (e: unknown) => e)
    let lateDone = false
    void late.finally(() => { lateDone = true })
    await settle()
    assert.equal(d.sends.length, 7, 'nothing is sent once a fenced answer arrived')
    assert.equal(lateDone, false, 'batches 4 to 7 are still awaited')
    for (let i = 3; i < 7; i++) d.sends[i]!.resolve(answer(0n, KafkaErrorCodes.OUT_OF_ORDER_SEQUENCE_NUMBER))
    const error = await late
    assert.ok(error instanceof EngineError)
    assert.equal(error.code, 'FENCED')
    assert.equal(d.sends.length, 7)
    assert.equal(writer.expected, START + 2n)
    assert.equal(writer.nextOffset, START + 2n)
  })

  test('write should stop on a base-offset mismatch of batch 3 with 4 to 7 awaited and nothing sent after it', async () => {
    const d = fakeDestination()
    const writer = await openWriter(d.client)
    const actions = copies(8)
    for (const a of actions.slice(0, 7)) await writer.write(a)
    d.sends[0]!.resolve(answer(START))
    d.sends[1]!.resolve(answer(START + 1n))
    d.sends[2]!.resolve(answer(START + 3n))
    await settle()
    const late = writer.write(actions[7]!).then(() => null, (e: unknown) => e)
    let lateDone = false
    void late.finally(() => { lateDone = true })
    await settle()
    assert.equal(lateDone, false, 'batches 4 to 7 are still awaited')
    assert.equal(d.sends.length, 7)
    for (let i = 3; i < 7; i++) d.sends[i]!.resolve(answer(START + BigInt(i + 1)))
    const error = await late
    assert.ok(error instanceof EngineError)
    assert.equal(error.code, 'OFFSET_DIVERGENCE')
    assert.equal(error.retriable, false)
    assert.equal(error.context.offset, START + 2n)
    assert.equal(writer.expected, START + 2n)
    const again = await writer.write(copies(3)[2]!).then(() => null, (e: unknown) => e)
    assert.equal(again, error, 'the halted writer refuses every later write')
    assert.equal(d.sends.length, 7, 'nothing was sent after the mismatch')
  })

  test('write should prove batches whose responses a cut lost from the last sequence and log end offset, and resend only the rest', async () => {
    const d = fakeDestination()
    const writer = await openWriter(d.client)
    const run = writeAll(writer, copies(8))
    await until(() => d.sends.length === 8)
    // Batches 1 to 7 landed (beyond the broker's duplicate cache of five) and every response was lost.
    d.setLanded(FIRST_SEQUENCE + 6, START + 7n)
    for (const s of d.sends) s.reject(new EngineError('DESTINATION_UNAVAILABLE', 'produce: connection closed', { retriable: true }))
    await until(() => d.sends.length === 9)
    await settle()
    assert.equal(d.sends.length, 9, 'only the batch that had not landed is resent')
    assert.equal(d.sends[8]!.sequence, FIRST_SEQUENCE + 7)
    assert.ok(d.sends[8]!.bytes.equals(d.sends[7]!.bytes), 'the resend is byte-identical')
    assert.equal(writer.expected, START + 7n)
    d.sends[8]!.resolve(answer(START + 7n))
    assert.equal(await run.done, null)
    assert.equal(writer.expected, START + 8n)
    assert.equal(writer.counters.batchesCopied, 8)
  })

  test('write should reconcile when a resend of a batch that left the duplicate cache gets OUT_OF_ORDER_SEQUENCE_NUMBER', async () => {
    const d = fakeDestination()
    const writer = await openWriter(d.client)
    const run = writeAll(writer, copies(8))
    await until(() => d.sends.length === 8)
    for (const s of d.sends) s.reject(new EngineError('DESTINATION_UNAVAILABLE', 'produce: connection closed', { retriable: true }))
    await until(() => d.sends.length === 16)
    // A request of the dead connection still inside the broker landed batches 1 to 6 after the first reconcile read.
    d.setLanded(FIRST_SEQUENCE + 5, START + 6n)
    for (let i = 8; i < 16; i++) d.sends[i]!.resolve(answer(0n, KafkaErrorCodes.OUT_OF_ORDER_SEQUENCE_NUMBER))
    await until(() => d.sends.length === 18)
    assert.deepEqual(d.sends.slice(16).map((s) => s.sequence), [FIRST_SEQUENCE + 6, FIRST_SEQUENCE + 7])
    d.sends[16]!.resolve(answer(START + 6n))
    d.sends[17]!.resolve(answer(START + 7n))
    assert.equal(await run.done, null)
    assert.equal(writer.expected, START + 8n)
    assert.ok(d.calls.includes('describeTransaction'), 'ownership is checked before reconciling')
  })

  test('write should stop with nothing resent and nothing left in flight when the reads that prove lost batches fail', async () => {
    const d = fakeDestination()
    const writer = await openWriter(d.client)
    const actions = copies(8)
    const run = writeAll(writer, actions)
    await until(() => d.sends.length === 8)
    d.sends[0]!.resolve(answer(START))
    d.failDescribes(1)
    const cut = new EngineError('DESTINATION_UNAVAILABLE', 'produce: connection closed', { retriable: true })
    for (const s of d.sends.slice(1)) s.reject(cut)
    const error = await run.done
    assert.ok(error instanceof EngineError)
    assert.equal(error.message, 'describe producers refused')
    assert.equal(writer.expected, START + 1n)
    assert.equal(writer.nextOffset, START + 1n, 'planning goes back to the last accepted batch')
    const again = await writer.write(actions[1]!).then(() => null, (e: unknown) => e)
    assert.equal(again, error, 'a refusal that is not retriable halts the writer')
    assert.equal(d.sends.length, 8, 'nothing is resent without a proof')
  })

  test('write should stop with OFFSET_DIVERGENCE when the log end offset is past what its lost batches prove', async () => {
    const d = fakeDestination()
    const writer = await openWriter(d.client)
    const run = writeAll(writer, copies(8))
    await until(() => d.sends.length === 8)
    // Batches 1 to 7 landed, yet the log holds one record more: a foreign producer wrote into the mirror topic.
    d.setLanded(FIRST_SEQUENCE + 6, START + 8n)
    for (const s of d.sends) s.reject(new EngineError('DESTINATION_UNAVAILABLE', 'produce: connection closed', { retriable: true }))
    const error = await run.done
    assert.ok(error instanceof EngineError)
    assert.equal(error.code, 'OFFSET_DIVERGENCE')
    assert.equal(error.retriable, false)
    assert.equal(d.sends.length, 8, 'nothing is resent past a divergence')
    assert.equal(writer.expected, START)
  })

  test('write should fail with a resync request when the first unaccepted batch gets OUT_OF_ORDER_SEQUENCE_NUMBER', async () => {
    const d = fakeDestination()
    const writer = await openWriter(d.client)
    const run = writeAll(writer, copies(3))
    await until(() => d.sends.length === 3)
    d.calls.length = 0
    for (const s of d.sends) s.resolve(answer(0n, KafkaErrorCodes.OUT_OF_ORDER_SEQUENCE_NUMBER))
    const error = await run.done
    assert.ok(error instanceof EngineError)
    assert.equal(error.retriable, true)
    assert.equal(error.context.resync, true)
    assert.ok(d.calls.includes('describeTransaction'), 'ownership is checked before resynchronising')
    assert.equal(writer.nextOffset, START)
    assert.equal(d.sends.length, 3)
  })

  test('write should keep one batch in flight until the producer id has state on the partition', async () => {
    const d = fakeDestination(false)
    const writer = await openWriter(d.client)
    const run = writeAll(writer, copies(3))
    await until(() => d.sends.length === 1)
    await settle()
    assert.equal(d.sends.length, 1, 'with no producer state the broker would accept any sequence')
    assert.equal(d.sends[0]!.sequence, 0)
    d.sends[0]!.resolve(answer(START))
    await until(() => d.sends.length === 3)
    d.sends[1]!.resolve(answer(START + 1n))
    d.sends[2]!.resolve(answer(START + 2n))
    assert.equal(await run.done, null)
    assert.equal(writer.expected, START + 3n)
  })

  test('write should drain the pipeline before a filler and resume the data sequence after it', async () => {
    const d = fakeDestination()
    const writer = await openWriter(d.client)
    const data = copies(2)
    const fill: WriteAction = { kind: 'fill', offset: START + 2n, count: 1, reason: 'control' }
    const after = copies(4)[3]!
    const last: WriteAction = { ...after, offset: START + 3n } as WriteAction
    const run = writeAll(writer, [...data, fill, last])
    await until(() => d.sends.length === 2)
    d.setLogEnd(START + 2n)
    await settle()
    assert.equal(d.calls.includes('addPartitionsToTxn'), false, 'the filler waits for the batches in flight')
    d.sends[1]!.resolve(answer(START + 1n))
    d.sends[0]!.resolve(answer(START))
    await until(() => d.sends.length === 3)
    assert.ok(d.calls.indexOf('answer 11') < d.calls.indexOf('addPartitionsToTxn'))
    assert.equal(d.sends[2]!.sequence, 12, 'the filler does not take a data sequence')
    d.sends[2]!.resolve(answer(START + 3n))
    assert.equal(await run.done, null)
    assert.equal(writer.expected, START + 4n)
    assert.equal(writer.counters.fillerOffsets, 1)
  })
})
