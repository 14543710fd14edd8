// The records the engine keeps in its state topic: one per cluster link and one per mirror topic, JSON, keyed by name.
import { z } from 'zod'
import { EngineError } from '../errors.ts'
import { EncryptedBlobSchema, type CredentialsCipher } from './credentials-cipher.ts'

/** A cluster link as the engine holds it in memory: every config, sensitive ones included (never logged or returned). */
export interface LinkState {
  readonly linkName: string
  readonly linkId: string
  readonly sourceClusterId: string | null
  readonly configs: Readonly<Record<string, string>>
  readonly createdAtMs: number
  /** ACL bindings the link's ACL sync created on the destination: the only ones it may delete (engine/link/acl-sync-plan.ts). */
  readonly aclSyncCreated?: readonly AclBindingRecord[]
}

/** One ACL binding by name (TOPIC, LITERAL, READ, ALLOW...); engine/link checks the names when it reads them. */
export const AclBindingRecordSchema = z.strictObject({
  resourceType: z.string(), resourceName: z.string(), patternType: z.string(),
  principal: z.string(), host: z.string(), operation: z.string(), permission: z.string(),
})
export type AclBindingRecord = z.infer<typeof AclBindingRecordSchema>

export const MirrorDesiredStatusSchema = z.enum(['ACTIVE', 'PAUSED', 'STOPPED'])
export type MirrorDesiredStatus = z.infer<typeof MirrorDesiredStatusSchema>

/** One consumer group's committed offset on one partition. */
export const GroupOffsetRecordSchema = z.strictObject({
  group: z.string(), topic: z.string(), partition: z.number().int().min(0), offset: z.number().int().min(0),
})
export type GroupOffsetRecord = z.infer<typeof GroupOffsetRecordSchema>

/**
 * How far a failback got. step: check (reverse: the other side guarded and compared), set-aside (truncate-and-restore:
 * the divergent tail copied to sideTopic; ranges are [from, to) per partition of the old topic), rebuild (the old
 * topic deleted; groupOffsets are the clamped offsets read before), abandon (it stops in STOPPED for `reason`: the
 * partial side topic is deleted and the other side's write denials removed first).
 */
export const FailbackProgressSchema = z.strictObject({
  action: z.enum(['reverse-and-start', 'reverse-and-pause', 'truncate-and-restore']),
  step: z.enum(['check', 'set-aside', 'rebuild', 'abandon']),
  startedAtMs: z.number(),
  sideTopic: z.string().nullable(),
  ranges: z.array(z.strictObject({
    partition: z.number().int().min(0), from: z.number().int().min(0), to: z.number().int().min(0),
  })).nullable(),
  groupOffsets: z.array(GroupOffsetRecordSchema).nullable(),
  reason: z.string().optional(),
})
export type FailbackProgress = z.infer<typeof FailbackProgressSchema>

export const MirrorStateSchema = z.strictObject({
  linkName: z.string(),
  mirrorTopicName: z.string(),
  sourceTopicName: z.string(),
  replicationFactor: z.number().int().nullable(),
  configs: z.record(z.string(), z.string()),
  /** What the operator asked for; STOPPED is final (promoted or failed over). */
  desiredStatus: MirrorDesiredStatusSchema,
  /** A promote in progress (waiting for lag zero); survives an engine restart. */
  pendingPromote: z.boolean(),
  stoppedBy: z.enum(['PROMOTE', 'FAILOVER']).nullable(),
  createdAtMs: z.number(),
  statusChangedAtMs: z.number(),
  /**
   * Absent or FORWARD: the source topic is copied into the mirror topic (destination cluster). REVERSE (failback): the
   * destination topic is copied back into the source-cluster topic by the same engine, connections swapped.
   */
  direction: z.enum(['FORWARD', 'REVERSE']).optional(),
  /**
   * Per partition, the log end offset at which both topics were found to hold the same records when the direction
   * flipped: the copier may take over a partition whose last batch another producer wrote only at exactly this offset.
   */
  verifiedLogEndOffsets: z.array(z.number().int().min(0)).nullable().optional(),
  /** A failback in progress (reverse or truncate-and-restore): stored before each step writes, so a restart resumes it. */
  failback: FailbackProgressSchema.nullable().optional(),
  /**
   * After a truncate-and-restore: the clamped consumer group offsets on the rebuilt topic, committed once the copier has
   * recreated it (deleting the topic dropped them); cleared once committed.
   */
  pendingGroupOffsets: z.array(GroupOffsetRecordSchema).nullable().optional(),
})
export type MirrorState = z.infer<typeof MirrorStateSchema>


const StoredLinkSchema = z.strictObject({
  kind: z.literal('link'),
  linkName: z.string(),
  linkId: z.string(),
  sourceClusterId: z.string().nullable(),
  /** Non-sensitive configs only. */
  configs: z.record(z.string(), z.string()),
  /** Sensitive configs, AES-256-GCM encrypted; null when the link has none. */
  secrets: EncryptedBlobSchema.nullable(),
  createdAtMs: z.number(),
  aclSyncCreated: z.array(AclBindingRecordSchema).optional(),
})

const StoredMirrorSchema = MirrorStateSchema.extend({ kind: z.literal('mirror') })

/**
 * A mirror topic's run status as its owner (the one replica that runs its copiers) last published it; every replica
 * serves describe and list from it. Status, not desired state: a record that cannot be read is skipped, never fatal.
 */
export const MirrorStatusRecordSchema = z.object({
  linkName: z.string(),
  mirrorTopicName: z.string(),
  /** The owner's replica id (its group member id, or its process id without coordination). */
  owner: z.string(),
  runState: z.enum(['PENDING_MIRROR', 'ACTIVE', 'PAUSED', 'STOPPED', 'FAILED', 'SOURCE_UNAVAILABLE']).nullable(),
  isStopping: z.boolean(),
  stateTimeMs: z.number(),
  numPartitions: z.number().int(),
  partitions: z.array(z.object({
    partition: z.number().int(), lagRecords: z.number(), lastSourceFetchOffset: z.number(), sourceHighWatermark: z.number(),
    destinationLogEndOffset: z.number(),
  })),
  error: z.object({ code: z.string(), message: z.string() }).nullable(),
  transitionErrors: z.array(z.object({ error_code: z.string(), error_message: z.string() })),
  copiedRecords: z.number().optional(),
  copiedBytes: z.number().optional(),
  /**
   * statusChangedAtMs of the mirror record the owner's runner has been brought in line with (stopped, paused, started):
   * the other replicas show a stored stop or pause only once it is here (engine/link/mirror-follower.ts).
   */
  appliedStatusChangedAtMs: z.number().optional(),
  publishedAtMs: z.number(),
})
export type MirrorStatusRecord = z.infer<typeof MirrorStatusRecordSchema>

export function linkKey(linkName: string): string {
  return `link:${linkName}`
}

export function mirrorKey(linkName: string, mirrorTopicName: string): string {
  return `mirror:${linkName}:${mirrorTopicName}`
}

export function statusKey(linkName: string, mirrorTopicName: string): string {
  return `status:${linkName}:${mirrorTopicName}`
}

export function encodeStatus(status: MirrorStatusRecord): Buffer {
  return Buffer.from(JSON.stringify({ kind: 'status', ...status }))
}

export interface RecordCodecOptions {
  readonly cipher?: CredentialsCipher
  readonly isSensitive: (configName: string) => boolean
}

/**
 * What a link's encrypted credentials are bound to (AES-GCM associated data): the link's name and id and every
 * non-sensitive config, sorted. A blob moved to another link record, or left under a changed bootstrap.servers,
 * security.protocol or trust setting written into the state topic, no longer decrypts (issue 13).
 */
export function credentialsBinding(linkName: string, linkId: string, plainConfigs: Readonly<Record<string, string>>): string {
  const configs = Object.entries(plainConfigs).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
  return JSON.stringify({ link: linkName, id: linkId, configs })
}

/** Serializes a link; sensitive configs go into the encrypted blob, and without a cipher they are refused. */
export function encodeLink(link: LinkState, options: RecordCodecOptions): Buffer {
  const plain: Record<string, string> = {}
  const secret: Record<string, string> = {}
  for (const [name, value] of Object.entries(link.configs)) {
    if (options.isSensitive(name)) secret[name] = value
    else plain[name] = value
  }
  const hasSecrets = Object.keys(secret).length > 0
  if (hasSecrets && !options.cipher) {
    throw new EngineError('INVALID_INPUT', 'this engine has no credentialsKey, so it cannot store link credentials; start it with --credentials-key-file or CLUSTERLINK_CREDENTIALS_KEY', { context: { link: link.linkName } })
  }
  const stored: z.infer<typeof StoredLinkSchema> = {
    kind: 'link', linkName: link.linkName, linkId: link.linkId, sourceClusterId: link.sourceClusterId,
    configs: plain,
    secrets: hasSecrets && options.cipher ? options.cipher.encrypt(secret, credentialsBinding(link.linkName, link.linkId, plain)) : null,
    createdAtMs: link.createdAtMs,
    ...(link.aclSyncCreated && link.aclSyncCreated.length > 0 ? { aclSyncCreated: [...link.aclSyncCreated] } : {}),
  }
  return Buffer.from(JSON.stringify(stored))
}

export function encodeMirror(mirror: MirrorState): Buffer {
  return Buffer.from(JSON.stringify({ kind: 'mirror', ...mirror }))
}

export type DecodedRecord = { kind: 'link'; link: LinkState } | { kind: 'mirror'; mirror: MirrorState } | { kind: 'status'; status: MirrorStatusRecord }

/** Parses one state record; throws EngineError(CONFIG_ERROR) when it cannot be read (corrupt record or wrong key). */
export function decodeRecord(value: Buffer, options: RecordCodecOptions): DecodedRecord {
  let json: unknown
  try {
    json = JSON.parse(value.toString('utf8'))
  } catch (error) {
    throw new EngineError('CONFIG_ERROR', 'state record is not JSON', { cause: error })
  }
  const kind = (json as { kind?: unknown }).kind
  if (kind === 'mirror') {
    const { kind: _kind, ...mirror } = StoredMirrorSchema.parse(json)
    return { kind: 'mirror', mirror }
  }
  if (kind === 'status') {
    const { kind: _kind, ...status } = MirrorStatusRecordSchema.extend({ kind: z.literal('status') }).parse(json)
    return { kind: 'status', status }
  }
  const stored = StoredLinkSchema.parse(json)
  let secrets: Record<string, string> = {}
  if (stored.secrets) {
    if (!options.cipher) throw new EngineError('CONFIG_ERROR', `link ${stored.linkName} has stored credentials but this engine has no credentialsKey`, { context: { link: stored.linkName } })
    // Blobs written before binding still decrypt; the next write of the link binds them.
    secrets = options.cipher.decrypt(stored.secrets, credentialsBinding(stored.linkName, stored.linkId, stored.configs))
  }
  return {
    kind: 'link',
    link: {
      linkName: stored.linkName, linkId: stored.linkId, sourceClusterId: stored.sourceClusterId, configs: { ...stored.configs, ...secrets },
      createdAtMs: stored.createdAtMs, ...(stored.aclSyncCreated ? { aclSyncCreated: stored.aclSyncCreated } : {}),
    },
  }
}
