// Pure tests of the raw Fetch encoder and decoder at every version layout the engine sends (v4, v5, v7, v9, v11, v12, v13).
import { describe, test } from 'node:test'
import assert from 'node:assert/strict'
import { decodeRawFetchResponse, encodeRawFetchRequest, rawFetchApi } from '../../../engine/kafka/raw-fetch.ts'
import { ByteReader, Bytes } from './wire-bytes.ts'

const TOPIC_ID = '0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0'
const RECORDS = Buffer.from('0000000000000007000000ff', 'hex')

/** Reads a request body back by the grammar of Kafka's FetchRequest.json, independently of the encoder. */
function readRequest(version: number, body: Buffer) {
  const flexible = version >= 12
  const r = new ByteReader(body)
  const head = { replicaId: r.int32(), maxWaitMs: r.int32(), minBytes: r.int32(), maxBytes: r.int32(), isolation: r.int8() }
  const session = version >= 7 ? { id: r.int32(), epoch: r.int32() } : null
  const topics = Array.from({ length: r.len(flexible) }, () => {
    const topic = version >= 13 ? r.bytes(16).toString('hex') : r.str(flexible)
    const partitions = Array.from({ length: r.len(flexible) }, () => {
      const p = {
        partition: r.int32(),
        currentLeaderEpoch: version >= 9 ? r.int32() : null,
        fetchOffset: r.int64(),
        lastFetchedEpoch: version >= 12 ? r.int32() : null,
        logStartOffset: version >= 5 ? r.int64() : null,
        partitionMaxBytes: r.int32(),
      }
      if (flexible) assert.equal(r.uvarint(), 0)
      return p
    })
    if (flexible) assert.equal(r.uvarint(), 0)
    return { topic, partitions }
  })
  const forgotten = version >= 7 ? r.len(flexible) : null
  const rackId = version >= 11 ? r.str(flexible) : null
  if (flexible) assert.equal(r.uvarint(), 0)
  assert.equal(r.remaining, 0, `v${version}: trailing bytes`)
  return { head, session, topics, forgotten, rackId }
}

/** A response body built by the grammar of Kafka's FetchResponse.json. */
function response(version: number, records: Buffer | null, aborted: Array<[bigint, bigint]> | null, leader?: [number, number]): Buffer {
  const flexible = version >= 12
  const b = new Bytes().int32(5)
  if (version >= 7) b.int16(0).int32(0)
  b.len(1, flexible)
  if (version >= 13) b.raw(Buffer.from(TOPIC_ID.replaceAll('-', ''), 'hex'))
  else b.str('orders', flexible)
  b.len(1, flexible).int32(3).int16(0).int64(100n).int64(90n)
  if (version >= 5) b.int64(10n)
  b.len(aborted ? aborted.length : null, flexible)
  for (const [pid, first] of aborted ?? []) b.int64(pid).int64(first).tags(flexible)
  if (version >= 11) b.int32(-1)
  if (flexible) b.uvarint(records ? records.length + 1 : 0)
  else b.int32(records ? records.length : -1)
  if (records) b.raw(records)
  if (flexible) {
    if (leader) b.uvarint(1).uvarint(1).uvarint(9).int32(leader[0]).int32(leader[1]).uvarint(0)
    else b.uvarint(0)
  }
  return b.tags(flexible).tags(flexible).buffer
}

describe('raw Fetch request', () => {
  for (const version of [4, 5, 7, 9, 11, 12, 13]) {
    test(`raw Fetch request should follow the v${version} grammar`, () => {
      const topic = version >= 13 ? TOPIC_ID : 'orders'
      const partition = { partition: 3, fetchOffset: 42n, partitionMaxBytes: 65536, currentLeaderEpoch: 7 }
      const body = encodeRawFetchRequest(version, 500, 1, 1 << 20, 1, [{ topic, partitions: [partition] }])
      const req = readRequest(version, body)
      assert.deepEqual(req.head, { replicaId: -1, maxWaitMs: 500, minBytes: 1, maxBytes: 1 << 20, isolation: 1 })
      assert.deepEqual(req.session, version >= 7 ? { id: 0, epoch: -1 } : null)
      assert.equal(req.topics[0]?.topic, version >= 13 ? TOPIC_ID.replaceAll('-', '') : 'orders')
      assert.deepEqual(req.topics[0]?.partitions, [{
        partition: 3, currentLeaderEpoch: version >= 9 ? 7 : null, fetchOffset: 42n, lastFetchedEpoch: version >= 12 ? -1 : null,
        logStartOffset: version >= 5 ? -1n : null, partitionMaxBytes: 65536,
      }])
      assert.equal(req.forgotten, version >= 7 ? 0 : null)
      assert.equal(req.rackId, version >= 11 ? '' : null)
    })
  }

  test('rawFetchApi should exist for v4 to v13 and refuse other versions', () => {
    for (let v = 4; v <= 13; v++) assert.equal(typeof rawFetchApi(v).async, 'function')
    assert.throws(() => rawFetchApi(3), RangeError)
    assert.throws(() => rawFetchApi(14), RangeError)
  })
})

describe('raw Fetch last fetched epoch', () => {
  test('raw Fetch request should send last_fetched_epoch from v12 on', () => {
    for (const version of [11, 12, 13]) {
      const topic = version >= 13 ? TOPIC_ID : 'orders'
      const partition = { partition: 0, fetchOffset: 15n, partitionMaxBytes: 1024, lastFetchedEpoch: 3 }
      const body = encodeRawFetchRequest(version, 0, 1, 1024, 1, [{ topic, partitions: [partition] }])
      assert.equal(readRequest(version, body).topics[0]?.partitions[0]?.lastFetchedEpoch, version >= 12 ? 3 : null, `v${version}`)
    }
  })

  test('raw Fetch response should decode the diverging_epoch tagged field', () => {
    // Tag 0 holds EpochEndOffset (epoch INT32, end_offset INT64, its own empty tag buffer: 13 bytes).
    const b = new Bytes().int32(0).int16(0).int32(0).len(1, true).str('orders', true)
    b.len(1, true).int32(0).int16(0).int64(18n).int64(18n).int64(0n).len(null, true).int32(-1).uvarint(0)
    b.uvarint(1).uvarint(0).uvarint(13).int32(2).int64(10n).uvarint(0)
    const p = decodeRawFetchResponse(12, b.tags(true).tags(true).buffer).topics[0]?.partitions[0]
    assert.deepEqual(p?.divergingEpoch, { epoch: 2, endOffset: 10n })
    assert.equal(p?.records, null)
  })
})

describe('raw Fetch response', () => {
  for (const version of [4, 5, 7, 11, 12, 13]) {
    test(`raw Fetch response should decode the v${version} layout with the records as sent`, () => {
      const res = decodeRawFetchResponse(version, response(version, RECORDS, [[1011n, 2n]], [4, 8]))
      assert.equal(res.throttleTimeMs, 5)
      assert.equal(res.topics[0]?.topic, version >= 13 ? TOPIC_ID : 'orders')
      const p = res.topics[0]?.partitions[0]
      assert.ok(p)
      assert.equal(p.partition, 3)
      assert.equal(p.highWatermark, 100n)
      assert.equal(p.lastStableOffset, 90n)
      assert.equal(p.logStartOffset, version >= 5 ? 10n : -1n)
      assert.deepEqual(p.abortedTransactions, [{ producerId: 1011n, firstOffset: 2n }])
      assert.deepEqual(p.records, RECORDS)
      assert.deepEqual(p.currentLeader, version >= 12 ? { leaderId: 4, leaderEpoch: 8 } : null)
    })
  }

  test('raw Fetch response should decode a null aborted list and an empty record set', () => {
    for (const version of [4, 11, 12]) {
      const p = decodeRawFetchResponse(version, response(version, null, null)).topics[0]?.partitions[0]
      assert.equal(p?.abortedTransactions, null, `v${version}`)
      assert.equal(p?.records, null, `v${version}`)
    }
  })
})
