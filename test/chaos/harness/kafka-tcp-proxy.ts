// A loopback TCP proxy in front of one Kafka broker that cuts connections on demand: all at once, or at a chosen request (before
// it reaches the broker, after the broker answered, or mid-response).
import { createServer, connect, type Server, type Socket } from 'node:net'
import { FrameSplitter, readRequestHeader, readResponseCorrelationId } from './kafka-frames.ts'

/**
 * - `drop-request`: the request never reaches the broker, the connection is reset (the client must resend).
 * - `lose-response`: the request reaches the broker, which handles it and answers; the answer is dropped and the
 *   connection reset. For a Produce this is the dangerous case: the batch landed, the client does not know it.
 * - `mid-response`: half of the broker's answer reaches the client, then the connection is closed (FIN).
 */
export type CutMode = 'drop-request' | 'lose-response' | 'mid-response'

export interface CutRule {
  readonly apiKey: number
  readonly mode: CutMode
  /** Only requests at least this large match (a Produce that carries records, not an empty one); default 0. */
  readonly minRequestBytes?: number
}

export interface CutEvent {
  readonly apiKey: number
  readonly mode: CutMode
  readonly requestBytes: number
}

interface Pair {
  readonly client: Socket
  readonly upstream: Socket
  dead: boolean
  /** A rule waiting for the response to this correlation id; put back in the armed list if the connection dies first. */
  cutAt: { correlationId: number; event: CutEvent; rule: ArmedRule } | null
}

interface ArmedRule extends CutRule {
  readonly done: (event: CutEvent) => void
}

export class KafkaTcpProxy {
  readonly port: number
  readonly #server: Server
  readonly #pairs = new Set<Pair>()
  readonly #armed: ArmedRule[] = []
  #target: { host: string; port: number } | null = null
  #refusing = false
  /** Every cut made by a rule, in order. */
  readonly cuts: CutEvent[] = []
  /** Connections reset by cutAll() or refused while refusing. */
  resets = 0
  accepted = 0

  private constructor(server: Server, port: number) {
    this.#server = server
    this.port = port
    server.on('connection', (socket) => this.#onConnection(socket))
  }

  /** Listens on 127.0.0.1 (a free port); connections are reset until setTarget() names the broker. */
  static async start(): Promise<KafkaTcpProxy> {
    const server = createServer({ noDelay: true })
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject)
      server.listen(0, '127.0.0.1', () => resolve())
    })
    const address = server.address()
    if (!address || typeof address === 'string') throw new Error('the proxy has no TCP address')
    return new KafkaTcpProxy(server, address.port)
  }

  get address(): string {
    return `127.0.0.1:${this.port}`
  }

  setTarget(port: number, host = '127.0.0.1'): void {
    this.#target = { host, port }
  }

  /** Resets every open connection now (both sides); returns how many were open. */
  cutAll(): number {
    const open = [...this.#pairs].filter((p) => !p.dead)
    for (const pair of open) this.#kill(pair)
    this.resets += open.length
    return open.length
  }

  /** While on, new connections are reset as soon as they arrive (a broker that cannot be reached). */
  refuseConnections(on: boolean): void {
    this.#refusing = on
  }

  /** Cuts the connection that carries the next matching request; resolves when the cut happened. */
  armCut(rule: CutRule): Promise<CutEvent> {
    return new Promise((resolve) => this.#armed.push({ ...rule, done: resolve }))
  }

  /** Rules armed but not fired yet. */
  get armedCount(): number {
    return this.#armed.length
  }

  async close(): Promise<void> {
    this.#armed.length = 0
    for (const pair of this.#pairs) this.#kill(pair)
    await new Promise<void>((resolve) => this.#server.close(() => resolve()))
  }

  #take(apiKey: number, size: number): ArmedRule | undefined {
    const i = this.#armed.findIndex((r) => r.apiKey === apiKey && size >= (r.minRequestBytes ?? 0))
    if (i < 0) return undefined
    return this.#armed.splice(i, 1)[0]
  }

  #kill(pair: Pair): void {
    if (pair.dead) return
    this.#retire(pair)
    pair.client.resetAndDestroy()
    pair.upstream.resetAndDestroy()
  }

  #retire(pair: Pair): void {
    pair.dead = true
    this.#pairs.delete(pair)
    const pending = pair.cutAt
    pair.cutAt = null
    if (pending) this.#armed.unshift(pending.rule)
  }

  #record(event: CutEvent, done: (e: CutEvent) => void): void {
    this.cuts.push(event)
    done(event)
  }

  #onConnection(client: Socket): void {
    const target = this.#target
    if (this.#refusing || !target) {
      this.resets++
      client.resetAndDestroy()
      return
    }
    this.accepted++
    const upstream = connect({ host: target.host, port: target.port, noDelay: true })
    const pair: Pair = { client, upstream, dead: false, cutAt: null }
    this.#pairs.add(pair)
    const requests = new FrameSplitter()
    const responses = new FrameSplitter()
    client.on('data', (chunk: Buffer) => {
      if (pair.dead) return
      try {
        for (const frame of requests.push(chunk)) {
          const header = readRequestHeader(frame)
          const rule = pair.cutAt ? undefined : this.#take(header.apiKey, frame.length)
          const event: CutEvent | undefined = rule ? { apiKey: header.apiKey, mode: rule.mode, requestBytes: frame.length } : undefined
          if (rule && event && rule.mode === 'drop-request') {
            this.#kill(pair)
            this.#record(event, rule.done)
            return
          }
          upstream.write(frame)
          if (rule && event) pair.cutAt = { correlationId: header.correlationId, event, rule }
        }
      } catch {
        this.#kill(pair)
      }
    })
    upstream.on('data', (chunk: Buffer) => {
      if (pair.dead) return
      try {
        for (const frame of responses.push(chunk)) {
          const cut = pair.cutAt
          if (cut && readResponseCorrelationId(frame) === cut.correlationId) {
            pair.cutAt = null
            if (cut.event.mode === 'mid-response') {
              // Half a response then FIN: the client reads a truncated frame and then end of stream.
              this.#retire(pair)
              upstream.resetAndDestroy()
              client.end(frame.subarray(0, Math.max(4, frame.length >> 1)))
            } else {
              this.#kill(pair)
            }
            this.#record(cut.event, cut.rule.done)
            return
          }
          client.write(frame)
        }
      } catch {
        this.#kill(pair)
      }
    })
    const close = (): void => {
      if (pair.dead) return
      this.#retire(pair)
      client.destroy()
      upstream.destroy()
    }
    client.on('error', close)
    upstream.on('error', close)
    client.on('close', close)
    upstream.on('close', close)
  }
}
