// Tests of the HTTP error mapping and of the auth check.
import assert from 'node:assert/strict'
import { test } from 'node:test'
import { isAuthorized, toHttpError } from '../../../engine/api/index.ts'
import { EngineError } from '../../../engine/errors.ts'

test('toHttpError should keep 4xx messages and hide 5xx internals', () => {
  assert.deepEqual(toHttpError(new EngineError('INVALID_INPUT', 'fix this')), { status: 400, body: { error_code: 40002, message: 'fix this' } })
  assert.equal(toHttpError(new EngineError('NOT_FOUND', 'x')).status, 404)
  assert.equal(toHttpError(new EngineError('INVALID_STATE', 'x')).status, 409)
  const kafka = toHttpError(new EngineError('KAFKA_ERROR', 'broker 127.0.0.1:9092 said NOT_LEADER'))
  assert.equal(kafka.status, 503)
  assert.ok(!kafka.body.message.includes('127.0.0.1'))
  const internal = toHttpError(new TypeError('cannot read property x of undefined at /work/main/engine'))
  assert.deepEqual(internal, { status: 500, body: { error_code: 50001, message: 'internal error; the engine log has the details' } })
})

test('isAuthorized should accept configured bearer tokens and basic pairs only', () => {
  const options = { tokens: ['token-0123456789abcdef'], basic: [{ key: 'k', secret: 's3cret-value' }], allowNoAuth: false }
  assert.equal(isAuthorized('Bearer token-0123456789abcdef', options), true)
  assert.equal(isAuthorized('bearer token-0123456789abcdef', options), true)
  assert.equal(isAuthorized('Bearer token-0123456789abcdeX', options), false)
  assert.equal(isAuthorized(`Basic ${Buffer.from('k:s3cret-value').toString('base64')}`, options), true)
  assert.equal(isAuthorized(`Basic ${Buffer.from('k:wrong').toString('base64')}`, options), false)
  assert.equal(isAuthorized(undefined, options), false)
  assert.equal(isAuthorized('Digest abc', options), false)
})
