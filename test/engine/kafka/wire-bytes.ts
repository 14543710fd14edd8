// A small big-endian byte builder and reader for the wire-format tests, written apart from the engine's encoders.
export class Bytes {
  readonly #parts: Buffer[] = []
  int8(v: number): this { const b = Buffer.alloc(1); b.writeInt8(v); this.#parts.push(b); return this }
  int16(v: number): this { const b = Buffer.alloc(2); b.writeInt16BE(v); this.#parts.push(b); return this }
  int32(v: number): this { const b = Buffer.alloc(4); b.writeInt32BE(v); this.#parts.push(b); return this }
  int64(v: bigint): this { const b = Buffer.alloc(8); b.writeBigInt64BE(v); this.#parts.push(b); return this }
  uvarint(v: number): this {
    const out: number[] = []
    let x = v
    while (x > 0x7f) { out.push((x & 0x7f) | 0x80); x >>>= 7 }
    out.push(x)
    this.#parts.push(Buffer.from(out))
    return this
  }
  raw(b: Buffer): this { this.#parts.push(b); return this }
  /** STRING (int16 length) or COMPACT_STRING (uvarint length + 1). */
  str(s: string, compact: boolean): this {
    const b = Buffer.from(s)
    return (compact ? this.uvarint(b.length + 1) : this.int16(b.length)).raw(b)
  }
  /** Array length: INT32, or uvarint length + 1 when compact; -1 / 0 for null. */
  len(n: number | null, compact: boolean): this {
    if (n === null) return compact ? this.uvarint(0) : this.int32(-1)
    return compact ? this.uvarint(n + 1) : this.int32(n)
  }
  tags(compact: boolean): this { return compact ? this.uvarint(0) : this }
  get buffer(): Buffer { return Buffer.concat(this.#parts) }
}

export class ByteReader {
  position = 0
  readonly #b: Buffer
  constructor(b: Buffer) { this.#b = b }
  int8(): number { const v = this.#b.readInt8(this.position); this.position += 1; return v }
  int16(): number { const v = this.#b.readInt16BE(this.position); this.position += 2; return v }
  int32(): number { const v = this.#b.readInt32BE(this.position); this.position += 4; return v }
  int64(): bigint { const v = this.#b.readBigInt64BE(this.position); this.position += 8; return v }
  uvarint(): number {
    let v = 0
    let shift = 0
    for (;;) {
      const byte = this.#b[this.position++] ?? 0
      v |= (byte & 0x7f) << shift
      if ((byte & 0x80) === 0) return v
      shift += 7
    }
  }
  bytes(n: number): Buffer { const v = this.#b.subarray(this.position, this.position + n); this.position += n; return v }
  str(compact: boolean): string { const n = compact ? this.uvarint() - 1 : this.int16(); return this.bytes(n).toString() }
  len(compact: boolean): number { return compact ? this.uvarint() - 1 : this.int32() }
  get remaining(): number { return this.#b.length - this.position }
}
