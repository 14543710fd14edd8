// Pure rules of work sharing between engine replicas: which work partition a mirror topic hashes to, and how the group
// leader spreads work partitions over replicas.
import { createHash } from 'node:crypto'

/**
 * The work partition of a mirror topic (or of a link's own jobs, with mirrorTopicName ''): a stable hash, never
 * Math.random or member order.
 */
export function workPartitionOf(linkName: string, mirrorTopicName: string, partitionCount: number): number {
  if (!Number.isInteger(partitionCount) || partitionCount < 1) throw new RangeError(`partitionCount must be a positive integer, got ${partitionCount}`)
  return createHash('sha256').update(`${linkName}\n${mirrorTopicName}`).digest().readUInt32BE(0) % partitionCount
}

/**
 * Spreads work partitions over members so that each member gets about as many mirror topics (the load) as the others,
 * then about as many partitions: partitions sorted by load (then number) go one by one to the member with the least
 * load so far (then the fewest partitions, then the smallest member id). Deterministic for the same inputs.
 */
export function assignWorkPartitions(
  memberIds: readonly string[], partitionCount: number, loadOf: (partition: number) => number,
): Map<string, number[]> {
  const members = [...new Set(memberIds)].sort()
  const result = new Map<string, number[]>(members.map((id) => [id, []]))
  if (members.length === 0) return result
  const totals = new Map<string, { load: number; count: number }>(members.map((id) => [id, { load: 0, count: 0 }]))
  const partitions = Array.from({ length: partitionCount }, (_, p) => ({ p, load: Math.max(0, loadOf(p)) }))
    .sort((a, b) => b.load - a.load || a.p - b.p)
  for (const { p, load } of partitions) {
    let best = members[0] as string
    for (const id of members) {
      const t = totals.get(id) as { load: number; count: number }
      const b = totals.get(best) as { load: number; count: number }
      if (t.load < b.load || (t.load === b.load && t.count < b.count)) best = id
    }
    const total = totals.get(best) as { load: number; count: number }
    total.load += load
    total.count += 1
    result.get(best)?.push(p)
  }
  for (const list of result.values()) list.sort((a, b) => a - b)
  return result
}

/** Most minus least load carried by a member under a plan. */
export function loadSpread(plan: ReadonlyMap<string, readonly number[]>, loadOf: (partition: number) => number): number {
  const totals = [...plan.values()].map((partitions) => partitions.reduce((sum, p) => sum + Math.max(0, loadOf(p)), 0))
  return totals.length === 0 ? 0 : Math.max(...totals) - Math.min(...totals)
}

/**
 * Whether the leader should start a rebalance: mirror topics created since the last assignment left the members
 * unbalanced, and a fresh assignment would do better. Never true when a fresh assignment is the same plan, so a
 * leader never rebalances in a loop.
 */
export function shouldRebalance(
  current: ReadonlyMap<string, readonly number[]>, partitionCount: number, loadOf: (partition: number) => number,
): boolean {
  if (current.size < 2) return false
  const fresh = assignWorkPartitions([...current.keys()], partitionCount, loadOf)
  return loadSpread(fresh, loadOf) < loadSpread(current, loadOf)
}
