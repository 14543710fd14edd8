// The StateStore interface (links and mirror topics, write-first) and an in-memory implementation for pure tests.
import type { LinkState, MirrorState } from './state-records.ts'

export interface StateSnapshot {
  readonly links: readonly LinkState[]
  readonly mirrors: readonly MirrorState[]
}

/** Durable desired state. Every write resolves only once it is stored; callers change memory after that. */
export interface StateStore {
  /** Reads everything stored (for a state topic: to its end) and returns the latest record per key. */
  load(): Promise<StateSnapshot>
  putLink(link: LinkState): Promise<void>
  deleteLink(linkName: string): Promise<void>
  putMirror(mirror: MirrorState): Promise<void>
  deleteMirror(linkName: string, mirrorTopicName: string): Promise<void>
  close(): Promise<void>
}

/** Keeps records in maps; `failNextWrite` lets tests prove that a failed write changes nothing. */
export class MemoryStateStore implements StateStore {
  readonly links = new Map<string, LinkState>()
  readonly mirrors = new Map<string, MirrorState>()
  failNextWrite: Error | undefined

  #check(): void {
    const error = this.failNextWrite
    if (error) {
      this.failNextWrite = undefined
      throw error
    }
  }

  async load(): Promise<StateSnapshot> {
    return { links: [...this.links.values()], mirrors: [...this.mirrors.values()] }
  }

  async putLink(link: LinkState): Promise<void> {
    this.#check()
    this.links.set(link.linkName, link)
  }

  async deleteLink(linkName: string): Promise<void> {
    this.#check()
    this.links.delete(linkName)
  }

  async putMirror(mirror: MirrorState): Promise<void> {
    this.#check()
    this.mirrors.set(`${mirror.linkName}:${mirror.mirrorTopicName}`, mirror)
  }

  async deleteMirror(linkName: string, mirrorTopicName: string): Promise<void> {
    this.#check()
    this.mirrors.delete(`${linkName}:${mirrorTopicName}`)
  }

  async close(): Promise<void> {}
}
