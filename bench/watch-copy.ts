// Measures one contender copying a backlog: polls the destination's end offsets and the contender's /proc usage until the copy is complete.
import { readMachineBusySeconds, readProcessUsage, type ProcessUsage } from './process-usage.ts'
import { tryEndOffsets, type Admin } from './kafka-helpers.ts'

export interface WatchCopyOptions {
  /** Admin client on the destination cluster. */
  readonly destination: Admin
  /** The topic the contender writes to on the destination. */
  readonly topic: string
  /** The copy is complete when the destination's end offsets sum to at least this (the source's end offsets). */
  readonly targetRecords: number
  /** The contender's process. */
  readonly pid: number
  readonly timeoutMs: number
  readonly pollMs?: number
  /** Other processes whose CPU inside the copy window is reported too (the brokers). */
  readonly otherPids?: Readonly<Record<string, number>>
  /** Throws to stop the wait (e.g. the contender process died, or the mirror FAILED). */
  readonly check?: () => Promise<void> | void
}

export interface CopyMeasurement {
  /** From the contender's start to the last poll that saw no record on the destination (process start, connections, topic creation). */
  readonly startupSeconds: number
  /** From the last poll that saw no record on the destination to the poll that saw all of them. */
  readonly copySeconds: number
  /** Records copied inside the copy window (the whole backlog, unless the destination topic held records at the first poll). */
  readonly copiedRecords: number
  /** CPU seconds the contender used inside the copy window. */
  readonly copyCpuSeconds: number
  /** CPU seconds from process start to the end of the copy (startup included). */
  readonly totalCpuSeconds: number
  readonly peakRssBytes: number
  readonly rssBytes: number
  /** CPU seconds of each of `otherPids` inside the copy window. */
  readonly otherCpuSeconds: Readonly<Record<string, number>>
  /** CPU seconds the whole machine was busy inside the copy window (every process, other users' included). */
  readonly machineBusySeconds: number
}

async function otherUsage(pids: Readonly<Record<string, number>>): Promise<Record<string, number>> {
  const entries = await Promise.all(Object.entries(pids)
    .map(async ([name, pid]) => [name, (await readProcessUsage(pid))?.cpuSeconds ?? 0] as const))
  return Object.fromEntries(entries)
}

interface Sample {
  readonly atMs: number
  readonly records: number
  readonly usage: ProcessUsage
  readonly others: Record<string, number>
  readonly machine: number
}

/**
 * Polls until the destination holds the whole backlog. The copy window starts at the last poll that saw no record on
 * the destination (so a copy faster than one poll interval still has a window): contenders start very differently (a
 * JVM joining a Connect group, a Node process), and the steady copy is what the throughput compares; startup is
 * reported on its own.
 */
export async function watchCopy(options: WatchCopyOptions, startedAtMs: number): Promise<CopyMeasurement> {
  const pollMs = options.pollMs ?? 100
  const deadline = Date.now() + options.timeoutMs
  let windowStart: Sample | undefined
  for (;;) {
    await options.check?.()
    const records = await tryEndOffsets(options.destination, options.topic)
    const atMs = Date.now()
    if (records === undefined) {
      if (atMs > deadline) throw new Error(`gave up after ${options.timeoutMs} ms: the end offsets of ${options.topic} could not be read`)
      await new Promise((resolve) => setTimeout(resolve, pollMs))
      continue
    }
    const usage = await readProcessUsage(options.pid)
    if (!usage) throw new Error(`the contender process ${options.pid} exited before the copy completed (${records} of ${options.targetRecords} records)`)
    const others = await otherUsage(options.otherPids ?? {})
    const sample: Sample = { atMs, records, usage, others, machine: await readMachineBusySeconds() }
    if (records === 0 || !windowStart) windowStart = sample
    if (records >= options.targetRecords) {
      const start = windowStart
      const copySeconds = Math.max((atMs - start.atMs) / 1000, pollMs / 1000)
      return {
        startupSeconds: (start.atMs - startedAtMs) / 1000,
        copySeconds,
        copiedRecords: records - start.records,
        copyCpuSeconds: usage.cpuSeconds - start.usage.cpuSeconds,
        totalCpuSeconds: usage.cpuSeconds,
        peakRssBytes: usage.peakRssBytes,
        rssBytes: usage.rssBytes,
        machineBusySeconds: sample.machine - start.machine,
        otherCpuSeconds: Object.fromEntries(Object.entries(sample.others).map(([name, cpu]) => [name, cpu - (start.others[name] ?? 0)])),
      }
    }
    if (atMs > deadline) throw new Error(`gave up after ${options.timeoutMs} ms: ${records} of ${options.targetRecords} records on ${options.topic}`)
    await new Promise((resolve) => setTimeout(resolve, pollMs))
  }
}
