// The destination as the pipelined produce path sees it, faked for pure tests of PartitionWriter over ProducePipeline.
import { createLogger } from '../../../engine/logging/index.ts'
import { EngineError } from '../../../engine/errors.ts'
import {
  CODECS, encodeRecordBatch, splitRecordSet, type KafkaClusterClient, type RawProducePartitionResponse,
} from '../../../engine/kafka/index.ts'
import { PartitionWriter } from '../../../engine/mirror/partition-writer.ts'
import type { WriteAction } from '../../../engine/mirror/batch-plan.ts'

export const FILLER_PID = 7001n
/** The data producer id: the filler transactional.id's (partition-writer.ts). */
export const P = FILLER_PID
export const START = 100n
export const FIRST_SEQUENCE = 10

export interface Send {
  readonly bytes: Buffer
  readonly sequence: number
  resolve(r: RawProducePartitionResponse): void
  reject(e: unknown): void
  settled: boolean
}

export function answer(baseOffset: bigint, errorCode = 0): RawProducePartitionResponse {
  return { partition: 0, errorCode, baseOffset: errorCode === 0 ? baseOffset : -1n, logAppendTimeMs: -1n, logStartOffset: 0n,
    recordErrors: [], errorMessage: null }
}

/** The destination as the writer sees it: every produce waits until the test answers it; `withState` says whether P has producer state. */
export function fakeDestination(withState = true) {
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

export async function openWriter(client: KafkaClusterClient): Promise<PartitionWriter> {
  const writer = new PartitionWriter({
    destination: client, mirrorTopic: 'm', mirrorTopicId: 'mid', sourceTopicId: 'sid', partition: 0,
    logger: createLogger({ level: 'silent' }), fillerChunkRecords: 1000, emptyTxnFillMax: 8, isStopping: () => false,
  })
  await writer.open()
  return writer
}

/** n one-record copy actions from START on, as the planner makes them from a fetched record set. */
export function copies(n: number, valueBytes = 0): WriteAction[] {
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
export function writeAll(writer: PartitionWriter, actions: readonly WriteAction[]): { done: Promise<unknown>; isDone: () => boolean } {
  let finished = false
  const done = (async () => {
    for (const a of actions) await writer.write(a)
    await writer.drain()
  })().then(() => null, (e: unknown) => e).finally(() => { finished = true })
  return { done, isDone: () => finished }
}

/** Waits on a condition, one event-loop turn at a time (no timers). */
export async function until(condition: () => boolean): Promise<void> {
  for (let i = 0; !condition(); i++) {
    if (i > 200_000) throw new Error('condition never became true')
    await new Promise((resolve) => setImmediate(resolve))
  }
}

/** A few event-loop turns: enough for the writer to send anything it was going to send. */
export async function settle(): Promise<void> {
  for (let i = 0; i < 50; i++) await new Promise((resolve) => setImmediate(resolve))
}

/** A writer on a fake destination with `n` planned copy actions, the first `sent` of them written (left in flight). */
export async function writing(n: number, sent: number) {
  const d = fakeDestination()
  const writer = await openWriter(d.client)
  const actions = copies(n)
  for (const a of actions.slice(0, sent)) await writer.write(a)
  return { d, writer, actions }
}
