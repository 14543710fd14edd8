// The REST v3 object shapes the engine answers with (Confluent Cluster Linking shapes), as zod schemas that check every response.
import { z } from 'zod'

export const LinkSchema = z.looseObject({
  link_name: z.string(),
  cluster_link_id: z.string().nullish(),
  link_id: z.string().nullish(),
  source_cluster_id: z.string().nullish(),
  destination_cluster_id: z.string().nullish(),
  remote_cluster_id: z.string().nullish(),
  topic_names: z.array(z.string()).nullish(),
  link_state: z.string().nullish(),
  link_error: z.string().nullish(),
  link_error_message: z.string().nullish(),
  tasks: z.array(z.looseObject({ task_name: z.string(), state: z.string(), errors: z.array(z.unknown()).nullish() })).nullish(),
})
export type Link = z.infer<typeof LinkSchema>

export const LinkConfigSchema = z.looseObject({
  name: z.string(),
  value: z.string().nullable(),
  is_default: z.boolean().nullish(),
  is_read_only: z.boolean().nullish(),
  is_sensitive: z.boolean().nullish(),
  source: z.string().nullish(),
})
export type LinkConfig = z.infer<typeof LinkConfigSchema>

export const MirrorLagSchema = z.looseObject({
  partition: z.number(),
  lag: z.number(),
  last_source_fetch_offset: z.number(),
})
export type MirrorLag = z.infer<typeof MirrorLagSchema>

export const MirrorSchema = z.looseObject({
  link_name: z.string(),
  mirror_topic_name: z.string(),
  source_topic_name: z.string(),
  num_partitions: z.number().nullish(),
  mirror_lags: z.array(MirrorLagSchema).nullish(),
  mirror_status: z.string(),
  mirror_topic_error: z.string().nullish(),
  state_time_ms: z.number().nullish(),
  mirror_state_transition_errors: z.array(z.looseObject({
    error_code: z.union([z.string(), z.number()]).nullish(), error_message: z.string().nullish(),
  })).nullish(),
  /** clusterlink extension: REVERSE after a failback (the source-cluster topic is the mirror). */
  mirror_direction: z.enum(['FORWARD', 'REVERSE']).nullish(),
})
export type Mirror = z.infer<typeof MirrorSchema>

export const AlterMirrorResultSchema = z.looseObject({
  mirror_topic_name: z.string(),
  error_code: z.union([z.number(), z.string()]).nullish(),
  error_message: z.string().nullish(),
  mirror_lags: z.array(MirrorLagSchema).nullish(),
  /** truncate-and-restore: records set aside (a dry run: offsets past the truncation point), per partition on request. */
  messages_truncated: z.number().nullish(),
  partition_level_truncation_data: z.array(z.looseObject({
    partition_id: z.number(), offset_truncated_to: z.number(), messages_truncated: z.number(),
  })).nullish(),
  /** clusterlink extension: where truncate-and-restore kept the records it set aside (null when none). */
  truncated_records_topic: z.string().nullish(),
})
export type AlterMirrorResult = z.infer<typeof AlterMirrorResultSchema>

export const ClusterSchema = z.looseObject({ cluster_id: z.string() })

export const listOf = <T extends z.ZodType>(item: T) => z.looseObject({ data: z.array(item) })

export const ErrorBodySchema = z.looseObject({ error_code: z.union([z.number(), z.string()]).optional(), message: z.string().optional() })

/** Body of POST /links. Credentials travel inside `configs` (sasl.*, ssl.*), never in the URL. */
export interface CreateLinkBody {
  readonly source_cluster_id?: string
  readonly configs: readonly { readonly name: string; readonly value: string }[]
}

export interface CreateMirrorBody {
  readonly source_topic_name: string
  readonly mirror_topic_name?: string
  readonly replication_factor?: number
  readonly configs?: readonly { readonly name: string; readonly value: string }[]
}

export type AlterConfigOperation = { readonly name: string; readonly value: string; readonly operation?: 'SET' } | { readonly name: string; readonly operation: 'DELETE' }

export const MIRROR_ACTIONS = ['pause', 'resume', 'promote', 'failover'] as const
export type MirrorAction = (typeof MIRROR_ACTIONS)[number]

/** The failback actions, as path suffixes (`mirrors:<action>`). */
export const FAILBACK_MIRROR_ACTIONS = ['reverse-and-start-mirror', 'reverse-and-pause-mirror', 'truncate-and-restore'] as const
export type FailbackMirrorAction = (typeof FAILBACK_MIRROR_ACTIONS)[number]

/** Which mirrors an action applies to: names, or a name pattern. */
export type MirrorSelection = { readonly mirrorTopicNames: readonly string[] } | { readonly mirrorTopicNamePattern: string }
