// Tests of state records: AES-256-GCM round trip bound to the link record, no plaintext secrets, refusal without a key.
import assert from 'node:assert/strict'
import { createCipheriv, randomBytes, scryptSync } from 'node:crypto'
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
  const a = cipher.encrypt({ x: 'secret' }, 'record-a')
  const b = cipher.encrypt({ x: 'secret' }, 'record-a')
  assert.notEqual(a.iv, b.iv)
  assert.notEqual(a.data, b.data)
  assert.deepEqual(cipher.decrypt(a, 'record-a'), { x: 'secret' })
})

test('CredentialsCipher should refuse a wrong key or tampered data', () => {
  const blob = new CredentialsCipher('a-credentials-key-0123456789').encrypt({ x: 'secret' }, 'record-a')
  assert.throws(() => new CredentialsCipher('another-key-0123456789abc').decrypt(blob, 'record-a'), EngineError)
  const tampered = { ...blob, data: Buffer.from('tampered-bytes').toString('base64') }
  assert.throws(() => new CredentialsCipher('a-credentials-key-0123456789').decrypt(tampered, 'record-a'), /wrong credentialsKey/)
  assert.throws(() => new CredentialsCipher('a-credentials-key-0123456789').decrypt(blob, 'record-b'), /moved to another link record/)
  const unbound = { ...blob, binding: undefined }
  assert.throws(() => new CredentialsCipher('a-credentials-key-0123456789').decrypt(unbound, 'record-a'), EngineError, 'dropping the marker does not skip the check')
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

test('decodeRecord should refuse credentials copied to another link or left under a changed address in the record', () => {
  const cipher = new CredentialsCipher('a-credentials-key-0123456789')
  const codec = { cipher, isSensitive: isSensitiveLinkConfig }
  const stored = JSON.parse(encodeLink(link, codec).toString('utf8')) as { secrets: unknown; configs: Record<string, string>; linkName: string; linkId: string }
  const other = JSON.parse(encodeLink({ ...link, linkName: 'other', linkId: 'id-2', configs: { 'bootstrap.servers': 'a:9092' } }, codec).toString('utf8')) as Record<string, unknown>
  assert.throws(() => decodeRecord(Buffer.from(JSON.stringify({ ...other, secrets: stored.secrets })), codec), /moved to another link record/)
  const redirected = { ...stored, configs: { ...stored.configs, 'bootstrap.servers': 'evil:9092' } }
  assert.throws(() => decodeRecord(Buffer.from(JSON.stringify(redirected)), codec), /moved to another link record/)
})

test('decodeRecord should read credentials written before binding, and encodeLink should bind them on the next write', () => {
  const key = 'a-credentials-key-0123456789'
  const legacyBlob = legacyEncrypt(key, { 'sasl.password': 'top-secret-password' })
  const legacy = { kind: 'link', linkName: 'dr', linkId: 'id-1', sourceClusterId: 'src', createdAtMs: 1, configs: { 'bootstrap.servers': 'a:9092', 'security.protocol': 'SASL_SSL', 'sasl.username': 'alice' }, secrets: legacyBlob }
  const codec = { cipher: new CredentialsCipher(key), isSensitive: isSensitiveLinkConfig }
  const decoded = decodeRecord(Buffer.from(JSON.stringify(legacy)), codec)
  assert.deepEqual(decoded, { kind: 'link', link })
  const rewritten = JSON.parse(encodeLink(link, codec).toString('utf8')) as { secrets: { binding?: string } }
  assert.equal(rewritten.secrets.binding, 'record-v2')
})

/** A blob as engines wrote them before binding: AES-256-GCM without associated data. */
function legacyEncrypt(credentialsKey: string, plain: Record<string, string>): Record<string, string> {
  const iv = randomBytes(12)
  const cipher = createCipheriv('aes-256-gcm', scryptSync(credentialsKey, 'clusterlink/credentials/v1', 32), iv)
  const data = Buffer.concat([cipher.update(JSON.stringify(plain), 'utf8'), cipher.final()])
  return { alg: 'aes-256-gcm', iv: iv.toString('base64'), tag: cipher.getAuthTag().toString('base64'), data: data.toString('base64') }
}
