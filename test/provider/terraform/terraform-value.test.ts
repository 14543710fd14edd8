// Tests of Terraform value encoding: msgpack round trips, unknown values (plain and refined), JSON values, equality.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { encode, ExtensionCodec } from '@msgpack/msgpack'
import {
  decodeDynamicValue, decodeMsgpack, encodeDynamicValue, encodeMsgpack, isUnknown, isWhollyKnown, UNKNOWN, valuesEqual,
} from '../../../provider/terraform/terraform-value.ts'

/** Stands for an extension value in the encoder under test (the codec only consults extensions for objects). */
class Marker {
  readonly code: number
  constructor(code: number) {
    this.code = code
  }
}

test('encodeMsgpack should round-trip objects, maps, lists, numbers, booleans and nulls', () => {
  const value = { link_name: 'dr', config: { 'cluster.link.paused': 'false' }, partitions: 3, ratio: 0.5, on: true, gone: null, list: ['a', 'b'] }
  assert.deepEqual(decodeMsgpack(encodeMsgpack(value)), value)
})

test('encodeMsgpack should write an unknown value as fixext1 of extension type 0', () => {
  const bytes = encodeMsgpack({ id: UNKNOWN })
  // fixmap(1) "id" fixext1 type 0 payload 0
  assert.deepEqual([...bytes], [0x81, 0xa2, 0x69, 0x64, 0xd4, 0x00, 0x00])
})

test('decodeMsgpack should read extension type 0 and refined extension type 12 as unknown', () => {
  const codec = new ExtensionCodec()
  const plain = new Marker(0)
  const refined = new Marker(12)
  codec.register({ type: 0, encode: (input) => (input === plain ? new Uint8Array([0]) : null), decode: () => null })
  // A refinement map as cty writes it: {1: true} ("not null").
  codec.register({ type: 12, encode: (input) => (input === refined ? new Uint8Array([0x81, 0x01, 0xc3]) : null), decode: () => null })
  const decoded = decodeMsgpack(encode({ a: plain, b: refined, c: 'known' }, { extensionCodec: codec })) as Record<string, unknown>
  assert.ok(isUnknown(decoded.a))
  assert.ok(isUnknown(decoded.b))
  assert.equal(decoded.c, 'known')
})

test('decodeMsgpack should read any other extension code as unknown', () => {
  const codec = new ExtensionCodec()
  const other = new Marker(42)
  codec.register({ type: 42, encode: (input) => (input === other ? new Uint8Array([1, 2]) : null), decode: () => null })
  assert.ok(isUnknown((decodeMsgpack(encode({ a: other }, { extensionCodec: codec })) as Record<string, unknown>).a))
})

test('decodeDynamicValue should read null for an absent value and JSON when msgpack is empty', () => {
  assert.equal(decodeDynamicValue(undefined), null)
  assert.equal(decodeDynamicValue({ msgpack: Buffer.alloc(0), json: Buffer.alloc(0) }), null)
  assert.deepEqual(decodeDynamicValue({ msgpack: Buffer.alloc(0), json: Buffer.from('{"a":1}') }), { a: 1 })
  assert.deepEqual(decodeDynamicValue(encodeDynamicValue({ a: 'b' })), { a: 'b' })
})

test('isWhollyKnown should find an unknown value nested in maps and lists', () => {
  assert.equal(isWhollyKnown({ a: { b: ['c'] } }), true)
  assert.equal(isWhollyKnown({ a: { b: ['c', UNKNOWN] } }), false)
  assert.equal(isWhollyKnown(UNKNOWN), false)
})

test('valuesEqual should compare deeply, ignore key order and treat unknown as equal only to unknown', () => {
  assert.equal(valuesEqual({ a: 1, b: { c: 'd' } }, { b: { c: 'd' }, a: 1 }), true)
  assert.equal(valuesEqual({ a: 1 }, { a: 2 }), false)
  assert.equal(valuesEqual(UNKNOWN, UNKNOWN), true)
  assert.equal(valuesEqual(UNKNOWN, 'x'), false)
  assert.equal(valuesEqual(['a'], ['a', 'b']), false)
  assert.equal(valuesEqual(null, {}), false)
})
