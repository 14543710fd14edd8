// One connection to one Kafka cluster (source or destination): metadata, leader routing, raw Fetch/Produce, offsets and
// producer-state calls.
import type { Connection } from '@platformatic/kafka'
import { DATA_TIMEOUTS } from './client-options.ts'
import type { KafkaConnectionConfig } from './connection-config.ts'
import { ConnectionLanes, type BrokerAddress } from './connection-lanes.ts'
import {
  normalizeTopicId, type ActiveProducer, type ClusterMetadata, type Isolation, type OffsetSpec, type PartitionMetadata, type TopicMetadata,
} from './cluster-metadata.ts'
import { EngineError } from '../errors.ts'
import { checkRequiredApis, requestFinalizedFeatures, type ApiName } from './api-versions.ts'
import { kafkaError, toEngineError, type ClusterSide, KafkaErrorCodes } from './kafka-errors.ts'
import {
  AddPartitionsToTxn, DeleteRecords, DescribeProducers, DescribeTransactions, EndTxn, FindCoordinator, InitProducerId, ListOffsets,
  Metadata, type NegotiatedApi,
} from './negotiated-apis.ts'
import { ISOLATION_READ_COMMITTED, ISOLATION_READ_UNCOMMITTED, rawFetchApi, type RawFetchPartitionResponse } from './raw-fetch.ts'
import { FetchBatcher, fetchSender, type PartitionFetch } from './fetch-batcher.ts'
import { rawProduceApi, type RawProducePartitionResponse, type RawProduceResponse } from './raw-produce.ts'

export type { BrokerAddress } from './connection-lanes.ts'
export {
  normalizeTopicId, type ActiveProducer, type ClusterMetadata, type Isolation, type OffsetSpec, type PartitionMetadata, type TopicMetadata,
} from './cluster-metadata.ts'
export interface KafkaClusterClientOptions {
  readonly side: ClusterSide
  readonly requestTimeoutMs?: number
  readonly connectTimeoutMs?: number
}

/**
 * Talks to one cluster. Requests go to the partition leader (or the transaction coordinator) over connections kept
 * per lane: a broker handles one request at a time per connection (SocketServer mutes the channel until it answers),
 * so long-polling fetches and produces of different copiers use different lanes.
 */
export class KafkaClusterClient {
  readonly side: ClusterSide
  readonly #lanes: ConnectionLanes
  #brokers = new Map<number, BrokerAddress>()
  readonly #leaders = new Map<string, PartitionMetadata>()
  readonly #coordinators = new Map<string, BrokerAddress>()
  /** Per produce lane: settles once the lane's latest produceRawOrdered request is queued on its connection. */
  readonly #produceTurns = new Map<string, Promise<void>>()
  readonly #batcher = new FetchBatcher(fetchSender(
    (lane, broker, run) => this.#lanes.call('fetch', lane, broker, run), (c, cap) => this.versionFor(c, 'Fetch', cap), () => this.side,
  ))

  constructor(config: KafkaConnectionConfig, options: KafkaClusterClientOptions) {
    this.side = options.side
    this.#lanes = new ConnectionLanes(config, options.side, {
      requestTimeoutMs: options.requestTimeoutMs ?? DATA_TIMEOUTS.requestTimeoutMs,
      connectTimeoutMs: options.connectTimeoutMs ?? DATA_TIMEOUTS.connectTimeoutMs,
    })
  }

  /**
   * The version of `api` to send on this connection: the highest both sides speak, at most `cap`; else "unsupported
   * broker version".
   */
  async versionFor(connection: Connection, api: ApiName, cap?: number): Promise<number> {
    return this.#lanes.versionFor(connection, api, cap)
  }

  /** Sends a negotiated API on a connection at the version both sides speak. */
  async send<A extends unknown[], R>(connection: Connection, api: NegotiatedApi<A, R>, ...args: A): Promise<R> {
    const version = await this.versionFor(connection, api.name)
    return api.at(version).async(connection, ...args)
  }

  /**
   * Checks every broker of the cluster for the APIs its role needs (REQUIRED_APIS) and returns the first one that
   * lacks a version the engine speaks, as an "unsupported broker version" error; undefined when every broker fits.
   */
  async checkBrokerVersions(role: ClusterSide = this.side): Promise<EngineError | undefined> {
    const md = await this.metadata([])
    const brokers = md.brokers.size > 0 ? [...md.brokers.values()] : [undefined]
    for (const broker of brokers) {
      const found = await this.#lanes.call('api versions', 'admin', broker, async (c) => {
        const versions = await this.#lanes.versionsOf(c)
        return checkRequiredApis(role, `${c.host ?? broker?.host ?? '?'}:${c.port ?? broker?.port ?? '?'}`, versions)
      })
      if (found) return found
    }
    return undefined
  }

  /** Finalized feature levels of the cluster (transaction.version, metadata.version); empty in ZooKeeper mode. */
  async finalizedFeatures(): Promise<ReadonlyMap<string, number>> {
    return this.#lanes.call('api versions', 'admin', undefined, (c) => requestFinalizedFeatures(c))
  }

  async metadata(topics: string[] | null): Promise<ClusterMetadata> {
    const res = await this.#lanes.call('metadata', 'admin', undefined, (c) => this.send(c, Metadata, topics, false, false))
    this.#brokers = new Map(res.brokers.map((b) => [b.nodeId, { nodeId: b.nodeId, host: b.host, port: b.port }]))
    const out = new Map<string, TopicMetadata>()
    for (const t of res.topics) {
      if (!t.name) continue
      const partitions = t.partitions
        .map((p) => ({ partition: p.partitionIndex, leaderId: p.leaderId, leaderEpoch: p.leaderEpoch, errorCode: p.errorCode }))
        .sort((a, b) => a.partition - b.partition)
      out.set(t.name, { name: t.name, topicId: normalizeTopicId(t.topicId), errorCode: t.errorCode, isInternal: t.isInternal, partitions })
      for (const p of partitions) this.#leaders.set(`${t.name}/${p.partition}`, p)
    }
    return { clusterId: res.clusterId ?? null, brokers: this.#brokers, topics: out }
  }

  /** The topic's metadata, or null when the cluster does not know it. */
  async describeTopic(topic: string): Promise<TopicMetadata | null> {
    const md = await this.metadata([topic])
    const t = md.topics.get(topic)
    if (!t || t.errorCode === KafkaErrorCodes.UNKNOWN_TOPIC_OR_PARTITION) return null
    if (t.errorCode !== 0) throw kafkaError(t.errorCode, this.side, 'metadata', { topic })
    return t
  }

  /** Forgets a partition's leader (after NOT_LEADER_OR_FOLLOWER and the like) so that the next call refreshes it. */
  invalidateLeader(topic: string, partition: number): void {
    this.#leaders.delete(`${topic}/${partition}`)
  }

  async leaderOf(topic: string, partition: number): Promise<{ broker: BrokerAddress; leaderEpoch: number }> {
    let p = this.#leaders.get(`${topic}/${partition}`)
    if (!p || p.leaderId < 0 || !this.#brokers.has(p.leaderId)) {
      const md = await this.metadata([topic])
      const t = md.topics.get(topic)
      if (!t || t.errorCode !== 0) {
        throw kafkaError(t?.errorCode ?? KafkaErrorCodes.UNKNOWN_TOPIC_OR_PARTITION, this.side, 'metadata', { topic, partition })
      }
      p = t.partitions.find((x) => x.partition === partition)
      if (!p) throw kafkaError(KafkaErrorCodes.UNKNOWN_TOPIC_OR_PARTITION, this.side, 'metadata', { topic, partition })
    }
    const broker = this.#brokers.get(p.leaderId)
    if (!broker) throw kafkaError(KafkaErrorCodes.LEADER_NOT_AVAILABLE, this.side, 'metadata', { topic, partition })
    return { broker, leaderEpoch: p.leaderEpoch }
  }

  /** Any broker (for admin calls the controller forwards): the first bootstrap server that answers. */
  async adminConnection(): Promise<Connection> {
    return this.#lanes.connection('admin')
  }

  async withAdmin<T>(what: string, run: (c: Connection) => Promise<T>): Promise<T> {
    return this.#lanes.call(what, 'admin', undefined, run)
  }

  /**
   * Raw Fetch of one partition from its leader: record-set bytes as received, HW, LSO, log start offset, aborted
   * transactions. Version: v13 bound to the topic id when one is given and the leader speaks it (UNKNOWN_TOPIC_ID once
   * the topic is recreated), else the highest of v4 to v12 by name.
   */
  async fetchRaw(
    topic: string, partition: number, fetchOffset: bigint,
    options: { maxBytes: number; maxWaitMs: number; isolation: Isolation; lane: string; topicId?: string; lastFetchedEpoch?: number },
  ): Promise<RawFetchPartitionResponse> {
    const { broker } = await this.leaderOf(topic, partition)
    const isolation = options.isolation === 'read_committed' ? ISOLATION_READ_COMMITTED : ISOLATION_READ_UNCOMMITTED
    const topicId = normalizeTopicId(options.topicId)
    const res = await this.#lanes.call('fetch', options.lane, broker, async (c) => {
      const version = await this.versionFor(c, 'Fetch', topicId ? 13 : 12)
      return rawFetchApi(version).async(c, options.maxWaitMs, 1, options.maxBytes, isolation, [
        {
          topic: version >= 13 ? topicId : topic,
          partitions: [{ partition, fetchOffset, partitionMaxBytes: options.maxBytes, lastFetchedEpoch: options.lastFetchedEpoch ?? -1 }],
        },
      ])
    })
    if (res.errorCode !== 0) throw kafkaError(res.errorCode, this.side, 'fetch', { topic, partition })
    const p = res.topics[0]?.partitions[0]
    if (!p) throw new EngineError('KAFKA_ERROR', `fetch response from the ${this.side} cluster has no partition ${partition}`)
    return p
  }

  /** fetchRaw in one Fetch with every partition asked of the same leader meanwhile (fetch-batcher.ts); errors as fetchRaw. */
  async fetchBatched(
    topic: string, partition: number, fetchOffset: bigint,
    options: { maxBytes: number; maxWaitMs: number; isolation: Isolation; topicId?: string; lastFetchedEpoch?: number },
  ): Promise<RawFetchPartitionResponse> {
    const { broker } = await this.leaderOf(topic, partition)
    const isolation = options.isolation === 'read_committed' ? ISOLATION_READ_COMMITTED : ISOLATION_READ_UNCOMMITTED
    const { maxBytes, lastFetchedEpoch = -1 } = options
    const fetch: PartitionFetch = { topic, topicId: normalizeTopicId(options.topicId), partition, fetchOffset, maxBytes, lastFetchedEpoch }
    return this.#batcher.fetch(broker, isolation, options.maxWaitMs, fetch)
  }

  /**
   * Raw Produce (v3 to v9, negotiated) of one pre-encoded batch (baseOffset 0) to the partition leader, acks=-1. Error
   * codes are returned, not thrown.
   */
  async produceRaw(
    topic: string, partition: number, batch: Buffer, options: { lane: string; timeoutMs?: number; transactionalId?: string | null },
  ): Promise<RawProducePartitionResponse> {
    const { broker } = await this.leaderOf(topic, partition)
    const res = await this.#lanes.call('produce', options.lane, broker, async (c) => {
      const version = await this.versionFor(c, 'Produce')
      return rawProduceApi(version).async(
        c, options.transactionalId ?? null, -1, options.timeoutMs ?? 30_000, [{ topic, partitions: [{ partition, batch }] }],
      )
    })
    const p = res.topics[0]?.partitions[0]
    if (!p) throw new EngineError('KAFKA_ERROR', `produce response from the ${this.side} cluster has no partition ${partition}`)
    return p
  }

  /**
   * produceRaw whose requests reach the lane's connection in call order (each call waits until the previous one is
   * queued on its connection, and Connection.send writes in queue order): a pipelined writer's batches then arrive in
   * sequence order, and the broker handles one connection's requests one after another (SocketServer).
   */
  produceRawOrdered(
    topic: string, partition: number, batch: Buffer, options: { lane: string; timeoutMs?: number },
  ): Promise<RawProducePartitionResponse> {
    const previous = this.#produceTurns.get(options.lane) ?? Promise.resolve()
    let queued!: () => void
    this.#produceTurns.set(options.lane, new Promise<void>((resolve) => { queued = resolve }))
    return (async () => {
      let pending: Promise<RawProduceResponse>
      let connection: Connection
      try {
        await previous
        const { broker } = await this.leaderOf(topic, partition)
        connection = await this.#lanes.connection(options.lane, broker)
        const version = await this.versionFor(connection, 'Produce')
        pending = rawProduceApi(version).async(
          connection, null, -1, options.timeoutMs ?? 30_000, [{ topic, partitions: [{ partition, batch }] }],
        )
      } catch (error) {
        // The version look-up talks to the broker too: a cut there is a retriable network error like any other.
        if (error instanceof EngineError) throw error
        this.#lanes.drop(options.lane)
        throw toEngineError(error, this.side, 'produce')
      } finally {
        queued()
      }
      let res: RawProduceResponse
      try {
        res = await pending
      } catch (error) {
        this.#lanes.drop(options.lane)
        throw toEngineError(error, this.side, 'produce')
      }
      const p = res.topics[0]?.partitions[0]
      if (!p) throw new EngineError('KAFKA_ERROR', `produce response from the ${this.side} cluster has no partition ${partition}`)
      return p
    })()
  }

  /** ListOffsets on the leader. Returns -1n when no offset matches a timestamp. */
  async listOffset(topic: string, partition: number, spec: OffsetSpec, isolation: Isolation = 'read_uncommitted'): Promise<bigint> {
    const { broker } = await this.leaderOf(topic, partition)
    const timestamp = spec === 'earliest' ? -2n : spec === 'latest' ? -1n : BigInt(spec.timestampMs)
    const res = await this.#lanes.call('list offsets', 'admin', broker, (c) => this.send(
      c, ListOffsets, -1, isolation === 'read_committed' ? 1 : 0,
      [{ name: topic, partitions: [{ partitionIndex: partition, currentLeaderEpoch: -1, timestamp }] }],
    ))
    const p = res.topics[0]?.partitions[0]
    if (!p) throw new EngineError('KAFKA_ERROR', 'list offsets response has no partition')
    if (p.errorCode !== 0) {
      if (p.errorCode === KafkaErrorCodes.NOT_LEADER_OR_FOLLOWER) this.invalidateLeader(topic, partition)
      throw kafkaError(p.errorCode, this.side, 'list offsets', { topic, partition })
    }
    return p.offset
  }

  /**
   * The leader's log end offset, which can be above the high watermark while a follower lags: ListOffsets "latest"
   * sent as the debugging replica (-2) has no isolation level, so the broker answers with its local log end offset
   * instead of the high watermark (KafkaApis / ReplicaManager list offsets: isolation only for replica id -1;
   * Partition.fetchOffsetForTimestamp). Unlike a follower's replica id it needs no cluster permission.
   */
  async logEndOffset(topic: string, partition: number): Promise<bigint> {
    const { broker } = await this.leaderOf(topic, partition)
    const res = await this.#lanes.call('list offsets', 'admin', broker, (c) => this.send(c, ListOffsets, -2, 0, [
      { name: topic, partitions: [{ partitionIndex: partition, currentLeaderEpoch: -1, timestamp: -1n }] },
    ]))
    const p = res.topics[0]?.partitions[0]
    if (!p) throw new EngineError('KAFKA_ERROR', 'list offsets response has no partition')
    if (p.errorCode !== 0) {
      if (p.errorCode === KafkaErrorCodes.NOT_LEADER_OR_FOLLOWER) this.invalidateLeader(topic, partition)
      throw kafkaError(p.errorCode, this.side, 'list offsets', { topic, partition })
    }
    return p.offset
  }

  /** DeleteRecords: moves the log start offset up to `offset` (never past the HW: OFFSET_OUT_OF_RANGE, observed check 5). */
  async deleteRecords(topic: string, partition: number, offset: bigint, timeoutMs = 30_000): Promise<bigint> {
    const { broker } = await this.leaderOf(topic, partition)
    const res = await this.#lanes.call('delete records', 'admin', broker, (c) => this.send(
      c, DeleteRecords, [{ name: topic, partitions: [{ partitionIndex: partition, offset }] }], timeoutMs,
    ))
    const p = res.topics[0]?.partitions[0]
    if (!p) throw new EngineError('KAFKA_ERROR', 'delete records response has no partition')
    if (p.errorCode !== 0) throw kafkaError(p.errorCode, this.side, 'delete records', { topic, partition, offset })
    return p.lowWatermark
  }

  /** Active producers of one partition (pid, epoch, last sequence), from its leader. */
  async describeProducers(topic: string, partition: number): Promise<ActiveProducer[]> {
    const { broker } = await this.leaderOf(topic, partition)
    const res = await this.#lanes.call('describe producers', 'admin', broker, (c) => this.send(
      c, DescribeProducers, [{ name: topic, partitionIndexes: [partition] }],
    ))
    const p = res.topics[0]?.partitions[0]
    if (!p) throw new EngineError('KAFKA_ERROR', 'describe producers response has no partition')
    if (p.errorCode !== 0) throw kafkaError(p.errorCode, this.side, 'describe producers', { topic, partition }, p.errorMessage)
    return p.activeProducers.map((a) => ({
      producerId: a.producerId, producerEpoch: a.producerEpoch, lastSequence: a.lastSequence, lastTimestamp: a.lastTimestamp,
      currentTxnStartOffset: a.currentTxnStartOffset,
    }))
  }

  async #transactionCoordinator(transactionalId: string): Promise<BrokerAddress> {
    const cached = this.#coordinators.get(transactionalId)
    if (cached) return cached
    const res = await this.#lanes.call('find coordinator', 'admin', undefined, (c) => this.send(c, FindCoordinator, 1, [transactionalId]))
    const co = res.coordinators[0]
    if (!co || co.errorCode !== 0) {
      throw kafkaError(
        co?.errorCode ?? KafkaErrorCodes.COORDINATOR_NOT_AVAILABLE, this.side, 'find coordinator', { transactionalId }, co?.errorMessage,
      )
    }
    const broker = { nodeId: co.nodeId, host: co.host, port: co.port }
    this.#coordinators.set(transactionalId, broker)
    return broker
  }

  /**
   * A call to the transaction coordinator of `transactionalId`. Its address is cached; any failure to reach it (a
   * killed or restarted broker: ECONNREFUSED, a timeout) forgets it, as NOT_COORDINATOR does, so that the next call
   * looks the coordinator up again instead of dialing a dead broker until it returns.
   */
  async #coordinatorCall<T>(what: string, transactionalId: string, run: (c: Connection) => Promise<T>): Promise<T> {
    const broker = await this.#transactionCoordinator(transactionalId)
    try {
      return await this.#lanes.call(what, 'txn', broker, run)
    } catch (error) {
      this.#coordinators.delete(transactionalId)
      throw error
    }
  }

  /** InitProducerId (v0 to v5): a new idempotent producer id (transactionalId null), or the epoch-bumped id of a transactional.id. */
  async initProducerId(
    transactionalId: string | null, transactionTimeoutMs = 60_000,
  ): Promise<{ producerId: bigint; producerEpoch: number }> {
    const run = (c: Connection) => this.send(c, InitProducerId, transactionalId, transactionTimeoutMs, -1n, -1)
    const res = transactionalId
      ? await this.#coordinatorCall('init producer id', transactionalId, run)
      : await this.#lanes.call('init producer id', 'txn', undefined, run)
    if (res.errorCode !== 0) {
      if (transactionalId && res.errorCode === KafkaErrorCodes.NOT_COORDINATOR) this.#coordinators.delete(transactionalId)
      throw kafkaError(res.errorCode, this.side, 'init producer id', { transactionalId })
    }
    return { producerId: res.producerId, producerEpoch: res.producerEpoch }
  }

  /** DescribeTransactions (read-only): the coordinator's current producer id and epoch of a transactional.id. */
  async describeTransaction(transactionalId: string): Promise<{ producerId: bigint; producerEpoch: number; state: string }> {
    const res = await this.#coordinatorCall('describe transactions', transactionalId, (c) => this.send(c, DescribeTransactions, [transactionalId]))
    const t = res.transactionStates[0]
    if (!t || t.errorCode !== 0) {
      if (t?.errorCode === KafkaErrorCodes.NOT_COORDINATOR) this.#coordinators.delete(transactionalId)
      throw kafkaError(t?.errorCode ?? -1, this.side, 'describe transactions', { transactionalId })
    }
    return { producerId: t.producerId, producerEpoch: t.producerEpoch, state: t.transactionState }
  }

  /**
   * AddPartitionsToTxn v0 to v3 (the client form; observed to open an empty transaction that EndTxn closes with exactly
   * one marker, check 4).
   */
  async addPartitionsToTxn(
    transactionalId: string, producerId: bigint, producerEpoch: number, topic: string, partitions: number[],
  ): Promise<void> {
    const res = await this.#coordinatorCall('add partitions to txn', transactionalId, (c) => this.send(c, AddPartitionsToTxn, [
      { transactionalId, producerId, producerEpoch, verifyOnly: false, topics: [{ name: topic, partitions }] },
    ]))
    const code = res.resultsByTransaction[0]?.topicResults[0]?.resultsByPartition
      .find((p) => p.partitionErrorCode !== 0)?.partitionErrorCode ?? res.errorCode
    if (code !== 0) {
      if (code === KafkaErrorCodes.NOT_COORDINATOR) this.#coordinators.delete(transactionalId)
      throw kafkaError(code, this.side, 'add partitions to txn', { topic, transactionalId })
    }
  }

  /** EndTxn (v0 to v4). The coordinator answers before the markers are written (TransactionCoordinator): callers wait for the LEO. */
  async endTxn(transactionalId: string, producerId: bigint, producerEpoch: number, commit: boolean): Promise<void> {
    const res = await this.#coordinatorCall('end txn', transactionalId, (c) => this.send(
      c, EndTxn, transactionalId, producerId, producerEpoch, commit,
    ))
    if (res.errorCode !== 0) {
      if (res.errorCode === KafkaErrorCodes.NOT_COORDINATOR) this.#coordinators.delete(transactionalId)
      throw kafkaError(res.errorCode, this.side, 'end txn', { transactionalId })
    }
  }

  async close(): Promise<void> {
    await this.#lanes.close()
  }
}
