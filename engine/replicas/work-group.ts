// Shares mirror topics between engine replicas through a Kafka consumer group on the destination cluster (membership
// only: nothing is consumed).
import { GroupMember, type ClusterAdmin, type KafkaConnectionConfig, type MemberAssignment } from '../kafka/index.ts'
import type { Logger } from '../logging/index.ts'
import { PeriodicJob, type JobMetrics } from '../periodic-job.ts'
import { assignWorkPartitions, shouldRebalance, workPartitionOf } from './work-assignment.ts'

/** What the link manager asks about ownership; the whole engine when replicas do not coordinate. */
export interface WorkOwnership {
  /** Whether this replica is the one writer of the mirror topic right now. */
  isOwned(linkName: string, mirrorTopicName: string): boolean
  /** Whether this replica runs the link's writing jobs (offset sync, config sync, auto-create). */
  isLinkCoordinator(linkName: string): boolean
  /** The manager's reconcile: called on every change of owned work, and awaited before this replica rejoins the group. */
  setReconciler(reconcile: () => Promise<void>): void
  start(): Promise<void>
  close(): Promise<void>
  describe(): {
    readonly memberId: string | null
    readonly generationId: number
    readonly ownedWorkPartitions: readonly number[]
    readonly workPartitions: number
  }
}

/** A single engine (replicas.coordination = none): it owns every mirror topic. */
export function ownEverything(): WorkOwnership {
  return {
    isOwned: () => true, isLinkCoordinator: () => true, setReconciler: () => undefined,
    start: async () => undefined, close: async () => undefined,
    describe: () => ({ memberId: null, generationId: 0, ownedWorkPartitions: [], workPartitions: 0 }),
  }
}

export interface WorkGroupOptions {
  readonly destination: KafkaConnectionConfig
  readonly admin: ClusterAdmin
  /** The group is clusterlink-engines.<stateTopic>; the work topic <stateTopic>-work. */
  readonly stateTopic: string
  readonly workPartitions: number
  readonly sessionTimeoutMs: number
  readonly rebalanceTimeoutMs: number
  /** Every mirror topic known to this replica (the leader balances by them). */
  readonly workItems: () => ReadonlyArray<{ readonly linkName: string; readonly mirrorTopicName: string }>
  readonly logger: Logger
  /** Runs and failed runs of the named job `work-group-watch`. */
  readonly metrics?: JobMetrics
}

const PROTOCOL = { name: 'clusterlink-eager', version: 0 }
const REJOIN_BACKOFF_MS = 1000
/** How often the leader checks the balance, and the least time between two rebalances it starts. */
const BALANCE_CHECK_MS = 2000
const BALANCE_COOLDOWN_MS = 5000

/**
 * Invariant: at most one replica runs the copiers of a mirror topic. How it is kept:
 * - Eager protocol (all work revoked at every rebalance). The Kafka client (kafka/group-client.ts) does not wait for a revocation listener
 *   (it rejoins right after a heartbeat sees REBALANCE_IN_PROGRESS), but it awaits `protocolsMetadata` before each
 *   JoinGroup request: that hook stops every runner (in-flight produce requests finish) before the replica rejoins.
 *   The coordinator hands out a generation only once every member rejoined or was dropped after the rebalance
 *   timeout, so a new owner starts only after the old owner stopped, unless stopping takes longer than
 *   rebalanceTimeoutMs (then the old owner is out of the group; its data-path fencing is what is left).
 * - A replica that cannot heartbeat stops all of its runners by itself after 60% of the session timeout, before the
 *   coordinator (which waits the full session timeout) can give its work to another replica; it resumes only when a
 *   heartbeat of the same generation succeeds again (the group did not move on without it).
 * - A SIGKILLed replica writes nothing more; the others take its work after the session timeout.
 */
export class WorkGroup implements WorkOwnership {
  readonly #o: WorkGroupOptions
  readonly #log: Logger
  readonly #workTopic: string
  #member: GroupMember | undefined
  #partitionCount: number
  #owned = new Set<number>()
  #reconcile: () => Promise<void> = async () => undefined
  #chain: Promise<void> = Promise.resolve()
  #lastAliveMs = 0
  #lastJoinAttemptMs = 0
  #joining = false
  #fenced = false
  #closed = false
  readonly #watchJob: PeriodicJob
  /** The plan this replica computed as the leader of the current generation (undefined when not the leader). */
  #plan: Map<string, number[]> | undefined
  #lastBalanceCheckMs = 0
  #lastRebalanceMs = 0

  constructor(options: WorkGroupOptions) {
    this.#o = options
    this.#log = options.logger.child({ component: 'work-group' })
    this.#workTopic = `${options.stateTopic}-work`
    this.#partitionCount = options.workPartitions
    // Named job: balance check, heartbeat-loss fencing and rejoin after a failed join, every 250 ms.
    this.#watchJob = new PeriodicJob({
      name: 'work-group-watch', intervalMs: 250, logger: this.#log, metrics: options.metrics, run: async () => this.#watch(),
    })
  }

  get groupId(): string {
    return `clusterlink-engines.${this.#o.stateTopic}`
  }

  isOwned(linkName: string, mirrorTopicName: string): boolean {
    return this.#owned.has(workPartitionOf(linkName, mirrorTopicName, this.#partitionCount))
  }

  isLinkCoordinator(linkName: string): boolean {
    return this.#owned.has(workPartitionOf(linkName, '', this.#partitionCount))
  }

  setReconciler(reconcile: () => Promise<void>): void {
    this.#reconcile = reconcile
  }

  describe() {
    return {
      memberId: this.#member?.memberId ?? null, generationId: this.#member?.generationId ?? 0,
      ownedWorkPartitions: [...this.#owned].sort((a, b) => a - b), workPartitions: this.#partitionCount,
    }
  }

  async #ensureWorkTopic(): Promise<void> {
    const existing = await this.#o.admin.partitionCount(this.#workTopic)
    if (existing !== undefined) {
      this.#partitionCount = existing
      return
    }
    const replicas = Math.min(3, await this.#o.admin.brokerCount())
    try {
      await this.#o.admin.createTopic(this.#workTopic, this.#o.workPartitions, replicas, { 'retention.ms': '3600000' })
      this.#log.info({ topic: this.#workTopic, partitions: this.#o.workPartitions }, 'work topic created')
    } catch (error) {
      // Another replica may have created it meanwhile.
      const count = await this.#o.admin.partitionCount(this.#workTopic)
      if (count === undefined) throw error
      this.#partitionCount = count
    }
  }

  async start(): Promise<void> {
    await this.#ensureWorkTopic()
    this.#member = new GroupMember({
      destination: this.#o.destination, clientId: 'clusterlink-engine-work', groupId: this.groupId, topic: this.#workTopic, protocol: PROTOCOL,
      sessionTimeoutMs: this.#o.sessionTimeoutMs,
      rebalanceTimeoutMs: Math.max(this.#o.rebalanceTimeoutMs, this.#o.sessionTimeoutMs),
      heartbeatIntervalMs: Math.max(100, Math.floor(this.#o.sessionTimeoutMs / 4)),
      beforeJoin: () => this.#beforeJoin(),
      assign: (memberIds) => this.#assign(memberIds),
      onJoin: (generationId, partitions) => this.#onJoin(generationId, partitions),
      onRejoin: () => { this.#joining = false },
      onHeartbeat: () => this.#onHeartbeat(),
      onError: (error) => this.#log.warn({ err: error }, 'work group error (will rejoin)'),
    })
    this.#watchJob.start()
    await this.#join()
  }

  async #join(): Promise<void> {
    const member = this.#member
    if (!member || this.#closed) return
    this.#joining = true
    this.#lastJoinAttemptMs = Date.now()
    try {
      await member.join()
    } catch (error) {
      this.#log.warn({ err: error }, 'joining the work group failed (retrying)')
    } finally {
      this.#joining = false
    }
  }

  /** Runs before every JoinGroup request (first join, rebalance, rejoin after expiry): give up all work first. */
  async #beforeJoin(): Promise<void> {
    this.#joining = true
    this.#plan = undefined
    if (this.#owned.size > 0) this.#log.info({ partitions: this.#owned.size }, 'work group rebalance (stopping owned mirror topics before rejoining)')
    await this.#setOwned(new Set())
  }

  #loads(): number[] {
    const load = new Array<number>(this.#partitionCount).fill(0)
    for (const item of this.#o.workItems()) {
      const p = workPartitionOf(item.linkName, item.mirrorTopicName, this.#partitionCount)
      load[p] = (load[p] ?? 0) + 1
    }
    return load
  }

  #assign(memberIds: readonly string[]): MemberAssignment[] {
    const load = this.#loads()
    const plan = assignWorkPartitions(memberIds, this.#partitionCount, (p) => load[p] ?? 0)
    this.#plan = plan
    return [...plan].map(([memberId, partitions]) => ({ memberId, partitions }))
  }

  #onJoin(generationId: number, partitions: readonly number[]): void {
    this.#joining = false
    this.#fenced = false
    this.#lastAliveMs = Date.now()
    const owned = new Set(partitions)
    this.#log.info({ generationId, memberId: this.#member?.memberId, workPartitions: owned.size }, 'work group joined')
    void this.#setOwned(owned)
  }

  #onHeartbeat(): void {
    this.#lastAliveMs = Date.now()
    if (!this.#fenced || !this.#member) return
    // A heartbeat of the same generation succeeded: the group did not move on, so the assignment still holds.
    this.#fenced = false
    this.#log.info({ generationId: this.#member.generationId }, 'work group heartbeat succeeded again (resuming owned mirror topics)')
    void this.#setOwned(new Set(this.#member.assignedPartitions()))
  }

  #watch(): void {
    if (this.#closed || !this.#member) return
    const now = Date.now()
    if (!this.#joining && this.#plan && now - this.#lastBalanceCheckMs > BALANCE_CHECK_MS
      && now - this.#lastRebalanceMs > BALANCE_COOLDOWN_MS) {
      this.#lastBalanceCheckMs = now
      const load = this.#loads()
      if (shouldRebalance(this.#plan, this.#partitionCount, (p) => load[p] ?? 0)) {
        // New mirror topics landed unevenly: the leader rejoins, which starts a rebalance with the current loads.
        this.#lastRebalanceMs = now
        this.#log.info({ members: this.#plan.size }, 'work group unbalanced by new mirror topics (rebalancing)')
        void this.#join()
      }
    }
    if (!this.#joining && !this.#fenced && this.#owned.size > 0 && now - this.#lastAliveMs > this.#o.sessionTimeoutMs * 0.6) {
      this.#fenced = true
      this.#log.warn({ sinceLastHeartbeatMs: now - this.#lastAliveMs }, 'work group heartbeats failing (stopping every owned mirror topic)')
      void this.#setOwned(new Set())
    }
    // Out of the group (a failed join, e.g. while the destination creates __consumer_offsets): try again every second.
    if (!this.#joining && !this.#member.isActive() && now - this.#lastJoinAttemptMs > REJOIN_BACKOFF_MS) void this.#join()
  }

  /** Changes what this replica owns and runs the reconcile, one at a time; resolves once it ran. */
  #setOwned(owned: Set<number>): Promise<void> {
    this.#owned = owned
    this.#chain = this.#chain.then(() => this.#reconcile()).catch((error: unknown) => {
      this.#log.error({ err: error }, 'mirror topic ownership reconcile failed')
    })
    return this.#chain
  }

  /** Stops owned work first (the caller's runners stop), then leaves the group so the others take over at once. */
  async close(): Promise<void> {
    if (this.#closed) return
    this.#closed = true
    await this.#watchJob.stop()
    await this.#setOwned(new Set())
    await this.#member?.close().catch((error: unknown) => this.#log.warn({ err: error }, 'leaving the work group failed'))
  }
}
