// Pure tests of the byte budget that bounds fetched bytes in flight, and of the derived writer identity.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { ByteBudget, dataProducerId, fillerTransactionalId } from '../../../engine/mirror/index.ts'

test('ByteBudget should make acquirers wait until enough bytes are released, in arrival order', async () => {
  const budget = new ByteBudget(100)
  const releaseA = await budget.acquire(60)
  const order: string[] = []
  const b = budget.acquire(60).then((release) => { order.push('b'); return release })
  const c = budget.acquire(10).then((release) => { order.push('c'); return release })
  await Promise.resolve()
  assert.deepEqual(order, [], 'b does not fit, and c waits behind b')
  assert.equal(budget.inUseBytes, 60)
  releaseA()
  const [releaseB, releaseC] = await Promise.all([b, c])
  assert.deepEqual(order, ['b', 'c'])
  assert.equal(budget.inUseBytes, 70)
  releaseB(); releaseB()
  releaseC()
  assert.equal(budget.inUseBytes, 0, 'a release is counted once')
  const big = await budget.acquire(1_000)
  assert.equal(budget.inUseBytes, 100, 'a request larger than the capacity takes the whole budget')
  big()
})

test('dataProducerId should be deterministic, above the allocator range, and change with the source topic id', () => {
  const a = dataProducerId('src-id', 'mirror-id', 0)
  assert.equal(a, dataProducerId('src-id', 'mirror-id', 0))
  assert.ok(a >= 1n << 62n && a < (1n << 62n) + (1n << 61n))
  assert.notEqual(a, dataProducerId('src-id', 'mirror-id', 1))
  assert.notEqual(a, dataProducerId('recreated-src-id', 'mirror-id', 0))
  assert.equal(fillerTransactionalId('mirror-id', 3), 'clusterlink-filler-mirror-id-3')
})
