// Membership in a classic Kafka consumer group (JoinGroup, SyncGroup, Heartbeat) with an engine-side assignor; nothing is consumed.
import { Consumer, type GroupAssignment, type GroupOptions } from '@platformatic/kafka'
import { clientOptionsFor } from './client-options.ts'
import type { KafkaConnectionConfig } from './connection-config.ts'
import { toEngineError } from './kafka-errors.ts'

/** The partitions of the tracked topic the leader hands to one member. */
export interface MemberAssignment {
  readonly memberId: string
  readonly partitions: readonly number[]
}

export interface GroupMemberOptions {
  readonly destination: KafkaConnectionConfig
  readonly clientId: string
  readonly groupId: string
  /** The topic whose partitions are the units of work. */
  readonly topic: string
  readonly protocol: { readonly name: string; readonly version: number }
  readonly sessionTimeoutMs: number
  readonly rebalanceTimeoutMs: number
  readonly heartbeatIntervalMs: number
  /** Awaited before every JoinGroup request (first join, rebalance, rejoin after expiry). */
  readonly beforeJoin: () => Promise<void>
  /** On the group leader: the assignment of the tracked topic's partitions to the members. */
  readonly assign: (memberIds: readonly string[]) => readonly MemberAssignment[]
  readonly onJoin: (generationId: number, partitions: readonly number[]) => void
  readonly onRejoin: () => void
  readonly onHeartbeat: () => void
  readonly onError: (error: unknown) => void
}

/** One member of a consumer group on the destination cluster. */
export class GroupMember {
  readonly #o: GroupMemberOptions
  readonly #consumer: Consumer
  readonly #groupOptions: GroupOptions

  constructor(options: GroupMemberOptions) {
    this.#o = options
    this.#groupOptions = {
      sessionTimeout: options.sessionTimeoutMs,
      rebalanceTimeout: options.rebalanceTimeoutMs,
      heartbeatInterval: options.heartbeatIntervalMs,
      protocols: [{ ...options.protocol }],
      protocolsMetadata: async () => {
        await options.beforeJoin()
        return Buffer.alloc(0)
      },
      partitionAssigner: (_current, members, topics) => options.assign([...members.keys()]).map((a) => ({
        memberId: a.memberId,
        assignments: new Map([...topics].map((topic) => [topic, { topic, partitions: topic === options.topic ? [...a.partitions] : [] }])),
      })),
    }
    this.#consumer = new Consumer({
      ...clientOptionsFor(options.destination, options.clientId), groupId: options.groupId, ...this.#groupOptions,
    })
    this.#consumer.on('error', (error: unknown) => options.onError(toEngineError(error, 'destination', 'work group')))
    this.#consumer.on('consumer:group:join', (payload) => options.onJoin(payload.generationId ?? 0, this.#partitionsOf(payload.assignments ?? [])))
    this.#consumer.on('consumer:group:rejoin', () => options.onRejoin())
    this.#consumer.on('consumer:heartbeat:end', () => options.onHeartbeat())
    this.#consumer.topics.track(options.topic)
  }

  get memberId(): string | null {
    return this.#consumer.memberId ?? null
  }

  get generationId(): number {
    return this.#consumer.generationId ?? 0
  }

  /** The tracked topic's partitions of the current assignment. */
  assignedPartitions(): number[] {
    return this.#partitionsOf(this.#consumer.assignments ?? [])
  }

  isActive(): boolean {
    return this.#consumer.isActive()
  }

  /** Joins (or rejoins, which starts a rebalance) the group; rejects with an EngineError. */
  async join(): Promise<void> {
    try {
      await this.#consumer.joinGroup(this.#groupOptions)
    } catch (error) {
      throw toEngineError(error, 'destination', 'join work group', { group: this.#o.groupId })
    }
  }

  /** Leaves the group (LeaveGroup) so that the others take over at once. */
  async close(): Promise<void> {
    try {
      await this.#consumer.close(true)
    } catch (error) {
      throw toEngineError(error, 'destination', 'leave work group', { group: this.#o.groupId })
    }
  }

  #partitionsOf(assignments: readonly GroupAssignment[]): number[] {
    return assignments.filter((a) => a.topic === this.#o.topic).flatMap((a) => a.partitions)
  }
}
