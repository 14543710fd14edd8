// A counting semaphore over bytes: bounds the fetch bytes in flight across all copiers of an engine.
export class ByteBudget {
  readonly #capacity: number
  #available: number
  readonly #waiters: Array<{ bytes: number; resolve: () => void }> = []

  constructor(capacityBytes: number) {
    this.#capacity = capacityBytes
    this.#available = capacityBytes
  }

  get inUseBytes(): number { return this.#capacity - this.#available }

  /** Waits until `bytes` (capped at the capacity) are free; returns the release function. */
  async acquire(bytes: number): Promise<() => void> {
    const want = Math.min(bytes, this.#capacity)
    if (this.#waiters.length === 0 && this.#available >= want) {
      this.#available -= want
    } else {
      await new Promise<void>((resolve) => this.#waiters.push({ bytes: want, resolve }))
    }
    let released = false
    return () => {
      if (released) return
      released = true
      this.#available += want
      this.#drain()
    }
  }

  #drain(): void {
    while (this.#waiters.length > 0 && this.#available >= this.#waiters[0]!.bytes) {
      const w = this.#waiters.shift()!
      this.#available -= w.bytes
      w.resolve()
    }
  }
}
