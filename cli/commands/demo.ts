// `clusterlink demo`: the main job on an embedded default — two local Kafka clusters, an engine, a link and a mirror,
// records copied at identical offsets and verified.
import { parseArgs } from 'node:util'
import kafkajs from 'kafkajs'
import { startLocalStack, type LocalStack } from '../local/local-stack.ts'
import { EngineClient, waitForMirror, totalLag } from '../../provider/client/index.ts'
import { verifyTopics, formatVerifyResult, registerKafkajsCodecs } from '../verify/index.ts'

const USAGE = `usage: clusterlink demo [--records N] [--partitions N]

Starts two single-node Apache Kafka clusters on loopback (a source and a destination) and an engine,
writes records to a source topic, creates a cluster link and a mirror topic through the engine's
REST API, keeps writing while the mirror copies, waits until the lag is zero, then reads both topics
with an independent client and compares them record by record, offset by offset. Everything it
started is stopped at the end. Exit code 0 when the mirror is identical.
`

const TOPIC = 'orders'
const LINK = 'demo-link'

function step(text: string, started: number): void {
  process.stdout.write(`[${((Date.now() - started) / 1000).toFixed(1).padStart(5)} s] ${text}\n`)
}

async function produce(bootstrap: string, partitions: number, count: number, wave: string): Promise<void> {
  const kafka = new kafkajs.Kafka({ clientId: 'clusterlink-demo', brokers: [bootstrap], logLevel: kafkajs.logLevel.NOTHING })
  const producer = kafka.producer({ idempotent: true })
  await producer.connect()
  try {
    const perBatch = 200
    for (let sent = 0; sent < count; sent += perBatch) {
      const n = Math.min(perBatch, count - sent)
      await producer.send({
        topic: TOPIC,
        compression: sent % (perBatch * 2) === 0 ? kafkajs.CompressionTypes.ZSTD : kafkajs.CompressionTypes.GZIP,
        messages: Array.from({ length: n }, (_, i) => ({
          partition: (sent + i) % partitions,
          key: `order-${wave}-${sent + i}`,
          value: JSON.stringify({ id: sent + i, wave, amount: ((sent + i) * 7) % 1000 }),
          headers: { source: 'clusterlink-demo' },
        })),
      })
    }
  } finally {
    await producer.disconnect()
  }
}

async function createSourceTopic(bootstrap: string, partitions: number): Promise<void> {
  const kafka = new kafkajs.Kafka({ clientId: 'clusterlink-demo', brokers: [bootstrap], logLevel: kafkajs.logLevel.NOTHING })
  const admin = kafka.admin()
  await admin.connect()
  try {
    await admin.createTopics({ topics: [{ topic: TOPIC, numPartitions: partitions }], waitForLeaders: true })
  } finally {
    await admin.disconnect()
  }
}

export async function run(argv: string[]): Promise<number> {
  const { values } = parseArgs({ args: argv, options: {
    records: { type: 'string', default: '6000' }, partitions: { type: 'string', default: '3' }, help: { type: 'boolean', default: false },
  } })
  if (values.help) { process.stdout.write(USAGE); return 0 }
  const records = Number(values.records)
  const partitions = Number(values.partitions)
  if (!Number.isInteger(records) || records < 1 || records > 10_000_000) {
    process.stderr.write(`clusterlink demo: --records must be a whole number from 1 to 10000000, got '${values.records}'\n`)
    return 2
  }
  if (!Number.isInteger(partitions) || partitions < 1 || partitions > 64) {
    process.stderr.write(`clusterlink demo: --partitions must be a whole number from 1 to 64, got '${values.partitions}'\n`)
    return 2
  }
  registerKafkajsCodecs()
  const started = Date.now()
  step('starting two Apache Kafka clusters and an engine', started)
  let stack: LocalStack | undefined
  try {
    stack = await startLocalStack({ clusters: 2 })
    const { destination } = stack
    const source = stack.source as NonNullable<LocalStack['source']>
    step(`source ${source.bootstrapServers}, destination ${destination.bootstrapServers}, engine ${stack.engine.url}`, started)

    const half = Math.ceil(records / 2)
    await createSourceTopic(source.bootstrapServers, partitions)
    await produce(source.bootstrapServers, partitions, half, 'before')
    step(`wrote ${half} records to '${TOPIC}' (${partitions} partitions, zstd and gzip batches) on the source`, started)

    const client = new EngineClient({ endpoint: stack.engine.url, token: stack.engine.token })
    await client.createLink(LINK, { configs: [{ name: 'bootstrap.servers', value: source.bootstrapServers }] })
    step(`created cluster link '${LINK}' (POST /kafka/v3/clusters/${stack.engine.clusterId}/links)`, started)
    await client.createMirror(LINK, { source_topic_name: TOPIC })
    step(`created mirror topic '${TOPIC}' (POST …/links/${LINK}/mirrors)`, started)

    await produce(source.bootstrapServers, partitions, records - half, 'during')
    step(`wrote ${records - half} more records while the mirror copies`, started)

    const mirror = await waitForMirror(client, LINK, TOPIC, (m) => m?.mirror_status === 'ACTIVE' && totalLag(m) === 0 && (m.mirror_lags ?? []).length === partitions, 'lag 0', {
      timeoutMs: 120_000,
      failWhen: (m) => (m.mirror_status === 'FAILED' ? `mirror FAILED: ${m.mirror_topic_error ?? 'unknown error'}` : undefined),
    })
    step(`mirror ${mirror?.mirror_status}, lag 0 on ${(mirror?.mirror_lags ?? []).length} partitions`, started)

    const result = await verifyTopics({
      sourceBootstrap: source.bootstrapServers, destinationBootstrap: destination.bootstrapServers, topic: TOPIC,
    })
    step('compared both topics record by record with an independent client (kafkajs):', started)
    process.stdout.write('\n' + formatVerifyResult(result) + '\n')
    process.stdout.write(result.identical
      ? 'Every record is on the mirror at its source offset, with the same key, value, headers and timestamp.\n'
      : 'The mirror differs from the source (see above).\n')
    return result.identical ? 0 : 1
  } finally {
    if (stack) {
      await stack.stop()
      step('stopped the clusters and the engine', started)
    }
  }
}
