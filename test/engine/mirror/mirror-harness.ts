// Test helpers for mirror tests on two real clusters: kafkajs producers, runner construction, and condition waits.
import { randomUUID } from 'node:crypto'
import kafkajs from 'kafkajs'
import { createLogger } from '../../../engine/logging/index.ts'
import { createMirrorTopicRunner, type MirrorTopicRunner, type MirrorStartOffsetSpec, type MirrorDataPathLimits } from '../../../engine/mirror/index.ts'
import { registerKafkajsCodecs } from '../../../cli/verify/index.ts'
import type { KafkaCluster } from '../../../cli/local/kafka-cluster.ts'
import { waitUntil } from '../../wait-for.ts'

export const { Kafka, CompressionTypes, logLevel } = kafkajs

export function uniqueName(prefix: string): string {
  return `${prefix}-${randomUUID().slice(0, 8)}`
}

export function kafkaFor(cluster: KafkaCluster): kafkajs.Kafka {
  registerKafkajsCodecs()
  return new Kafka({ clientId: 'mirror-test', brokers: [cluster.bootstrapServers], logLevel: logLevel.NOTHING })
}

/** Polls `condition` until it returns a truthy value; fails with `what` (and the last error) after timeoutMs. */
export async function waitFor<T>(what: string, condition: () => Promise<T> | T, timeoutMs = 60_000): Promise<NonNullable<T>> {
  return await waitUntil(what, condition, { timeoutMs, intervalMs: 50 }) as NonNullable<T>
}

export const TEST_LIMITS: MirrorDataPathLimits = {
  fetchMaxBytes: 1 << 20, fetchMaxWaitMs: 100, metadataIntervalMs: 300, idleCheckIntervalMs: 200,
}

const started: MirrorTopicRunner[] = []

/** Stops every runner the tests created (call from after()): a failed assertion must not leave copiers running. */
export async function stopAllRunners(): Promise<void> {
  await Promise.allSettled(started.splice(0).map((r) => r.stop()))
}

export function newRunner(source: KafkaCluster, destination: KafkaCluster, sourceTopic: string, mirrorTopic: string, startOffsetSpec: MirrorStartOffsetSpec = 'earliest', limits: MirrorDataPathLimits = TEST_LIMITS): MirrorTopicRunner {
  const runner = createMirrorTopicRunner({
    source: { bootstrapServers: [source.bootstrapServers] },
    destination: { bootstrapServers: [destination.bootstrapServers] },
    spec: { linkName: 'test-link', sourceTopic, mirrorTopic, startOffsetSpec },
    logger: createLogger({ level: process.env.CLUSTERLINK_TEST_LOG_LEVEL ?? 'silent' }),
    limits,
  })
  started.push(runner)
  return runner
}

/** Source end offsets (read_uncommitted high watermarks) per partition, through kafkajs. */
export async function sourceEnds(kafka: kafkajs.Kafka, topic: string): Promise<Map<number, number>> {
  const admin = kafka.admin()
  await admin.connect()
  try {
    return new Map((await admin.fetchTopicOffsets(topic)).map((o) => [o.partition, Number(o.high)]))
  } finally {
    await admin.disconnect()
  }
}

/** Waits until every mirror partition's log end offset equals `ends` (a map partition → source end offset). */
export async function waitCaughtUp(runner: MirrorTopicRunner, ends: Map<number, number>, timeoutMs = 60_000): Promise<void> {
  await waitFor(`mirror caught up to ${JSON.stringify([...ends])} (status ${JSON.stringify(runner.status())})`, () => {
    const s = runner.status()
    if (s.state === 'FAILED') throw new Error(`runner FAILED: ${JSON.stringify(s.error)}`)
    return [...ends].every(([p, end]) => s.partitions.find((x) => x.partition === p)?.destinationLogEndOffset === end)
  }, timeoutMs)
}
