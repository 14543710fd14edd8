// The cutting proxy's framing: chunks split anywhere must give back the same whole frames, and the header fields a cut rule matches on.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { FrameSplitter, readRequestHeader, readResponseCorrelationId } from './harness/kafka-frames.ts'

function requestFrame(apiKey: number, apiVersion: number, correlationId: number, body: number): Buffer {
  const payload = Buffer.alloc(8 + body, 7)
  payload.writeInt16BE(apiKey, 0)
  payload.writeInt16BE(apiVersion, 2)
  payload.writeInt32BE(correlationId, 4)
  const size = Buffer.alloc(4)
  size.writeInt32BE(payload.length)
  return Buffer.concat([size, payload])
}

test('FrameSplitter should return whole frames however the stream is chunked', () => {
  const frames = [requestFrame(0, 9, 1, 300), requestFrame(1, 12, 2, 0), requestFrame(3, 12, 3, 41)]
  const stream = Buffer.concat(frames)
  for (const chunkSize of [1, 3, 4, 5, 17, 100, stream.length]) {
    const splitter = new FrameSplitter()
    const out: Buffer[] = []
    for (let i = 0; i < stream.length; i += chunkSize) out.push(...splitter.push(stream.subarray(i, i + chunkSize)))
    assert.deepEqual(out.map((f) => f.toString('hex')), frames.map((f) => f.toString('hex')), `chunks of ${chunkSize}`)
    assert.equal(splitter.pendingBytes, 0)
  }
})

test('FrameSplitter should hold a partial frame until its last byte arrives', () => {
  const frame = requestFrame(0, 9, 5, 20)
  const splitter = new FrameSplitter()
  assert.deepEqual(splitter.push(frame.subarray(0, frame.length - 1)), [])
  assert.equal(splitter.pendingBytes, frame.length - 1)
  assert.equal(splitter.push(frame.subarray(frame.length - 1)).length, 1)
})

test('FrameSplitter should refuse a negative frame size (not a Kafka stream)', () => {
  assert.throws(() => new FrameSplitter().push(Buffer.from([0xff, 0xff, 0xff, 0xff, 0])), /negative Kafka frame size/)
})

test('readRequestHeader should read api key, version and correlation id; readResponseCorrelationId the answer\'s id', () => {
  assert.deepEqual(readRequestHeader(requestFrame(1, 12, 77, 4)), { apiKey: 1, apiVersion: 12, correlationId: 77 })
  const response = Buffer.alloc(12)
  response.writeInt32BE(8, 0)
  response.writeInt32BE(77, 4)
  assert.equal(readResponseCorrelationId(response), 77)
  assert.throws(() => readRequestHeader(Buffer.alloc(6)), /at least 12 bytes/)
})
