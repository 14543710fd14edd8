// Reads a process's CPU time and memory from /proc (Linux), the way every contender in the benchmark is measured.
import { readFile } from 'node:fs/promises'
import { execFileSync } from 'node:child_process'

/** Clock ticks per second of /proc/<pid>/stat times (almost always 100). */
let ticksPerSecond: number | undefined
function clockTicks(): number {
  if (ticksPerSecond === undefined) {
    try {
      ticksPerSecond = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100
    } catch {
      ticksPerSecond = 100
    }
  }
  return ticksPerSecond
}

export interface ProcessUsage {
  /** User plus system CPU time of every thread of the process, in seconds. */
  readonly cpuSeconds: number
  /** Resident set size now, in bytes. */
  readonly rssBytes: number
  /** Peak resident set size since the process started (VmHWM), in bytes. */
  readonly peakRssBytes: number
}

/**
 * One sample of /proc/<pid>/stat (utime + stime, fields 14 and 15) and /proc/<pid>/status (VmRSS, VmHWM).
 * Undefined when the process is gone.
 */
export async function readProcessUsage(pid: number): Promise<ProcessUsage | undefined> {
  try {
    const [stat, status] = await Promise.all([
      readFile(`/proc/${pid}/stat`, 'utf8'),
      readFile(`/proc/${pid}/status`, 'utf8'),
    ])
    // The command name (field 2) may hold spaces and parentheses: count fields after its closing parenthesis.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
    const utime = Number(fields[11])
    const stime = Number(fields[12])
    const kb = (name: string): number => Number(new RegExp(`^${name}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? 0) * 1024
    return { cpuSeconds: (utime + stime) / clockTicks(), rssBytes: kb('VmRSS'), peakRssBytes: kb('VmHWM') }
  } catch {
    return undefined
  }
}

/** CPU seconds the whole machine spent busy (all cores, from the first line of /proc/stat), idle and iowait excluded. */
export async function readMachineBusySeconds(): Promise<number> {
  const text = await readFile('/proc/stat', 'utf8').catch(() => '')
  const fields = (text.split('\n')[0] ?? '').trim().split(/\s+/).slice(1).map(Number)
  // user nice system idle iowait irq softirq steal (guest time is already inside user)
  const [user = 0, nice = 0, system = 0, _idle = 0, _iowait = 0, irq = 0, softirq = 0, steal = 0] = fields
  return (user + nice + system + irq + softirq + steal) / clockTicks()
}

/** The 1, 5 and 15 minute load averages, for the results file. */
export async function readLoadAverage(): Promise<string> {
  const text = await readFile('/proc/loadavg', 'utf8').catch(() => '')
  return text.split(' ').slice(0, 3).join(' ')
}
