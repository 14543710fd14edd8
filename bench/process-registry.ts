// Keeps the ids of the processes one benchmark run started, so an interrupted run stops exactly those and nothing else.
import { readdirSync, readFileSync } from 'node:fs'

/** Direct children of this process, from /proc/<pid>/stat (field 4 is the parent pid): all of them were started by this run. */
function ownChildren(): number[] {
  const children: number[] = []
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8')
      const parent = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1])
      if (parent === process.pid) children.push(Number(entry))
    } catch { /* the process ended meanwhile */ }
  }
  return children
}

export class ProcessRegistry {
  readonly #pids = new Set<number>()

  /** Remembers a process this run started; returns the pid for chaining. */
  track(pid: number | undefined): number {
    if (pid !== undefined && pid > 0) this.#pids.add(pid)
    return pid ?? -1
  }

  untrack(pid: number | undefined): void {
    if (pid !== undefined) this.#pids.delete(pid)
  }

  /**
   * Sends SIGKILL to every tracked process and to every direct child of this process (an engine still starting is
   * not tracked yet): an interrupted run has no time for graceful stops.
   */
  killAll(): void {
    for (const pid of new Set([...this.#pids, ...ownChildren()])) {
      try { process.kill(pid, 'SIGKILL') } catch { /* already gone */ }
    }
    this.#pids.clear()
  }
}
