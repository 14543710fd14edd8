// Raw Fetch v4 to v13 on @platformatic/kafka's low-level API: record sets travel as the broker's bytes, one encoder for every version.
import { createAPI, Reader, Writer } from '@platformatic/kafka'

export const ISOLATION_READ_UNCOMMITTED = 0
export const ISOLATION_READ_COMMITTED = 1
export const RAW_FETCH_MIN_VERSION = 4
export const RAW_FETCH_MAX_VERSION = 13

export interface RawFetchPartitionRequest {
  readonly partition: number
  readonly fetchOffset: bigint
  readonly partitionMaxBytes: number
  readonly currentLeaderEpoch?: number
  /** v12+: the leader epoch of the last batch fetched before fetchOffset; the leader answers diverging_epoch when its log differs. */
  readonly lastFetchedEpoch?: number
}
export interface RawFetchTopicRequest {
  /** The topic name (v4 to v12) or topic id as a UUID string (v13). */
  readonly topic: string
  readonly partitions: readonly RawFetchPartitionRequest[]
}

/*
  Fetch Request (Version: 4-13) => replica_id max_wait_ms min_bytes max_bytes isolation_level
                                   session_id session_epoch (v7+) [topics] [forgotten_topics_data] (v7+) rack_id (v11+) TAG_BUFFER (v12+)
    replica_id => INT32   max_wait_ms => INT32   min_bytes => INT32   max_bytes => INT32   isolation_level => INT8
    session_id => INT32   session_epoch => INT32   (0 / -1: a full fetch that opens no fetch session)
    topics => topic [partitions]
      topic => STRING (v4-v11), COMPACT_STRING (v12), UUID topic_id (v13+)
      partitions => partition current_leader_epoch (v9+) fetch_offset last_fetched_epoch (v12+) log_start_offset (v5+) partition_max_bytes
    forgotten_topics_data => topic [partitions]
    rack_id => STRING
  Arrays, strings and bytes are compact (unsigned varint length + 1) and every struct ends in a tag buffer from v12
  (the first flexible version). Fetch v12 is the last version that names topics (KIP-516): a fetch bound to a topic id
  fails with UNKNOWN_TOPIC_ID once the topic is deleted or recreated. Kafka 2.7 brought v12, 3.1 v13; 2.4 to 2.6 stop at v11.
*/
export function createRawFetchRequest(
  version: number, maxWaitMs: number, minBytes: number, maxBytes: number, isolationLevel: number, topics: readonly RawFetchTopicRequest[],
): Writer {
  const flexible = version >= 12
  const w = Writer.create()
    .appendInt32(-1)
    .appendInt32(maxWaitMs)
    .appendInt32(minBytes)
    .appendInt32(maxBytes)
    .appendInt8(isolationLevel)
  if (version >= 7) w.appendInt32(0).appendInt32(-1)
  w.appendArray([...topics], (tw, t) => {
    if (version >= 13) tw.appendUUID(t.topic)
    else tw.appendString(t.topic, flexible)
    tw.appendArray([...t.partitions], (pw, p) => {
      pw.appendInt32(p.partition)
      if (version >= 9) pw.appendInt32(p.currentLeaderEpoch ?? -1)
      pw.appendInt64(p.fetchOffset)
      if (version >= 12) pw.appendInt32(p.lastFetchedEpoch ?? -1)
      if (version >= 5) pw.appendInt64(-1n)
      pw.appendInt32(p.partitionMaxBytes)
    }, flexible, flexible)
  }, flexible, flexible)
  if (version >= 7) w.appendArray([], () => {}, flexible, flexible)
  if (version >= 11) w.appendString('', flexible)
  if (flexible) w.appendTaggedFields()
  return w
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
  /** -1 below v5. */
  readonly logStartOffset: bigint
  /** null under read_uncommitted; [] when the range holds no aborted transaction with data (observed, check 6). */
  readonly abortedTransactions: RawAbortedTransaction[] | null
  /** -1 below v11. */
  readonly preferredReadReplica: number
  /** The record-set bytes exactly as the broker sent them (may end in a truncated batch); null when empty. */
  readonly records: Buffer | null
  /** From the v12+ tagged field current_leader; null otherwise. */
  readonly currentLeader: { readonly leaderId: number; readonly leaderEpoch: number } | null
  /**
   * From the v12+ tagged field diverging_epoch: the leader's log ends `lastFetchedEpoch` (or the largest epoch below
   * it) at endOffset, below the fetch offset, so the fetcher's copy differs from the leader's log from endOffset on
   * (Partition.readRecords). null otherwise.
   */
  readonly divergingEpoch?: { readonly epoch: number; readonly endOffset: bigint } | null
}
export interface RawFetchResponse {
  readonly throttleTimeMs: number
  readonly errorCode: number
  readonly topics: ReadonlyArray<{ readonly topic: string; readonly partitions: readonly RawFetchPartitionResponse[] }>
}

/*
  Fetch Response (Version: 4-13) => throttle_time_ms error_code (v7+) session_id (v7+) [responses] TAG_BUFFER (v12+)
    responses => topic [partitions]
      topic => STRING (v4-v11), COMPACT_STRING (v12), UUID topic_id (v13+)
      partitions => partition_index error_code high_watermark last_stable_offset log_start_offset (v5+)
                    [aborted_transactions] preferred_read_replica (v11+) records
        aborted_transactions => producer_id first_offset   (NULLABLE array)
        records => NULLABLE_BYTES (v4-v11: INT32 length, -1 null), COMPACT_RECORDS (v12+)
        tagged fields (v12+): 0 diverging_epoch (epoch INT32, end_offset INT64), 1 current_leader (leader_id INT32,
                              leader_epoch INT32), 2 snapshot_id
*/
export function parseRawFetchResponse(_correlationId: number, _apiKey: number, apiVersion: number, reader: Reader): RawFetchResponse {
  const flexible = apiVersion >= 12
  const throttleTimeMs = reader.readInt32()
  let errorCode = 0
  if (apiVersion >= 7) {
    errorCode = reader.readInt16()
    reader.readInt32() // session_id
  }
  const topics = reader.readArray((r) => {
    const topic = apiVersion >= 13 ? r.readUUID() : r.readString(flexible)
    const partitions = r.readArray((pr): RawFetchPartitionResponse => {
      const partition = pr.readInt32()
      const partitionError = pr.readInt16()
      const highWatermark = pr.readInt64()
      const lastStableOffset = pr.readInt64()
      const logStartOffset = apiVersion >= 5 ? pr.readInt64() : -1n
      const readAborted = (ar: Reader): RawAbortedTransaction => ({ producerId: ar.readInt64(), firstOffset: ar.readInt64() })
      const abortedTransactions = pr.readNullableArray(readAborted, flexible, flexible)
      const preferredReadReplica = apiVersion >= 11 ? pr.readInt32() : -1
      const size = flexible ? pr.readUnsignedVarInt() - 1 : pr.readInt32()
      let records: Buffer | null = null
      if (size > 0) {
        // The records must outlive the connection's receive chunks: DynamicBuffer.slice returns a fresh buffer when they
        // span several chunks (kept as is: no second copy of a large response), and a view into one chunk otherwise
        // (copied, so that a small record set does not pin the whole chunk).
        const slice = pr.buffer.slice(pr.position, pr.position + size)
        records = slice.byteOffset === 0 && slice.buffer.byteLength === slice.length ? slice : Buffer.from(slice)
        pr.skip(size)
      }
      let currentLeader: RawFetchPartitionResponse['currentLeader'] = null
      let divergingEpoch: RawFetchPartitionResponse['divergingEpoch'] = null
      if (flexible) {
        const tagCount = pr.readUnsignedVarInt()
        for (let i = 0; i < tagCount; i++) {
          const tag = pr.readUnsignedVarInt()
          const tagSize = pr.readUnsignedVarInt()
          if (tag === 0) {
            divergingEpoch = { epoch: pr.readInt32(), endOffset: pr.readInt64() }
            if (tagSize > 12) pr.skip(tagSize - 12)
          } else if (tag === 1) {
            currentLeader = { leaderId: pr.readInt32(), leaderEpoch: pr.readInt32() }
            if (tagSize > 8) pr.skip(tagSize - 8)
          } else {
            pr.skip(tagSize)
          }
        }
      }
      return {
        partition, errorCode: partitionError, highWatermark, lastStableOffset, logStartOffset, abortedTransactions, preferredReadReplica,
        records, currentLeader, divergingEpoch,
      }
    }, flexible, false)
    if (flexible) r.readTaggedFields()
    return { topic, partitions }
  }, flexible, false)
  if (flexible) reader.readTaggedFields()
  return { throttleTimeMs, errorCode, topics }
}

/** The request body bytes of one version (after the request header), for tests and tools. */
export function encodeRawFetchRequest(version: number, ...args: RawFetchArgs): Buffer {
  return createRawFetchRequest(version, ...args).buffer
}

/** Decodes a response body (after the response header) of one version. */
export function decodeRawFetchResponse(version: number, body: Buffer): RawFetchResponse {
  return parseRawFetchResponse(0, 1, version, Reader.from(body))
}

type RawFetchArgs = [number, number, number, number, readonly RawFetchTopicRequest[]]
export type RawFetchApi = ReturnType<typeof createAPI<RawFetchArgs, RawFetchResponse>>

const apis = new Map<number, RawFetchApi>()

/** The raw Fetch API at one version (v4 to v13); request and response header tags from v12 (the first flexible version). */
export function rawFetchApi(version: number): RawFetchApi {
  if (!Number.isInteger(version) || version < RAW_FETCH_MIN_VERSION || version > RAW_FETCH_MAX_VERSION) {
    throw new RangeError(`raw Fetch v${version} is not implemented (v${RAW_FETCH_MIN_VERSION} to v${RAW_FETCH_MAX_VERSION})`)
  }
  let api = apis.get(version)
  if (!api) {
    const flexible = version >= 12
    const create = (...args: RawFetchArgs) => createRawFetchRequest(version, ...args)
    api = createAPI<RawFetchArgs, RawFetchResponse>(1, version, create, parseRawFetchResponse, flexible, flexible)
    apis.set(version, api)
  }
  return api
}
