// Registers snappy, lz4 and zstd in kafkajs (which only ships gzip): zstd from node:zlib, snappy and lz4 from the client
// library's block codecs.
import { zstdCompressSync, zstdDecompressSync } from 'node:zlib'
import kafkajs from 'kafkajs'
import { blockCodecs } from '../../engine/kafka/index.ts'

let registered = false

/** Idempotent; call before creating any kafkajs consumer or producer that meets compressed batches. */
export function registerKafkajsCodecs(): void {
  if (registered) return
  registered = true
  const { CompressionCodecs, CompressionTypes } = kafkajs
  const wrap = (compress: (b: Buffer) => Buffer, decompress: (b: Buffer) => Buffer) => () => ({
    async compress(encoder: { buffer: Buffer }) { return compress(encoder.buffer) },
    async decompress(buffer: Buffer) { return decompress(buffer) },
  })
  CompressionCodecs[CompressionTypes.ZSTD] = wrap((b) => zstdCompressSync(b), (b) => zstdDecompressSync(b))
  CompressionCodecs[CompressionTypes.Snappy] = wrap(blockCodecs.snappy.compress, blockCodecs.snappy.decompress)
  CompressionCodecs[CompressionTypes.LZ4] = wrap(blockCodecs.lz4.compress, blockCodecs.lz4.decompress)
}
