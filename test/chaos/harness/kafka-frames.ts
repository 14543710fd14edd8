// Splits a Kafka TCP byte stream into size-prefixed frames and reads the request and response header fields a fault rule matches on.

/**
 * Kafka wire framing (every request and response):
 *   Frame           => size:int32 payload:bytes[size]
 *   RequestHeader   => request_api_key:int16 request_api_version:int16 correlation_id:int32 ...
 *   ResponseHeader  => correlation_id:int32 ...
 */
export interface RequestFrameHeader {
  readonly apiKey: number
  readonly apiVersion: number
  readonly correlationId: number
}

/** Well-known api keys the chaos tests cut on. */
export const ApiKeys = {
  produce: 0, fetch: 1, listOffsets: 2, metadata: 3, initProducerId: 22, addPartitionsToTxn: 24, endTxn: 26, writeTxnMarkers: 27,
} as const

/** Accumulates chunks and hands back whole frames (size prefix included) in order; partial tails wait for more bytes. */
export class FrameSplitter {
  #pending: Buffer = Buffer.alloc(0)

  push(chunk: Buffer): Buffer[] {
    this.#pending = this.#pending.length === 0 ? chunk : Buffer.concat([this.#pending, chunk])
    const frames: Buffer[] = []
    while (this.#pending.length >= 4) {
      const size = this.#pending.readInt32BE(0)
      if (size < 0) throw new Error(`negative Kafka frame size ${size}: not a Kafka stream`)
      if (this.#pending.length < 4 + size) break
      frames.push(this.#pending.subarray(0, 4 + size))
      this.#pending = this.#pending.subarray(4 + size)
    }
    return frames
  }

  /** Bytes received but not yet part of a whole frame. */
  get pendingBytes(): number {
    return this.#pending.length
  }
}

export function readRequestHeader(frame: Buffer): RequestFrameHeader {
  if (frame.length < 12) throw new Error(`a request frame needs at least 12 bytes, got ${frame.length}`)
  return { apiKey: frame.readInt16BE(4), apiVersion: frame.readInt16BE(6), correlationId: frame.readInt32BE(8) }
}

export function readResponseCorrelationId(frame: Buffer): number {
  if (frame.length < 8) throw new Error(`a response frame needs at least 8 bytes, got ${frame.length}`)
  return frame.readInt32BE(4)
}
