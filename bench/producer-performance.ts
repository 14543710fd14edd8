// Runs Kafka's own ProducerPerformance (kafka-tools) and reads its summary: the pre-fill of every source topic and the
// broker's produce ceiling.
import { spawn } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { writeFile } from 'node:fs/promises'

export interface ProducerPerformanceOptions {
  readonly libDir: string
  readonly bootstrapServers: string
  readonly topic: string
  readonly records: number
  /** File of payloads, one a line, all of the scenario's record size (ProducerPerformance picks one at random per record). */
  readonly payloadFile: string
  /** Records per second; -1 = as fast as the broker takes them. */
  readonly throughput?: number
  /** Producer configs (compression.type, linger.ms, batch.size, acks...). */
  readonly producerProps: Readonly<Record<string, string>>
  readonly heap?: string
  /** Told the tool's process id when it starts and when it ends (so an interrupted run can stop it). */
  readonly onProcess?: (pid: number | undefined, running: boolean) => void
}

export interface ProducerPerformanceResult {
  readonly records: number
  readonly recordsPerSecond: number
  readonly avgLatencyMs: number
  readonly p99LatencyMs: number
  /** The tool's last output lines, for error messages. */
  readonly output: string
}

// Summary line, e.g. "50000 records sent, 41356.5 records/sec (39.44 MB/sec), 410.61 ms avg latency, 751.00 ms max latency,
// 423 ms 50th, 693 ms 95th, 733 ms 99th, 751 ms 99.9th."
const SUMMARY = /(\d+) records sent, ([\d.]+) records\/sec \(([\d.]+) MB\/sec\), ([\d.]+) ms avg latency, ([\d.]+) ms max latency(?:, (\d+) ms 50th, (\d+) ms 95th, (\d+) ms 99th)?/

export async function runProducerPerformance(options: ProducerPerformanceOptions): Promise<ProducerPerformanceResult> {
  const props = { 'bootstrap.servers': options.bootstrapServers, ...options.producerProps }
  const args = [
    `-Xmx${options.heap ?? '512m'}`, '-cp', `${options.libDir}/*`, 'org.apache.kafka.tools.ProducerPerformance',
    '--topic', options.topic, '--num-records', String(options.records), '--throughput', String(options.throughput ?? -1),
    '--payload-file', options.payloadFile,
    '--producer-props', ...Object.entries(props).map(([k, v]) => `${k}=${v}`),
  ]
  const child = spawn('java', args, { stdio: ['ignore', 'pipe', 'pipe'] })
  options.onProcess?.(child.pid, true)
  let output = ''
  child.stdout.on('data', (chunk: Buffer) => { output = (output + chunk.toString()).slice(-20_000) })
  child.stderr.on('data', (chunk: Buffer) => { output = (output + chunk.toString()).slice(-20_000) })
  const code = await new Promise<number | null>((resolve, reject) => {
    child.once('error', reject)
    child.once('exit', (c) => resolve(c))
  }).finally(() => options.onProcess?.(child.pid, false))
  const lines = output.trim().split('\n')
  const summary = lines.map((l) => SUMMARY.exec(l)).filter((m) => m !== null).at(-1)
  if (code !== 0 || !summary) {
    throw new Error(`ProducerPerformance to ${options.topic} failed (exit ${code}):\n${lines.slice(-15).join('\n')}`)
  }
  return {
    records: Number(summary[1]),
    recordsPerSecond: Number(summary[2]),
    avgLatencyMs: Number(summary[4]),
    p99LatencyMs: Number(summary[8] ?? summary[5]),
    output: lines.slice(-3).join('\n'),
  }
}

const WORDS = ['order', 'customer', 'shipped', 'pending', 'invoice', 'warehouse', 'berlin', 'lisbon', 'priority', 'standard',
  'refund', 'cart', 'payment', 'visa', 'sepa', 'express', 'returned', 'sku', 'discount', 'loyalty', 'gold', 'silver']

/**
 * Writes `lines` distinct payloads of exactly `recordSize` ASCII bytes: JSON-like text with random ids and words, so
 * compression behaves like on real event data (neither one repeated record nor random bytes).
 */
export async function writePayloadFile(path: string, recordSize: number, lines = 2000): Promise<void> {
  const out: string[] = []
  for (let i = 0; i < lines; i++) {
    const random = randomBytes(recordSize)
    let text = `{"id":"${random.toString('hex', 0, 8)}","n":${i}`
    let j = 8
    while (text.length < recordSize) {
      const word = WORDS[(random[j % recordSize] ?? 0) % WORDS.length] ?? 'x'
      text += `,"${word}":"${random.toString('hex', j % (recordSize - 4), (j % (recordSize - 4)) + 3)}"`
      j += 3
    }
    out.push(text.slice(0, recordSize - 1) + '}')
  }
  await writeFile(path, out.join('\n'))
}
