// Checks the AES Kerberos crypto against the test vectors of RFC 3961 appendix A.1 and RFC 3962 appendix B.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import {
  ENCTYPE_AES128_CTS_HMAC_SHA1_96, ENCTYPE_AES256_CTS_HMAC_SHA1_96, ctsDecrypt, ctsEncrypt, decrypt, encrypt, nFold, stringToKey,
} from '../../../../engine/kafka/gssapi/kerberos-crypto.ts'

const hex = (text: string): Buffer => Buffer.from(text.replace(/\s+/g, ''), 'hex')
const SALT = 'ATHENA.MIT.EDUraeburn'

test('nFold should match the RFC 3961 vectors', () => {
  const vectors: [string, number, string][] = [
    ['012345', 64, 'be072631276b1955'],
    ['password', 56, '78a07b6caf85fa'],
    ['Rough Consensus, and Running Code', 64, 'bb6ed30870b7f0e0'],
    ['password', 168, '59e4a8ca7c0385c3c37b3f6d2000247cb6e6bd5b3e'],
    ['MASSACHVSETTS INSTITVTE OF TECHNOLOGY', 192, 'db3b0d8f0b061e603282b308a50841229ad798fab9540c1b'],
    ['kerberos', 64, '6b65726265726f73'],
    ['kerberos', 128, '6b65726265726f737b9b5b2b93132b93'],
  ]
  for (const [input, bits, expected] of vectors) {
    assert.equal(nFold(Buffer.from(input, 'ascii'), bits / 8).toString('hex'), expected, `${bits}-fold(${input})`)
  }
})

test('stringToKey should match the RFC 3962 PBKDF2 vectors for both key sizes', () => {
  const iterations = (n: number): Buffer => {
    const params = Buffer.alloc(4)
    params.writeUInt32BE(n)
    return params
  }
  const vectors: [number, string, string][] = [
    [1, '42263c6e89f4fc28b8df68ee09799f15', 'fe697b52bc0d3ce14432ba036a92e65bbb52280990a2fa27883998d72af30161'],
    [2, 'c651bf29e2300ac27fa469d693bdda13', 'a2e16d16b36069c135d5e9d2e25f896102685618b95914b467c67622225824ff'],
    [1200, '4c01cd46d632d01e6dbe230a01ed642a', '55a6ac740ad17b4846941051e1e8b0a7548d93b0ab30a8bc3ff16280382b8c2a'],
  ]
  for (const [count, aes128, aes256] of vectors) {
    assert.equal(stringToKey(ENCTYPE_AES128_CTS_HMAC_SHA1_96, 'password', SALT, iterations(count)).key.toString('hex'), aes128)
    assert.equal(stringToKey(ENCTYPE_AES256_CTS_HMAC_SHA1_96, 'password', SALT, iterations(count)).key.toString('hex'), aes256)
  }
})

test('ctsEncrypt should match the RFC 3962 ciphertext stealing vector and round-trip every length', () => {
  const key = Buffer.from('chicken teriyaki', 'ascii')
  const plain = Buffer.from('I would like the General Gau\'s Chicken, please, and wonton soup.', 'ascii')
  assert.equal(ctsEncrypt(key, plain.subarray(0, 17)).toString('hex'), 'c6353568f2bf8cb4d8a580362da7ff7f97')
  for (let length = 16; length <= plain.length; length++) {
    assert.deepEqual(ctsDecrypt(key, ctsEncrypt(key, plain.subarray(0, length))), plain.subarray(0, length))
  }
})

test('decrypt should return what encrypt sealed and refuse a wrong key', () => {
  const key = stringToKey(ENCTYPE_AES256_CTS_HMAC_SHA1_96, 'password', SALT)
  const other = stringToKey(ENCTYPE_AES256_CTS_HMAC_SHA1_96, 'passw0rd', SALT)
  const sealed = encrypt(key, 3, hex('00010203040506070809'))
  assert.deepEqual(decrypt(key, 3, sealed), hex('00010203040506070809'))
  assert.throws(() => decrypt(other, 3, sealed), /integrity check failed/)
  assert.throws(() => decrypt(key, 4, sealed), /integrity check failed/)
})
