// A minimal DER encoder and decoder for the ASN.1 that Kerberos messages use (RFC 4120 section 5, X.690).

/** One decoded DER element: its identifier octet, its content octets and, when constructed, its children. */
export interface DerNode {
  readonly tag: number
  readonly content: Buffer
  /** The whole element (identifier, length and content), needed to checksum an encoded structure as sent. */
  readonly raw: Buffer
}

export class DerError extends Error {
  constructor(message: string) {
    super(`malformed Kerberos message: ${message}`)
    this.name = 'DerError'
  }
}

// Tags: universal, context-specific [n] constructed (0xa0 | n), application [n] constructed (0x60 | n).
export const TAG_INTEGER = 0x02
export const TAG_BIT_STRING = 0x03
export const TAG_OCTET_STRING = 0x04
export const TAG_OID = 0x06
export const TAG_GENERAL_STRING = 0x1b
export const TAG_GENERALIZED_TIME = 0x18
export const TAG_SEQUENCE = 0x30

function encodeLength(length: number): Buffer {
  if (length < 0x80) return Buffer.from([length])
  const bytes: number[] = []
  for (let rest = length; rest > 0; rest = Math.floor(rest / 256)) bytes.unshift(rest & 0xff)
  return Buffer.from([0x80 | bytes.length, ...bytes])
}

/** An element from its identifier octet and content. */
export function element(tag: number, content: Buffer): Buffer {
  return Buffer.concat([Buffer.from([tag]), encodeLength(content.length), content])
}

export function sequence(...items: readonly (Buffer | undefined)[]): Buffer {
  return element(TAG_SEQUENCE, Buffer.concat(items.filter((item): item is Buffer => item !== undefined)))
}

/** A context-specific explicit tag [n] around an encoded element. */
export function explicit(n: number, inner: Buffer): Buffer {
  return element(0xa0 | n, inner)
}

/** An application tag [APPLICATION n] around an encoded element. */
export function application(n: number, inner: Buffer): Buffer {
  return element(0x60 | n, inner)
}

/** INTEGER in two's complement, shortest form (Kerberos integers fit in 32 bits signed or unsigned). */
export function integer(value: number): Buffer {
  if (!Number.isSafeInteger(value)) throw new DerError(`integer ${value} out of range`)
  const bytes: number[] = []
  let rest = BigInt(value)
  do {
    bytes.unshift(Number(rest & 0xffn))
    rest >>= 8n
  } while (!((rest === 0n && (bytes[0]! & 0x80) === 0) || (rest === -1n && (bytes[0]! & 0x80) !== 0)))
  return element(TAG_INTEGER, Buffer.from(bytes))
}

export function octetString(value: Buffer): Buffer {
  return element(TAG_OCTET_STRING, value)
}

export function generalString(value: string): Buffer {
  return element(TAG_GENERAL_STRING, Buffer.from(value, 'utf8'))
}

/** KerberosTime: GeneralizedTime "YYYYMMDDHHMMSSZ", no fraction (RFC 4120 section 5.2.3). */
export function kerberosTime(date: Date): Buffer {
  const text = date.toISOString().replace(/[-:T]/g, '').replace(/\.\d{3}Z$/, 'Z')
  return element(TAG_GENERALIZED_TIME, Buffer.from(text, 'ascii'))
}

/** A 32-bit flags BIT STRING (KDCOptions, APOptions): no unused bits, bit 0 is the most significant. */
export function flags32(value: number): Buffer {
  const bytes = Buffer.alloc(5)
  bytes.writeUInt32BE(value >>> 0, 1)
  return element(TAG_BIT_STRING, bytes)
}

/** Decodes the element at `offset`; returns it and the offset after it. */
export function decodeAt(buffer: Buffer, offset: number): { node: DerNode; next: number } {
  if (offset + 2 > buffer.length) throw new DerError('truncated element')
  const tag = buffer[offset]!
  if ((tag & 0x1f) === 0x1f) throw new DerError('multi-byte tags are not used by Kerberos')
  let length = buffer[offset + 1]!
  let start = offset + 2
  if (length & 0x80) {
    const count = length & 0x7f
    if (count === 0 || count > 4 || start + count > buffer.length) throw new DerError('bad length')
    length = 0
    for (let i = 0; i < count; i++) length = length * 256 + buffer[start + i]!
    start += count
  }
  const end = start + length
  if (end > buffer.length) throw new DerError('element longer than its container')
  return { node: { tag, content: buffer.subarray(start, end), raw: buffer.subarray(offset, end) }, next: end }
}

/** Decodes exactly one element filling `buffer`, checking its tag. */
export function decode(buffer: Buffer, expectedTag?: number): DerNode {
  const { node, next } = decodeAt(buffer, 0)
  if (next !== buffer.length) throw new DerError('trailing bytes after element')
  if (expectedTag !== undefined && node.tag !== expectedTag) {
    throw new DerError(`expected tag 0x${expectedTag.toString(16)}, got 0x${node.tag.toString(16)}`)
  }
  return node
}

/** The children of a constructed element. */
export function children(node: DerNode): DerNode[] {
  const out: DerNode[] = []
  for (let offset = 0; offset < node.content.length;) {
    const { node: child, next } = decodeAt(node.content, offset)
    out.push(child)
    offset = next
  }
  return out
}

/** The fields of a SEQUENCE whose members are all explicitly tagged [n], by n; the inner element of each. */
export class TaggedFields {
  readonly #fields = new Map<number, DerNode>()
  readonly #what: string

  constructor(node: DerNode, what: string) {
    this.#what = what
    if (node.tag !== TAG_SEQUENCE) throw new DerError(`${what} is not a SEQUENCE`)
    for (const child of children(node)) {
      if ((child.tag & 0xe0) !== 0xa0) throw new DerError(`${what} has an untagged member`)
      this.#fields.set(child.tag & 0x1f, decode(child.content))
    }
  }

  optional(n: number): DerNode | undefined {
    return this.#fields.get(n)
  }

  required(n: number): DerNode {
    const node = this.#fields.get(n)
    if (!node) throw new DerError(`${this.#what} lacks field [${n}]`)
    return node
  }

  integer(n: number): number {
    return readInteger(this.required(n))
  }

  string(n: number): string {
    return readString(this.required(n))
  }

  octets(n: number): Buffer {
    const node = this.required(n)
    if (node.tag !== TAG_OCTET_STRING) throw new DerError(`${this.#what} field [${n}] is not an OCTET STRING`)
    return node.content
  }

  time(n: number): Date {
    const node = this.required(n)
    if (node.tag !== TAG_GENERALIZED_TIME) throw new DerError(`${this.#what} field [${n}] is not a time`)
    const match = /^(\d{4})(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})Z$/.exec(node.content.toString('ascii'))
    if (!match) throw new DerError(`${this.#what} field [${n}] is not a KerberosTime`)
    const [, y, mo, d, h, mi, s] = match.map(Number) as [number, number, number, number, number, number, number]
    return new Date(Date.UTC(y, mo - 1, d, h, mi, s))
  }
}

export function readInteger(node: DerNode): number {
  if (node.tag !== TAG_INTEGER || node.content.length === 0 || node.content.length > 6) throw new DerError('bad INTEGER')
  return node.content.readIntBE(0, node.content.length)
}

export function readString(node: DerNode): string {
  if (node.tag !== TAG_GENERAL_STRING && node.tag !== 0x0c && node.tag !== 0x16) throw new DerError('expected a string')
  return node.content.toString('utf8')
}

/** Strips an [APPLICATION n] wrapper and returns the element inside. */
export function unwrapApplication(buffer: Buffer, n: number, what: string): DerNode {
  const outer = decodeAt(buffer, 0).node
  if (outer.tag !== (0x60 | n)) throw new DerError(`expected ${what}`)
  return decode(outer.content)
}
