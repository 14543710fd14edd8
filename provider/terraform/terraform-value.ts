// Terraform values as plain JavaScript (null, string, number, boolean, arrays, objects, UNKNOWN) and their msgpack
// and JSON wire encodings inside a tfplugin6 DynamicValue.
import { decode, encode, ExtData, ExtensionCodec } from '@msgpack/msgpack'

/** A value Terraform does not know yet (known after apply). One shared instance; compare with `isUnknown`. */
export class UnknownValue {
  /** Makes the type nominal: without it every object would count as an UnknownValue to the type checker. */
  readonly #isUnknown = true

  get isUnknown(): boolean {
    return this.#isUnknown
  }

  toString(): string {
    return '(known after apply)'
  }
}

export const UNKNOWN: UnknownValue = new UnknownValue()

export type TerraformValue =
  | null
  | string
  | number
  | boolean
  | UnknownValue
  | readonly TerraformValue[]
  | { readonly [key: string]: TerraformValue }

export type TerraformObject = { readonly [key: string]: TerraformValue }

export function isUnknown(value: unknown): value is UnknownValue {
  return value instanceof UnknownValue
}

/** Array.isArray that narrows readonly lists of Terraform values. */
export function isList(value: unknown): value is readonly TerraformValue[] {
  return Array.isArray(value)
}

/** True when the value and everything inside it is known. */
export function isWhollyKnown(value: TerraformValue): boolean {
  if (isUnknown(value)) return false
  if (isList(value)) return value.every(isWhollyKnown)
  if (value !== null && typeof value === 'object') return Object.values(value).every(isWhollyKnown)
  return true
}

/**
 * cty's msgpack encoding (hashicorp/go-cty `cty/msgpack`): an unknown value is extension type 0 (payload ignored);
 * extension type 12 carries an unknown with refinements (for example "not null", a string prefix). Terraform may send
 * either, and future versions may add codes, so every extension code decodes as UNKNOWN. clusterlink always encodes a
 * plain unknown: fixext1, type 0, one zero byte.
 */
const REFINED_UNKNOWN_EXTENSION = 12
const codec = new ExtensionCodec()
codec.register({
  type: 0,
  encode: (input) => (isUnknown(input) ? new Uint8Array([0]) : null),
  decode: () => UNKNOWN,
})
codec.register({ type: REFINED_UNKNOWN_EXTENSION, encode: () => null, decode: () => UNKNOWN })

function replaceExtensions(value: unknown): TerraformValue {
  if (value instanceof ExtData) return UNKNOWN
  if (isUnknown(value)) return UNKNOWN
  if (value === undefined || value === null) return null
  if (typeof value === 'bigint') return Number(value)
  if (Array.isArray(value)) return value.map(replaceExtensions)
  if (value instanceof Uint8Array) return Buffer.from(value).toString('utf8')
  if (typeof value === 'object') {
    const out: Record<string, TerraformValue> = {}
    for (const [key, item] of Object.entries(value)) out[key] = replaceExtensions(item)
    return out
  }
  if (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean') return value
  throw new TypeError(`unsupported value in a Terraform message: ${typeof value}`)
}

export function decodeMsgpack(bytes: Uint8Array): TerraformValue {
  return replaceExtensions(decode(bytes, { extensionCodec: codec }))
}

export function encodeMsgpack(value: TerraformValue): Buffer {
  return Buffer.from(encode(value, { extensionCodec: codec }))
}

/** The DynamicValue message as grpc-js hands it over (either field may be empty). */
export interface DynamicValueMessage {
  readonly msgpack?: Uint8Array | null
  readonly json?: Uint8Array | null
}

/** Decodes a DynamicValue; an absent message or empty value is null (for example the prior state of a create). */
export function decodeDynamicValue(message: DynamicValueMessage | null | undefined): TerraformValue {
  if (!message) return null
  if (message.msgpack && message.msgpack.length > 0) return decodeMsgpack(message.msgpack)
  if (message.json && message.json.length > 0) return replaceExtensions(JSON.parse(Buffer.from(message.json).toString('utf8')))
  return null
}

export function encodeDynamicValue(value: TerraformValue): { msgpack: Buffer } {
  return { msgpack: encodeMsgpack(value) }
}

/** Deep equality of Terraform values; UNKNOWN equals only UNKNOWN. */
export function valuesEqual(a: TerraformValue, b: TerraformValue): boolean {
  if (a === b) return true
  if (isUnknown(a) || isUnknown(b)) return isUnknown(a) && isUnknown(b)
  if (a === null || b === null || typeof a !== 'object' || typeof b !== 'object') return false
  if (isList(a) || isList(b)) {
    if (!isList(a) || !isList(b) || a.length !== b.length) return false
    return a.every((item, index) => valuesEqual(item, b[index] ?? null))
  }
  const objectA = a as TerraformObject
  const objectB = b as TerraformObject
  const keys = new Set([...Object.keys(objectA), ...Object.keys(objectB)])
  for (const key of keys) if (!valuesEqual(objectA[key] ?? null, objectB[key] ?? null)) return false
  return true
}
