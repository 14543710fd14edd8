// Tests of state records: AES-256-GCM round trip, no plaintext secrets in encoded links, refusal without a key.
import assert from 'node:assert/strict'
import { test } from 'node:test'
import { EngineError } from '../../../engine/errors.ts'
import { isSensitiveLinkConfig } from '../../../engine/link/index.ts'
import { CredentialsCipher, decodeRecord, encodeLink, encodeMirror, type LinkState, type MirrorState } from '../../../engine/state/index.ts'

const link: LinkState = {
  linkName: 'dr', linkId: 'id-1', sourceClusterId: 'src', createdAtMs: 1,
  configs: { 'bootstrap.servers': 'a:9092', 'security.protocol': 'SASL_SSL', 'sasl.password': 'top-secret-password', 'sasl.username': 'alice' },
}

test('CredentialsCipher should round-trip and use a fresh IV each time', () => {
  const cipher = new CredentialsCipher('a-credentials-key-0123456789')
  const a = cipher.encrypt({ x: 'secret' })
  const b = cipher.encrypt({ x: 'secret' })
  assert.notEqual(a.iv, b.iv)
  assert.notEqual(a.data, b.data)
  assert.deepEqual(cipher.decrypt(a), { x: 'secret' })
})

test('CredentialsCipher should refuse a wrong key or tampered data', () => {
  const blob = new CredentialsCipher('a-credentials-key-0123456789').encrypt({ x: 'secret' })
  assert.throws(() => new CredentialsCipher('another-key-0123456789abc').decrypt(blob), EngineError)
  const tampered = { ...blob, data: Buffer.from('tampered-bytes').toString('base64') }
  assert.throws(() => new CredentialsCipher('a-credentials-key-0123456789').decrypt(tampered), /wrong credentialsKey/)
})

test('encodeLink should keep sensitive configs out of the plaintext and decode them back', () => {
  const cipher = new CredentialsCipher('a-credentials-key-0123456789')
  const bytes = encodeLink(link, { cipher, isSensitive: isSensitiveLinkConfig })
  const text = bytes.toString('utf8')
  assert.ok(!text.includes('top-secret-password'))
  assert.ok(text.includes('alice'), 'non-sensitive configs stay readable')
  const decoded = decodeRecord(bytes, { cipher, isSensitive: isSensitiveLinkConfig })
  assert.deepEqual(decoded, { kind: 'link', link })
})

test('encodeLink should refuse credentials without a credentialsKey', () => {
  assert.throws(() => encodeLink(link, { isSensitive: isSensitiveLinkConfig }), /no credentialsKey/)
  const plain = { ...link, configs: { 'bootstrap.servers': 'a:9092' } }
  assert.deepEqual(decodeRecord(encodeLink(plain, { isSensitive: isSensitiveLinkConfig }), { isSensitive: isSensitiveLinkConfig }), { kind: 'link', link: plain })
})

test('decodeRecord should round-trip mirror records and reject corrupt ones', () => {
  const mirror: MirrorState = {
    linkName: 'dr', mirrorTopicName: 'orders', sourceTopicName: 'orders', replicationFactor: null, configs: {},
    desiredStatus: 'PAUSED', pendingPromote: false, stoppedBy: null, createdAtMs: 1, statusChangedAtMs: 2,
  }
  assert.deepEqual(decodeRecord(encodeMirror(mirror), { isSensitive: () => false }), { kind: 'mirror', mirror })
  assert.throws(() => decodeRecord(Buffer.from('{not json'), { isSensitive: () => false }), /not JSON/)
  assert.throws(() => decodeRecord(Buffer.from('{"kind":"mirror"}'), { isSensitive: () => false }))
})
