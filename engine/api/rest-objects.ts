// Builds Confluent REST v3 objects (links, link configs, mirrors, alter results) from the engine's views.
import { httpStatusOf } from './http-errors.ts'
import { isLagKnown, LINK_CONFIGS, LINK_CONFIG_NAMES, type AlterResult, type LinkView, type MirrorView } from '../link/index.ts'

/** `prefix` is /kafka/v3 (Confluent Cloud paths) or /v3 (Confluent Platform paths), whichever the client called. */
export function clusterBase(baseUrl: string, clusterId: string, prefix = '/kafka/v3'): string {
  return `${baseUrl}${prefix}/clusters/${clusterId}`
}

/** Confluent's ClusterData: the id plus relationship links (the engine serves only the link and mirror ones). */
export function clusterObject(base: string, clusterId: string) {
  const related = (path: string) => ({ related: `${base}${path}` })
  return {
    kind: 'KafkaCluster' as const,
    metadata: { self: base, resource_name: null },
    cluster_id: clusterId,
    acls: related('/acls'), brokers: related('/brokers'), broker_configs: related('/broker-configs'),
    consumer_groups: related('/consumer-groups'), topics: related('/topics'),
    partition_reassignments: related('/topics/-/partitions/-/reassignment'),
  }
}

/** Mirror statuses grouped the way Confluent's category_counts groups them. */
function stateCategory(status: string): 'ACTIVE' | 'PAUSED' | 'PENDING' | 'IN_ERROR' | 'NOT_APPLICABLE' {
  if (status === 'ACTIVE') return 'ACTIVE'
  if (status === 'PAUSED' || status === 'LINK_PAUSED') return 'PAUSED'
  if (status.startsWith('PENDING_')) return 'PENDING'
  if (status === 'STOPPED') return 'NOT_APPLICABLE'
  return 'IN_ERROR'
}

export function linkObject(base: string, view: LinkView, includeTasks: boolean) {
  const counts = new Map<string, number>()
  for (const status of view.mirrorStatuses) counts.set(stateCategory(status), (counts.get(stateCategory(status)) ?? 0) + 1)
  return {
    kind: 'KafkaLinkData' as const,
    metadata: { self: `${base}/links/${view.linkName}`, resource_name: null },
    source_cluster_id: view.sourceClusterId,
    destination_cluster_id: view.destinationClusterId,
    link_name: view.linkName,
    link_id: view.linkId,
    cluster_link_id: view.linkId,
    topic_names: view.topicNames,
    link_state: view.linkState,
    link_error: view.linkError,
    link_error_message: view.linkErrorMessage,
    category_counts: [...counts].map(([state_category, count]) => ({ state_category, count })),
    ...(includeTasks ? { tasks: view.tasks } : {}),
  }
}

/** One link config; sensitive values are never returned (value null, is_sensitive true). */
export function linkConfigObject(
  base: string, clusterId: string, linkName: string, name: string, configs: Readonly<Record<string, string>>,
) {
  const definition = LINK_CONFIGS[name]
  const isSet = configs[name] !== undefined
  const sensitive = definition?.sensitive ?? false
  const value = sensitive ? null : (configs[name] ?? definition?.default ?? null)
  return {
    kind: 'KafkaLinkConfigData' as const,
    metadata: { self: `${base}/links/${linkName}/configs/${name}`, resource_name: null },
    cluster_id: clusterId,
    link_name: linkName,
    name,
    value,
    is_default: !isSet,
    is_read_only: definition?.immutable ?? false,
    is_sensitive: sensitive,
    source: isSet ? 'DYNAMIC_CLUSTER_LINK_CONFIG' as const : 'DEFAULT_CONFIG' as const,
    // Confluent's schema types synonyms as a list of strings.
    synonyms: [] as string[],
  }
}

/** Every config that is set, plus every default (sensitive ones only when set). */
export function linkConfigList(base: string, clusterId: string, linkName: string, configs: Readonly<Record<string, string>>) {
  const names = LINK_CONFIG_NAMES.filter((name) => configs[name] !== undefined || !(LINK_CONFIGS[name]?.sensitive ?? false))
  return names.map((name) => linkConfigObject(base, clusterId, linkName, name, configs))
}

function lags(view: MirrorView) {
  return view.partitions
    .filter(isLagKnown)
    .map((p) => ({ partition: p.partition, lag: p.lagRecords, last_source_fetch_offset: p.lastSourceFetchOffset }))
}

/** The REST mirror_topic_error values; other engine error codes are reported as UNKNOWN with the code in the message. */
const REST_MIRROR_TOPIC_ERRORS = new Set(['UNKNOWN', 'NOT_SET', 'NO_ERROR', 'SOURCE_TOPIC_MAY_BE_DELETED', 'SOURCE_TOPIC_ID_CHANGED', 'SOURCE_PARTITIONS_DECREASED',
  'NON_MONOTONIC_LOG_APPEND_EPOCH', 'UNEXPECTED_TRUNCATION', 'UNSUPPORTED_MESSAGE_FORMAT', 'NON_MONOTONIC_SOURCE_EPOCH', 'ILLEGAL_STATE', 'UNSUPPORTED_MIRROR_STATE'])

function mirrorTopicError(view: MirrorView): { mirror_topic_error: string; mirror_topic_error_message: string | null } {
  if (REST_MIRROR_TOPIC_ERRORS.has(view.mirrorTopicError)) {
    return { mirror_topic_error: view.mirrorTopicError, mirror_topic_error_message: view.mirrorTopicErrorMessage }
  }
  return { mirror_topic_error: 'UNKNOWN', mirror_topic_error_message: `${view.mirrorTopicError}: ${view.mirrorTopicErrorMessage ?? ''}` }
}

export function mirrorObject(base: string, view: MirrorView, includeTransitionErrors: boolean) {
  return {
    kind: 'KafkaMirrorData' as const,
    metadata: { self: `${base}/links/${view.linkName}/mirrors/${view.mirrorTopicName}`, resource_name: null },
    link_name: view.linkName,
    mirror_topic_name: view.mirrorTopicName,
    source_topic_name: view.sourceTopicName,
    num_partitions: view.numPartitions,
    mirror_lags: lags(view),
    mirror_status: view.status,
    state_time_ms: view.stateTimeMs,
    ...mirrorTopicError(view),
    ...(includeTransitionErrors ? { mirror_state_transition_errors: view.transitionErrors } : {}),
    // clusterlink extension: REVERSE after a failback (the source-cluster topic is the mirror, the local topic its source).
    mirror_direction: view.direction,
  }
}

/** Kinds of Confluent's alter answers (its OpenAPI examples): the list is KafkaPromoteMirror for every action. */
export const ALTER_MIRRORS_LIST_KIND = 'KafkaPromoteMirror'

/** One topic's alter result; error_code and error_message are null on success, as Confluent sends them. */
export function alterResultObject(base: string, linkName: string, result: AlterResult) {
  return {
    kind: 'AlterMirrorsData' as const,
    metadata: { self: `${base}/links/${linkName}/mirrors/${result.mirrorTopicName}`, resource_name: null },
    mirror_topic_name: result.mirrorTopicName,
    error_code: result.errorCode === null ? null : httpStatusOf(result.errorCode),
    error_message: result.errorMessage,
    mirror_lags: result.view ? lags(result.view) : [],
    messages_truncated: null,
    partition_level_truncation_data: [],
  }
}

/**
 * truncate-and-restore's answer fields: Confluent's messages_truncated and partition_level_truncation_data, plus the
 * extension truncated_records_topic (where the set-aside records are; null when nothing was set aside or on a dry run).
 */
export function truncationFields(result: AlterResult, includePartitions: boolean) {
  const t = result.truncation
  return {
    messages_truncated: t ? t.messagesTruncated : null,
    partition_level_truncation_data: t && includePartitions
      ? t.partitions.map((p) => ({
        partition_id: p.partition, offset_truncated_to: p.offsetTruncatedTo, messages_truncated: p.messagesTruncated,
      }))
      : [],
    truncated_records_topic: t ? t.sideTopic : null,
  }
}

export function listEnvelope<T>(kind: string, self: string, data: T[]) {
  return { kind, metadata: { self, next: null }, data }
}
