// Pure tests of RecordBatch v2 header reading/rewriting, CRC-32C, splitting and encoding.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import {
  ATTR_TRANSACTIONAL, CODECS, computeBatchCrc, decodeBatchRecords, encodeFillerBatch, encodeRecordBatch, hasValidCrc,
  incrementSequence, isDenseBatch, readBatchHeader, rewriteBatchForAppend, splitRecordSet,
} from '../../../engine/kafka/index.ts'

const records = [
  { timestamp: 1000n, key: Buffer.from('k1'), value: Buffer.from('v1'), headers: [[Buffer.from('h'), Buffer.from('x')]] as const },
  { timestamp: 1005n, key: null, value: null, headers: [] },
  { timestamp: 999n, key: Buffer.from(''), value: Buffer.alloc(300, 1), headers: [[Buffer.from('n'), null]] as const },
]

function withBase(batch: Buffer, base: bigint): Buffer {
  const b = Buffer.from(batch)
  b.writeBigInt64BE(base, 0)
  return b
}

test('encodeRecordBatch should round-trip records through decodeBatchRecords for every codec', () => {
  for (const codec of Object.values(CODECS)) {
    const batch = encodeRecordBatch(records, { codec, producerId: 7n, producerEpoch: 2, baseSequence: 40 })
    assert.ok(hasValidCrc(batch))
    const h = readBatchHeader(batch)
    assert.equal(h.recordCount, 3)
    assert.equal(h.lastOffsetDelta, 2)
    assert.equal(h.baseTimestamp, 999n)
    assert.equal(h.maxTimestamp, 1005n)
    assert.equal(h.attributes & 7, codec)
    const decoded = decodeBatchRecords(batch)
    const fields = (r: (typeof decoded)[number]) =>
      [r.offsetDelta, h.baseTimestamp + r.timestampDelta, r.key?.toString() ?? null, r.value?.length ?? null]
    assert.deepEqual(decoded.map(fields),
      [[0, 1000n, 'k1', 2], [1, 1005n, null, null], [2, 999n, '', 300]])
    assert.deepEqual(decoded[2]!.headers.map(([k, v]) => [k.toString(), v]), [['n', null]])
  }
})

test('crc32c should match the standard check value', () => {
  // computeBatchCrc hashes bytes 21.. of its input: pad 21 bytes in front of "123456789".
  assert.equal(computeBatchCrc(Buffer.concat([Buffer.alloc(21), Buffer.from('123456789')])), 0xe3069283)
})

test('splitRecordSet should split concatenated batches and stop cleanly at a truncated tail', () => {
  const a = withBase(encodeRecordBatch(records, { codec: CODECS.gzip, producerId: -1n, producerEpoch: -1, baseSequence: -1 }), 10n)
  const b = withBase(encodeRecordBatch(records.slice(0, 1), { codec: CODECS.none, producerId: -1n, producerEpoch: -1, baseSequence: -1 }),
    13n)
  const set = Buffer.concat([a, b, b.subarray(0, 30)])
  const batches = splitRecordSet(set)
  assert.deepEqual(batches.map((x) => x.header.baseOffset), [10n, 13n])
  assert.deepEqual(batches[0]!.bytes, a)
  assert.deepEqual(splitRecordSet(Buffer.concat([a.subarray(0, 11)])), [])
  assert.deepEqual(splitRecordSet(null), [])
})

test('rewriteBatchForAppend should zero baseOffset, set the producer fields, clear the transactional bit and keep the records bytes', () => {
  const identity = { codec: CODECS.zstd, producerId: 5n, producerEpoch: 1, baseSequence: 3, transactional: true }
  const src = withBase(encodeRecordBatch(records, identity), 77n)
  const out = rewriteBatchForAppend(src, { producerId: 1n << 62n, producerEpoch: 9, baseSequence: 100, clearTransactional: true })
  const h = readBatchHeader(out)
  assert.equal(h.baseOffset, 0n)
  assert.equal(h.producerId, 1n << 62n)
  assert.equal(h.producerEpoch, 9)
  assert.equal(h.baseSequence, 100)
  assert.equal(h.attributes & ATTR_TRANSACTIONAL, 0)
  assert.ok(hasValidCrc(out))
  assert.deepEqual(out.subarray(61), src.subarray(61))
  assert.equal(readBatchHeader(src).baseOffset, 77n, 'the input is not modified')
})

test('incrementSequence should wrap from Int.MAX to 0 like the broker', () => {
  assert.equal(incrementSequence(5, 3), 8)
  assert.equal(incrementSequence(0x7fffffff, 1), 0)
  assert.equal(incrementSequence(0x7ffffffe, 3), 1)
})

test('encodeFillerBatch should hold count dense records with an empty key and a null value', () => {
  for (const count of [1, 2, 200, 70_000]) {
    const batch = encodeFillerBatch(count, {
      codec: CODECS.zstd, producerId: 3n, producerEpoch: 0, baseSequence: 0, transactional: true, timestamp: 123n,
    })
    assert.ok(hasValidCrc(batch))
    const h = readBatchHeader(batch)
    assert.ok(isDenseBatch(h))
    assert.equal(h.recordCount, count)
    const decoded = decodeBatchRecords(batch)
    assert.equal(decoded.length, count)
    assert.equal(decoded.at(-1)!.offsetDelta, count - 1)
    assert.ok(decoded.every((r) => r.key?.length === 0 && r.value === null && r.headers.length === 0))
  }
})

test('encodeRecordBatch should write every varint width and decode the same records back', () => {
  // Lengths and deltas at the edges of 1, 2, 3 and 5-byte zigzag varints, negative and far timestamp deltas.
  const sizes = [0, 63, 64, 8191, 8192, 70_000]
  const wide = sizes.map((n, i) => ({
    timestamp: [1n << 40n, (1n << 40n) - 64n, (1n << 40n) + (1n << 36n), -1n, 0n, (1n << 40n) + 1n][i]!,
    key: i % 2 === 0 ? Buffer.alloc(n, 2) : null,
    value: Buffer.alloc(n, 3),
    headers: [[Buffer.alloc(n % 100, 4), i % 3 === 0 ? null : Buffer.alloc(64, 5)]] as const,
  }))
  for (const codec of [CODECS.none, CODECS.zstd]) {
    const batch = encodeRecordBatch(wide, { codec, producerId: 3n, producerEpoch: 1, baseSequence: 0 })
    assert.ok(hasValidCrc(batch))
    const decoded = decodeBatchRecords(batch)
    const base = readBatchHeader(batch).baseTimestamp
    assert.equal(base, -1n)
    const shape = (h: readonly (readonly [Buffer, Buffer | null])[]) => [h[0]![0].length, h[0]![1]?.length ?? null]
    const got = decoded.map((r) => [r.offsetDelta, base + r.timestampDelta, r.key?.length ?? null, r.value?.length, ...shape(r.headers)])
    assert.deepEqual(got,
      wide.map((r, i) => [i, r.timestamp, r.key?.length ?? null, r.value.length, ...shape(r.headers)]))
  }
  const far = [{ timestamp: 0n, key: null, value: null, headers: [] }, { timestamp: 1n << 60n, key: null, value: null, headers: [] }]
  assert.throws(() => encodeRecordBatch(far, { codec: CODECS.none, producerId: 3n, producerEpoch: 1, baseSequence: 0 }), /too far/)
})
