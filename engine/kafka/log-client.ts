// Reads and appends keyed records of one partition (the engine's state topic): fetch from an offset, append with acks=all.
import { randomUUID } from 'node:crypto'
import { Consumer, Producer } from '@platformatic/kafka'
import { EngineError } from '../errors.ts'
import { clientOptionsFor } from './client-options.ts'
import type { KafkaConnectionConfig } from './connection-config.ts'
import { kafkaError, toEngineError } from './kafka-errors.ts'

export interface LogRecord {
  readonly offset: number
  readonly key: Buffer | null
  readonly value: Buffer | null
}

export interface LogAppend {
  readonly key: Buffer
  /** Absent: a tombstone. */
  readonly value?: Buffer
}

const MAX_FETCH_BYTES = 16 * 1024 * 1024

/** One partition of one topic on the destination cluster, read and written by the control plane (not the data path). */
export class PartitionLogClient {
  readonly #topic: string
  readonly #partition: number
  readonly #producer: Producer
  readonly #consumer: Consumer

  constructor(destination: KafkaConnectionConfig, clientId: string, topic: string, partition = 0) {
    this.#topic = topic
    this.#partition = partition
    const options = clientOptionsFor(destination, clientId)
    this.#producer = new Producer({ ...options, acks: -1, retries: 3, autocreateTopics: false })
    // The group id is never joined: the consumer is used for Fetch only.
    this.#consumer = new Consumer({ ...options, groupId: `${clientId}-${randomUUID()}` })
  }

  /**
   * The records from `offset` on, waiting up to waitMs for some; `next` is the offset after the last batch returned.
   * Throws an EngineError; a broker error code (OFFSET_OUT_OF_RANGE when the log start moved past `offset`) is in
   * context.kafkaErrorCode.
   */
  async read(offset: number, waitMs: number): Promise<{ records: LogRecord[]; next: number }> {
    const context = { topic: this.#topic, partition: this.#partition }
    let response
    let topicId: string
    try {
      const metadata = await this.#consumer.metadata({ topics: [this.#topic] })
      const info = metadata.topics.get(this.#topic)
      const leader = info?.partitions[this.#partition]?.leader
      if (!info || leader === undefined || leader < 0) {
        this.#consumer.clearMetadata()
        throw new EngineError('DESTINATION_UNAVAILABLE', `${this.#topic} has no leader`, { retriable: true, context })
      }
      topicId = info.id
      response = await this.#consumer.fetch({
        node: leader, maxWaitTime: waitMs, minBytes: 1, maxBytes: MAX_FETCH_BYTES,
        topics: [{
          topicId,
          partitions: [{
            partition: this.#partition, currentLeaderEpoch: -1, fetchOffset: BigInt(offset), lastFetchedEpoch: -1,
            partitionMaxBytes: MAX_FETCH_BYTES,
          }],
        }],
      })
    } catch (error) {
      this.#consumer.clearMetadata()
      throw toEngineError(error, 'destination', 'fetch', context)
    }
    const partition = response.responses[0]?.partitions.find((p) => p.partitionIndex === this.#partition)
    // An incremental fetch session (KIP-227) leaves out a partition with nothing new.
    if (!partition) return { records: [], next: offset }
    if (partition.errorCode !== 0) {
      this.#consumer.clearMetadata()
      throw kafkaError(partition.errorCode, 'destination', 'fetch', context)
    }
    const records: LogRecord[] = []
    let next = offset
    for (const batch of partition.records ?? []) {
      for (const record of batch.records) {
        const at = Number(batch.firstOffset) + record.offsetDelta
        if (at >= offset) records.push({ offset: at, key: record.key ?? null, value: record.value ?? null })
      }
      next = Math.max(next, Number(batch.firstOffset) + batch.lastOffsetDelta + 1)
    }
    return { records, next }
  }

  /** Appends the records (acks=all) and returns the offset of the first one, when the broker reports it. */
  async append(records: readonly LogAppend[]): Promise<number | undefined> {
    try {
      const result = await this.#producer.send({
        messages: records.map((r) => ({
          topic: this.#topic, partition: this.#partition, key: r.key, ...(r.value ? { value: r.value } : {}),
        })),
        acks: -1,
      })
      const written = result.offsets?.[0]?.offset
      return written === undefined ? undefined : Number(written)
    } catch (error) {
      throw toEngineError(error, 'destination', 'produce', { topic: this.#topic, partition: this.#partition })
    }
  }

  async close(): Promise<void> {
    await Promise.allSettled([this.#producer.close(), this.#consumer.close(true)])
  }
}
