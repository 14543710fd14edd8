// The client library's block codecs (gzip, snappy, lz4, zstd), exposed so that tools outside kafka/ need not import the client.
import { compressionsAlgorithms } from '@platformatic/kafka'

export interface BlockCodec {
  compress(data: Buffer): Buffer
  decompress(data: Buffer): Buffer
}

function codec(name: 'gzip' | 'snappy' | 'lz4' | 'zstd'): BlockCodec {
  const algorithm = compressionsAlgorithms[name]
  return { compress: (d) => algorithm.compressSync(d), decompress: (d) => algorithm.decompressSync(d) }
}

export const blockCodecs: Readonly<Record<'gzip' | 'snappy' | 'lz4' | 'zstd', BlockCodec>> = {
  gzip: codec('gzip'), snappy: codec('snappy'), lz4: codec('lz4'), zstd: codec('zstd'),
}
