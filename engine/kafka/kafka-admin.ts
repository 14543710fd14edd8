// Topic administration on one cluster: create topics, describe configs, create partitions, delete topics.
import { createAPI, createPartitionsV3, createTopicsV7, deleteTopicsV6, describeConfigsV4 } from '@platformatic/kafka'
import { kafkaError, KafkaErrorCodes } from './kafka-errors.ts'
import { keepErrors } from './raw-apis.ts'
import type { KafkaClusterClient } from './kafka-cluster-client.ts'

/*
  CreateTopics v7 => [topics] timeout_ms validate_only   topics => name num_partitions replication_factor [assignments] [configs]
  DescribeConfigs v4 => [resources] include_synonyms include_documentation   resources => resource_type(2 = topic) resource_name [configuration_keys]
  CreatePartitions v3 => [topics] timeout_ms validate_only   topics => name count [assignments]
  DeleteTopics v6 => [topics] timeout_ms   topics => name topic_id
  Admin requests go to any broker; KRaft brokers forward them to the controller.
*/
const createTopics = createAPI<[createTopicsV7.CreateTopicsRequestTopic[], number, boolean], createTopicsV7.CreateTopicsResponse>(19, 7, createTopicsV7.createRequest, keepErrors(createTopicsV7.parseResponse))
const describeConfigs = createAPI<[describeConfigsV4.DescribeConfigsRequestResource[], boolean, boolean], describeConfigsV4.DescribeConfigsResponse>(32, 4, describeConfigsV4.createRequest, keepErrors(describeConfigsV4.parseResponse))
const createPartitionsApi = createAPI<[createPartitionsV3.CreatePartitionsRequestTopic[], number, boolean], createPartitionsV3.CreatePartitionsResponse>(37, 3, createPartitionsV3.createRequest, keepErrors(createPartitionsV3.parseResponse))
const deleteTopics = createAPI<[deleteTopicsV6.DeleteTopicsRequestTopic[], number], deleteTopicsV6.DeleteTopicsResponse>(20, 6, deleteTopicsV6.createRequest, keepErrors(deleteTopicsV6.parseResponse))

export interface CreateTopicOptions {
  readonly name: string
  readonly partitions: number
  /** -1: the broker default. */
  readonly replicationFactor?: number
  readonly configs?: Readonly<Record<string, string>>
}

/** Creates a topic; returns its topic id. ALREADY_EXISTS when it exists. */
export async function createTopic(client: KafkaClusterClient, options: CreateTopicOptions): Promise<string> {
  const res = await client.withAdmin('create topics', (c) => createTopics.async(c, [{
    name: options.name,
    numPartitions: options.partitions,
    replicationFactor: options.replicationFactor ?? -1,
    assignments: [],
    configs: Object.entries(options.configs ?? {}).map(([name, value]) => ({ name, value })),
  }], 30_000, false))
  const t = res.topics[0]
  if (!t) throw kafkaError(-1, client.side, 'create topics', { topic: options.name })
  if (t.errorCode !== 0) throw kafkaError(t.errorCode, client.side, 'create topics', { topic: options.name }, t.errorMessage)
  return t.topicId
}

/** The topic's effective configs (name → value; sensitive or null values are left out). */
export async function describeTopicConfigs(client: KafkaClusterClient, topic: string): Promise<Record<string, string>> {
  const res = await client.withAdmin('describe configs', (c) => describeConfigs.async(c, [{ resourceType: 2, resourceName: topic, configurationKeys: null }], false, false))
  const r = res.results[0]
  if (!r) throw kafkaError(-1, client.side, 'describe configs', { topic })
  if (r.errorCode !== 0) throw kafkaError(r.errorCode, client.side, 'describe configs', { topic }, r.errorMessage)
  const out: Record<string, string> = {}
  for (const c of r.configs) if (typeof c.value === 'string' && !c.isSensitive) out[c.name] = c.value
  return out
}

/** Grows a topic to `count` partitions (no-op when it already has that many). */
export async function createPartitions(client: KafkaClusterClient, topic: string, count: number): Promise<void> {
  const res = await client.withAdmin('create partitions', (c) => createPartitionsApi.async(c, [{ name: topic, count, assignments: null }], 30_000, false))
  const r = res.results[0]
  if (r && r.errorCode !== 0 && r.errorCode !== KafkaErrorCodes.INVALID_PARTITIONS) throw kafkaError(r.errorCode, client.side, 'create partitions', { topic }, r.errorMessage)
}

export async function deleteTopic(client: KafkaClusterClient, topic: string): Promise<void> {
  const res = await client.withAdmin('delete topics', (c) => deleteTopics.async(c, [{ name: topic, topicId: null }], 30_000))
  const r = res.responses[0]
  if (r && r.errorCode !== 0 && r.errorCode !== KafkaErrorCodes.UNKNOWN_TOPIC_OR_PARTITION) throw kafkaError(r.errorCode, client.side, 'delete topics', { topic }, r.errorMessage)
}
