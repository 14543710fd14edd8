// Pure tests of work sharing: the stable work partition of a mirror topic and the leader's balanced assignment.
import assert from 'node:assert/strict'
import { test } from 'node:test'
import fc from 'fast-check'
import { assignWorkPartitions, loadSpread, shouldRebalance, workPartitionOf } from '../../../engine/replicas/index.ts'

test('workPartitionOf should be stable, in range, and depend on both the link and the mirror topic', () => {
  fc.assert(fc.property(fc.string(), fc.string(), fc.integer({ min: 1, max: 1000 }), (link, topic, n) => {
    const p = workPartitionOf(link, topic, n)
    assert.ok(Number.isInteger(p) && p >= 0 && p < n)
    assert.equal(workPartitionOf(link, topic, n), p)
  }))
  const spread = new Set(Array.from({ length: 200 }, (_, i) => workPartitionOf('dr', `orders-${i}`, 32)))
  assert.ok(spread.size > 24, `200 names spread over ${spread.size} of 32 partitions`)
  assert.throws(() => workPartitionOf('dr', 'x', 0), /positive integer/)
})

test('assignWorkPartitions should give every partition to exactly one member, balancing load and then count', () => {
  fc.assert(fc.property(
    fc.uniqueArray(fc.string({ minLength: 1, maxLength: 6 }), { minLength: 1, maxLength: 6 }),
    fc.array(fc.nat({ max: 5 }), { minLength: 1, maxLength: 64 }),
    (members, loads) => {
      const plan = assignWorkPartitions(members, loads.length, (p) => loads[p] ?? 0)
      const all = [...plan.values()].flat().sort((a, b) => a - b)
      assert.deepEqual(all, loads.map((_, p) => p))
      assert.deepEqual([...plan.keys()].sort(), [...members].sort())
      const totals = [...plan.values()].map((ps) => ps.reduce((sum, p) => sum + (loads[p] ?? 0), 0))
      // Greedy by decreasing load: no member carries more than the least loaded one plus the largest single load.
      assert.ok(Math.max(...totals) - Math.min(...totals) <= Math.max(...loads))
      assert.deepEqual(assignWorkPartitions([...members].reverse(), loads.length, (p) => loads[p] ?? 0), plan)
    },
  ))
})

test('assignWorkPartitions should split four loaded partitions two and two between two members', () => {
  const loads = new Map([[3, 1], [9, 1], [17, 1], [30, 1]])
  const plan = assignWorkPartitions(['member-b', 'member-a'], 32, (p) => loads.get(p) ?? 0)
  const loadedOf = (id: string) => (plan.get(id) ?? []).filter((p) => loads.has(p)).length
  assert.equal(loadedOf('member-a'), 2)
  assert.equal(loadedOf('member-b'), 2)
  assert.equal((plan.get('member-a') ?? []).length, 16)
})

test('shouldRebalance should ask for a rebalance only when a fresh assignment balances better', () => {
  const members = ['m1', 'm2']
  // The plan was made while no mirror topic existed; then two landed on m1's partitions.
  const stale = assignWorkPartitions(members, 8, () => 0)
  const [first, second] = stale.get('m1') as [number, number]
  const loads = new Map([[first, 1], [second, 1]])
  assert.equal(shouldRebalance(stale, 8, (p) => loads.get(p) ?? 0), true)
  const fresh = assignWorkPartitions(members, 8, (p) => loads.get(p) ?? 0)
  assert.equal(shouldRebalance(fresh, 8, (p) => loads.get(p) ?? 0), false)
  // Two mirror topics on one partition cannot be split: no rebalance loop.
  const one = new Map([[first, 2]])
  assert.equal(shouldRebalance(assignWorkPartitions(members, 8, (p) => one.get(p) ?? 0), 8, (p) => one.get(p) ?? 0), false)
  assert.equal(loadSpread(fresh, (p) => loads.get(p) ?? 0), 0)
})
