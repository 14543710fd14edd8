// Topic administration on one cluster: create topics, describe configs, create partitions, delete topics.
import { kafkaError, KafkaErrorCodes } from './kafka-errors.ts'
import { normalizeTopicId, type KafkaClusterClient } from './kafka-cluster-client.ts'
import { CreatePartitions, CreateTopics, DeleteTopics, DescribeConfigs } from './negotiated-apis.ts'

/*
  CreateTopics v2-v7 => [topics] timeout_ms validate_only   topics => name num_partitions replication_factor [assignments] [configs]
  DescribeConfigs v1-v4 => [resources] include_synonyms include_documentation (v3+)
    resources => resource_type(2 = topic) resource_name [configuration_keys]
  CreatePartitions v0-v3 => [topics] timeout_ms validate_only   topics => name count [assignments]
  DeleteTopics v1-v6 => [topics] (v6+; topic_names before) timeout_ms   topics => name topic_id
  Each is sent at the highest version the broker and the engine both speak (negotiated-apis.ts). Admin requests go
  to any broker; KRaft brokers forward them to the controller, ZooKeeper-mode brokers to the controller broker.
*/

export interface CreateTopicOptions {
  readonly name: string
  readonly partitions: number
  /** -1: the broker default. */
  readonly replicationFactor?: number
  readonly configs?: Readonly<Record<string, string>>
}

/** Creates a topic; returns its topic id ('' when the broker does not report one: CreateTopics below v7). ALREADY_EXISTS when it exists. */
export async function createTopic(client: KafkaClusterClient, options: CreateTopicOptions): Promise<string> {
  const res = await client.withAdmin('create topics', (c) => client.send(c, CreateTopics, [{
    name: options.name,
    numPartitions: options.partitions,
    replicationFactor: options.replicationFactor ?? -1,
    assignments: [],
    configs: Object.entries(options.configs ?? {}).map(([name, value]) => ({ name, value })),
  }], 30_000, false))
  const t = res.topics[0]
  if (!t) throw kafkaError(-1, client.side, 'create topics', { topic: options.name })
  if (t.errorCode !== 0) throw kafkaError(t.errorCode, client.side, 'create topics', { topic: options.name }, t.errorMessage)
  return normalizeTopicId(t.topicId)
}

/** The topic's effective configs (name → value; sensitive or null values are left out). */
export async function describeTopicConfigs(client: KafkaClusterClient, topic: string): Promise<Record<string, string>> {
  const res = await client.withAdmin('describe configs', (c) => client.send(c, DescribeConfigs, [{ resourceType: 2, resourceName: topic, configurationKeys: null }], false, false))
  const r = res.results[0]
  if (!r) throw kafkaError(-1, client.side, 'describe configs', { topic })
  if (r.errorCode !== 0) throw kafkaError(r.errorCode, client.side, 'describe configs', { topic }, r.errorMessage)
  const out: Record<string, string> = {}
  for (const c of r.configs) if (typeof c.value === 'string' && !c.isSensitive) out[c.name] = c.value
  return out
}

/** Grows a topic to `count` partitions (no-op when it already has that many). */
export async function createPartitions(client: KafkaClusterClient, topic: string, count: number): Promise<void> {
  const res = await client.withAdmin('create partitions', (c) => client.send(c, CreatePartitions, [{ name: topic, count, assignments: null }], 30_000, false))
  const r = res.results[0]
  if (r && r.errorCode !== 0 && r.errorCode !== KafkaErrorCodes.INVALID_PARTITIONS) throw kafkaError(r.errorCode, client.side, 'create partitions', { topic }, r.errorMessage)
}

export async function deleteTopic(client: KafkaClusterClient, topic: string): Promise<void> {
  const res = await client.withAdmin('delete topics', (c) => client.send(c, DeleteTopics, [{ name: topic, topicId: null }], 30_000))
  const r = res.responses[0]
  if (r && r.errorCode !== 0 && r.errorCode !== KafkaErrorCodes.UNKNOWN_TOPIC_OR_PARTITION) throw kafkaError(r.errorCode, client.side, 'delete topics', { topic }, r.errorMessage)
}
