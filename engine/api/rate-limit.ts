// A per-client token bucket: each client address may send `burst` requests at once and `perSecond` on average.
export interface RateLimitOptions {
  /** Average requests per second per client; 0 turns the limit off. */
  readonly perSecond: number
  readonly burst: number
  /** Clock in ms (tests pass a fake). */
  readonly now?: () => number
  /** Buckets kept at most; the least recently seen clients are forgotten first. */
  readonly maxClients?: number
}

interface Bucket {
  tokens: number
  atMs: number
}

export class RateLimiter {
  readonly #options: RateLimitOptions
  readonly #buckets = new Map<string, Bucket>()

  constructor(options: RateLimitOptions) {
    this.#options = options
  }

  /** Takes one request from the client's bucket: 0 when allowed, else the seconds to wait (for Retry-After). */
  take(client: string): number {
    const { perSecond, burst } = this.#options
    if (perSecond <= 0) return 0
    const now = (this.#options.now ?? Date.now)()
    const bucket = this.#buckets.get(client) ?? { tokens: burst, atMs: now }
    bucket.tokens = Math.min(burst, bucket.tokens + ((now - bucket.atMs) / 1000) * perSecond)
    bucket.atMs = now
    // Re-inserted so the map's order is least recently seen first.
    this.#buckets.delete(client)
    this.#buckets.set(client, bucket)
    if (this.#buckets.size > (this.#options.maxClients ?? 10_000)) this.#buckets.delete(this.#buckets.keys().next().value as string)
    if (bucket.tokens >= 1) {
      bucket.tokens -= 1
      return 0
    }
    return Math.max(1, Math.ceil((1 - bucket.tokens) / perSecond))
  }
}
