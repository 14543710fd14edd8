// Tells whether the source topic seen now is the one the mirror started from: by topic id, or by leader epochs where ids are missing.
import { EngineError } from '../errors.ts'
import type { TopicMetadata } from './kafka-cluster-client.ts'

/**
 * What identifies one life of a source topic. Topic ids (KIP-516) exist from Kafka 2.8 (Metadata v10+); topics on older
 * brokers have none. Without an id the engine uses partition leader epochs: every leader election raises a partition's
 * epoch, the epoch lives as long as the topic (ZooKeeper partition state, or the KRaft partition record), and a deleted
 * and recreated topic starts again at 0. An epoch lower than one seen before therefore means a new topic. A broker whose
 * metadata cache lags can report an older epoch for a moment, so a drop counts only when two checks in a row see it.
 * Not covered: a recreated topic whose epochs have already climbed back above the old ones; the copier's offset checks
 * (a source high watermark below the mirror's log end offset) still stop most such cases.
 */
export interface SourceTopicIdentity {
  readonly topicId: string
  /** Highest leader epoch seen per partition. */
  readonly leaderEpochs: readonly number[]
  /** A drop seen once, waiting for a second check to confirm it. */
  readonly suspectedDrop: boolean
}

export function identityOf(topic: TopicMetadata): SourceTopicIdentity {
  return { topicId: topic.topicId, leaderEpochs: topic.partitions.map((p) => p.leaderEpoch), suspectedDrop: false }
}

export interface IdentityCheck {
  readonly identity: SourceTopicIdentity
  /** Set when the topic is not the one of `previous` (SOURCE_TOPIC_ID_CHANGED). */
  readonly error?: EngineError
}

/** Compares the topic seen now with the identity recorded so far; returns the updated identity and, for a new topic, the error. */
export function checkTopicIdentity(name: string, previous: SourceTopicIdentity, current: TopicMetadata): IdentityCheck {
  const changed = (detail: string): IdentityCheck => ({
    identity: previous,
    error: new EngineError('SOURCE_TOPIC_ID_CHANGED', `source topic '${name}' was recreated (${detail})`, { context: { topic: name } }),
  })
  if (previous.topicId !== '' || current.topicId !== '') {
    if (current.topicId !== previous.topicId) return changed(`topic id ${previous.topicId || 'none'} is now ${current.topicId || 'none'}`)
    return { identity: previous }
  }
  if (current.partitions.length < previous.leaderEpochs.length) {
    return changed(`it has no topic id, and its partition count fell from ${previous.leaderEpochs.length} to ${current.partitions.length}`)
  }
  const drop = current.partitions.find((p) => p.leaderEpoch >= 0 && p.leaderEpoch < (previous.leaderEpochs[p.partition] ?? -1))
  if (drop) {
    if (previous.suspectedDrop) {
      const before = previous.leaderEpochs[drop.partition]
      return changed(`it has no topic id, and partition ${drop.partition}'s leader epoch went back from ${before} to ${drop.leaderEpoch}`)
    }
    return { identity: { ...previous, suspectedDrop: true } }
  }
  const leaderEpochs = current.partitions.map((p) => Math.max(p.leaderEpoch, previous.leaderEpochs[p.partition] ?? -1))
  return { identity: { topicId: '', leaderEpochs, suspectedDrop: false } }
}
