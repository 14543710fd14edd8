// Fetches many partitions from one broker in one request, the way a replica fetcher does: copiers ask for one partition
// each; the batcher sends what is asked of one leader as one multi-partition Fetch and hands each copier its partition.
import type { BrokerAddress } from './connection-lanes.ts'
import type { Connection } from '@platformatic/kafka'
import { rawFetchApi, type RawFetchPartitionResponse, type RawFetchResponse, type RawFetchTopicRequest } from './raw-fetch.ts'
import { kafkaError, type ClusterSide } from './kafka-errors.ts'
import { EngineError } from '../errors.ts'

/** One partition's fetch, as a copier asks for it. */
export interface PartitionFetch {
  readonly topic: string
  /** '' when the topic has no id (ZooKeeper-era brokers): the request then names topics (Fetch v12 at most). */
  readonly topicId: string
  readonly partition: number
  readonly fetchOffset: bigint
  readonly maxBytes: number
  readonly lastFetchedEpoch: number
}

/**
 * Sends one Fetch for `fetches` to `broker` on `lane`; `byId` says whether the version sent names topics by id (v13, only
 * when every topic has one) or by name, and so how the response names them.
 */
export type SendFetch = (
  broker: BrokerAddress, lane: string, request: { maxWaitMs: number; maxBytes: number; isolation: number },
  fetches: readonly PartitionFetch[],
) => Promise<{ response: RawFetchResponse; byId: boolean }>

/** The request's topics, grouped, named by id or by name. */
export function fetchTopics(fetches: readonly PartitionFetch[], byId: boolean): RawFetchTopicRequest[] {
  const topics = new Map<string, { topic: string; partitions: RawFetchTopicRequest['partitions'][number][] }>()
  for (const f of fetches) {
    const name = byId ? f.topicId : f.topic
    let t = topics.get(name)
    if (!t) topics.set(name, t = { topic: name, partitions: [] })
    const { partition, fetchOffset, maxBytes: partitionMaxBytes, lastFetchedEpoch } = f
    t.partitions.push({ partition, fetchOffset, partitionMaxBytes, lastFetchedEpoch })
  }
  return [...topics.values()]
}

/** The SendFetch of a cluster client: v13 by topic id when every topic has one and the leader speaks it, else by name. */
export function fetchSender(
  call: <T>(lane: string, broker: BrokerAddress, run: (c: Connection) => Promise<T>) => Promise<T>,
  versionFor: (c: Connection, cap: number) => Promise<number>, side: () => ClusterSide,
): SendFetch {
  return (broker, lane, request, fetches) => call(lane, broker, async (c) => {
    const version = await versionFor(c, fetches.every((f) => f.topicId !== '') ? 13 : 12)
    const topics = fetchTopics(fetches, version >= 13)
    const response = await rawFetchApi(version).async(c, request.maxWaitMs, 1, request.maxBytes, request.isolation, topics)
    if (response.errorCode !== 0) throw kafkaError(response.errorCode, side(), 'fetch', { partitions: fetches.length })
    return { response, byId: version >= 13 }
  })
}

interface Waiting {
  readonly fetch: PartitionFetch
  readonly key: string
  readonly resolve: (p: RawFetchPartitionResponse) => void
  readonly reject: (e: unknown) => void
}

/**
 * A response carries at most this many bytes: brokers cap it at their fetch.max.bytes anyway (55 MiB by default), and
 * partitions past the cap come back empty; they go first in the next request (see #take).
 */
const REQUEST_MAX_BYTES = 64 << 20
/** Partitions in one request; the rest wait for the next one (replica fetchers send thousands; this bounds one response's parsing). */
const REQUEST_MAX_PARTITIONS = 2_000

/**
 * One queue per broker, isolation and wait: at most one request in flight per queue. Everything asked while it is in
 * flight goes out together once it returns (a copier asks for its next fetch as soon as it has planned the last one,
 * so its fetch rides the next request while it writes). A long poll ends as soon as any partition in it has data
 * (min_bytes 1), like a follower's fetch. Partitions served least recently go first, so that the response limit never
 * starves the same partitions.
 */
class BrokerFetchQueue {
  readonly #send: SendFetch
  readonly #broker: BrokerAddress
  readonly #lane: string
  readonly #maxWaitMs: number
  readonly #isolation: number
  readonly #lastServed: Map<string, number>
  #waiting: Waiting[] = []
  #inFlight = false
  #scheduled = false

  constructor(send: SendFetch, broker: BrokerAddress, lane: string, maxWaitMs: number, isolation: number, lastServed: Map<string, number>) {
    this.#send = send
    this.#broker = broker
    this.#lane = lane
    this.#maxWaitMs = maxWaitMs
    this.#isolation = isolation
    this.#lastServed = lastServed
  }

  add(w: Waiting): void {
    this.#waiting.push(w)
    this.#schedule()
  }

  /** Sends on the next turn of the event loop, so that every copier answered by the last response has asked again. */
  #schedule(): void {
    if (this.#scheduled || this.#inFlight || this.#waiting.length === 0) return
    this.#scheduled = true
    setImmediate(() => {
      this.#scheduled = false
      void this.#sendNext()
    })
  }

  /** The next request's partitions: one fetch per partition, least recently served first, within the limits above. */
  #take(): Waiting[] {
    const order = this.#waiting.map((w, i) => ({ w, i, served: this.#lastServed.get(w.key) ?? 0 }))
    order.sort((a, b) => a.served - b.served || a.i - b.i)
    const taken: Waiting[] = []
    const keys = new Set<string>()
    let bytes = 0
    for (const { w } of order) {
      if (taken.length >= REQUEST_MAX_PARTITIONS || (taken.length > 0 && bytes + w.fetch.maxBytes > REQUEST_MAX_BYTES)) break
      // A partition asked twice (a discarded prefetch still queued) goes in the next request: a request holds it once.
      if (keys.has(w.key)) continue
      keys.add(w.key)
      taken.push(w)
      bytes += w.fetch.maxBytes
    }
    const chosen = new Set(taken)
    this.#waiting = this.#waiting.filter((w) => !chosen.has(w))
    return taken
  }

  async #sendNext(): Promise<void> {
    if (this.#inFlight || this.#waiting.length === 0) return
    this.#inFlight = true
    const taken = this.#take()
    try {
      const maxBytes = Math.min(REQUEST_MAX_BYTES, taken.reduce((sum, w) => sum + w.fetch.maxBytes, 0))
      const request = { maxWaitMs: this.#maxWaitMs, maxBytes, isolation: this.#isolation }
      const { response: res, byId } = await this.#send(this.#broker, this.#lane, request, taken.map((w) => w.fetch))
      const now = performance.now()
      // A v13 response names topics by id, older ones by name: a request never mixes the two (byId).
      const found = new Map<string, RawFetchPartitionResponse>()
      for (const t of res.topics) for (const p of t.partitions) found.set(`${t.topic}/${p.partition}`, p)
      for (const w of taken) {
        const p = found.get(`${byId ? w.fetch.topicId : w.fetch.topic}/${w.fetch.partition}`)
        if (!p) {
          w.reject(new EngineError('KAFKA_ERROR', `fetch response has no partition ${w.fetch.topic}-${w.fetch.partition}`, { retriable: true }))
          continue
        }
        if (p.records && p.records.length > 0) this.#lastServed.set(w.key, now)
        w.resolve(p)
      }
    } catch (error) {
      for (const w of taken) w.reject(error)
    } finally {
      this.#inFlight = false
      this.#schedule()
    }
  }
}

/**
 * The batcher of one cluster client: one BrokerFetchQueue per leader, isolation and wait, each on its own lane (a
 * broker answers one request at a time per connection, so a long poll never holds up another queue's requests).
 */
export class FetchBatcher {
  readonly #send: SendFetch
  readonly #queues = new Map<string, BrokerFetchQueue>()
  readonly #lastServed = new Map<string, number>()

  constructor(send: SendFetch) {
    this.#send = send
  }

  /** Queues one partition's fetch for its leader; resolves with that partition's part of the response. */
  fetch(broker: BrokerAddress, isolation: number, maxWaitMs: number, fetch: PartitionFetch): Promise<RawFetchPartitionResponse> {
    const id = `${broker.nodeId}|${broker.host}:${broker.port}|${isolation}|${maxWaitMs}`
    let queue = this.#queues.get(id)
    if (!queue) {
      queue = new BrokerFetchQueue(this.#send, broker, `fetch-batch-${this.#queues.size}`, maxWaitMs, isolation, this.#lastServed)
      this.#queues.set(id, queue)
    }
    const key = `${fetch.topic}/${fetch.partition}`
    return new Promise((resolve, reject) => queue.add({ fetch, key, resolve, reject }))
  }
}
