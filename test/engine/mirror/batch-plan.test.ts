// Pure tests of the write planner: every fetched shape maps to writes that cover consecutive offsets.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { ATTR_CONTROL, ATTR_LOG_APPEND_TIME, ATTR_TRANSACTIONAL, CODECS, computeBatchCrc, encodeRecordBatch, splitRecordSet } from '../../../engine/kafka/index.ts'
import { coalesceSmallCopies, planBatches, type WriteAction } from '../../../engine/mirror/index.ts'

function batch(base: bigint, deltas: number[], opts: { pid?: bigint; attrs?: number; maxTimestamp?: bigint } = {}): Buffer {
  const b = encodeRecordBatch(deltas.map((d) => ({ offsetDelta: d, timestamp: 1000n + BigInt(d), key: Buffer.from(`k${d}`), value: Buffer.from(`v${d}`), headers: [] })),
    { codec: CODECS.gzip, producerId: opts.pid ?? -1n, producerEpoch: 0, baseSequence: 0 })
  b.writeBigInt64BE(base, 0)
  if (opts.attrs) b.writeInt16BE(b.readInt16BE(21) | opts.attrs, 21)
  if (opts.maxTimestamp) b.writeBigInt64BE(opts.maxTimestamp, 35)
  b.writeUInt32BE(computeBatchCrc(b), 17)
  return b
}

function shape(actions: WriteAction[]): string[] {
  return actions.map((a) => a.kind === 'fill' ? `fill ${a.offset}+${a.count} ${a.reason}` : a.kind === 'copy' ? `copy ${a.offset}+${a.count}` : `rebuild ${a.offset}+${a.records.length} ${a.reason}`)
}

test('planBatches should copy dense batches and fill inter-batch gaps', () => {
  const set = Buffer.concat([batch(0n, [0, 1, 2]), batch(5n, [0, 1])])
  assert.deepEqual(shape(planBatches(splitRecordSet(set), 0n, null)), ['copy 0+3', 'fill 3+2 gap', 'copy 5+2'])
})

test('planBatches should skip batches below the expected offset and rebuild a batch that straddles it', () => {
  const set = Buffer.concat([batch(0n, [0, 1, 2]), batch(3n, [0, 1, 2, 3])])
  const actions = planBatches(splitRecordSet(set), 5n, null)
  assert.deepEqual(shape(actions), ['rebuild 5+2 partial_batch'])
  const rebuilt = actions[0]
  assert.ok(rebuilt?.kind === 'rebuild')
  assert.deepEqual(rebuilt.records.map((r) => r.key?.toString()), ['k2', 'k3'])
  assert.deepEqual(rebuilt.records.map((r) => r.timestamp), [1002n, 1003n])
})

test('planBatches should rebuild a compacted batch as runs of consecutive offsets with fillers in its holes', () => {
  const set = Buffer.concat([batch(0n, [0, 2, 3, 6])])
  assert.deepEqual(shape(planBatches(splitRecordSet(set), 0n, null)),
    ['rebuild 0+1 compaction_gap', 'fill 1+1 gap', 'rebuild 2+2 compaction_gap', 'fill 4+2 gap', 'rebuild 6+1 compaction_gap'])
})

test('planBatches should turn control batches and aborted transactional data into fillers, and copy committed data', () => {
  const set = Buffer.concat([
    batch(0n, [0, 1], { pid: 10n, attrs: ATTR_TRANSACTIONAL }), // aborted (pid 10)
    batch(2n, [0], { pid: 11n, attrs: ATTR_TRANSACTIONAL }), // committed (pid 11)
    batch(3n, [0], { pid: 10n, attrs: ATTR_TRANSACTIONAL | ATTR_CONTROL }), // abort marker of pid 10
    batch(4n, [0], { pid: 11n, attrs: ATTR_TRANSACTIONAL | ATTR_CONTROL }), // commit marker of pid 11
    batch(5n, [0, 1], { pid: 10n, attrs: ATTR_TRANSACTIONAL }), // pid 10 again, a later committed transaction
  ])
  assert.deepEqual(shape(planBatches(splitRecordSet(set), 0n, [{ producerId: 10n, firstOffset: 0n }])),
    ['fill 0+2 aborted', 'copy 2+1', 'fill 3+2 control', 'copy 5+2'])
})

test('planBatches should rebuild LogAppendTime batches with the batch max timestamp on every record', () => {
  const set = batch(0n, [0, 1], { attrs: ATTR_LOG_APPEND_TIME, maxTimestamp: 5555n })
  const actions = planBatches(splitRecordSet(set), 0n, null)
  assert.deepEqual(shape(actions), ['rebuild 0+2 log_append_time'])
  assert.ok(actions[0]?.kind === 'rebuild' && actions[0].records.every((r) => r.timestamp === 5555n))
})

test('coalesceSmallCopies should merge runs of small copies into one rebuilt batch with the same records and timestamps', () => {
  const set = Buffer.concat([
    batch(0n, [0]), batch(1n, [0, 1]), batch(3n, [0], { pid: 4n, attrs: ATTR_TRANSACTIONAL | ATTR_CONTROL }), batch(4n, [0]),
    batch(5n, [0]),
  ])
  const planned = planBatches(splitRecordSet(set), 0n, null)
  const merged = coalesceSmallCopies(planned, 4096, 1 << 20)
  assert.deepEqual(shape(merged), ['rebuild 0+3 coalesce', 'fill 3+1 control', 'rebuild 4+2 coalesce'])
  const first = merged[0]
  assert.ok(first?.kind === 'rebuild')
  assert.deepEqual(first.records.map((r) => [r.key?.toString(), r.timestamp]), [['k0', 1000n], ['k0', 1000n], ['k1', 1001n]])
  assert.deepEqual(shape(coalesceSmallCopies(planned, 0, 1 << 20)), shape(planned), 'off by default')
})

test('coalesceSmallCopies should leave small batches of more records than the record limit byte for byte', () => {
  const set = Buffer.concat([batch(0n, [0]), batch(1n, [0]), batch(2n, [0, 1, 2]), batch(5n, [0]), batch(6n, [0])])
  const planned = planBatches(splitRecordSet(set), 0n, null)
  assert.deepEqual(shape(coalesceSmallCopies(planned, 1024, 1 << 20, 1)), ['rebuild 0+2 coalesce', 'copy 2+3', 'rebuild 5+2 coalesce'])
})
