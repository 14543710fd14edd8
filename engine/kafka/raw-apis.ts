// Raw Fetch v12 and raw Produce v9 on @platformatic/kafka's low-level API: record sets travel as the broker's bytes.
import { createAPI, Writer, produceV9, type Reader } from '@platformatic/kafka'

export const ISOLATION_READ_UNCOMMITTED = 0
export const ISOLATION_READ_COMMITTED = 1

export interface RawFetchPartitionRequest {
  readonly partition: number
  readonly fetchOffset: bigint
  readonly partitionMaxBytes: number
  readonly currentLeaderEpoch?: number
}
export interface RawFetchTopicRequest {
  /** The topic name (v12) or topic id as a UUID string (v13). */
  readonly topic: string
  readonly partitions: readonly RawFetchPartitionRequest[]
}

/*
  Fetch Request (Version: 12) => replica_id max_wait_ms min_bytes max_bytes isolation_level session_id session_epoch [topics] [forgotten_topics_data] rack_id TAG_BUFFER
    replica_id => INT32   max_wait_ms => INT32   min_bytes => INT32   max_bytes => INT32   isolation_level => INT8
    session_id => INT32   session_epoch => INT32   (0 / -1: a full fetch that opens no fetch session)
    topics => topic [partitions] TAG_BUFFER
      topic => COMPACT_STRING
      partitions => partition current_leader_epoch fetch_offset last_fetched_epoch log_start_offset partition_max_bytes TAG_BUFFER
        partition => INT32   current_leader_epoch => INT32   fetch_offset => INT64   last_fetched_epoch => INT32
        log_start_offset => INT64 (-1 for consumers)   partition_max_bytes => INT32
    forgotten_topics_data => topic [partitions] TAG_BUFFER
    rack_id => COMPACT_STRING
  Fetch v12 is the last version that names topics. Fetch v13 (KIP-516) is the same grammar with `topic => UUID`
  (topic_id) in the request and the response: a fetch bound to a topic id fails with UNKNOWN_TOPIC_ID once the topic is
  deleted or recreated, so a copier can never read a recreated topic's records under the old name.
*/
function createRawFetchRequest(version: 12 | 13, maxWaitMs: number, minBytes: number, maxBytes: number, isolationLevel: number, topics: readonly RawFetchTopicRequest[]): Writer {
  return Writer.create()
    .appendInt32(-1)
    .appendInt32(maxWaitMs)
    .appendInt32(minBytes)
    .appendInt32(maxBytes)
    .appendInt8(isolationLevel)
    .appendInt32(0)
    .appendInt32(-1)
    .appendArray([...topics], (w, t) => {
      if (version === 13) w.appendUUID(t.topic)
      else w.appendString(t.topic)
      w.appendArray([...t.partitions], (pw, p) => {
        pw.appendInt32(p.partition)
          .appendInt32(p.currentLeaderEpoch ?? -1)
          .appendInt64(p.fetchOffset)
          .appendInt32(-1)
          .appendInt64(-1n)
          .appendInt32(p.partitionMaxBytes)
      })
    })
    .appendArray([], () => {})
    .appendString('')
    .appendTaggedFields()
}

export interface RawAbortedTransaction {
  readonly producerId: bigint
  readonly firstOffset: bigint
}
export interface RawFetchPartitionResponse {
  readonly partition: number
  readonly errorCode: number
  readonly highWatermark: bigint
  readonly lastStableOffset: bigint
  readonly logStartOffset: bigint
  /** null under read_uncommitted; [] when the range holds no aborted transaction with data (observed, check 6). */
  readonly abortedTransactions: RawAbortedTransaction[] | null
  readonly preferredReadReplica: number
  /** The record-set bytes exactly as the broker sent them (may end in a truncated batch); null when empty. */
  readonly records: Buffer | null
  readonly currentLeader: { readonly leaderId: number; readonly leaderEpoch: number } | null
}
export interface RawFetchResponse {
  readonly throttleTimeMs: number
  readonly errorCode: number
  readonly topics: ReadonlyArray<{ readonly topic: string; readonly partitions: readonly RawFetchPartitionResponse[] }>
}

/*
  Fetch Response (Version: 12) => throttle_time_ms error_code session_id [responses] TAG_BUFFER
    responses => topic [partitions] TAG_BUFFER
      topic => COMPACT_STRING
      partitions => partition_index error_code high_watermark last_stable_offset log_start_offset [aborted_transactions] preferred_read_replica records TAG_BUFFER
        aborted_transactions => producer_id first_offset TAG_BUFFER   (COMPACT_NULLABLE_ARRAY)
        records => COMPACT_RECORDS (unsigned varint length+1, then the bytes)
        tagged fields: 0 diverging_epoch, 1 current_leader (leader_id INT32, leader_epoch INT32), 2 snapshot_id
*/
function parseRawFetchResponse(_correlationId: number, _apiKey: number, apiVersion: number, reader: Reader): RawFetchResponse {
  const throttleTimeMs = reader.readInt32()
  const errorCode = reader.readInt16()
  reader.readInt32() // session_id
  const topics = reader.readArray((r) => {
    const topic = apiVersion >= 13 ? r.readUUID() : r.readString()
    const partitions = r.readArray((pr): RawFetchPartitionResponse => {
      const partition = pr.readInt32()
      const partitionError = pr.readInt16()
      const highWatermark = pr.readInt64()
      const lastStableOffset = pr.readInt64()
      const logStartOffset = pr.readInt64()
      const abortedTransactions = pr.readNullableArray((ar) => ({ producerId: ar.readInt64(), firstOffset: ar.readInt64() }))
      const preferredReadReplica = pr.readInt32()
      const size = pr.readUnsignedVarInt()
      let records: Buffer | null = null
      if (size > 1) {
        // Copy: the slice must outlive the response buffer (DynamicBuffer.slice may be zero-copy).
        records = Buffer.from(pr.buffer.slice(pr.position, pr.position + size - 1))
        pr.skip(size - 1)
      }
      let currentLeader: RawFetchPartitionResponse['currentLeader'] = null
      const tagCount = pr.readUnsignedVarInt()
      for (let i = 0; i < tagCount; i++) {
        const tag = pr.readUnsignedVarInt()
        const tagSize = pr.readUnsignedVarInt()
        if (tag === 1) {
          currentLeader = { leaderId: pr.readInt32(), leaderEpoch: pr.readInt32() }
          if (tagSize > 8) pr.skip(tagSize - 8)
        } else {
          pr.skip(tagSize)
        }
      }
      return { partition, errorCode: partitionError, highWatermark, lastStableOffset, logStartOffset, abortedTransactions, preferredReadReplica, records, currentLeader }
    }, true, false)
    r.readTaggedFields()
    return { topic, partitions }
  }, true, false)
  reader.readTaggedFields()
  return { throttleTimeMs, errorCode, topics }
}

export const rawFetchV12 = createAPI<[number, number, number, number, readonly RawFetchTopicRequest[]], RawFetchResponse>(
  1, 12, (...args: [number, number, number, number, readonly RawFetchTopicRequest[]]) => createRawFetchRequest(12, ...args), parseRawFetchResponse,
)
export const rawFetchV13 = createAPI<[number, number, number, number, readonly RawFetchTopicRequest[]], RawFetchResponse>(
  1, 13, (...args: [number, number, number, number, readonly RawFetchTopicRequest[]]) => createRawFetchRequest(13, ...args), parseRawFetchResponse,
)

export interface RawProducePartition {
  readonly partition: number
  /** Exactly one RecordBatch v2 with baseOffset 0 and a valid CRC (LogValidator rejects more than one per partition). */
  readonly batch: Buffer
}
export interface RawProduceTopic {
  readonly topic: string
  readonly partitions: readonly RawProducePartition[]
}

/*
  Produce Request (Version: 9) => transactional_id acks timeout_ms [topic_data] TAG_BUFFER
    transactional_id => COMPACT_NULLABLE_STRING   (required when a batch carries the transactional bit, KafkaApis.handleProduceRequest)
    acks => INT16   timeout_ms => INT32
    topic_data => name [partition_data] TAG_BUFFER
      name => COMPACT_STRING
      partition_data => index records TAG_BUFFER
        index => INT32   records => COMPACT_RECORDS
  v9..v11 name topics; v9 is the first flexible version. A partition listed twice silently keeps the later entry.
*/
function createRawProduceRequest(transactionalId: string | null, acks: number, timeoutMs: number, topics: readonly RawProduceTopic[]): Writer {
  return Writer.create()
    .appendString(transactionalId)
    .appendInt16(acks)
    .appendInt32(timeoutMs)
    .appendArray([...topics], (w, t) => {
      w.appendString(t.topic).appendArray([...t.partitions], (pw, p) => {
        pw.appendInt32(p.partition).appendBytes(p.batch)
      })
    })
    .appendTaggedFields()
}

export interface RawProducePartitionResponse {
  readonly partition: number
  readonly errorCode: number
  readonly baseOffset: bigint
  readonly logAppendTimeMs: bigint
  readonly logStartOffset: bigint
  readonly recordErrors: ReadonlyArray<{ readonly batchIndex: number; readonly message: string | null }>
  readonly errorMessage: string | null
}
export interface RawProduceResponse {
  readonly throttleTimeMs: number
  readonly topics: ReadonlyArray<{ readonly topic: string; readonly partitions: readonly RawProducePartitionResponse[] }>
}

/*
  Produce Response (Version: 9) => [responses] throttle_time_ms TAG_BUFFER
    responses => name [partition_responses] TAG_BUFFER
      partition_responses => index error_code base_offset log_append_time_ms log_start_offset [record_errors] error_message TAG_BUFFER
        record_errors => batch_index batch_index_error_message TAG_BUFFER
  Decoded with the library's parser; its ResponseError for a partition error carries the decoded response, which we keep:
  interpreting error codes is the caller's job.
*/
function parseRawProduceResponse(correlationId: number, apiKey: number, apiVersion: number, reader: Reader): RawProduceResponse {
  let decoded: produceV9.ProduceResponse
  try {
    decoded = produceV9.parseResponse(correlationId, apiKey, apiVersion, reader)
  } catch (error) {
    const response = (error as { response?: produceV9.ProduceResponse }).response
    if (!response) throw error
    decoded = response
  }
  return {
    throttleTimeMs: decoded.throttleTimeMs,
    topics: decoded.responses.map((t) => ({
      topic: t.name,
      partitions: t.partitionResponses.map((p) => ({
        partition: p.index,
        errorCode: p.errorCode,
        baseOffset: p.baseOffset,
        logAppendTimeMs: p.logAppendTimeMs,
        logStartOffset: p.logStartOffset,
        recordErrors: p.recordErrors.map((e) => ({ batchIndex: e.batchIndex, message: e.batchIndexErrorMessage ?? null })),
        errorMessage: p.errorMessage ?? null,
      })),
    })),
  }
}

export const rawProduceV9 = createAPI<[string | null, number, number, readonly RawProduceTopic[]], RawProduceResponse>(
  0, 9, createRawProduceRequest, parseRawProduceResponse,
)

/** Wraps a library parser so that a ResponseError (any non-zero error code) yields the decoded response instead. */
export function keepErrors<T>(parse: (c: number, k: number, v: number, r: Reader) => T): (c: number, k: number, v: number, r: Reader) => T {
  return (c, k, v, r) => {
    try {
      return parse(c, k, v, r)
    } catch (error) {
      const response = (error as { response?: T }).response
      if (response === undefined) throw error
      return response
    }
  }
}
