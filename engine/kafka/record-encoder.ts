// Builds RecordBatch v2 bytes: dense data batches from records (rebuilt and coalesced batches) and filler batches.
import { compressionsAlgorithmsByBitmask } from '@platformatic/kafka'
import { EngineError } from '../errors.ts'
import { ATTR_CODEC_MASK, ATTR_TRANSACTIONAL, BATCH_OVERHEAD_BYTES, LOG_OVERHEAD_BYTES, computeBatchCrc } from './record-batch.ts'

/** Bytes of a zigzag varint of a safe integer. */
function varintSize(value: number): number {
  let z = value >= 0 ? value * 2 : -value * 2 - 1
  let n = 1
  while (z >= 128) {
    z = Math.floor(z / 128)
    n++
  }
  return n
}

function writeVarint(out: Buffer, pos: number, value: number): number {
  let z = value >= 0 ? value * 2 : -value * 2 - 1
  while (z >= 128) {
    out[pos++] = (z % 128) | 0x80
    z = Math.floor(z / 128)
  }
  out[pos++] = z
  return pos
}

const bytesFieldSize = (b: Buffer | null): number => (b ? varintSize(b.length) + b.length : 1)

function writeBytesField(out: Buffer, pos: number, b: Buffer | null): number {
  if (!b) return writeVarint(out, pos, -1)
  pos = writeVarint(out, pos, b.length)
  return pos + b.copy(out, pos)
}

/** A record's size after its length prefix (attributes, deltas, key, value, headers). */
function recordBodySize(record: EncodableRecord, offsetDelta: number, timestampDelta: number): number {
  let n = 1 + varintSize(timestampDelta) + varintSize(offsetDelta) + bytesFieldSize(record.key) + bytesFieldSize(record.value)
  n += varintSize(record.headers.length)
  for (const [k, v] of record.headers) n += bytesFieldSize(k) + bytesFieldSize(v)
  return n
}

function writeRecord(
  out: Buffer, pos: number, record: EncodableRecord, offsetDelta: number, timestampDelta: number, bodySize: number,
): number {
  pos = writeVarint(out, pos, bodySize)
  out[pos++] = 0 // record attributes
  pos = writeVarint(out, pos, timestampDelta)
  pos = writeVarint(out, pos, offsetDelta)
  pos = writeBytesField(out, pos, record.key)
  pos = writeBytesField(out, pos, record.value)
  pos = writeVarint(out, pos, record.headers.length)
  for (const [k, v] of record.headers) {
    pos = writeBytesField(out, pos, k)
    pos = writeBytesField(out, pos, v)
  }
  return pos
}

/** Timestamp deltas beyond 2^53 ms cannot be written with number arithmetic: no real batch has one. */
function timestampDeltaOf(timestamp: bigint, baseTimestamp: bigint): number {
  const delta = Number(timestamp - baseTimestamp)
  if (!Number.isSafeInteger(delta)) throw new EngineError('KAFKA_ERROR', `record timestamp ${timestamp} is too far from the batch's first (${baseTimestamp})`)
  return delta
}

export interface EncodableRecord {
  /** Only for tests that need holes (compaction-shaped batches); writers always produce dense batches. */
  readonly offsetDelta?: number
  readonly timestamp: bigint
  readonly key: Buffer | null
  readonly value: Buffer | null
  readonly headers: ReadonlyArray<readonly [Buffer, Buffer | null]>
}

export interface EncodeBatchOptions {
  readonly codec: number
  readonly producerId: bigint
  readonly producerEpoch: number
  readonly baseSequence: number
  readonly transactional?: boolean
}

/** Builds a dense RecordBatch v2 (offset deltas 0..n-1, baseOffset 0) from records, compressed with the given codec. */
export function encodeRecordBatch(records: readonly EncodableRecord[], options: EncodeBatchOptions): Buffer {
  if (records.length === 0) throw new EngineError('INTERNAL', 'a record batch needs at least one record')
  let baseTimestamp = records[0]!.timestamp
  let maxTimestamp = baseTimestamp
  for (const r of records) {
    if (r.timestamp < baseTimestamp) baseTimestamp = r.timestamp
    if (r.timestamp > maxTimestamp) maxTimestamp = r.timestamp
  }
  // Sizes first, then every record written once into one buffer: the batch itself when uncompressed.
  const deltas = records.map((r) => timestampDeltaOf(r.timestamp, baseTimestamp))
  const sizes = records.map((r, i) => recordBodySize(r, r.offsetDelta ?? i, deltas[i]!))
  const plainSize = sizes.reduce((sum, n) => sum + varintSize(n) + n, 0)
  const plain = Buffer.alloc((options.codec === 0 ? BATCH_OVERHEAD_BYTES : 0) + plainSize)
  let pos = options.codec === 0 ? BATCH_OVERHEAD_BYTES : 0
  for (let i = 0; i < records.length; i++) pos = writeRecord(plain, pos, records[i]!, records[i]!.offsetDelta ?? i, deltas[i]!, sizes[i]!)
  let out = plain
  if (options.codec !== 0) {
    const algorithm = (compressionsAlgorithmsByBitmask as Record<string, { compressSync(b: Buffer): Buffer }>)[String(options.codec)]
    if (!algorithm) throw new EngineError('KAFKA_ERROR', `unsupported compression codec ${options.codec}`)
    const body = algorithm.compressSync(plain)
    out = Buffer.alloc(BATCH_OVERHEAD_BYTES + body.length)
    body.copy(out, BATCH_OVERHEAD_BYTES)
  }
  out.writeBigInt64BE(0n, 0)
  out.writeInt32BE(out.length - LOG_OVERHEAD_BYTES, 8)
  out.writeInt32BE(-1, 12)
  out.writeInt8(2, 16)
  out.writeInt16BE((options.codec & ATTR_CODEC_MASK) | (options.transactional ? ATTR_TRANSACTIONAL : 0), 21)
  out.writeInt32BE(records.at(-1)!.offsetDelta ?? records.length - 1, 23)
  out.writeBigInt64BE(baseTimestamp, 27)
  out.writeBigInt64BE(maxTimestamp, 35)
  out.writeBigInt64BE(options.producerId, 43)
  out.writeInt16BE(options.producerEpoch, 51)
  out.writeInt32BE(options.baseSequence, 53)
  out.writeInt32BE(records.length, 57)
  out.writeUInt32BE(computeBatchCrc(out), 17)
  return out
}

/**
 * A batch of `count` filler records (empty key, null value, timestamp `timestamp`, and a header `marker` with an empty
 * value when given), built without per-record allocations. The empty key keeps it legal on compacted topics
 * (LogValidator.validateKey rejects null keys there).
 */
export function encodeFillerBatch(
  count: number, options: EncodeBatchOptions & { readonly timestamp: bigint; readonly marker?: string },
): Buffer {
  if (count <= 0) throw new EngineError('INTERNAL', 'a filler batch needs at least one record')
  const marker = Buffer.from(options.marker ?? '')
  if (marker.length > 40) throw new EngineError('INTERNAL', 'a filler header name must stay under 41 bytes')
  const chunks: Buffer[] = []
  const scratch = Buffer.alloc(16)
  const headers = marker.length === 0
    ? [0x00 /* no headers */]
    : [0x02 /* one header */, marker.length * 2, ...marker, 0x00 /* empty value */]
  const tail = [0x00 /* key length 0 */, 0x01 /* value null */, ...headers]
  const body = Buffer.alloc(count * (9 + tail.length))
  let pos = 0
  for (let i = 0; i < count; i++) {
    // offsetDelta varint (zigzag)
    let v = i * 2
    let n = 0
    while (v >= 0x80) { scratch[n++] = (v & 0x7f) | 0x80; v = Math.floor(v / 128) }
    scratch[n++] = v
    const recordLength = 1 /* attrs */ + 1 /* tsDelta 0 */ + n + tail.length
    body[pos++] = recordLength * 2 // length < 64 always (n <= 5, tail <= 47)
    body[pos++] = 0
    body[pos++] = 0
    scratch.copy(body, pos, 0, n)
    pos += n
    for (const b of tail) body[pos++] = b
  }
  chunks.push(body.subarray(0, pos))
  let payload: Buffer = Buffer.concat(chunks)
  if (options.codec !== 0) {
    const algorithm = (compressionsAlgorithmsByBitmask as Record<string, { compressSync(b: Buffer): Buffer }>)[String(options.codec)]
    if (!algorithm) throw new EngineError('KAFKA_ERROR', `unsupported compression codec ${options.codec}`)
    payload = algorithm.compressSync(payload)
  }
  const out = Buffer.alloc(BATCH_OVERHEAD_BYTES + payload.length)
  out.writeInt32BE(out.length - LOG_OVERHEAD_BYTES, 8)
  out.writeInt32BE(-1, 12)
  out.writeInt8(2, 16)
  out.writeInt16BE((options.codec & ATTR_CODEC_MASK) | (options.transactional ? ATTR_TRANSACTIONAL : 0), 21)
  out.writeInt32BE(count - 1, 23)
  out.writeBigInt64BE(options.timestamp, 27)
  out.writeBigInt64BE(options.timestamp, 35)
  out.writeBigInt64BE(options.producerId, 43)
  out.writeInt16BE(options.producerEpoch, 51)
  out.writeInt32BE(options.baseSequence, 53)
  out.writeInt32BE(count, 57)
  payload.copy(out, BATCH_OVERHEAD_BYTES)
  out.writeUInt32BE(computeBatchCrc(out), 17)
  return out
}
