// Pure tests of the raw Produce encoder (v3 to v9) and of the response decoding at each layout.
import { describe, test } from 'node:test'
import assert from 'node:assert/strict'
import { decodeRawProduceResponse, encodeRawProduceRequest, rawProduceApi } from '../../../engine/kafka/raw-produce.ts'
import { ByteReader, Bytes } from './wire-bytes.ts'

const BATCH = Buffer.from('00000000000000000000003c0000000002', 'hex')

describe('raw Produce request', () => {
  for (const version of [3, 5, 8, 9]) {
    test(`raw Produce request should follow the v${version} grammar with the batch bytes unchanged`, () => {
      const flexible = version >= 9
      const r = new ByteReader(encodeRawProduceRequest(version, 'txn-a', -1, 30_000, [{ topic: 'orders', partitions: [{ partition: 2, batch: BATCH }] }]))
      assert.equal(r.str(flexible), 'txn-a')
      assert.equal(r.int16(), -1)
      assert.equal(r.int32(), 30_000)
      assert.equal(r.len(flexible), 1)
      assert.equal(r.str(flexible), 'orders')
      assert.equal(r.len(flexible), 1)
      assert.equal(r.int32(), 2)
      const size = flexible ? r.uvarint() - 1 : r.int32()
      assert.deepEqual(r.bytes(size), BATCH)
      if (flexible) for (let i = 0; i < 3; i++) assert.equal(r.uvarint(), 0)
      assert.equal(r.remaining, 0)
    })
  }

  test('raw Produce request should write a null transactional id as length -1 (v3) or 0 (v9)', () => {
    const v3 = new ByteReader(encodeRawProduceRequest(3, null, -1, 1, []))
    assert.equal(v3.int16(), -1)
    const v9 = new ByteReader(encodeRawProduceRequest(9, null, -1, 1, []))
    assert.equal(v9.uvarint(), 0)
  })

  test('rawProduceApi should exist for v3 to v9 and refuse other versions', () => {
    for (let v = 3; v <= 9; v++) assert.equal(typeof rawProduceApi(v).async, 'function')
    assert.throws(() => rawProduceApi(2), RangeError)
    assert.throws(() => rawProduceApi(10), RangeError)
  })
})

describe('raw Produce response', () => {
  /** Response bodies by the grammar of Kafka's ProduceResponse.json. */
  function response(version: number, errorCode: number): Buffer {
    const flexible = version >= 9
    const b = new Bytes().len(1, flexible).str('orders', flexible).len(1, flexible).int32(2).int16(errorCode).int64(77n).int64(-1n)
    if (version >= 5) b.int64(5n)
    if (version >= 8) {
      b.len(1, flexible).int32(0)
      if (flexible) b.uvarint(4).raw(Buffer.from('bad')).tags(true)
      else b.int16(3).raw(Buffer.from('bad'))
      if (flexible) b.uvarint(5).raw(Buffer.from('oops'))
      else b.int16(4).raw(Buffer.from('oops'))
    }
    return b.tags(flexible).tags(flexible).int32(0).tags(flexible).buffer
  }

  for (const version of [3, 5, 8, 9]) {
    test(`raw Produce response should decode the v${version} layout and keep a partition error code`, () => {
      for (const errorCode of [0, 87]) {
        const p = decodeRawProduceResponse(version, response(version, errorCode)).topics[0]?.partitions[0]
        assert.ok(p)
        assert.equal(p.errorCode, errorCode)
        assert.equal(p.baseOffset, 77n)
        assert.equal(p.logStartOffset, version >= 5 ? 5n : -1n)
        assert.deepEqual(p.recordErrors, version >= 8 ? [{ batchIndex: 0, message: 'bad' }] : [])
        assert.equal(p.errorMessage, version >= 8 ? 'oops' : null)
      }
    })
  }
})
