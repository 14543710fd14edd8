// zod schemas for every REST path parameter, query and body (the OpenAPI document is generated from them).
import { z } from 'zod'
import { MIRROR_STATUSES } from '../link/index.ts'

export const LINK_NAME = z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,248}$/, 'link names are 1-249 characters from [A-Za-z0-9._-] and start with a letter or digit')
export const TOPIC_NAME = z.string().regex(/^[A-Za-z0-9._-]{1,249}$/, 'topic names are 1-249 characters from [A-Za-z0-9._-]')
  .refine((name) => name !== '.' && name !== '..', 'topic names cannot be "." or ".."')
// Names that are keys of every object's prototype would reach Object.prototype through config lookups: refused here.
const PROTOTYPE_KEYS: ReadonlySet<string> = new Set([...Object.getOwnPropertyNames(Object.prototype), 'prototype'])
const CONFIG_NAME = z.string().regex(/^[a-z0-9._-]{1,128}$/, 'config names are lowercase, like bootstrap.servers')
  .refine((name) => !PROTOTYPE_KEYS.has(name), 'this config name is reserved (not a config); see GET .../configs for the valid names')
const CONFIG_VALUE = z.string().max(65_536, 'config values are at most 64 KiB')

/** Query booleans arrive as strings. */
const queryBool = z.enum(['true', 'false']).transform((v) => v === 'true')

export const ClusterParams = z.strictObject({ cluster_id: z.string().min(1).max(255) })
export const LinkParams = ClusterParams.extend({ link_name: LINK_NAME })
export const LinkConfigParams = LinkParams.extend({ config_name: CONFIG_NAME })
export const MirrorParams = LinkParams.extend({ mirror_topic_name: TOPIC_NAME })
export const TopicParams = ClusterParams.extend({ topic_name: TOPIC_NAME })

const ConfigPair = z.strictObject({ name: CONFIG_NAME, value: CONFIG_VALUE })
const uniqueNames = (items: ReadonlyArray<{ name: string }>) => new Set(items.map((i) => i.name)).size === items.length

export const CreateLinkQuery = z.strictObject({
  link_name: LINK_NAME.describe('Name of the new cluster link (required)'),
  validate_only: queryBool.optional().describe('Validate without creating; default false'),
  validate_link: queryBool.optional().describe('Connect to the source and check source_cluster_id; default true'),
})

export const CreateLinkBody = z.strictObject({
  source_cluster_id: z.string().min(1).max(255).optional().describe('Expected id of the source cluster'),
  destination_cluster_id: z.string().max(255).optional().describe('This engine\'s cluster id (the source half of a source-initiated link names it)'),
  remote_cluster_id: z.string().min(1).max(255).optional().describe('Expected id of the remote cluster of a BIDIRECTIONAL link'),
  cluster_link_id: z.string().min(1).max(64).optional().describe('Link id to use; default a fresh id'),
  configs: z.array(ConfigPair).max(100).refine(uniqueNames, 'each config name may appear once').default([]).describe('Link configs'),
}).describe('Create a cluster link')

export const IncludeTasksQuery = z.strictObject({ include_tasks: queryBool.optional().describe('Include per-job tasks; default false') })
export const DeleteLinkQuery = z.strictObject({
  force: queryBool.optional().describe('Delete even when mirror topics are not STOPPED; default false'),
  validate_only: queryBool.optional().describe('Check without deleting; default false'),
})
export const EmptyQuery = z.strictObject({})

export const UpdateConfigBody = z.strictObject({ value: CONFIG_VALUE }).describe('New value of one link config')
export const AlterConfigsQuery = z.strictObject({ validate_only: queryBool.optional() })
export const AlterConfigsBody = z.strictObject({
  data: z.array(z.strictObject({
    name: CONFIG_NAME,
    value: CONFIG_VALUE.nullable().optional(),
    operation: z.enum(['SET', 'DELETE', 'set', 'delete']).transform((v) => v.toUpperCase() as 'SET' | 'DELETE').optional(),
  })).min(1, 'data needs at least one config change').max(100).refine(uniqueNames, 'each config name may appear once'),
  validate_only: z.boolean().optional(),
}).describe('Change several link configs at once (all or nothing)')

export const ListMirrorsQuery = z.strictObject({
  // Confluent's CLI sends the status in lower case (--mirror-status active).
  mirror_status: z.preprocess((v) => (typeof v === 'string' ? v.toUpperCase() : v), z.enum(MIRROR_STATUSES)).optional().describe('Only mirror topics in this status (any case)'),
})

export const CreateMirrorBody = z.strictObject({
  source_topic_name: TOPIC_NAME.describe('Topic on the source cluster (required)'),
  mirror_topic_name: TOPIC_NAME.optional().describe('Name on the destination; default the link prefix plus the source topic name'),
  replication_factor: z.number().int().min(1).max(32_767).optional().describe('Replication factor; default the destination default'),
  configs: z.array(ConfigPair).max(100).refine(uniqueNames, 'each config name may appear once').optional().describe('Topic config overrides'),
}).describe('Create a mirror topic')
export const CreateMirrorQuery = z.strictObject({ validate_only: queryBool.optional() })

export const DescribeMirrorQuery = z.strictObject({ include_state_transition_errors: queryBool.optional() })

export const AlterMirrorsQuery = z.strictObject({ validate_only: queryBool.optional() })
export const TruncateAndRestoreQuery = z.strictObject({
  validate_only: queryBool.optional(),
  include_partition_level_truncation_data: queryBool.optional().describe('Answer partition_level_truncation_data per partition; default false'),
})
export const AlterMirrorsBody = z.strictObject({
  mirror_topic_names: z.array(TOPIC_NAME).min(1).max(1000).optional().describe('Mirror topics to act on'),
  mirror_topic_name_pattern: z.string().min(1).max(249).optional().describe('Regular expression matched against whole mirror topic names'),
}).refine((b) => (b.mirror_topic_names === undefined) !== (b.mirror_topic_name_pattern === undefined), 'send exactly one of mirror_topic_names or mirror_topic_name_pattern')
  .describe('Select mirror topics for an action')

// Response shapes (for the OpenAPI document; handlers build the same objects in rest-objects.ts).
const Metadata = z.object({ self: z.string(), resource_name: z.string().nullable().optional() })
const ListMetadata = z.object({ self: z.string(), next: z.string().nullable() })
export const LinkTaskSchema = z.object({
  task_name: z.string(), state: z.string(), errors: z.array(z.object({ error_code: z.string(), error_message: z.string() })),
})
export const LinkResponse = z.object({
  kind: z.literal('KafkaLinkData'), metadata: Metadata, source_cluster_id: z.string().nullable(), destination_cluster_id: z.string().nullable(),
  link_name: z.string(), link_id: z.string(), cluster_link_id: z.string(), topic_names: z.array(z.string()),
  link_state: z.enum(['ACTIVE', 'PAUSED', 'UNAVAILABLE', 'FAILED', 'UNKNOWN']), link_error: z.string(), link_error_message: z.string().nullable(),
  category_counts: z.array(z.object({ state_category: z.enum(['ACTIVE', 'PAUSED', 'PENDING', 'IN_ERROR', 'NOT_APPLICABLE']), count: z.number() })),
  tasks: z.array(LinkTaskSchema).optional(),
})
export const LinkListResponse = z.object({ kind: z.literal('KafkaLinkDataList'), metadata: ListMetadata, data: z.array(LinkResponse) })
export const LinkConfigResponse = z.object({
  kind: z.literal('KafkaLinkConfigData'), metadata: Metadata, cluster_id: z.string(), link_name: z.string(), name: z.string(), value: z.string().nullable(),
  is_default: z.boolean(), is_read_only: z.boolean(), is_sensitive: z.boolean(), source: z.enum(['DYNAMIC_CLUSTER_LINK_CONFIG', 'DEFAULT_CONFIG']),
  synonyms: z.array(z.string()),
})
export const LinkConfigListResponse = z.object({ kind: z.literal('KafkaLinkConfigDataList'), metadata: ListMetadata, data: z.array(LinkConfigResponse) })
const MirrorLag = z.object({ partition: z.number(), lag: z.number(), last_source_fetch_offset: z.number() })
export const MirrorResponse = z.object({
  kind: z.literal('KafkaMirrorData'), metadata: Metadata, link_name: z.string(), mirror_topic_name: z.string(), source_topic_name: z.string(),
  num_partitions: z.number(), mirror_lags: z.array(MirrorLag), mirror_status: z.enum(MIRROR_STATUSES), state_time_ms: z.number(),
  mirror_topic_error: z.string(), mirror_topic_error_message: z.string().nullable().optional(),
  mirror_state_transition_errors: z.array(z.object({ error_code: z.string(), error_message: z.string() })).optional(),
  mirror_direction: z.enum(['FORWARD', 'REVERSE']).describe('clusterlink extension: REVERSE after a failback (the source-cluster topic is the mirror)'),
})
export const MirrorListResponse = z.object({ kind: z.literal('KafkaMirrorDataList'), metadata: ListMetadata, data: z.array(MirrorResponse) })
export const AlterMirrorResult = z.object({
  kind: z.literal('AlterMirrorsData'), metadata: Metadata, mirror_topic_name: z.string(), error_code: z.number().nullable().describe('null on success'),
  error_message: z.string().nullable(),
  mirror_lags: z.array(MirrorLag), messages_truncated: z.number().nullable(), partition_level_truncation_data: z.array(z.unknown()),
})
export const AlterMirrorsResponse = z.object({ kind: z.literal('KafkaPromoteMirror'), metadata: ListMetadata, data: z.array(AlterMirrorResult) })
const Related = z.object({ related: z.string() })
export const ClusterResponse = z.object({
  kind: z.literal('KafkaCluster'), metadata: Metadata, cluster_id: z.string(), acls: Related, brokers: Related, broker_configs: Related,
  consumer_groups: Related, topics: Related, partition_reassignments: Related,
})
export const ClusterListResponse = z.object({ kind: z.literal('KafkaClusterList'), metadata: ListMetadata, data: z.array(ClusterResponse) })
export const ErrorResponse = z.object({ error_code: z.number(), message: z.string() }).describe('Every error: a code and a message that says what to fix')
