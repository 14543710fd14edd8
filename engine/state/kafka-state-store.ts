// Stores links and mirror topics as JSON records in a compacted single-partition topic on the destination cluster.
import { randomUUID } from 'node:crypto'
import { Consumer, Producer } from '@platformatic/kafka'
import { EngineError } from '../errors.ts'
import type { Logger } from '../logging/index.ts'
import type { KafkaConnectionConfig } from '../mirror/contract.ts'
import { createClusterAdmin, toClientOptions, type ClusterAdmin } from '../link/kafka-admin.ts'
import type { CredentialsCipher } from './credentials-cipher.ts'
import { decodeRecord, encodeLink, encodeMirror, linkKey, mirrorKey, type LinkState, type MirrorState, type RecordCodecOptions } from './state-records.ts'
import type { StateSnapshot, StateStore } from './state-store.ts'

export interface KafkaStateStoreOptions {
  readonly destination: KafkaConnectionConfig
  readonly topic: string
  readonly cipher?: CredentialsCipher
  readonly isSensitive: (configName: string) => boolean
  readonly logger: Logger
}

/**
 * Invariant: the state topic is the only durable state. Writes are acknowledged by all in-sync replicas before the
 * caller changes memory, and `load` reads to the log end offset observed at its start, so a restarted engine sees
 * every write acknowledged before it started. Keys: link:<name>, mirror:<link>:<topic>; tombstones delete.
 */
export class KafkaStateStore implements StateStore {
  readonly #options: KafkaStateStoreOptions
  readonly #codec: RecordCodecOptions
  readonly #admin: ClusterAdmin
  readonly #producer: Producer
  readonly #consumer: Consumer
  readonly #log: Logger

  constructor(options: KafkaStateStoreOptions) {
    this.#options = options
    this.#codec = { cipher: options.cipher, isSensitive: options.isSensitive }
    this.#log = options.logger.child({ component: 'state' })
    const clientOptions = toClientOptions(options.destination, 'clusterlink-state')
    this.#admin = createClusterAdmin(options.destination, 'clusterlink-state-admin')
    this.#producer = new Producer({ ...clientOptions, acks: -1, retries: 3, autocreateTopics: false })
    this.#consumer = new Consumer({ ...clientOptions, groupId: `clusterlink-state-${randomUUID()}` })
  }

  /** Creates the state topic when absent (compacted, one partition, replicated up to 3). */
  async #ensureTopic(): Promise<void> {
    if ((await this.#admin.partitionCount(this.#options.topic)) !== undefined) return
    const replicas = Math.min(3, await this.#admin.brokerCount())
    try {
      await this.#admin.createTopic(this.#options.topic, 1, replicas, { 'cleanup.policy': 'compact', 'min.insync.replicas': String(Math.min(2, replicas)) })
      this.#log.info({ topic: this.#options.topic }, 'state topic created')
    } catch (error) {
      // Another engine replica may have created it meanwhile.
      if ((await this.#admin.partitionCount(this.#options.topic)) === undefined) throw error
    }
  }

  async load(): Promise<StateSnapshot> {
    await this.#ensureTopic()
    const topic = this.#options.topic
    const end = (await this.#admin.listOffsets(topic, [0], 'latest')).get(0) ?? 0
    const values = new Map<string, Buffer | null>()
    let offset = (await this.#admin.listOffsets(topic, [0], 'earliest')).get(0) ?? 0
    while (offset < end) {
      const metadata = await this.#consumer.metadata({ topics: [topic], forceUpdate: true })
      const info = metadata.topics.get(topic)
      const leader = info?.partitions[0]?.leader
      if (!info || leader === undefined || leader < 0) throw new EngineError('DESTINATION_UNAVAILABLE', 'state topic has no leader', { retriable: true })
      const response = await this.#consumer.fetch({
        node: leader, maxWaitTime: 200, minBytes: 1, maxBytes: 16 * 1024 * 1024,
        topics: [{ topicId: info.id, partitions: [{ partition: 0, currentLeaderEpoch: -1, fetchOffset: BigInt(offset), lastFetchedEpoch: -1, partitionMaxBytes: 16 * 1024 * 1024 }] }],
      })
      const partition = response.responses[0]?.partitions[0]
      if (!partition || partition.errorCode !== 0) throw new EngineError('DESTINATION_UNAVAILABLE', `state topic fetch failed (error code ${partition?.errorCode ?? 'none'})`, { retriable: true })
      for (const batch of partition.records ?? []) {
        for (const record of batch.records) {
          const at = Number(batch.firstOffset) + record.offsetDelta
          if (at < offset || !record.key) continue
          values.set(record.key.toString('utf8'), record.value)
        }
        offset = Math.max(offset, Number(batch.firstOffset) + batch.lastOffsetDelta + 1)
      }
    }
    const links: LinkState[] = []
    const mirrors: MirrorState[] = []
    for (const [key, value] of values) {
      if (value === null) continue
      let decoded
      try {
        decoded = decodeRecord(value, this.#codec)
      } catch (error) {
        // Refuse to start rather than silently drop a link or a mirror topic.
        throw new EngineError('CONFIG_ERROR', `state record '${key}' in ${topic} cannot be read (${error instanceof Error ? error.message.split('\n')[0] : String(error)}); start with the credentialsKey that wrote it, or write a tombstone for this key`, { cause: error })
      }
      if (decoded.kind === 'link') links.push(decoded.link)
      else mirrors.push(decoded.mirror)
      if (!key.startsWith(`${decoded.kind}:`)) this.#log.warn({ key }, 'state record under an unexpected key (kept)')
    }
    this.#log.info({ links: links.length, mirrors: mirrors.length, endOffset: end }, 'state loaded')
    return { links, mirrors }
  }

  async #write(key: string, value: Buffer | undefined): Promise<void> {
    try {
      await this.#producer.send({ messages: [{ topic: this.#options.topic, partition: 0, key: Buffer.from(key), ...(value ? { value } : {}) }], acks: -1 })
    } catch (error) {
      throw new EngineError('DESTINATION_UNAVAILABLE', 'could not write to the state topic; nothing was changed', { retriable: true, cause: error })
    }
  }

  putLink(link: LinkState): Promise<void> {
    return this.#write(linkKey(link.linkName), encodeLink(link, this.#codec))
  }

  deleteLink(linkName: string): Promise<void> {
    return this.#write(linkKey(linkName), undefined)
  }

  putMirror(mirror: MirrorState): Promise<void> {
    return this.#write(mirrorKey(mirror.linkName, mirror.mirrorTopicName), encodeMirror(mirror))
  }

  deleteMirror(linkName: string, mirrorTopicName: string): Promise<void> {
    return this.#write(mirrorKey(linkName, mirrorTopicName), undefined)
  }

  async close(): Promise<void> {
    await Promise.allSettled([this.#producer.close(), this.#consumer.close(), this.#admin.close()])
  }
}
