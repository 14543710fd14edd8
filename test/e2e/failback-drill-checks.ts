// What the IaC failback drills check on the clusters themselves, with clients other than the engine's: record-by-record
// equality (`clusterlink verify`), the records a truncate-and-restore set aside, and end offsets.
import { randomUUID } from 'node:crypto'
import { Kafka, logLevel } from 'kafkajs'
import { verifyTopics } from '../../cli/verify/index.ts'
import { waitFor } from './pulumi-harness.ts'

const kafkaOf = (bootstrapServers: string): Kafka =>
  new Kafka({ clientId: 'failback-drill', brokers: [bootstrapServers], logLevel: logLevel.NOTHING, retry: { retries: 5, initialRetryTime: 100 } })

/**
 * Sets a destination topic's max.message.bytes (the resume tests make a mirror FAILED by shrinking it below a source
 * batch, then fix it as an operator would).
 */
export async function setMaxMessageBytes(bootstrapServers: string, topic: string, value: string): Promise<void> {
  const admin = kafkaOf(bootstrapServers).admin()
  await admin.connect()
  try {
    await admin.alterConfigs({
      validateOnly: false, resources: [{ type: 2 /* ConfigResourceTypes.TOPIC */, name: topic, configEntries: [{ name: 'max.message.bytes', value }] }],
    })
  } finally {
    await admin.disconnect()
  }
}

/** Produces `count` records whose values are `<tag>-<i>`; resolves with those values. */
export async function produceTagged(bootstrapServers: string, topic: string, count: number, tag: string): Promise<string[]> {
  const producer = kafkaOf(bootstrapServers).producer({ allowAutoTopicCreation: false, idempotent: true, maxInFlightRequests: 1 })
  const values = Array.from({ length: count }, (_, i) => `${tag}-${i}`)
  await producer.connect()
  try {
    await producer.send({ topic, acks: -1, messages: values.map((value, i) => ({ key: `k${i % 4}`, value })) })
  } finally {
    await producer.disconnect()
  }
  return values
}

/** Per partition, the log end offset. */
export async function endOffsets(bootstrapServers: string, topic: string): Promise<number[]> {
  const admin = kafkaOf(bootstrapServers).admin()
  await admin.connect()
  try {
    return (await admin.fetchTopicOffsets(topic)).sort((a, b) => a.partition - b.partition).map((p) => Number(p.high))
  } finally {
    await admin.disconnect()
  }
}

/** Waits until `mirrorTopic` on `to` holds every record of `topic` on `from` at the same offsets (verify says IDENTICAL). */
export async function waitForIdentical(from: string, to: string, topic: string, minimumRecords: number): Promise<void> {
  await waitFor(`${topic} identical record by record`, async () => {
    const [a, b] = await Promise.all([endOffsets(from, topic), endOffsets(to, topic)])
    if (a.reduce((n, x) => n + x, 0) < minimumRecords || JSON.stringify(a) !== JSON.stringify(b)) return undefined
    const report = await verifyTopics({ sourceBootstrap: from, destinationBootstrap: to, topic, timeoutMs: 60_000 })
    return report.outcome === 'IDENTICAL' ? report : undefined
  }, 120_000)
}

/** Reads `count` records of a topic from its start: value and the `clusterlink.original.offset` header of each. */
export async function readValues(
  bootstrapServers: string, topic: string, count: number,
): Promise<Array<{ value: string; originalOffset: string | undefined }>> {
  const consumer = kafkaOf(bootstrapServers).consumer({ groupId: `drill-reader-${randomUUID()}` })
  const read: Array<{ value: string; originalOffset: string | undefined }> = []
  await consumer.connect()
  try {
    await consumer.subscribe({ topic, fromBeginning: true })
    await consumer.run({
      eachMessage: async ({ message }) => {
        const header = message.headers?.['clusterlink.original.offset']
        read.push({ value: String(message.value), originalOffset: header === undefined ? undefined : String(header) })
      },
    })
    await waitFor(`${count} records of ${topic}`, async () => (read.length >= count ? true : undefined), 60_000)
  } finally {
    await consumer.disconnect()
  }
  return read
}
