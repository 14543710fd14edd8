// Tests of the per-client token bucket: bursts, refill over time, separate clients, the off switch and a bounded memory.
import assert from 'node:assert/strict'
import { test } from 'node:test'
import { RateLimiter } from '../../../engine/api/rate-limit.ts'

test('RateLimiter should allow a burst, then ask to wait until the bucket refills', () => {
  let now = 0
  const limiter = new RateLimiter({ perSecond: 2, burst: 3, now: () => now })
  assert.deepEqual([limiter.take('a'), limiter.take('a'), limiter.take('a')], [0, 0, 0])
  assert.equal(limiter.take('a'), 1)
  assert.equal(limiter.take('b'), 0, 'each client has its own bucket')
  now += 500
  assert.equal(limiter.take('a'), 0, 'half a second refills one request at 2/s')
  assert.equal(limiter.take('a'), 1)
})

test('RateLimiter should allow everything when perSecond is 0 and forget the least recently seen clients', () => {
  const off = new RateLimiter({ perSecond: 0, burst: 1 })
  for (let i = 0; i < 100; i += 1) assert.equal(off.take('a'), 0)
  let now = 0
  const limiter = new RateLimiter({ perSecond: 0.001, burst: 1, maxClients: 2, now: () => now })
  limiter.take('a')
  assert.ok(limiter.take('a') > 0)
  limiter.take('b')
  limiter.take('c')
  now += 1
  assert.equal(limiter.take('a'), 0, "a's bucket was dropped when a third client came")
})
