// The StateStore interface (links, mirror topics and owners' status records, write-first, followed by every replica) and
// an in-memory implementation for pure tests.
import type { LinkState, MirrorState, MirrorStatusRecord } from './state-records.ts'

export interface StateSnapshot {
  readonly links: readonly LinkState[]
  readonly mirrors: readonly MirrorState[]
  readonly statuses?: readonly MirrorStatusRecord[]
}

/** One record read from the state topic after the snapshot (null: deleted). */
export type StateChange =
  | { readonly kind: 'link'; readonly linkName: string; readonly link: LinkState | null }
  | { readonly kind: 'mirror'; readonly linkName: string; readonly mirrorTopicName: string; readonly mirror: MirrorState | null }
  | { readonly kind: 'status'; readonly linkName: string; readonly mirrorTopicName: string; readonly status: MirrorStatusRecord | null }

/** Durable desired state. Every write resolves only once it is stored; callers change memory after that. */
export interface StateStore {
  /** Reads everything stored (for a state topic: to its end) and returns the latest record per key. */
  load(): Promise<StateSnapshot>
  /** After load: delivers every later change written by any replica, in log order (own writes already applied are skipped). */
  follow(listener: (change: StateChange) => void): void
  putLink(link: LinkState): Promise<void>
  deleteLink(linkName: string): Promise<void>
  putMirror(mirror: MirrorState): Promise<void>
  /** Deletes the mirror record and its status record. */
  deleteMirror(linkName: string, mirrorTopicName: string): Promise<void>
  /** Publishes owners' status records (best effort: status is not desired state). */
  putStatuses(statuses: readonly MirrorStatusRecord[]): Promise<void>
  close(): Promise<void>
}

/** Keeps records in maps; `failNextWrite` lets tests prove that a failed write changes nothing; `emit` plays another replica's write. */
export class MemoryStateStore implements StateStore {
  readonly links = new Map<string, LinkState>()
  readonly mirrors = new Map<string, MirrorState>()
  readonly statuses = new Map<string, MirrorStatusRecord>()
  failNextWrite: Error | undefined
  #listener: ((change: StateChange) => void) | undefined

  #check(): void {
    const error = this.failNextWrite
    if (error) {
      this.failNextWrite = undefined
      throw error
    }
  }

  async load(): Promise<StateSnapshot> {
    return { links: [...this.links.values()], mirrors: [...this.mirrors.values()], statuses: [...this.statuses.values()] }
  }

  follow(listener: (change: StateChange) => void): void {
    this.#listener = listener
  }

  /** Stores a change as if another replica wrote it, and delivers it to the follower. */
  emit(change: StateChange): void {
    if (change.kind === 'link') {
      if (change.link) this.links.set(change.linkName, change.link)
      else this.links.delete(change.linkName)
    } else if (change.kind === 'mirror') {
      if (change.mirror) this.mirrors.set(`${change.linkName}:${change.mirrorTopicName}`, change.mirror)
      else this.mirrors.delete(`${change.linkName}:${change.mirrorTopicName}`)
    } else if (change.status) this.statuses.set(`${change.linkName}:${change.mirrorTopicName}`, change.status)
    else this.statuses.delete(`${change.linkName}:${change.mirrorTopicName}`)
    this.#listener?.(change)
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
    this.statuses.delete(`${linkName}:${mirrorTopicName}`)
  }

  async putStatuses(statuses: readonly MirrorStatusRecord[]): Promise<void> {
    for (const status of statuses) this.statuses.set(`${status.linkName}:${status.mirrorTopicName}`, status)
  }

  async close(): Promise<void> {}
}
