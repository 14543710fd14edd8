// A TCP proxy that holds every chunk for half the round-trip time in each direction, in order: a WAN between a copier and one broker.
import { connect, createServer, type Server, type Socket } from 'node:net'

/** Bytes held in one direction before the proxy stops reading that side (TCP then pushes back on the sender). */
const HELD_BYTES_LIMIT = 64 * 2 ** 20

interface HeldChunk {
  readonly dueAtMs: number
  readonly chunk: Buffer
}

/**
 * One direction of one connection. Chunks leave in arrival order, each `delayMs` after it arrived; one timer per
 * direction (for the oldest chunk). Bandwidth is not limited: only latency is modelled.
 */
class DelayedPipe {
  private readonly held: HeldChunk[] = []
  private head = 0
  private heldBytes = 0
  private timer: NodeJS.Timeout | undefined
  private ended = false
  private readonly from: Socket
  private readonly to: Socket
  private readonly delayMs: () => number

  constructor(from: Socket, to: Socket, delayMs: () => number) {
    this.from = from
    this.to = to
    this.delayMs = delayMs
    from.on('data', (chunk: Buffer) => this.accept(chunk))
    from.on('end', () => { this.ended = true; this.flush() })
    to.on('drain', () => { if (this.heldBytes < HELD_BYTES_LIMIT) from.resume() })
  }

  private accept(chunk: Buffer): void {
    const delay = this.delayMs()
    if (delay <= 0 && this.head === this.held.length) {
      if (!this.to.write(chunk)) this.from.pause()
      return
    }
    this.held.push({ dueAtMs: performance.now() + delay, chunk })
    this.heldBytes += chunk.length
    if (this.heldBytes >= HELD_BYTES_LIMIT) this.from.pause()
    this.schedule()
  }

  private schedule(): void {
    if (this.timer || this.head === this.held.length) return
    const first = this.held[this.head] as HeldChunk
    this.timer = setTimeout(() => { this.timer = undefined; this.flush() }, Math.max(0, first.dueAtMs - performance.now()))
  }

  private flush(): void {
    const now = performance.now()
    let writable = true
    while (this.head < this.held.length) {
      const next = this.held[this.head] as HeldChunk
      if (next.dueAtMs > now + 0.5) break
      this.head++
      this.heldBytes -= next.chunk.length
      writable = this.to.write(next.chunk)
    }
    if (this.head === this.held.length) {
      this.held.length = 0
      this.head = 0
      if (this.ended) this.to.end()
    } else if (this.head > 1024) {
      this.held.splice(0, this.head)
      this.head = 0
    }
    if (writable && this.heldBytes < HELD_BYTES_LIMIT && !this.ended) this.from.resume()
    this.schedule()
  }

  stop(): void {
    if (this.timer) clearTimeout(this.timer)
    this.timer = undefined
  }
}

export interface DelayProxy {
  /** The port clients connect to (the broker advertises it on its PROXIED listener). */
  readonly port: number
  /** Round-trip time added from now on, for new and open connections alike (half in each direction). */
  setRoundTripMs(ms: number): void
  readonly roundTripMs: number
  close(): Promise<void>
}

/** Starts a proxy on 127.0.0.1 (`port`, or a free one) that forwards to 127.0.0.1:`targetPort`. */
export async function startDelayProxy(targetPort: number, port = 0): Promise<DelayProxy> {
  let roundTripMs = 0
  const oneWay = () => roundTripMs / 2
  const sockets = new Set<Socket>()
  const server: Server = createServer({ noDelay: true }, (client) => {
    const upstream = connect({ host: '127.0.0.1', port: targetPort, noDelay: true })
    sockets.add(client)
    sockets.add(upstream)
    const pipes = [new DelayedPipe(client, upstream, oneWay), new DelayedPipe(upstream, client, oneWay)]
    const close = () => {
      for (const pipe of pipes) pipe.stop()
      client.destroy()
      upstream.destroy()
      sockets.delete(client)
      sockets.delete(upstream)
    }
    client.on('error', close)
    upstream.on('error', close)
    client.on('close', close)
    upstream.on('close', close)
  })
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(port, '127.0.0.1', () => resolve())
  })
  const address = server.address()
  return {
    port: typeof address === 'object' && address ? address.port : port,
    get roundTripMs() { return roundTripMs },
    setRoundTripMs(ms: number) { roundTripMs = ms },
    async close() {
      for (const socket of sockets) socket.destroy()
      await new Promise<void>((resolve) => server.close(() => resolve()))
    },
  }
}
