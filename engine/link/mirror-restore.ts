// truncate-and-restore: sets the old primary's divergent tail aside in a side topic, then rebuilds the old primary topic as a mirror.
import { EngineError } from '../errors.ts'
import { retry } from '../retry.ts'
import {
  KafkaClusterClient, decodeBatchRecords, encodeRecordBatch, isControlBatch, lastOffsetOf, splitRecordSet, type EncodableRecord,
} from '../kafka/index.ts'
import type { ClusterSide } from '../kafka/index.ts'
import type { ClusterAdmin } from './kafka-admin.ts'
import type { FailbackProgress, GroupOffsetRecord } from '../state/index.ts'
import type { MirrorController } from './mirror-controller.ts'
import { sidesOf, type FailbackContext, type FailbackStep } from './mirror-failback.ts'
import { recordAt, type TopicSide } from './mirror-sync-check.ts'

/**
 * Stock Kafka cannot cut a partition's tail, so "truncate" is: copy every record of the old primary from the first
 * offset where it differs from the new primary to its end into `<topic>.truncated-<epoch ms>` on the old primary's
 * cluster (same partition; key, value, headers and timestamp kept, plus a `clusterlink.original.offset` header), then
 * delete the old primary topic and let the flipped runner recreate it as a mirror of the new primary from its log start
 * (identical offsets, everything copied). Consumer group offsets on the old topic are clamped to the truncation point and
 * committed again once the topic exists. Nothing a producer wrote is dropped without being kept and counted.
 */
export interface PartitionTruncation {
  readonly partition: number
  readonly offsetTruncatedTo: number
  readonly messagesTruncated: number
}

export interface RestoreOutcome {
  /** Null when no partition held extra records (nothing set aside, no side topic created). */
  readonly sideTopic: string | null
  readonly messagesTruncated: number
  readonly partitions: readonly PartitionTruncation[]
}

export interface RestoreContext extends FailbackContext {
  /** Admin of a cluster: 'source' (the link's source) or 'destination'. */
  readonly adminOf: (side: ClusterSide) => ClusterAdmin
  readonly now: () => number
}

const ORIGINAL_OFFSET_HEADER = Buffer.from('clusterlink.original.offset')

/** Per partition of the old topic: the first offset where it differs from the new primary (binary search on the shared prefix). */
export async function findDivergence(primary: TopicSide, old: TopicSide): Promise<Array<{ partition: number; from: bigint; to: bigint }>> {
  const a = new KafkaClusterClient(primary.connection, { side: primary.side })
  const b = new KafkaClusterClient(old.connection, { side: old.side })
  try {
    const ta = await a.describeTopic(primary.topic)
    const tb = await b.describeTopic(old.topic)
    if (!ta) throw new EngineError('INVALID_STATE', `topic '${primary.topic}' (${primary.side} cluster) does not exist`)
    if (!tb) return []
    const out: Array<{ partition: number; from: bigint; to: bigint }> = []
    for (let p = 0; p < tb.partitions.length; p++) {
      const eb = await b.listOffset(old.topic, p, 'latest')
      const sb = await b.listOffset(old.topic, p, 'earliest')
      const ea = p < ta.partitions.length ? await a.listOffset(primary.topic, p, 'latest') : 0n
      const same = async (o: bigint) =>
        JSON.stringify(await recordAt(a, primary.topic, p, o)) === JSON.stringify(await recordAt(b, old.topic, p, o))
      // The two logs share a prefix (one was a mirror of the other): find its end in [sb, min(ea, eb)).
      let lo = sb
      let hi = ea < eb ? ea : eb
      while (lo < hi) {
        const mid = lo + (hi - lo) / 2n
        if (await same(mid)) lo = mid + 1n
        else hi = mid
      }
      out.push({ partition: p, from: lo, to: eb })
    }
    return out
  } finally {
    await Promise.allSettled([a.close(), b.close()])
  }
}

/**
 * Where the side topic's partition stands: how many records it holds (each set-aside record takes one offset: plain
 * batches, no markers) and the next old-topic offset to copy (the original offset header of its last record, plus one).
 * The copy resumes there, so a copy interrupted by a crash or a lost produce answer never writes a record twice.
 */
async function setAsideEnd(client: KafkaClusterClient, side: string, p: number, from: bigint): Promise<{ kept: number; next: bigint }> {
  // A side topic just created may not have a leader everywhere yet (NOT_LEADER_OR_FOLLOWER): asked again until it has.
  const end = await retry(() => client.listOffset(side, p, 'latest'), { attempts: 40, baseMs: 100, capMs: 1000, onRetry: () => client.invalidateLeader(side, p) })
  if (end === 0n) return { kept: 0, next: from }
  const res = await client.fetchRaw(side, p, end - 1n, { maxBytes: 1 << 20, maxWaitMs: 0, isolation: 'read_uncommitted', lane: 'restore' })
  const batch = splitRecordSet(res.records).find((x) => x.header.baseOffset <= end - 1n && lastOffsetOf(x.header) >= end - 1n)
  const last = batch ? decodeBatchRecords(batch.bytes).find((r) => batch.header.baseOffset + BigInt(r.offsetDelta) === end - 1n) : undefined
  const header = last?.headers.find(([k]) => k !== null && ORIGINAL_OFFSET_HEADER.equals(k))?.[1]
  if (!header) {
    throw new EngineError('KAFKA_ERROR', `partition ${p} of side topic '${side}': its last record has no ${ORIGINAL_OFFSET_HEADER} header`, { retriable: true })
  }
  return { kept: Number(end), next: BigInt(header.toString()) + 1n }
}

/** Copies offsets [from, to) of one partition into the side topic, resuming after what it holds; returns how many records it holds. */
async function setAsidePartition(
  old: KafkaClusterClient, topic: string, side: string, p: number, from: bigint, to: bigint,
): Promise<number> {
  let { kept, next: offset } = await setAsideEnd(old, side, p, from)
  for (let failures = 0; offset < to;) {
    const res = await old.fetchRaw(topic, p, offset, { maxBytes: 1 << 20, maxWaitMs: 0, isolation: 'read_uncommitted', lane: 'restore' })
    const batches = splitRecordSet(res.records).filter((x) => lastOffsetOf(x.header) >= offset && x.header.baseOffset < to)
    if (batches.length === 0) {
      const message = `partition ${p} of '${topic}': no record batch at offset ${offset} (error ${res.errorCode})`
      throw new EngineError('KAFKA_ERROR', message, { retriable: true })
    }
    for (const batch of batches) {
      if (!isControlBatch(batch.header)) {
        const records: EncodableRecord[] = decodeBatchRecords(batch.bytes)
          .map((r) => ({ r, at: batch.header.baseOffset + BigInt(r.offsetDelta) }))
          .filter(({ at }) => at >= offset && at < to)
          .map(({ r, at }) => ({
            timestamp: batch.header.baseTimestamp + r.timestampDelta, key: r.key, value: r.value,
            headers: [...r.headers, [ORIGINAL_OFFSET_HEADER, Buffer.from(String(at))] as const],
          }))
        if (records.length > 0) {
          const written = await old.produceRaw(side, p, encodeRecordBatch(records, { codec: 0, producerId: -1n, producerEpoch: -1, baseSequence: -1 }), { lane: 'restore' })
            .catch(() => ({ errorCode: -1 }))
          if (written.errorCode !== 0) {
            // The batch may or may not be stored (no answer): read where the side topic stands and go on from there.
            if (++failures > 50) throw new EngineError('KAFKA_ERROR', `could not write the set-aside records to '${side}' partition ${p} (error ${written.errorCode})`, { retriable: true })
            old.invalidateLeader(side, p)
            await new Promise((resolve) => setTimeout(resolve, 200))
            ;({ kept, next: offset } = await setAsideEnd(old, side, p, from))
            break
          }
          kept += records.length
        }
      }
      offset = lastOffsetOf(batch.header) + 1n
    }
  }
  return kept
}

/**
 * The two restore steps, each safe to run again from what the mirror record stores (a restart resumes them). `report`
 * receives what was set aside (for the REST answer). Refuses (restore-failed) before anything is written when a consumer
 * group is active on the old topic: its offsets are about to be reset.
 */
export function restoreSteps(
  ctx: RestoreContext, report: (outcome: RestoreOutcome) => void,
): Partial<Record<'set-aside-divergent' | 'rebuild-other-side', FailbackStep>> {
  return {
    'set-aside-divergent': async (controller: MirrorController) => {
      let stored = progressOf(controller)
      if (stored.step === 'abandon') return { event: { type: 'restore-failed', reason: stored.reason ?? 'truncate-and-restore was abandoned' } }
      if (stored.step === 'rebuild') return { event: { type: 'set-aside-done' } }
      const { mirror, other } = sidesOf(controller, ctx)
      const admin = ctx.adminOf(other.side)
      const active = await activeGroupsOn(admin, other.topic)
      if (active.length > 0) {
        const reason = `consumer groups ${active.join(', ')} are active on '${other.topic}' (${other.side} cluster); `
          + 'stop their consumers and retry'
        return { event: { type: 'restore-failed', reason } }
      }
      if (!stored.ranges) {
        const divergence = await findDivergence(mirror, other)
        const extra = divergence.some((d) => d.to > d.from)
        const ranges = divergence.map((d) => ({ partition: d.partition, from: Number(d.from), to: Number(d.to) }))
        // Stored before the side topic is created: a restart copies into this same topic, after what it holds.
        stored = { ...stored, ranges, sideTopic: extra ? `${other.topic}.truncated-${ctx.now()}`.slice(0, 249) : null }
        await controller.storeFailbackProgress({ failback: stored })
      }
      const ranges = stored.ranges ?? []
      const kept = new Map<number, number>()
      const sideTopic = stored.sideTopic
      if (sideTopic) {
        if ((await admin.partitionCount(sideTopic)) === undefined) await admin.createTopic(sideTopic, ranges.length, undefined, {})
        const client = new KafkaClusterClient(other.connection, { side: other.side })
        try {
          for (const r of ranges) {
            if (r.to <= r.from) continue
            kept.set(r.partition, await setAsidePartition(client, other.topic, sideTopic, r.partition, BigInt(r.from), BigInt(r.to)))
          }
        } finally {
          await client.close().catch(() => undefined)
        }
      }
      const partitions: PartitionTruncation[] = ranges
        .map((r) => ({ partition: r.partition, offsetTruncatedTo: r.from, messagesTruncated: kept.get(r.partition) ?? 0 }))
      report({ sideTopic, messagesTruncated: partitions.reduce((n, p) => n + p.messagesTruncated, 0), partitions })
      return { event: { type: 'set-aside-done' } }
    },
    'rebuild-other-side': async (controller: MirrorController) => {
      const { other } = sidesOf(controller, ctx)
      const admin = ctx.adminOf(other.side)
      let stored = progressOf(controller)
      const exists = (await admin.partitionCount(other.topic)) !== undefined
      if (stored.step !== 'rebuild') {
        // Deleting the topic drops its committed offsets: the clamped ones are stored before the delete.
        const groupOffsets = exists ? await clampedGroupOffsets(admin, other.topic, stored.ranges ?? []) : []
        stored = { ...stored, step: 'rebuild', groupOffsets }
        await controller.storeFailbackProgress({ failback: stored })
      }
      if (exists) await admin.deleteTopic(other.topic).catch((error: unknown) => { if (!/UNKNOWN_TOPIC/i.test(String(error))) throw error })
      for (let i = 0; (await admin.partitionCount(other.topic)) !== undefined; i++) {
        if (i > 300) throw new EngineError('KAFKA_ERROR', `topic '${other.topic}' was not deleted within 60 s`, { retriable: true })
        await new Promise((resolve) => setTimeout(resolve, 200))
      }
      // The group coordinator drops a deleted topic's offsets asynchronously (GroupCoordinatorService#onPartitionsDeleted
      // schedules the writes): wait until they are gone, so offsets found on the recreated topic are new, never stale.
      const groups = [...new Set((stored.groupOffsets ?? []).map((o) => o.group))]
      for (let i = 0; (await Promise.all(groups.map((g) => admin.groupOffsets(g)))).flat().some((o) => o.topic === other.topic); i++) {
        if (i > 300) throw new EngineError('KAFKA_ERROR', `the deleted topic '${other.topic}' still has committed offsets after 60 s`, { retriable: true })
        await new Promise((resolve) => setTimeout(resolve, 200))
      }
      const pendingGroupOffsets = stored.groupOffsets?.length ? stored.groupOffsets : null
      return { event: { type: 'restore-done' }, change: { verifiedLogEndOffsets: null, pendingGroupOffsets } }
    },
  }
}

function progressOf(controller: MirrorController): FailbackProgress {
  const stored = controller.state.failback
  if (!stored || stored.action !== 'truncate-and-restore') throw new EngineError('INVALID_STATE', 'no truncate-and-restore is stored for this mirror topic')
  return stored
}

/** An abandoned restore (set-aside step, the old topic intact) deletes its partial side topic: a retry sets every record aside once. */
export async function abandonRestore(controller: MirrorController, ctx: FailbackContext & Pick<RestoreContext, 'adminOf'>, sideTopic: string): Promise<void> {
  const { other } = sidesOf(controller, ctx)
  const admin = ctx.adminOf(other.side)
  if (controller.state.failback?.step === 'rebuild' || (await admin.partitionCount(other.topic)) === undefined) return
  if ((await admin.partitionCount(sideTopic)) !== undefined) await admin.deleteTopic(sideTopic)
}

async function activeGroupsOn(admin: ClusterAdmin, topic: string): Promise<string[]> {
  const active: string[] = []
  for (const group of await admin.listGroups()) {
    if ((await admin.groupOffsets(group)).some((o) => o.topic === topic) && await admin.hasActiveMembers(group)) active.push(group)
  }
  return active
}

/** Each group's committed offsets on the topic, none above the truncation point of its partition. */
async function clampedGroupOffsets(
  admin: ClusterAdmin, topic: string, ranges: ReadonlyArray<{ partition: number; from: number }>,
): Promise<GroupOffsetRecord[]> {
  const out: GroupOffsetRecord[] = []
  for (const group of await admin.listGroups()) {
    for (const o of (await admin.groupOffsets(group)).filter((x) => x.topic === topic)) {
      const cut = ranges.find((r) => r.partition === o.partition)?.from
      out.push({ group, topic, partition: o.partition, offset: cut !== undefined && o.offset > cut ? cut : o.offset })
    }
  }
  return out
}

const committing = new WeakSet<MirrorController>()

/**
 * Deleting the topic dropped its committed offsets: once the flipped copier recreated it, commits the stored clamped
 * ones again (a group that already has offsets there committed them itself, or an earlier run did: left alone), then
 * clears them from the record. Runs in the background until done, while this replica owns the mirror.
 */
export function commitPendingGroupOffsets(controller: MirrorController, ctx: FailbackContext & Pick<RestoreContext, 'adminOf'>): void {
  if (committing.has(controller)) return
  committing.add(controller)
  void (async () => {
    for (let attempt = 1; controller.isActiveOwner; attempt++) {
      const pending = controller.state.pendingGroupOffsets ?? []
      if (pending.length === 0) return
      try {
        const { mirror } = sidesOf(controller, ctx)
        const admin = ctx.adminOf(mirror.side)
        if ((await admin.partitionCount(mirror.topic)) !== undefined) {
          for (const group of new Set(pending.map((o) => o.group))) {
            const offsets = pending.filter((o) => o.group === group).map(({ topic, partition, offset }) => ({ topic, partition, offset }))
            const committed = (await admin.groupOffsets(group)).filter((o) => offsets.some((x) => x.topic === o.topic))
            if (committed.length === 0) await admin.alterGroupOffsets(group, offsets)
          }
          await controller.storeFailbackProgress({ pendingGroupOffsets: null })
          return
        }
      } catch (error) {
        // Not yet (the topic is being created, a member is joining): tried again below; said once a minute.
        if (attempt % 120 === 0) {
          const groups = [...new Set(pending.map((o) => o.group))].join(', ')
          const reason = error instanceof Error ? error.message : String(error)
          controller.noteTransitionError('GROUP_OFFSETS_PENDING', `the clamped offsets of groups ${groups} are not committed yet (${reason}); `
            + 'stop their consumers if they run; the engine keeps trying')
        }
      }
      await new Promise((resolve) => setTimeout(resolve, 500))
    }
  })().finally(() => committing.delete(controller))
}
