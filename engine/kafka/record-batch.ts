// RecordBatch v2 header reading and rewriting (with CRC-32C), record-set splitting, and batch encoding for rebuilt batches and fillers.
import { compressionsAlgorithmsByBitmask, crc32c } from '@platformatic/kafka'
import { EngineError } from '../errors.ts'

/*
  RecordBatch v2 (clients/src/main/java/org/apache/kafka/common/record/DefaultRecordBatch.java):
    baseOffset           int64    bytes 0..7    not in CRC; must be 0 on a client append (UnifiedLog.analyzeAndValidateRecords)
    batchLength          int32    bytes 8..11   bytes after this field
    partitionLeaderEpoch int32    bytes 12..15  not in CRC; overwritten by the leader
    magic                int8     byte 16       2
    crc                  uint32   bytes 17..20  CRC-32C of bytes 21..end
    attributes           int16    bytes 21..22  bits 0-2 codec, 3 LogAppendTime, 4 transactional, 5 control, 6 delete horizon
    lastOffsetDelta      int32    bytes 23..26
    baseTimestamp        int64    bytes 27..34
    maxTimestamp         int64    bytes 35..42
    producerId           int64    bytes 43..50
    producerEpoch        int16    bytes 51..52
    baseSequence         int32    bytes 53..56
    recordsCount         int32    bytes 57..60
    records                       bytes 61..    one compressed blob when codec != 0
  Record:
    length varint, attributes int8, timestampDelta varlong, offsetDelta varint, keyLength varint, key,
    valueLength varint, value, headersCount varint, [headerKeyLength varint, headerKey, headerValueLength varint, headerValue]
*/
export const BATCH_OVERHEAD_BYTES = 61
/** Bytes before batchLength's coverage starts (baseOffset + batchLength). */
export const LOG_OVERHEAD_BYTES = 12
const CRC_START = 21

export const ATTR_CODEC_MASK = 0x07
export const ATTR_LOG_APPEND_TIME = 0x08
export const ATTR_TRANSACTIONAL = 0x10
export const ATTR_CONTROL = 0x20
export const ATTR_DELETE_HORIZON = 0x40

export const CODECS = { none: 0, gzip: 1, snappy: 2, lz4: 3, zstd: 4 } as const
export type CodecName = keyof typeof CODECS

export interface RecordBatchHeader {
  readonly baseOffset: bigint
  readonly batchLength: number
  readonly partitionLeaderEpoch: number
  readonly magic: number
  readonly crc: number
  readonly attributes: number
  readonly lastOffsetDelta: number
  readonly baseTimestamp: bigint
  readonly maxTimestamp: bigint
  readonly producerId: bigint
  readonly producerEpoch: number
  readonly baseSequence: number
  readonly recordCount: number
}

/** One batch of a fetched record set: its decoded header and its bytes exactly as the broker sent them. */
export interface RawRecordBatch {
  readonly header: RecordBatchHeader
  readonly bytes: Buffer
}

export function readBatchHeader(buf: Buffer, pos = 0): RecordBatchHeader {
  return {
    baseOffset: buf.readBigInt64BE(pos),
    batchLength: buf.readInt32BE(pos + 8),
    partitionLeaderEpoch: buf.readInt32BE(pos + 12),
    magic: buf.readInt8(pos + 16),
    crc: buf.readUInt32BE(pos + 17),
    attributes: buf.readInt16BE(pos + 21),
    lastOffsetDelta: buf.readInt32BE(pos + 23),
    baseTimestamp: buf.readBigInt64BE(pos + 27),
    maxTimestamp: buf.readBigInt64BE(pos + 35),
    producerId: buf.readBigInt64BE(pos + 43),
    producerEpoch: buf.readInt16BE(pos + 51),
    baseSequence: buf.readInt32BE(pos + 53),
    recordCount: buf.readInt32BE(pos + 57),
  }
}

export function lastOffsetOf(header: RecordBatchHeader): bigint {
  return header.baseOffset + BigInt(header.lastOffsetDelta)
}
export function isControlBatch(header: RecordBatchHeader): boolean {
  return (header.attributes & ATTR_CONTROL) !== 0
}
export function isTransactionalBatch(header: RecordBatchHeader): boolean {
  return (header.attributes & ATTR_TRANSACTIONAL) !== 0
}
/**
 * A batch is dense when its records occupy every offset of its range (compaction leaves holes; see LogCleaner /
 * MemoryRecords.buildRetainedRecordsInto).
 */
export function isDenseBatch(header: RecordBatchHeader): boolean {
  return header.recordCount > 0 && header.recordCount === header.lastOffsetDelta + 1
}

/**
 * Splits a fetched record set into batches without copying. Stops cleanly at a truncated tail (the broker cuts the
 * response at max_bytes, ReplicaManager.readFromLog / FileRecords.slice). Throws on a magic other than 2: Kafka 4
 * brokers down-convert nothing and clusterlink only handles v2.
 */
export function splitRecordSet(records: Buffer | null): RawRecordBatch[] {
  const batches: RawRecordBatch[] = []
  if (!records) return batches
  let pos = 0
  while (pos + LOG_OVERHEAD_BYTES <= records.length) {
    const batchLength = records.readInt32BE(pos + 8)
    const end = pos + LOG_OVERHEAD_BYTES + batchLength
    if (end > records.length || batchLength < BATCH_OVERHEAD_BYTES - LOG_OVERHEAD_BYTES) break
    const magic = records.readInt8(pos + 16)
    if (magic !== 2) throw new EngineError('KAFKA_ERROR', `record batch magic ${magic} is not supported (only v2)`)
    batches.push({ header: readBatchHeader(records, pos), bytes: records.subarray(pos, end) })
    pos = end
  }
  return batches
}

export function computeBatchCrc(batch: Buffer): number {
  return crc32c(batch.subarray(CRC_START)) >>> 0
}
export function hasValidCrc(batch: Buffer): boolean {
  return computeBatchCrc(batch) === batch.readUInt32BE(17)
}

export interface BatchRewrite {
  readonly producerId: bigint
  readonly producerEpoch: number
  readonly baseSequence: number
  /** Clears the transactional bit (committed source data is written as plain batches). */
  readonly clearTransactional?: boolean
}

/**
 * Returns a copy ready for a raw Produce: baseOffset zeroed (a client append must carry 0, observed INVALID_RECORD
 * otherwise; UnifiedLog.analyzeAndValidateRecords), producer fields replaced, LogAppendTime and delete-horizon bits
 * cleared, CRC recomputed. The records section (compressed or not) is never touched.
 */
export function rewriteBatchForAppend(batch: Buffer, rewrite: BatchRewrite): Buffer {
  const out = Buffer.from(batch)
  out.writeBigInt64BE(0n, 0)
  let attributes = out.readInt16BE(21)
  if (rewrite.clearTransactional) attributes &= ~ATTR_TRANSACTIONAL
  // A delete-horizon bit means baseTimestamp holds the source cleaner's horizon: let the destination apply its own.
  attributes &= ~ATTR_DELETE_HORIZON
  out.writeInt16BE(attributes, 21)
  out.writeBigInt64BE(rewrite.producerId, 43)
  out.writeInt16BE(rewrite.producerEpoch, 51)
  out.writeInt32BE(rewrite.baseSequence, 53)
  out.writeUInt32BE(computeBatchCrc(out), 17)
  return out
}

/** Zeroes baseOffset only (outside the CRC): the pure pass-through form. */
export function zeroBaseOffset(batch: Buffer): Buffer {
  const out = Buffer.from(batch)
  out.writeBigInt64BE(0n, 0)
  return out
}

/** Sequence arithmetic of ProducerStateEntry / DefaultRecordBatch.incrementSequence: wraps from Int.MAX to 0. */
export function incrementSequence(sequence: number, increment: number): number {
  if (sequence > 0x7fffffff - increment) return increment - (0x7fffffff - sequence) - 1
  return sequence + increment
}

export interface DecodedRecord {
  readonly offsetDelta: number
  readonly timestampDelta: bigint
  readonly key: Buffer | null
  readonly value: Buffer | null
  readonly headers: ReadonlyArray<readonly [Buffer, Buffer | null]>
}

class Cursor {
  pos = 0
  readonly buf: Buffer
  constructor(buf: Buffer) { this.buf = buf }
  /** A zigzag varlong: plain number arithmetic while it fits in 49 bits (every length, delta and count), BigInt past that. */
  varlong(): bigint {
    const start = this.pos
    const small = this.#small()
    if (small !== null) return BigInt(small)
    this.pos = start
    let result = 0n
    let shift = 0n
    for (;;) {
      const byte = this.buf[this.pos++]
      if (byte === undefined) throw new EngineError('KAFKA_ERROR', 'truncated record in batch')
      result |= BigInt(byte & 0x7f) << shift
      if ((byte & 0x80) === 0) break
      shift += 7n
    }
    return (result >> 1n) ^ -(result & 1n)
  }
  varint(): number {
    const start = this.pos
    const small = this.#small()
    if (small !== null) return small
    this.pos = start
    return Number(this.varlong())
  }
  /** The next zigzag varint as a number when it has at most 7 bytes; null (position undefined) when longer. */
  #small(): number | null {
    let result = 0
    let scale = 1
    for (let i = 0; i < 7; i++) {
      const byte = this.buf[this.pos++]
      if (byte === undefined) throw new EngineError('KAFKA_ERROR', 'truncated record in batch')
      result += (byte & 0x7f) * scale
      if ((byte & 0x80) === 0) return result % 2 === 0 ? result / 2 : -(result + 1) / 2
      scale *= 128
    }
    return null
  }
  bytes(): Buffer | null {
    const len = this.varint()
    if (len < 0) return null
    const out = this.buf.subarray(this.pos, this.pos + len)
    this.pos += len
    return out
  }
}

/** Decodes (decompressing when needed) the records of a data batch; used only to rebuild gapped batches. */
export function decodeBatchRecords(batch: Buffer): DecodedRecord[] {
  const recordCount = batch.readInt32BE(57)
  let body = batch.subarray(BATCH_OVERHEAD_BYTES)
  const codec = batch.readInt16BE(21) & ATTR_CODEC_MASK
  if (codec !== 0) {
    const algorithm = (compressionsAlgorithmsByBitmask as Record<string, { decompressSync(b: Buffer): Buffer }>)[String(codec)]
    if (!algorithm) throw new EngineError('KAFKA_ERROR', `unsupported compression codec ${codec}`)
    body = algorithm.decompressSync(body)
  }
  const c = new Cursor(body)
  const records: DecodedRecord[] = []
  for (let i = 0; i < recordCount; i++) {
    const length = c.varint()
    const end = c.pos + length
    c.pos += 1 // record attributes (unused)
    const timestampDelta = c.varlong()
    const offsetDelta = c.varint()
    const key = c.bytes()
    const value = c.bytes()
    const headerCount = c.varint()
    const headers: Array<readonly [Buffer, Buffer | null]> = []
    for (let h = 0; h < headerCount; h++) {
      const hk = c.bytes() ?? Buffer.alloc(0)
      headers.push([hk, c.bytes()])
    }
    c.pos = end
    records.push({ offsetDelta, timestampDelta, key, value, headers })
  }
  return records
}
