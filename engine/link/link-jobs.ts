// The named jobs every cluster link runs: availability check, consumer offset sync, topic config sync, auto-create mirror topics.
import { isEngineError } from '../errors.ts'
import { isTlsClientCertificateRefusal } from '../kafka/index.ts'
import type { Logger } from '../logging/index.ts'
import { withTimeout } from '../retry.ts'
import type { ClusterAdmin, GroupOffset } from './kafka-admin.ts'
import { ALWAYS_SYNCED_TOPIC_CONFIGS, isAutoCreateSelected, isOffsetSyncSelected, linkConfigValue } from './link-configs.ts'
import type { MirrorController } from './mirror-controller.ts'
import type { LinkStateName } from './mirror-status.ts'

export const JOB_NAMES = {
  availability: 'AvailabilityCheck',
  offsetSync: 'ConsumerOffsetSync',
  configSync: 'TopicConfigSync',
  autoCreate: 'AutoCreateMirror',
  aclSync: 'AclSync',
  /** An extension task: the one owner of the DENY WRITE ACLs that keep mirror topics read-only. */
  writeProtection: 'MirrorWriteProtection',
} as const

export interface LinkJobContext {
  readonly linkName: string
  readonly logger: Logger
  configs(): Readonly<Record<string, string>>
  linkState(): LinkStateName
  source(): ClusterAdmin
  readonly destination: ClusterAdmin
  /** Mirror topics of this link that are not STOPPED. */
  liveMirrors(): MirrorController[]
  /** Every mirror topic of this link (auto-create must not re-create a promoted one). */
  allMirrors(): MirrorController[]
  createMirror(sourceTopic: string): Promise<void>
  /** Source topics never to mirror (a BIDIRECTIONAL link's loop prevention, link-modes.ts); default none. */
  excludedSourceTopics?(): Promise<(topic: string) => boolean>
  /** Whether this replica runs the link's writing jobs (one replica per link when replicas share work). */
  isCoordinator(): boolean
  recordAvailability(result: { ok: true; clusterId: string } | { ok: false; linkError: string; message: string }): void
  recordOffsetSync(stats: { groups: number; skippedActive: number }): void
  /** Why mirror topic write denials could not be checked, or null; the runtime logs it once and then only on change. */
  recordWriteGuard?(problem: string | null): void
}

const CHECK_TIMEOUT_MS = 10_000

/** Classifies a failed connection to the source into a REST link_error. */
export function classifyLinkError(error: unknown): string {
  if (isEngineError(error)) {
    const systemCode = String(error.context['systemErrorCode'] ?? '')
    // A source broker refusing the link's TLS client certificate is an authentication failure (Kafka's SslAuthenticationException).
    if (error.code === 'UNAUTHORIZED' || isTlsClientCertificateRefusal(systemCode)) return 'AUTHENTICATION_ERROR'
    if (systemCode === 'ENOTFOUND' || systemCode === 'EAI_AGAIN') return 'UNRESOLVABLE_BOOTSTRAP_ERROR'
    if (systemCode === 'ECONNREFUSED' || systemCode === 'ECONNRESET' || systemCode === 'EHOSTUNREACH') return 'BOOTSTRAP_TCP_CONNECTION_FAILED_ERROR'
    if (error.code === 'TIMEOUT') return 'TIMEOUT_ERROR'
  }
  const text = `${error instanceof Error ? error.message : String(error)} ${error instanceof Error && error.cause instanceof Error ? error.cause.message : ''}`
  if (/SASL|authenticat/i.test(text)) return 'AUTHENTICATION_ERROR'
  if (/ENOTFOUND|EAI_AGAIN/i.test(text)) return 'UNRESOLVABLE_BOOTSTRAP_ERROR'
  if (/ECONNREFUSED|ECONNRESET|EHOSTUNREACH/i.test(text)) return 'BOOTSTRAP_TCP_CONNECTION_FAILED_ERROR'
  if (/timeout|timed out|no answer/i.test(text)) return 'TIMEOUT_ERROR'
  return 'UNKNOWN'
}

export async function runAvailabilityCheck(ctx: LinkJobContext): Promise<void> {
  try {
    const clusterId = await withTimeout(ctx.source().clusterId(), CHECK_TIMEOUT_MS)
    ctx.recordAvailability({ ok: true, clusterId })
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error)
    ctx.recordAvailability({ ok: false, linkError: classifyLinkError(error), message: `cannot reach the source cluster (${message})` })
  }
}

/** Clamps a committed offset into the destination partition's valid range [log start offset, log end offset]. */
export function clampOffset(offset: number, earliest: number, latest: number): number {
  return Math.min(Math.max(offset, earliest), latest)
}

/**
 * Copies committed offsets verbatim (source and mirror offsets are identical), clamped to the destination's valid
 * range, only for mirror topics that are not STOPPED and only into groups with no active members on the destination.
 */
export async function runConsumerOffsetSync(ctx: LinkJobContext): Promise<void> {
  const configs = ctx.configs()
  if (linkConfigValue(configs, 'consumer.offset.sync.enable') !== 'true' || ctx.linkState() !== 'ACTIVE' || !ctx.isCoordinator()) return
  const mirrorBySource = new Map(ctx.liveMirrors().map((m) => [m.state.sourceTopicName, m.state.mirrorTopicName]))
  if (mirrorBySource.size === 0) return
  const groups = (await ctx.source().listGroups()).filter((group) => isOffsetSyncSelected(configs, group))
  // consumer.group.prefix.enable: groups are written as cluster.link.prefix + name, like mirror topic names.
  const groupPrefix = linkConfigValue(configs, 'consumer.group.prefix.enable') === 'true'
    ? linkConfigValue(configs, 'cluster.link.prefix') : ''
  let synced = 0
  let skippedActive = 0
  for (const sourceGroup of groups) {
    const group = `${groupPrefix}${sourceGroup}`
    const committed = (await ctx.source().groupOffsets(sourceGroup)).filter((o) => mirrorBySource.has(o.topic))
    if (committed.length === 0) continue
    if (await ctx.destination.hasActiveMembers(group)) {
      skippedActive += 1
      continue
    }
    const offsets: GroupOffset[] = []
    for (const [sourceTopic, mirrorTopic] of mirrorBySource) {
      const partitions = committed.filter((o) => o.topic === sourceTopic)
      if (partitions.length === 0) continue
      const ids = partitions.map((p) => p.partition)
      const [earliest, latest] = await Promise.all([ctx.destination.listOffsets(mirrorTopic, ids, 'earliest'), ctx.destination.listOffsets(mirrorTopic, ids, 'latest')])
      for (const p of partitions) {
        const low = earliest.get(p.partition)
        const high = latest.get(p.partition)
        if (low === undefined || high === undefined) continue
        offsets.push({ topic: mirrorTopic, partition: p.partition, offset: clampOffset(p.offset, low, high) })
      }
    }
    if (offsets.length === 0) continue
    const current = new Map((await ctx.destination.groupOffsets(group)).map((o) => [`${o.topic}:${o.partition}`, o.offset]))
    const changed = offsets.filter((o) => current.get(`${o.topic}:${o.partition}`) !== o.offset)
    if (changed.length > 0) await ctx.destination.alterGroupOffsets(group, changed)
    synced += 1
  }
  ctx.recordOffsetSync({ groups: synced, skippedActive })
}

/**
 * Adds the DENY WRITE ACLs every live mirror topic needs (they are made on activation too; this repairs removed ones).
 * A failure on one mirror topic does not stop the others, nor logs every run: it is reported once, on change.
 */
export async function runWriteProtection(ctx: LinkJobContext): Promise<void> {
  if (ctx.linkState() !== 'ACTIVE' || !ctx.isCoordinator()) return
  const guardProblems: string[] = []
  for (const mirror of ctx.liveMirrors()) {
    await mirror.protectWrites().catch((error: unknown) => {
      guardProblems.push(`${mirror.state.mirrorTopicName}: ${error instanceof Error ? error.message : String(error)}`)
    })
  }
  ctx.recordWriteGuard?.(guardProblems.length > 0 ? `write denials not checked (${guardProblems.join('; ')})` : null)
}

/**
 * Syncs the always-synced topic configs plus `topic.config.sync.include`. Partition growth is not done here: the mirror's
 * runner owns it (its source-topic-watch job grows the mirror topic and starts a copier per new partition), so two jobs
 * on two replicas never race on CreatePartitions.
 */
export async function runTopicConfigSync(ctx: LinkJobContext): Promise<void> {
  if (ctx.linkState() !== 'ACTIVE' || !ctx.isCoordinator()) return
  const include = linkConfigValue(ctx.configs(), 'topic.config.sync.include').split(',').map((s) => s.trim()).filter((s) => s !== '')
  const names = new Set<string>([...ALWAYS_SYNCED_TOPIC_CONFIGS, ...include])
  const source = ctx.source()
  for (const mirror of ctx.liveMirrors()) {
    const { sourceTopicName, mirrorTopicName } = mirror.state
    const [sourceCount, destinationCount] = await Promise.all([
      source.partitionCount(sourceTopicName), ctx.destination.partitionCount(mirrorTopicName),
    ])
    if (sourceCount === undefined || destinationCount === undefined) continue
    mirror.setKnownPartitions(destinationCount)
    const [sourceConfigs, destinationConfigs] = await Promise.all([
      source.topicConfigs(sourceTopicName), ctx.destination.topicConfigs(mirrorTopicName),
    ])
    const set: Record<string, string> = {}
    for (const name of names) {
      const value = sourceConfigs[name]?.value
      if (value === undefined || value === null) continue
      if (destinationConfigs[name]?.value !== value) set[name] = value
    }
    if (Object.keys(set).length > 0) {
      await ctx.destination.alterTopicConfigs(mirrorTopicName, set)
      ctx.logger.info({ topic: mirrorTopicName, configs: Object.keys(set) }, 'mirror topic configs synced')
    }
  }
}

/** Creates a mirror topic for each source topic selected by the auto-create filters that has none yet. */
export async function runAutoCreate(ctx: LinkJobContext): Promise<void> {
  const configs = ctx.configs()
  if (linkConfigValue(configs, 'auto.create.mirror.topics.enable') !== 'true' || ctx.linkState() !== 'ACTIVE' || !ctx.isCoordinator()) return
  const mirrored = new Set(ctx.allMirrors().map((m) => m.state.sourceTopicName))
  const failures: string[] = []
  const topics = await ctx.source().listTopics()
  // Read after listing: a remote mirror topic's record is stored before the topic exists (peer-mirrors.ts).
  const excluded = (await ctx.excludedSourceTopics?.()) ?? (() => false)
  for (const topic of topics) {
    if (mirrored.has(topic) || excluded(topic) || !isAutoCreateSelected(configs, topic)) continue
    try {
      await ctx.createMirror(topic)
      ctx.logger.info({ topic }, 'mirror topic auto-created')
    } catch (error) {
      failures.push(`${topic}: ${error instanceof Error ? error.message : String(error)}`)
    }
  }
  if (failures.length > 0) throw new Error(`could not auto-create ${failures.length} mirror topic(s) (${failures.join('; ')})`)
}
