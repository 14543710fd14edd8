// Reads MIT keytab files (format 0x502): the long-term keys of a principal, so the engine needs no password.
import type { KerberosKey } from './kerberos-crypto.ts'

/** One keytab entry: a principal's key of one enctype and key version. */
export interface KeytabEntry {
  readonly realm: string
  readonly components: readonly string[]
  readonly kvno: number
  readonly key: KerberosKey
}

export class KeytabError extends Error {
  constructor(message: string) {
    super(`keytab: ${message}`)
    this.name = 'KeytabError'
  }
}

class Reader {
  #offset: number
  readonly #buffer: Buffer
  readonly #end: number

  constructor(buffer: Buffer, offset: number, end: number) {
    this.#buffer = buffer
    this.#offset = offset
    this.#end = end
  }

  get remaining(): number {
    return this.#end - this.#offset
  }

  #take(length: number): Buffer {
    if (length > this.remaining) throw new KeytabError('entry is truncated')
    const bytes = this.#buffer.subarray(this.#offset, this.#offset + length)
    this.#offset += length
    return bytes
  }

  u8(): number {
    return this.#take(1)[0]!
  }

  u16(): number {
    return this.#take(2).readUInt16BE(0)
  }

  u32(): number {
    return this.#take(4).readUInt32BE(0)
  }

  /** counted_octet_string: a 16-bit length then the bytes. */
  octets(): Buffer {
    return this.#take(this.u16())
  }
}

/*
 * keytab     => version:u16 (0x0502) entry*
 * entry      => size:i32 (negative: a hole of -size bytes) then, within size bytes:
 *               num_components:u16 realm:data component:data{num_components} name_type:u32 timestamp:u32
 *               vno8:u8 keytype:u16 key:data [vno:u32]   (data => length:u16 bytes)
 * The 32-bit vno, when present and non-zero, replaces vno8 (key versions above 255).
 */
export function parseKeytab(buffer: Buffer): KeytabEntry[] {
  if (buffer.length < 2 || buffer.readUInt16BE(0) !== 0x0502) {
    throw new KeytabError('not an MIT keytab of version 0x502 (ktutil and kadmin write this format)')
  }
  const entries: KeytabEntry[] = []
  let offset = 2
  while (offset < buffer.length) {
    if (offset + 4 > buffer.length) throw new KeytabError('truncated entry size')
    const size = buffer.readInt32BE(offset)
    offset += 4
    if (size === 0) break
    if (size < 0) {
      offset += -size
      continue
    }
    if (offset + size > buffer.length) throw new KeytabError('an entry runs past the end of the file')
    const reader = new Reader(buffer, offset, offset + size)
    const count = reader.u16()
    const realm = reader.octets().toString('utf8')
    const components: string[] = []
    for (let i = 0; i < count; i++) components.push(reader.octets().toString('utf8'))
    reader.u32() // name type
    reader.u32() // timestamp
    let kvno = reader.u8()
    const enctype = reader.u16()
    const key = Buffer.from(reader.octets())
    if (reader.remaining >= 4) {
      const wide = reader.u32()
      if (wide !== 0) kvno = wide
    }
    entries.push({ realm, components, kvno, key: { enctype, key } })
    offset += size
  }
  return entries
}

/** The newest key of `principal` (name@REALM) among the enctypes wanted, in the order given; undefined when absent. */
export function findKey(entries: readonly KeytabEntry[], principal: string, enctypes: readonly number[]): KerberosKey | undefined {
  for (const enctype of enctypes) {
    const matching = entries
      .filter(entry => `${entry.components.join('/')}@${entry.realm}` === principal && entry.key.enctype === enctype)
      .sort((a, b) => b.kvno - a.kvno)
    if (matching[0]) return matching[0].key
  }
  return undefined
}
