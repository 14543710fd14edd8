// Raw Produce v3 to v9 on @platformatic/kafka's low-level API: one pre-encoded record batch per partition, sent as is.
import { createAPI, Writer, produceV3, produceV4, produceV5, produceV6, produceV7, produceV8, produceV9, Reader } from '@platformatic/kafka'

export const RAW_PRODUCE_MIN_VERSION = 3
export const RAW_PRODUCE_MAX_VERSION = 9

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
  Produce Request (Version: 3-9) => transactional_id acks timeout_ms [topic_data] TAG_BUFFER (v9+)
    transactional_id => NULLABLE_STRING   (required when a batch carries the transactional bit, KafkaApis.handleProduceRequest)
    acks => INT16   timeout_ms => INT32
    topic_data => name [partition_data]
      name => STRING
      partition_data => index records
        index => INT32   records => RECORDS (INT32 length, then the bytes)
  v3 is the first version that carries RecordBatch v2 (magic 2). v9 is the first flexible version: compact strings,
  arrays and records, and a tag buffer after every struct. v3 to v8 only add response fields (log_start_offset in v5,
  record_errors and error_message in v8). A partition listed twice silently keeps the later entry.
*/
export function createRawProduceRequest(
  version: number, transactionalId: string | null, acks: number, timeoutMs: number, topics: readonly RawProduceTopic[],
): Writer {
  const flexible = version >= 9
  const w = Writer.create()
    .appendString(transactionalId, flexible)
    .appendInt16(acks)
    .appendInt32(timeoutMs)
    .appendArray([...topics], (tw, t) => {
      tw.appendString(t.topic, flexible).appendArray([...t.partitions], (pw, p) => {
        pw.appendInt32(p.partition).appendBytes(p.batch, flexible)
      }, flexible, flexible)
    }, flexible, flexible)
  if (flexible) w.appendTaggedFields()
  return w
}

export interface RawProducePartitionResponse {
  readonly partition: number
  readonly errorCode: number
  readonly baseOffset: bigint
  readonly logAppendTimeMs: bigint
  /** -1 below v5. */
  readonly logStartOffset: bigint
  /** Empty below v8. */
  readonly recordErrors: ReadonlyArray<{ readonly batchIndex: number; readonly message: string | null }>
  /** null below v8. */
  readonly errorMessage: string | null
}
export interface RawProduceResponse {
  readonly throttleTimeMs: number
  readonly topics: ReadonlyArray<{ readonly topic: string; readonly partitions: readonly RawProducePartitionResponse[] }>
}

type LibraryProduceResponse = produceV9.ProduceResponse
type Parser = (c: number, k: number, v: number, r: Reader) => LibraryProduceResponse

/*
  Produce Response (Version: 3-9) => [responses] throttle_time_ms TAG_BUFFER (v9+)
    responses => name [partition_responses]
      partition_responses => index error_code base_offset log_append_time_ms log_start_offset (v5+)
                             [record_errors] (v8+) error_message (v8+)
        record_errors => batch_index batch_index_error_message
  Decoded with the library's parser of that version; its ResponseError for a partition error carries the decoded
  response, which we keep: interpreting error codes is the caller's job.
*/
const PARSERS: Readonly<Record<number, Parser>> = {
  3: produceV3.parseResponse, 4: produceV4.parseResponse, 5: produceV5.parseResponse, 6: produceV6.parseResponse,
  7: produceV7.parseResponse, 8: produceV8.parseResponse, 9: produceV9.parseResponse,
}

export function parseRawProduceResponse(correlationId: number, apiKey: number, apiVersion: number, reader: Reader): RawProduceResponse {
  const parse = PARSERS[apiVersion]
  if (!parse) throw new RangeError(`raw Produce v${apiVersion} has no parser`)
  let decoded: LibraryProduceResponse
  try {
    decoded = parse(correlationId, apiKey, apiVersion, reader)
  } catch (error) {
    const response = (error as { response?: LibraryProduceResponse }).response
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
        recordErrors: (p.recordErrors ?? []).map((e) => ({ batchIndex: e.batchIndex, message: e.batchIndexErrorMessage ?? null })),
        errorMessage: p.errorMessage ?? null,
      })),
    })),
  }
}

/** The request body bytes of one version (after the request header), for tests and tools. */
export function encodeRawProduceRequest(version: number, ...args: RawProduceArgs): Buffer {
  return createRawProduceRequest(version, ...args).buffer
}

/** Decodes a response body (after the response header) of one version. */
export function decodeRawProduceResponse(version: number, body: Buffer): RawProduceResponse {
  return parseRawProduceResponse(0, 0, version, Reader.from(body))
}

type RawProduceArgs = [string | null, number, number, readonly RawProduceTopic[]]
export type RawProduceApi = ReturnType<typeof createAPI<RawProduceArgs, RawProduceResponse>>

const apis = new Map<number, RawProduceApi>()

/** The raw Produce API at one version (v3 to v9); header tags from v9 (the first flexible version). */
export function rawProduceApi(version: number): RawProduceApi {
  if (!Number.isInteger(version) || version < RAW_PRODUCE_MIN_VERSION || version > RAW_PRODUCE_MAX_VERSION) {
    throw new RangeError(`raw Produce v${version} is not implemented (v${RAW_PRODUCE_MIN_VERSION} to v${RAW_PRODUCE_MAX_VERSION})`)
  }
  let api = apis.get(version)
  if (!api) {
    api = createAPI<RawProduceArgs, RawProduceResponse>(0, version, (...args: RawProduceArgs) => createRawProduceRequest(version, ...args),
      parseRawProduceResponse, version >= 9, version >= 9)
    apis.set(version, api)
  }
  return api
}
