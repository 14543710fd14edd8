// truncate-and-restore: sets the old primary's divergent tail aside in a side topic, then rebuilds the old primary topic as a mirror.
import { EngineError } from '../errors.ts'
import {
  KafkaClusterClient, decodeBatchRecords, encodeRecordBatch, isControlBatch, lastOffsetOf, splitRecordSet, type EncodableRecord,
} from '../kafka/index.ts'
import type { ClusterSide } from '../kafka/index.ts'
import type { ClusterAdmin, GroupOffset } from './kafka-admin.ts'
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

/** Copies offsets [from, to) of one partition into the side topic; returns how many records it kept. */
async function setAsidePartition(
  old: KafkaClusterClient, topic: string, side: string, p: number, from: bigint, to: bigint,
): Promise<number> {
  let offset = from
  let kept = 0
  while (offset < to) {
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
          const bytes = encodeRecordBatch(records, { codec: 0, producerId: -1n, producerEpoch: -1, baseSequence: -1 })
          await produceWithRetry(old, side, p, bytes)
          kept += records.length
        }
      }
      offset = lastOffsetOf(batch.header) + 1n
    }
  }
  return kept
}

async function produceWithRetry(client: KafkaClusterClient, topic: string, p: number, bytes: Buffer): Promise<void> {
  for (let attempt = 0; ; attempt++) {
    const res = await client.produceRaw(topic, p, bytes, { lane: 'restore' }).catch((error: unknown) => ({ errorCode: -1, error }))
    if (res.errorCode === 0) return
    if (attempt >= 50) {
      const message = `could not write the set-aside records to '${topic}' partition ${p} (error ${res.errorCode})`
      throw new EngineError('KAFKA_ERROR', message, { retriable: true })
    }
    client.invalidateLeader(topic, p)
    await new Promise((resolve) => setTimeout(resolve, 200))
  }
}

/**
 * The two restore steps. `report` receives what was set aside (for the REST answer). Refuses (restore-failed) before
 * anything is written when a consumer group is active on the old topic: its offsets are about to be reset.
 */
export function restoreSteps(
  ctx: RestoreContext, report: (outcome: RestoreOutcome) => void,
): Partial<Record<'set-aside-divergent' | 'rebuild-other-side', FailbackStep>> {
  let divergence: Array<{ partition: number; from: bigint; to: bigint }> = []
  return {
    'set-aside-divergent': async (controller: MirrorController) => {
      const { mirror, other } = sidesOf(controller, ctx)
      const admin = ctx.adminOf(other.side)
      const active = await activeGroupsOn(admin, other.topic)
      if (active.length > 0) {
        const reason = `consumer groups ${active.join(', ')} are active on '${other.topic}' (${other.side} cluster); `
          + 'stop their consumers and retry'
        return { event: { type: 'restore-failed', reason } }
      }
      divergence = await findDivergence(mirror, other)
      const extra = divergence.filter((d) => d.to > d.from)
      let sideTopic: string | null = null
      const partitions: PartitionTruncation[] = []
      if (extra.length > 0) {
        sideTopic = `${other.topic}.truncated-${ctx.now()}`.slice(0, 249)
        await admin.createTopic(sideTopic, divergence.length, undefined, {})
        const client = new KafkaClusterClient(other.connection, { side: other.side })
        try {
          for (const d of divergence) {
            const kept = d.to > d.from ? await setAsidePartition(client, other.topic, sideTopic, d.partition, d.from, d.to) : 0
            partitions.push({ partition: d.partition, offsetTruncatedTo: Number(d.from), messagesTruncated: kept })
          }
        } finally {
          await client.close().catch(() => undefined)
        }
      } else {
        for (const d of divergence) partitions.push({ partition: d.partition, offsetTruncatedTo: Number(d.from), messagesTruncated: 0 })
      }
      report({ sideTopic, messagesTruncated: partitions.reduce((n, p) => n + p.messagesTruncated, 0), partitions })
      return { event: { type: 'set-aside-done' } }
    },
    'rebuild-other-side': async (controller: MirrorController) => {
      const { other } = sidesOf(controller, ctx)
      const admin = ctx.adminOf(other.side)
      const clamped = await clampedGroupOffsets(admin, other.topic, divergence)
      if ((await admin.partitionCount(other.topic)) !== undefined) await admin.deleteTopic(other.topic)
      for (let i = 0; (await admin.partitionCount(other.topic)) !== undefined; i++) {
        if (i > 300) return { event: { type: 'restore-failed', reason: `topic '${other.topic}' was not deleted within 60 s; retry` } }
        await new Promise((resolve) => setTimeout(resolve, 200))
      }
      void recommitWhenCreated(admin, other.topic, clamped)
      return { event: { type: 'restore-done' }, change: { verifiedLogEndOffsets: null } }
    },
  }
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
  admin: ClusterAdmin, topic: string, divergence: ReadonlyArray<{ partition: number; from: bigint }>,
): Promise<Map<string, GroupOffset[]>> {
  const out = new Map<string, GroupOffset[]>()
  for (const group of await admin.listGroups()) {
    const offsets = (await admin.groupOffsets(group)).filter((o) => o.topic === topic)
    if (offsets.length === 0) continue
    out.set(group, offsets.map((o) => {
      const cut = divergence.find((d) => d.partition === o.partition)?.from
      return cut !== undefined && BigInt(o.offset) > cut ? { ...o, offset: Number(cut) } : o
    }))
  }
  return out
}

/** Deleting the topic dropped its committed offsets: commit the clamped ones again once the mirror runner recreated it. */
async function recommitWhenCreated(admin: ClusterAdmin, topic: string, offsets: Map<string, GroupOffset[]>): Promise<void> {
  if (offsets.size === 0) return
  for (let i = 0; i < 600 && (await admin.partitionCount(topic).catch(() => undefined)) === undefined; i++) {
    await new Promise((resolve) => setTimeout(resolve, 200))
  }
  for (const [group, list] of offsets) await admin.alterGroupOffsets(group, list).catch(() => undefined)
}
