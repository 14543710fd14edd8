// The memory limit of the engine's container, read from its cgroup (v2 memory.max, v1 memory.limit_in_bytes); null when unlimited.
import { readFileSync } from 'node:fs'

/** cgroup v1 writes "no limit" as a huge page-aligned number (LONG_MAX rounded down); anything above this is unlimited. */
const V1_UNLIMITED_ABOVE = 2 ** 60

type ReadText = (path: string) => string

const readText: ReadText = (path) => readFileSync(path, 'utf8')

function tryRead(read: ReadText, path: string): string | undefined {
  try {
    return read(path).trim()
  } catch {
    return undefined
  }
}

/** Candidate files: the process's own cgroup (from /proc/self/cgroup) first, then the namespace root a container sees. */
function candidates(read: ReadText): { v2: string[]; v1: string[] } {
  const v2: string[] = []
  const v1: string[] = []
  for (const line of (tryRead(read, '/proc/self/cgroup') ?? '').split('\n')) {
    const [id, controllers, path] = line.split(':', 3)
    if (path === undefined || path.includes('..')) continue
    const dir = path === '/' ? '' : path
    if (id === '0' && controllers === '') v2.push(`/sys/fs/cgroup${dir}/memory.max`)
    else if (controllers?.split(',').includes('memory')) v1.push(`/sys/fs/cgroup/memory${dir}/memory.limit_in_bytes`)
  }
  v2.push('/sys/fs/cgroup/memory.max')
  v1.push('/sys/fs/cgroup/memory/memory.limit_in_bytes')
  return { v2, v1 }
}

/** The cgroup memory limit in bytes, or null when there is none (or no cgroup file can be read). */
export function readMemoryLimit(read: ReadText = readText): number | null {
  const { v2, v1 } = candidates(read)
  for (const file of v2) {
    const text = tryRead(read, file)
    if (text === undefined) continue
    if (text === 'max') return null
    if (/^\d+$/.test(text)) return Number(text)
  }
  for (const file of v1) {
    const text = tryRead(read, file)
    if (text === undefined || !/^\d+$/.test(text)) continue
    const value = Number(text)
    return value > V1_UNLIMITED_ABOVE ? null : value
  }
  return null
}
