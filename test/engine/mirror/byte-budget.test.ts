// Pure tests of the engine-wide byte budget, the fetch sizing, the cgroup memory limit reader, and the derived writer identity.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { ByteBudget, dataProducerId, fetchBudgetForMemoryLimit, fillerTransactionalId, readMemoryLimit } from '../../../engine/mirror/index.ts'
import { HeldShares, MIN_FETCH_BYTES, backlogFetchSize, nextFetchSize } from '../../../engine/mirror/byte-budget.ts'

test('ByteBudget should make acquirers wait until enough bytes are released, in arrival order', async () => {
  const budget = new ByteBudget(100)
  const a = await budget.acquire(60)
  const order: string[] = []
  const b = budget.acquire(60).then((lease) => { order.push('b'); return lease })
  const c = budget.acquire(10).then((lease) => { order.push('c'); return lease })
  await Promise.resolve()
  assert.deepEqual(order, [], 'b does not fit, and c waits behind b')
  assert.equal(budget.inUseBytes, 60)
  a.release()
  const [leaseB, leaseC] = await Promise.all([b, c])
  assert.deepEqual(order, ['b', 'c'])
  assert.equal(budget.inUseBytes, 70)
  leaseB.release(); leaseB.release()
  leaseC.release()
  assert.equal(budget.inUseBytes, 0, 'a release is counted once')
  const big = await budget.acquire(1_000)
  assert.equal(big.bytes, 100, 'a request larger than the capacity takes the whole budget (it runs alone instead of never)')
  big.release()
})

test('ByteBudget should account an oversized response past the capacity and hold new acquirers until it is released', async () => {
  const budget = new ByteBudget(100)
  const fetch = await budget.acquire(40)
  fetch.resize(250)
  assert.equal(budget.inUseBytes, 250, 'the bytes already in memory are counted, not refused')
  assert.equal(budget.peakInUseBytes, 250)
  let started = false
  const next = budget.acquire(10).then((lease) => { started = true; return lease })
  await Promise.resolve()
  assert.equal(started, false, 'no fetch starts while the budget is overdrawn')
  fetch.resize(5)
  const lease = await next
  assert.equal(started, true)
  assert.equal(budget.inUseBytes, 15, 'shrinking gives the difference back')
  fetch.release()
  fetch.resize(50)
  assert.equal(budget.inUseBytes, 10, 'a released lease cannot take bytes again')
  lease.release()
  assert.equal(budget.inUseBytes, 0)
})

test('ByteBudget should refuse a capacity that is not a positive whole number', () => {
  assert.throws(() => new ByteBudget(0), /positive whole number/)
  assert.throws(() => new ByteBudget(1.5), /positive whole number/)
})

test('nextFetchSize should grow while responses fill the fetch, shrink when idle, and follow an oversized batch', () => {
  const max = 4 << 20
  assert.equal(nextFetchSize(0, 0, max), MIN_FETCH_BYTES, 'the first fetch is small')
  assert.equal(nextFetchSize(MIN_FETCH_BYTES, MIN_FETCH_BYTES, max), 2 * MIN_FETCH_BYTES)
  assert.equal(nextFetchSize(max, max, max), max, 'never above fetchMaxBytes')
  assert.equal(nextFetchSize(max, 0, max), MIN_FETCH_BYTES, 'an empty response shrinks to the smallest fetch')
  assert.equal(nextFetchSize(max, 300 << 10, max), 600 << 10, 'a partial response asks for twice as much next')
  assert.equal(nextFetchSize(max, 9 << 20, max), 9 << 20, 'a batch above fetchMaxBytes is asked for whole next time')
  assert.equal(nextFetchSize(0, 0, 16 << 10), 16 << 10, 'a fetchMaxBytes below the smallest fetch wins')
})

test('fetchBudgetForMemoryLimit should take a quarter of the limit, with a floor, and a default without a limit', () => {
  assert.equal(fetchBudgetForMemoryLimit(512 << 20), 128 << 20)
  assert.equal(fetchBudgetForMemoryLimit(32 << 20), 16 << 20)
  assert.equal(fetchBudgetForMemoryLimit(null), 256 << 20)
})

test('readMemoryLimit should read cgroup v2 and v1 limits and treat "max" or the v1 sentinel as unlimited', () => {
  const files = (map: Record<string, string>) => (path: string) => {
    const text = map[path]
    if (text === undefined) throw new Error(`ENOENT ${path}`)
    return text
  }
  assert.equal(readMemoryLimit(files({ '/proc/self/cgroup': '0::/kubepods/pod1\n', '/sys/fs/cgroup/kubepods/pod1/memory.max': '536870912\n' })), 512 << 20)
  assert.equal(readMemoryLimit(files({ '/proc/self/cgroup': '0::/\n', '/sys/fs/cgroup/memory.max': 'max\n' })), null)
  assert.equal(readMemoryLimit(files({ '/proc/self/cgroup': '0::/a\n', '/sys/fs/cgroup/memory.max': '1073741824' })), 1 << 30, 'the namespace root')
  const v1 = '4:memory:/docker/abc\n0::/\n'
  assert.equal(readMemoryLimit(files({ '/proc/self/cgroup': v1, '/sys/fs/cgroup/memory/memory.limit_in_bytes': '268435456\n' })), 256 << 20)
  assert.equal(readMemoryLimit(files({ '/proc/self/cgroup': v1, '/sys/fs/cgroup/memory/docker/abc/memory.limit_in_bytes': '9223372036854771712' })), null)
  assert.equal(readMemoryLimit(files({})), null, 'no cgroup files: unlimited')
})

test('dataProducerId should be deterministic, above the allocator range, and change with the source topic id', () => {
  const a = dataProducerId('src-id', 'mirror-id', 0)
  assert.equal(a, dataProducerId('src-id', 'mirror-id', 0))
  assert.ok(a >= 1n << 62n && a < (1n << 62n) + (1n << 61n))
  assert.notEqual(a, dataProducerId('src-id', 'mirror-id', 1))
  assert.notEqual(a, dataProducerId('recreated-src-id', 'mirror-id', 0))
  assert.equal(fillerTransactionalId('mirror-id', 3), 'clusterlink-filler-mirror-id-3')
})

test('HeldShares should free each response share once the accepted offset reaches its end, oldest first, and all on demand', () => {
  const freed: string[] = []
  const held = new HeldShares()
  held.hold(10n, () => freed.push('a'))
  held.hold(20n, () => freed.push('b'))
  held.hold(30n, () => freed.push('c'))
  held.releaseUpTo(9n)
  assert.deepEqual(freed, [])
  held.releaseUpTo(20n)
  assert.deepEqual(freed, ['a', 'b'])
  held.releaseAll()
  assert.deepEqual(freed, ['a', 'b', 'c'])
  held.releaseAll()
  assert.deepEqual(freed, ['a', 'b', 'c'], 'a share is freed once')
})

test('backlogFetchSize should ask for the reported backlog at once, within fetchMaxBytes, and never less than asked', () => {
  const max = 4 << 20
  assert.equal(backlogFetchSize(MIN_FETCH_BYTES, 64_000, 1_000n, 10_000n, max), 640_000, '64 bytes per offset, 10,000 offsets behind')
  assert.equal(backlogFetchSize(MIN_FETCH_BYTES, 64_000, 1_000n, 10_000_000n, max), max)
  assert.equal(backlogFetchSize(1 << 20, 64_000, 1_000n, 10n, max), 1 << 20, 'a small backlog keeps the grown size')
  assert.equal(backlogFetchSize(MIN_FETCH_BYTES, 64_000, 1_000n, 0n, max), MIN_FETCH_BYTES, 'caught up')
  assert.equal(backlogFetchSize(MIN_FETCH_BYTES, 0, 0n, 5n, max), MIN_FETCH_BYTES, 'an empty response says nothing')
})
