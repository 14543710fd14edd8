// zod schemas of Confluent's REST v3 link and mirror answers, written from Confluent's published OpenAPI
// ("REST Admin API" 3.0.0, confluentinc/ccloud-sdk-go-v2 kafkarest/v3/api/openapi.yaml): required fields, types,
// nullability, enums and `kind` values.
// Extra fields are allowed (extensions); each deliberate difference is marked DIFFERENCE and listed in the README.
import { z } from 'zod'

const int = z.number().int()
const Metadata = z.object({ self: z.string().url(), resource_name: z.string().nullable().optional() })
const CollectionMetadata = z.object({ self: z.string().url(), next: z.string().nullable().optional() })
const resource = <K extends string, T extends z.ZodRawShape>(kind: K, shape: T) =>
  z.object({ kind: z.literal(kind), metadata: Metadata, ...shape })
const collection = <K extends string, T extends z.ZodType>(kind: K, item: T) =>
  z.object({ kind: z.literal(kind), metadata: CollectionMetadata, data: z.array(item) })

// Confluent marks these enums x-extensible-enum; the engine must still send only values Confluent's clients know.
export const LINK_STATES = ['ACTIVE', 'FAILED', 'UNAVAILABLE', 'PAUSED', 'UNKNOWN'] as const
export const LINK_ERRORS = ['UNKNOWN', 'NO_ERROR', 'AUTHENTICATION_ERROR', 'UNRESOLVABLE_BOOTSTRAP_ERROR',
  'INVALID_BOOTSTRAP_INTERNAL_ENDPOINT_ERROR', 'BOOTSTRAP_TCP_CONNECTION_FAILED_ERROR', 'TIMEOUT_ERROR'] as const
export const TASK_STATES = ['UNKNOWN', 'ACTIVE', 'IN_ERROR', 'NOT_CONFIGURED', 'LINK_FAILED', 'LINK_UNAVAILABLE', 'LINK_PAUSED'] as const
export const STATE_CATEGORIES = ['PAUSED', 'IN_ERROR', 'PENDING', 'ACTIVE', 'NOT_APPLICABLE'] as const
export const MIRROR_STATUSES = ['ACTIVE', 'FAILED', 'LINK_FAILED', 'LINK_PAUSED', 'PAUSED', 'PENDING_STOPPED', 'SOURCE_UNAVAILABLE',
  'STOPPED', 'PENDING_MIRROR', 'PENDING_SYNCHRONIZE', 'PENDING_SETUP_FOR_RESTORE', 'PENDING_RESTORE'] as const
export const MIRROR_TOPIC_ERRORS = ['UNKNOWN', 'NOT_SET', 'NO_ERROR', 'SOURCE_TOPIC_MAY_BE_DELETED', 'SOURCE_TOPIC_ID_CHANGED',
  'SOURCE_PARTITIONS_DECREASED',
  'NON_MONOTONIC_LOG_APPEND_EPOCH', 'UNEXPECTED_TRUNCATION', 'UNSUPPORTED_MESSAGE_FORMAT', 'NON_MONOTONIC_SOURCE_EPOCH', 'ILLEGAL_STATE',
  'UNSUPPORTED_MIRROR_STATE'] as const

const Relationship = z.object({ related: z.string().url() })
export const ClusterData = resource('KafkaCluster', {
  cluster_id: z.string(), acls: Relationship, brokers: Relationship, broker_configs: Relationship, consumer_groups: Relationship,
  topics: Relationship, partition_reassignments: Relationship, controller: Relationship.optional(),
})
export const ClusterDataList = collection('KafkaClusterList', ClusterData)

const TaskError = z.object({ error_code: z.string(), error_message: z.string() })
export const LinkData = resource('KafkaLinkData', {
  source_cluster_id: z.string().nullable().optional(),
  destination_cluster_id: z.string().nullable().optional(),
  remote_cluster_id: z.string().nullable().optional(),
  link_name: z.string(),
  link_id: z.string().optional(),
  cluster_link_id: z.string(),
  topic_names: z.array(z.string()),
  link_error: z.enum(LINK_ERRORS).optional(),
  link_error_message: z.string().nullable().optional(),
  link_state: z.enum(LINK_STATES).optional(),
  tasks: z.array(z.object({ task_name: z.string(), state: z.enum(TASK_STATES), errors: z.array(TaskError) })).nullable().optional(),
  category_counts: z.array(z.object({ state_category: z.enum(STATE_CATEGORIES), count: int })).nullable().optional(),
})
export const LinkDataList = collection('KafkaLinkDataList', LinkData)

export const LinkConfigData = resource('KafkaLinkConfigData', {
  cluster_id: z.string(),
  link_name: z.string(),
  name: z.string(),
  // DIFFERENCE: Confluent's schema types value as a string; the engine sends null for sensitive configs (never the secret).
  value: z.string().nullable(),
  is_default: z.boolean(),
  is_read_only: z.boolean(),
  is_sensitive: z.boolean(),
  // The schema lists DYNAMIC_CLUSTER_LINK_CONFIG; Confluent's captured answers (terraform-provider-confluent testdata)
  // also show DEFAULT_CONFIG.
  source: z.enum(['DYNAMIC_CLUSTER_LINK_CONFIG', 'DEFAULT_CONFIG']),
  synonyms: z.array(z.string()),
})
export const LinkConfigDataList = collection('KafkaLinkConfigDataList', LinkConfigData)

const MirrorLag = z.object({ partition: int, lag: int, last_source_fetch_offset: int })
export const MirrorData = resource('KafkaMirrorData', {
  link_name: z.string(),
  mirror_topic_name: z.string(),
  source_topic_name: z.string(),
  num_partitions: int,
  mirror_lags: z.array(MirrorLag),
  mirror_status: z.enum(MIRROR_STATUSES),
  mirror_topic_error: z.enum(MIRROR_TOPIC_ERRORS).optional(),
  state_time_ms: int,
  mirror_state_transition_errors: z.array(TaskError).optional(),
})
export const MirrorDataList = collection('KafkaMirrorDataList', MirrorData)

export const AlterMirrorsData = resource('AlterMirrorsData', {
  mirror_topic_name: z.string(),
  error_code: int.nullable(),
  error_message: z.string().nullable(),
  mirror_lags: z.array(MirrorLag),
  messages_truncated: int.nullable(),
  partition_level_truncation_data: z.array(z.object({ partition_id: int, offset_truncated_to: int, messages_truncated: int })),
})
/** Confluent's examples name the list KafkaPromoteMirror for every action (pause, resume, failover too). */
export const AlterMirrorsDataList = collection('KafkaPromoteMirror', AlterMirrorsData)

export const ErrorBody = z.object({ error_code: int, message: z.string().nullable() })
