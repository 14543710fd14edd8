// Unit tests of the tests' one condition wait: done values, errors retried or not, a stopping error, the deadline.
import assert from 'node:assert/strict'
import { test } from 'node:test'
import { waitUntil } from './wait-for.ts'

test('waitUntil should resolve with the first done value, retrying errors by default', async () => {
  let calls = 0
  const value = await waitUntil('three calls', () => {
    calls += 1
    if (calls === 1) throw new Error('not yet')
    return calls === 3 ? 'done' : ''
  }, { intervalMs: 1 })
  assert.equal(value, 'done')
  assert.equal(calls, 3)
  assert.equal(await waitUntil('a defined zero', () => 0, { isDone: (v) => v !== undefined }), 0)
})

test('waitUntil should fail at once on an error when errors are not retried or the error stops the wait', async () => {
  let calls = 0
  const fail = () => {
    calls += 1
    throw new Error('broken')
  }
  await assert.rejects(waitUntil('x', fail, { retryErrors: false, intervalMs: 1 }), /^Error: broken$/)
  await assert.rejects(waitUntil('x', fail, { stopOn: (e) => (e as Error).message === 'broken', intervalMs: 1 }), /^Error: broken$/)
  assert.equal(calls, 2)
})

test('waitUntil should give up after the timeout, naming what it waited for and the last error', async () => {
  let attempts = 0
  await assert.rejects(waitUntil(() => 'the answer', () => {
    attempts += 1
    throw new Error('still down')
  }, { timeoutMs: 30, intervalMs: (attempt) => attempt + 1 }), /timed out after 30 ms waiting for the answer \(last error: still down\)/)
  assert.ok(attempts > 1)
})
