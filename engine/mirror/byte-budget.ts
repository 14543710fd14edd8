// One engine-wide counting semaphore over bytes: bounds the fetched bytes held in memory across every copier of an engine.

/** The bytes one holder has taken from a ByteBudget (a fetch in flight, then its response until it is written). */
export interface BudgetLease {
  /** Bytes this lease holds now. */
  readonly bytes: number
  /**
   * Sets the bytes held: shrinking gives the difference back at once; growing takes the extra at once, even past the
   * capacity, because the bytes are already in memory (a broker answers with a first batch larger than the fetch's
   * max bytes, KIP-74): they are accounted, and no other fetch starts until enough is released.
   */
  resize(bytes: number): void
  /** Gives every byte back; idempotent. */
  release(): void
}

export class ByteBudget {
  readonly #capacity: number
  #available: number
  #peakInUse = 0
  readonly #waiters: Array<{ bytes: number; resolve: () => void }> = []

  constructor(capacityBytes: number) {
    if (!Number.isSafeInteger(capacityBytes) || capacityBytes <= 0) throw new RangeError(`byte budget must be a positive whole number, got ${capacityBytes}`)
    this.#capacity = capacityBytes
    this.#available = capacityBytes
  }

  get capacityBytes(): number { return this.#capacity }

  /** Bytes held now; above the capacity while an oversized response is accounted. */
  get inUseBytes(): number { return this.#capacity - this.#available }

  /** The most bytes held at once since the budget was made. */
  get peakInUseBytes(): number { return this.#peakInUse }

  /**
   * Waits, in arrival order, until `bytes` (capped at the capacity, so a request larger than the budget runs alone
   * instead of never) are free, then holds them.
   */
  async acquire(bytes: number): Promise<BudgetLease> {
    const want = Math.max(0, Math.min(Math.ceil(bytes), this.#capacity))
    if (this.#waiters.length === 0 && this.#available >= want) this.#take(want)
    else await new Promise<void>((resolve) => this.#waiters.push({ bytes: want, resolve }))
    let held = want
    let released = false
    const lease: BudgetLease = {
      get bytes() { return held },
      resize: (next: number) => {
        if (released) return
        const to = Math.max(0, Math.ceil(next))
        if (to > held) this.#take(to - held)
        else this.#give(held - to)
        held = to
      },
      release: () => {
        if (released) return
        released = true
        this.#give(held)
        held = 0
      },
    }
    return lease
  }

  /** Takes bytes without waiting (the caller waited or they are already in memory). */
  #take(bytes: number): void {
    this.#available -= bytes
    this.#peakInUse = Math.max(this.#peakInUse, this.inUseBytes)
  }

  #give(bytes: number): void {
    this.#available += bytes
    while (this.#waiters.length > 0 && this.#available >= this.#waiters[0]!.bytes) {
      const w = this.#waiters.shift()!
      this.#take(w.bytes)
      w.resolve()
    }
  }
}

/** The smallest fetch a copier asks for: an idle partition's long poll, so thousands of caught-up partitions hold little budget. */
export const MIN_FETCH_BYTES = 64 << 10

/**
 * Max bytes of a partition's next fetch, from what its last fetch asked and received: double while responses fill at
 * least half of it (a backlog), else twice the response (idle or trickling), within [MIN_FETCH_BYTES, fetchMaxBytes].
 * A response above fetchMaxBytes (a first batch larger than it, KIP-74) makes the next fetch ask for that size, so its
 * budget is taken before it starts rather than after. (0, 0) gives the first fetch's size.
 */
export function nextFetchSize(asked: number, received: number, fetchMaxBytes: number): number {
  if (received > fetchMaxBytes) return received
  const grown = received > 0 && received * 2 >= asked ? asked * 2 : received * 2
  return Math.min(Math.max(grown, MIN_FETCH_BYTES), fetchMaxBytes)
}

/** Budget when no memory limit is known (no cgroup limit): what a typical 1 GiB engine host can spare for fetched data. */
export const DEFAULT_FETCH_BUDGET_BYTES = 256 << 20
/** Smallest budget derived from a memory limit: a few fetches of the default size. */
export const MIN_FETCH_BUDGET_BYTES = 16 << 20

/**
 * The engine-wide fetch budget for a container memory limit: a quarter of it. The rest covers the process itself
 * (about 160 MB resident at start) and the copies a fetched byte briefly has (the response buffer, its parsed record
 * set, the produce request built from it) until the garbage collector returns them.
 */
export function fetchBudgetForMemoryLimit(limitBytes: number | null): number {
  if (limitBytes === null || !Number.isFinite(limitBytes) || limitBytes <= 0) return DEFAULT_FETCH_BUDGET_BYTES
  return Math.max(MIN_FETCH_BUDGET_BYTES, Math.floor(limitBytes / 4))
}

/** Budget shares of written responses, oldest first: each is freed once the mirror partition has accepted up to its end. */
export class HeldShares {
  readonly #held: Array<{ readonly end: bigint; readonly release: () => void }> = []

  hold(end: bigint, release: () => void): void { this.#held.push({ end, release }) }

  /** Frees every share whose response ends at or below `accepted` (the writer's accepted log end offset). */
  releaseUpTo(accepted: bigint): void {
    while (this.#held.length > 0 && this.#held[0]!.end <= accepted) this.#held.shift()!.release()
  }

  releaseAll(): void { for (const h of this.#held.splice(0)) h.release() }
}

/**
 * A response that left a backlog behind it (high watermark past its end) sizes the next fetch to that backlog at once,
 * estimated at the response's bytes per offset, up to fetchMaxBytes: doubling from MIN_FETCH_BYTES would take six round
 * trips to reach 4 MiB, which a far source (50 ms) pays on every catch-up. Never below `want`.
 */
export function backlogFetchSize(
  want: number, responseBytes: number, responseOffsets: bigint, backlogOffsets: bigint, fetchMaxBytes: number,
): number {
  if (responseOffsets <= 0n || backlogOffsets <= 0n) return want
  const estimate = Math.ceil((responseBytes / Number(responseOffsets)) * Number(backlogOffsets))
  return Math.max(want, Math.min(estimate, fetchMaxBytes))
}
