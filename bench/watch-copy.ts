// Measures one contender copying a backlog: polls the destination's end offsets and the contender's /proc usage until the copy is complete.
import { readMachineBusySeconds, readProcessUsage, type ProcessUsage } from './process-usage.ts'
import { sumEndOffsets, type Admin } from './kafka-helpers.ts'

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
  /** From the contender's start to the first record on the destination (process start, connections, topic creation). */
  readonly startupSeconds: number
  /** From the first poll that saw records on the destination to the poll that saw all of them. */
  readonly copySeconds: number
  /** Records copied inside the copy window (the backlog minus what was there at the first poll). */
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
  const entries = await Promise.all(Object.entries(pids).map(async ([name, pid]) => [name, (await readProcessUsage(pid))?.cpuSeconds ?? 0] as const))
  return Object.fromEntries(entries)
}

/**
 * Polls until the destination holds the whole backlog. The copy window starts at the first poll that sees a record:
 * contenders start very differently (a JVM with Connect group rebalances, a Node process), and the steady copy is
 * what the throughput compares; startup is reported on its own.
 */
export async function watchCopy(options: WatchCopyOptions, startedAtMs: number): Promise<CopyMeasurement> {
  const pollMs = options.pollMs ?? 100
  const deadline = Date.now() + options.timeoutMs
  let first: { atMs: number; records: number; usage: ProcessUsage; others: Record<string, number>; machine: number } | undefined
  let last = 0
  for (;;) {
    await options.check?.()
    const records = await sumEndOffsets(options.destination, options.topic)
    const now = Date.now()
    const usage = await readProcessUsage(options.pid)
    if (!usage) throw new Error(`the contender process ${options.pid} exited before the copy completed (${records} of ${options.targetRecords} records)`)
    if (records > 0 && !first) first = { atMs: now, records, usage, others: await otherUsage(options.otherPids ?? {}), machine: await readMachineBusySeconds() }
    if (first && records >= options.targetRecords) {
      const others = await otherUsage(options.otherPids ?? {})
      const machine = await readMachineBusySeconds()
      const copySeconds = Math.max((now - first.atMs) / 1000, pollMs / 1000)
      return {
        startupSeconds: (first.atMs - startedAtMs) / 1000,
        copySeconds,
        copiedRecords: records - first.records,
        copyCpuSeconds: usage.cpuSeconds - first.usage.cpuSeconds,
        totalCpuSeconds: usage.cpuSeconds,
        peakRssBytes: usage.peakRssBytes,
        rssBytes: usage.rssBytes,
        machineBusySeconds: machine - first.machine,
        otherCpuSeconds: Object.fromEntries(Object.entries(others).map(([name, cpu]) => [name, cpu - (first?.others[name] ?? 0)])),
      }
    }
    if (now > deadline) {
      throw new Error(`gave up after ${options.timeoutMs} ms: ${records} of ${options.targetRecords} records on ${options.topic} (last progress ${last})`)
    }
    last = records
    await new Promise((resolve) => setTimeout(resolve, pollMs))
  }
}
