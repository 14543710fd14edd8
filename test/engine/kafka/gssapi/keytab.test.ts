// Checks the MIT keytab reader on hand-built files: entries, 32-bit key versions, holes, and clear refusals.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { findKey, parseKeytab } from '../../../../engine/kafka/gssapi/keytab.ts'

function data(bytes: Buffer): Buffer {
  const length = Buffer.alloc(2)
  length.writeUInt16BE(bytes.length)
  return Buffer.concat([length, bytes])
}

function entry(realm: string, components: string[], vno8: number, enctype: number, key: Buffer, vno32?: number): Buffer {
  const u16 = (n: number): Buffer => Buffer.from([n >> 8, n & 0xff])
  const u32 = (n: number): Buffer => {
    const out = Buffer.alloc(4)
    out.writeUInt32BE(n)
    return out
  }
  const body = Buffer.concat([
    u16(components.length), data(Buffer.from(realm)), ...components.map(c => data(Buffer.from(c))),
    u32(1), u32(1_700_000_000), Buffer.from([vno8]), u16(enctype), data(key), ...(vno32 === undefined ? [] : [u32(vno32)]),
  ])
  const size = Buffer.alloc(4)
  size.writeInt32BE(body.length)
  return Buffer.concat([size, body])
}

const hole = Buffer.concat([Buffer.from([0xff, 0xff, 0xff, 0xf8]), Buffer.alloc(8)])

test('parseKeytab should read entries, skip holes and prefer the 32-bit key version', () => {
  const file = Buffer.concat([
    Buffer.from([0x05, 0x02]),
    entry('EXAMPLE.TEST', ['kafka', 'broker1'], 2, 18, Buffer.alloc(32, 1)),
    hole,
    entry('EXAMPLE.TEST', ['kafka', 'broker1'], 44, 18, Buffer.alloc(32, 2), 300),
    entry('EXAMPLE.TEST', ['kafka', 'broker1'], 3, 17, Buffer.alloc(16, 3), 0),
    entry('EXAMPLE.TEST', ['engine'], 1, 18, Buffer.alloc(32, 4)),
  ])
  const entries = parseKeytab(file)
  assert.deepEqual(entries.map(e => [e.components.join('/'), e.realm, e.kvno, e.key.enctype]), [
    ['kafka/broker1', 'EXAMPLE.TEST', 2, 18], ['kafka/broker1', 'EXAMPLE.TEST', 300, 18],
    ['kafka/broker1', 'EXAMPLE.TEST', 3, 17], ['engine', 'EXAMPLE.TEST', 1, 18],
  ])
  assert.deepEqual(findKey(entries, 'kafka/broker1@EXAMPLE.TEST', [18, 17])?.key, Buffer.alloc(32, 2))
  assert.deepEqual(findKey(entries, 'kafka/broker1@EXAMPLE.TEST', [17])?.key, Buffer.alloc(16, 3))
  assert.equal(findKey(entries, 'engine@OTHER.TEST', [18]), undefined)
})

test('parseKeytab should refuse other formats and truncated entries with a clear error', () => {
  assert.throws(() => parseKeytab(Buffer.from([0x05, 0x01, 0, 0, 0, 0])), /not an MIT keytab of version 0x502/)
  const whole = Buffer.concat([Buffer.from([0x05, 0x02]), entry('R', ['a'], 1, 18, Buffer.alloc(32))])
  assert.throws(() => parseKeytab(whole.subarray(0, whole.length - 5)), /keytab: an entry runs past the end of the file/)
  const lying = Buffer.from(whole)
  lying.writeUInt16BE(40, 6) // the realm claims more bytes than the entry holds
  assert.throws(() => parseKeytab(lying), /keytab: entry is truncated/)
})
