// Test fakes for the engine: an in-memory ClusterAdmin and a controllable MirrorTopicRunner factory (no I/O).
import type { ClusterAdmin, GroupOffset, TopicAcl, TopicConfigEntry } from '../../../engine/link/index.ts'
import type { MirrorTopicRunner, MirrorTopicRunnerOptions, MirrorTopicStatus } from '../../../engine/mirror/contract.ts'
import { waitUntil } from '../../wait-for.ts'

export class FakeCluster implements ClusterAdmin {
  readonly id: string
  readonly topics = new Map<string, { partitions: number; configs: Record<string, string> }>()
  readonly groups = new Map<string, { members: number; offsets: GroupOffset[] }>()
  readonly logEnd = new Map<string, number>()
  reachable = true
  brokers = 1
  /** undefined: no authorizer. */
  acls: TopicAcl[] | undefined

  constructor(id: string) {
    this.id = id
  }

  #check(): void {
    if (!this.reachable) throw new Error('connect ECONNREFUSED 127.0.0.1:1')
  }

  async clusterId(): Promise<string> { this.#check(); return this.id }
  async brokerCount(): Promise<number> { this.#check(); return this.brokers }
  async listTopics(): Promise<string[]> { this.#check(); return [...this.topics.keys()] }
  async partitionCount(topic: string): Promise<number | undefined> { this.#check(); return this.topics.get(topic)?.partitions }
  async topicConfigs(topic: string): Promise<Record<string, TopicConfigEntry>> {
    this.#check()
    const out: Record<string, TopicConfigEntry> = {}
    for (const [name, value] of Object.entries(this.topics.get(topic)?.configs ?? {})) out[name] = { value, isTopicOverride: true }
    return out
  }
  async createTopic(
    topic: string, partitions: number, _replicas: number | undefined, configs: Readonly<Record<string, string>>,
  ): Promise<void> {
    this.#check()
    this.topics.set(topic, { partitions, configs: { ...configs } })
  }
  async deleteTopic(topic: string): Promise<void> { this.#check(); this.topics.delete(topic) }
  async alterTopicConfigs(topic: string, set: Readonly<Record<string, string>>): Promise<void> {
    this.#check()
    const t = this.topics.get(topic)
    if (t) Object.assign(t.configs, set)
  }
  async listOffsets(topic: string, partitions: readonly number[], which: 'earliest' | 'latest'): Promise<Map<number, number>> {
    this.#check()
    return new Map(partitions.map((p) => [p, which === 'earliest' ? 0 : this.logEnd.get(`${topic}:${p}`) ?? 0]))
  }
  async listGroups(): Promise<string[]> { this.#check(); return [...this.groups.keys()] }
  async hasActiveMembers(group: string): Promise<boolean> { this.#check(); return (this.groups.get(group)?.members ?? 0) > 0 }
  async groupOffsets(group: string): Promise<GroupOffset[]> { this.#check(); return [...(this.groups.get(group)?.offsets ?? [])] }
  async alterGroupOffsets(group: string, offsets: readonly GroupOffset[]): Promise<void> {
    this.#check()
    const g = this.groups.get(group) ?? { members: 0, offsets: [] }
    const rest = g.offsets.filter((o) => !offsets.some((n) => n.topic === o.topic && n.partition === o.partition))
    this.groups.set(group, { members: g.members, offsets: [...rest, ...offsets] })
  }
  async topicAcls(topic: string): Promise<TopicAcl[] | undefined> {
    this.#check()
    return this.acls?.filter((a) => a.topic === '*' || (a.patternType === 'LITERAL' ? a.topic === topic : topic.startsWith(a.topic)))
  }
  async createTopicAcls(acls: readonly TopicAcl[]): Promise<void> { this.#check(); this.acls = [...(this.acls ?? []), ...acls] }
  async deleteTopicAcls(acls: readonly TopicAcl[]): Promise<void> {
    this.#check()
    this.acls = (this.acls ?? []).filter((a) => !acls.some((d) => JSON.stringify(d) === JSON.stringify(a)))
  }
  async close(): Promise<void> {}
}

/** A runner whose state and lag tests control; records every call. */
export class FakeRunner implements MirrorTopicRunner {
  readonly options: MirrorTopicRunnerOptions
  readonly calls: string[] = []
  current: MirrorTopicStatus
  lag = 0
  failStart: Error | undefined
  readonly #listeners: Array<(status: MirrorTopicStatus) => void> = []

  constructor(options: MirrorTopicRunnerOptions, partitions = 1) {
    this.options = options
    this.current = { state: 'PENDING_MIRROR', stateTimeMs: Date.now(), partitions: Array.from({ length: partitions }, (_, partition) => ({ partition, lagRecords: 0, lastSourceFetchOffset: -1, sourceHighWatermark: 0, destinationLogEndOffset: 0 })) }
  }

  #set(state: MirrorTopicStatus['state']): void {
    this.current = {
      ...this.current, state, stateTimeMs: Date.now(),
      partitions: this.current.partitions.map((p) => ({
        ...p, lagRecords: this.lag, lastSourceFetchOffset: 10 - this.lag, sourceHighWatermark: 10, destinationLogEndOffset: 10 - this.lag,
      })),
    }
    for (const listener of this.#listeners) listener(this.current)
  }

  setLag(lag: number): void {
    this.lag = lag
    this.#set(this.current.state)
  }

  async start(): Promise<void> {
    this.calls.push('start')
    if (this.failStart) { this.#set('FAILED'); throw this.failStart }
    this.#set('ACTIVE')
  }
  async pause(): Promise<void> { this.calls.push('pause'); this.#set('PAUSED') }
  async resume(): Promise<void> { this.calls.push('resume'); this.#set('ACTIVE') }
  async stop(): Promise<void> { this.calls.push('stop'); this.#set('STOPPED') }
  status(): MirrorTopicStatus { return this.current }
  onStateChange(listener: (status: MirrorTopicStatus) => void): void { this.#listeners.push(listener) }
}

export function fakeRunnerFactory(
  behaviour: { failStart?: Error } = {},
): { create: (options: MirrorTopicRunnerOptions) => MirrorTopicRunner; runners: Map<string, FakeRunner> } {
  const runners = new Map<string, FakeRunner>()
  return {
    runners,
    create: (options) => {
      const runner = new FakeRunner(options)
      runner.failStart = behaviour.failStart
      runners.set(options.spec.mirrorTopic, runner)
      return runner
    },
  }
}

/** Polls a condition (no fixed sleeps); fails with the message after the timeout; a condition that throws fails at once. */
export async function waitFor(condition: () => boolean | Promise<boolean>, message: string, timeoutMs = 10_000): Promise<void> {
  await waitUntil(message, condition, { timeoutMs, intervalMs: 20, retryErrors: false })
}
