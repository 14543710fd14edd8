// Kerberos encryption types aes128-cts-hmac-sha1-96 (17) and aes256-cts-hmac-sha1-96 (18): RFC 3961's simplified profile
// with the AES parameters of RFC 3962 (n-fold, DK key derivation, PBKDF2 string-to-key, CBC with ciphertext stealing).
import { createCipheriv, createDecipheriv, createHmac, pbkdf2Sync, randomBytes, timingSafeEqual } from 'node:crypto'

export const ENCTYPE_AES128_CTS_HMAC_SHA1_96 = 17
export const ENCTYPE_AES256_CTS_HMAC_SHA1_96 = 18
/** The checksum types that go with them (RFC 3962 section 7). */
export const CKSUMTYPE_HMAC_SHA1_96_AES128 = 15
export const CKSUMTYPE_HMAC_SHA1_96_AES256 = 16

const BLOCK_BYTES = 16
const HMAC_BYTES = 12
const DEFAULT_ITERATIONS = 4096

/** A protocol key: its enctype and key bytes. */
export interface KerberosKey {
  readonly enctype: number
  readonly key: Buffer
}

export class KerberosCryptoError extends Error {
  constructor(message: string) {
    super(message)
    this.name = 'KerberosCryptoError'
  }
}

export function isSupportedEnctype(enctype: number): boolean {
  return enctype === ENCTYPE_AES128_CTS_HMAC_SHA1_96 || enctype === ENCTYPE_AES256_CTS_HMAC_SHA1_96
}

function keyBytesOf(enctype: number): number {
  if (enctype === ENCTYPE_AES128_CTS_HMAC_SHA1_96) return 16
  if (enctype === ENCTYPE_AES256_CTS_HMAC_SHA1_96) return 32
  throw new KerberosCryptoError(`unsupported encryption type ${enctype} (supported: aes128-cts-hmac-sha1-96, aes256-cts-hmac-sha1-96)`)
}

export function checksumTypeOf(enctype: number): number {
  return keyBytesOf(enctype) === 16 ? CKSUMTYPE_HMAC_SHA1_96_AES128 : CKSUMTYPE_HMAC_SHA1_96_AES256
}

function aesName(key: Buffer, mode: 'ecb' | 'cbc'): string {
  return `aes-${key.length * 8}-${mode}`
}

/** Raw AES-CBC without padding; input is a whole number of blocks. */
function cbc(key: Buffer, iv: Buffer, data: Buffer, encrypt: boolean): Buffer {
  const cipher = encrypt ? createCipheriv(aesName(key, 'cbc'), key, iv) : createDecipheriv(aesName(key, 'cbc'), key, iv)
  cipher.setAutoPadding(false)
  return Buffer.concat([cipher.update(data), cipher.final()])
}

function rotateRight(input: Buffer, bits: number): Buffer {
  const totalBits = input.length * 8
  const out = Buffer.alloc(input.length)
  for (let i = 0; i < totalBits; i++) {
    const from = (((i - bits) % totalBits) + totalBits) % totalBits
    if (input[from >> 3]! & (0x80 >> (from & 7))) out[i >> 3]! |= 0x80 >> (i & 7)
  }
  return out
}

function gcd(a: number, b: number): number {
  return b === 0 ? a : gcd(b, a % b)
}

/** n-fold (RFC 3961 section 5.1): stretches or folds `input` to `outBytes` bytes. */
export function nFold(input: Buffer, outBytes: number): Buffer {
  const lcm = (input.length * outBytes) / gcd(input.length, outBytes)
  const copies: Buffer[] = []
  for (let i = 0; i < lcm / input.length; i++) copies.push(rotateRight(input, 13 * i))
  const stretched = Buffer.concat(copies)
  const sum = new Array<number>(outBytes).fill(0)
  for (let chunk = 0; chunk < lcm; chunk += outBytes) {
    let carry = 0
    for (let i = outBytes - 1; i >= 0; i--) {
      const total = sum[i]! + stretched[chunk + i]! + carry
      sum[i] = total & 0xff
      carry = total >> 8
    }
    // One's-complement addition: the carry out of the top wraps around to the bottom.
    for (let i = outBytes - 1; carry > 0 && i >= 0; i--) {
      const total = sum[i]! + carry
      sum[i] = total & 0xff
      carry = total >> 8
    }
  }
  return Buffer.from(sum)
}

/** DK(key, constant) (RFC 3961 section 5.1); AES keys are their own random-to-key. */
export function deriveKey(base: Buffer, constant: Buffer): Buffer {
  const parts: Buffer[] = []
  let block = constant.length === BLOCK_BYTES ? constant : nFold(constant, BLOCK_BYTES)
  for (let length = 0; length < base.length; length += BLOCK_BYTES) {
    block = cbc(base, Buffer.alloc(BLOCK_BYTES), block, true)
    parts.push(block)
  }
  return Buffer.concat(parts).subarray(0, base.length)
}

/** string-to-key (RFC 3962 section 4): PBKDF2-HMAC-SHA1 then DK with "kerberos". */
export function stringToKey(enctype: number, password: string, salt: string, s2kParams?: Buffer): KerberosKey {
  let iterations = DEFAULT_ITERATIONS
  if (s2kParams !== undefined) {
    if (s2kParams.length !== 4) throw new KerberosCryptoError('the KDC sent s2kparams that are not 4 bytes')
    iterations = s2kParams.readUInt32BE(0)
    if (iterations === 0 || iterations > 1 << 24) throw new KerberosCryptoError(`the KDC asked for ${iterations} PBKDF2 iterations`)
  }
  const seed = pbkdf2Sync(Buffer.from(password, 'utf8'), Buffer.from(salt, 'utf8'), iterations, keyBytesOf(enctype), 'sha1')
  return { enctype, key: deriveKey(seed, Buffer.from('kerberos', 'ascii')) }
}

function usageConstant(usage: number, kind: number): Buffer {
  const constant = Buffer.alloc(5)
  constant.writeUInt32BE(usage, 0)
  constant[4] = kind
  return constant
}

/** CBC with ciphertext stealing, zero IV, as RFC 3962 section 5 specifies (the last two blocks swapped). */
export function ctsEncrypt(key: Buffer, plain: Buffer): Buffer {
  if (plain.length < BLOCK_BYTES) throw new KerberosCryptoError('CTS input shorter than one block')
  const padded = Buffer.alloc(Math.ceil(plain.length / BLOCK_BYTES) * BLOCK_BYTES)
  plain.copy(padded)
  const out = cbc(key, Buffer.alloc(BLOCK_BYTES), padded, true)
  if (out.length === BLOCK_BYTES) return out
  const lastStart = out.length - BLOCK_BYTES
  const head = out.subarray(0, lastStart - BLOCK_BYTES)
  const swapped = Buffer.concat([head, out.subarray(lastStart), out.subarray(lastStart - BLOCK_BYTES, lastStart)])
  return swapped.subarray(0, plain.length)
}

export function ctsDecrypt(key: Buffer, cipher: Buffer): Buffer {
  if (cipher.length < BLOCK_BYTES) throw new KerberosCryptoError('ciphertext shorter than one block')
  const zero = Buffer.alloc(BLOCK_BYTES)
  if (cipher.length === BLOCK_BYTES) return cbc(key, zero, cipher, false)
  const tail = cipher.length % BLOCK_BYTES || BLOCK_BYTES
  const headLength = cipher.length - tail - BLOCK_BYTES
  const head = cipher.subarray(0, headLength)
  const stolen = cipher.subarray(headLength, headLength + BLOCK_BYTES)
  const partial = cipher.subarray(headLength + BLOCK_BYTES)
  const previous = headLength === 0 ? zero : head.subarray(headLength - BLOCK_BYTES)
  const decryptedStolen = cbc(key, zero, stolen, false)
  const fullPrevious = Buffer.concat([partial, decryptedStolen.subarray(tail)])
  const lastPlain = Buffer.alloc(tail)
  for (let i = 0; i < tail; i++) lastPlain[i] = decryptedStolen[i]! ^ partial[i]!
  const headPlain = headLength === 0 ? Buffer.alloc(0) : cbc(key, zero, head, false)
  const previousPlain = cbc(key, previous, fullPrevious, false)
  return Buffer.concat([headPlain, previousPlain, lastPlain])
}

function hmac96(key: Buffer, data: Buffer): Buffer {
  return createHmac('sha1', key).update(data).digest().subarray(0, HMAC_BYTES)
}

/** encrypt (RFC 3961 section 5.3): confounder, CTS under Ke, HMAC-SHA1-96 under Ki appended. */
export function encrypt(key: KerberosKey, usage: number, plain: Buffer, confounder: Buffer = randomBytes(BLOCK_BYTES)): Buffer {
  keyBytesOf(key.enctype)
  const ke = deriveKey(key.key, usageConstant(usage, 0xaa))
  const ki = deriveKey(key.key, usageConstant(usage, 0x55))
  const data = Buffer.concat([confounder, plain])
  return Buffer.concat([ctsEncrypt(ke, data), hmac96(ki, data)])
}

/** decrypt: checks the integrity tag (a wrong key fails here) and strips the confounder. */
export function decrypt(key: KerberosKey, usage: number, cipher: Buffer): Buffer {
  keyBytesOf(key.enctype)
  if (cipher.length < BLOCK_BYTES + HMAC_BYTES) throw new KerberosCryptoError('ciphertext too short')
  const ke = deriveKey(key.key, usageConstant(usage, 0xaa))
  const ki = deriveKey(key.key, usageConstant(usage, 0x55))
  const data = ctsDecrypt(ke, cipher.subarray(0, cipher.length - HMAC_BYTES))
  const expected = hmac96(ki, data)
  if (!timingSafeEqual(expected, cipher.subarray(cipher.length - HMAC_BYTES))) {
    throw new KerberosCryptoError('integrity check failed (wrong key or corrupted message)')
  }
  return data.subarray(BLOCK_BYTES)
}

/** get_mic (RFC 3961 section 5.4): HMAC-SHA1-96 under Kc = DK(key, usage | 0x99). */
export function checksum(key: KerberosKey, usage: number, data: Buffer): Buffer {
  keyBytesOf(key.enctype)
  return hmac96(deriveKey(key.key, usageConstant(usage, 0x99)), data)
}

export function verifyChecksum(key: KerberosKey, usage: number, data: Buffer, mic: Buffer): boolean {
  const expected = checksum(key, usage, data)
  return mic.length === expected.length && timingSafeEqual(expected, mic)
}

/** A fresh random key of the enctype (for sub-session keys). */
export function randomKey(enctype: number): KerberosKey {
  return { enctype, key: randomBytes(keyBytesOf(enctype)) }
}
