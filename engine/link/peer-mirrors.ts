// The mirror topics the remote engine of a bidirectional link keeps on its cluster, read from its state topic's keys: never mirrored back.
import { PartitionLogClient, type KafkaConnectionConfig } from '../kafka/index.ts'
import type { ClusterAdmin } from './kafka-admin.ts'

/** What the tracker needs: the remote cluster's admin and a reader of one partition of its state topic. */
export interface PeerStateAccess {
  readonly admin: ClusterAdmin
  readonly stateTopic: string
  readonly openLog: (topic: string) => Pick<PartitionLogClient, 'read' | 'close'>
}

export function peerStateAccess(
  admin: ClusterAdmin, connection: KafkaConnectionConfig, stateTopic: string, linkName: string,
): PeerStateAccess {
  return { admin, stateTopic, openLog: (topic) => new PartitionLogClient(connection, `clusterlink-${linkName}-peer-state`, topic) }
}

/** The mirror topic name of a state record key mirror:<link>:<topic> (topic names hold no ':'), or undefined. */
export function mirrorTopicOfKey(key: string): string | undefined {
  if (!key.startsWith('mirror:')) return undefined
  const topic = key.slice(key.lastIndexOf(':') + 1)
  return topic === '' ? undefined : topic
}

/**
 * Follows the remote state topic incrementally: only keys are read (values may hold the remote engine's encrypted
 * credentials and are never decoded); the newest record of each mirror key says whether the topic is a mirror now.
 * No state topic on the remote means no engine there yet, so no mirror topics. A read error throws: callers then
 * mirror nothing new rather than risk a loop.
 */
export class PeerMirrorTracker {
  readonly #access: PeerStateAccess
  readonly #mirrors = new Map<string, boolean>()
  #offset = -1
  #log: Pick<PartitionLogClient, 'read' | 'close'> | undefined

  constructor(access: PeerStateAccess) {
    this.#access = access
  }

  /**
   * Reads the records written since the last call and returns the remote cluster's mirror topics. A remote engine stores
   * a mirror record before it creates the topic, so a topic listed before this call is found here if it is a mirror.
   */
  async mirrorTopics(): Promise<ReadonlySet<string>> {
    const { admin, stateTopic } = this.#access
    if ((await admin.partitionCount(stateTopic)) === undefined) {
      this.#mirrors.clear()
      this.#offset = -1
      return new Set()
    }
    const [earliest, end] = await Promise.all([admin.listOffsets(stateTopic, [0], 'earliest'), admin.listOffsets(stateTopic, [0], 'latest')])
    const start = earliest.get(0) ?? 0
    if (this.#offset < start) {
      this.#mirrors.clear()
      this.#offset = start
    }
    const target = end.get(0) ?? 0
    this.#log ??= this.#access.openLog(stateTopic)
    while (this.#offset < target) {
      const { records, next } = await this.#log.read(this.#offset, 200)
      for (const record of records) {
        const topic = record.key ? mirrorTopicOfKey(record.key.toString('utf8')) : undefined
        if (topic !== undefined) this.#mirrors.set(topic, record.value !== null)
      }
      // Fail closed: a partial read could miss a mirror topic and let it be mirrored back.
      if (next <= this.#offset) throw new Error(`the remote state topic ${stateTopic} did not advance past offset ${this.#offset}`)
      this.#offset = next
    }
    return new Set([...this.#mirrors].filter(([, live]) => live).map(([topic]) => topic))
  }

  async close(): Promise<void> {
    await this.#log?.close()
    this.#log = undefined
  }
}
