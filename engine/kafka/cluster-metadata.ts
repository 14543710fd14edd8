// What a Metadata answer tells of one cluster: its brokers, its topics with their ids, and each partition's leader.
import type { BrokerAddress } from './connection-lanes.ts'

export interface PartitionMetadata {
  readonly partition: number
  readonly leaderId: number
  readonly leaderEpoch: number
  readonly errorCode: number
}
export interface TopicMetadata {
  readonly name: string
  readonly topicId: string
  readonly errorCode: number
  readonly isInternal: boolean
  readonly partitions: readonly PartitionMetadata[]
}
export interface ClusterMetadata {
  readonly clusterId: string | null
  readonly brokers: ReadonlyMap<number, BrokerAddress>
  readonly topics: ReadonlyMap<string, TopicMetadata>
}

const ZERO_UUID = '00000000-0000-0000-0000-000000000000'

/** A topic id as the engine keeps it: '' when the broker has none (Metadata below v10, or a topic from before Kafka 2.8). */
export function normalizeTopicId(id: string | null | undefined): string {
  return !id || id === ZERO_UUID || id === 'AAAAAAAAAAAAAAAAAAAAAA' ? '' : id
}

/**
 * ListOffsets (Kafka's ListOffsetsRequest): timestamp -2 = earliest (log start offset), -1 = latest (HW under
 * read_uncommitted, LSO under read_committed), otherwise the first offset whose timestamp is >= the value.
 */
export type OffsetSpec = 'earliest' | 'latest' | { readonly timestampMs: number }
export type Isolation = 'read_committed' | 'read_uncommitted'
export interface ActiveProducer {
  readonly producerId: bigint
  readonly producerEpoch: number
  readonly lastSequence: number
  readonly lastTimestamp: bigint
  readonly currentTxnStartOffset: bigint
}

