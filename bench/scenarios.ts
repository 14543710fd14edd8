// The benchmark scenarios of issue 3: record shapes and producer settings of the source backlog, with record counts per size.
export type BenchSize = 'small' | 'full'

export interface Scenario {
  readonly name: string
  /** One line for the results table. */
  readonly title: string
  readonly recordSize: number
  readonly partitions: number
  /** The source producer's codec; the naive loop and MM2 produce with the same one. */
  readonly compression: 'none' | 'zstd'
  /** ProducerPerformance configs for the source backlog and for the destination ceiling. */
  readonly producerProps: Readonly<Record<string, string>>
  readonly records: Readonly<Record<BenchSize, number>>
}

/** Producer settings every scenario shares: acks=all, as a durable pipeline runs. */
const BASE_PROPS = { acks: 'all' } as const

export const SCENARIOS: readonly Scenario[] = [
  {
    name: 'zstd-1k',
    title: '1 KB records, zstd, 1 partition',
    recordSize: 1000,
    partitions: 1,
    compression: 'zstd',
    producerProps: { ...BASE_PROPS, 'compression.type': 'zstd' },
    records: { small: 40_000, full: 600_000 },
  },
  {
    name: 'small-100b',
    title: '100 B records, uncompressed, 1 partition',
    recordSize: 100,
    partitions: 1,
    compression: 'none',
    producerProps: { ...BASE_PROPS, 'compression.type': 'none' },
    records: { small: 100_000, full: 1_500_000 },
  },
  {
    name: 'partitions-8',
    title: '1 KB records, zstd, 8 partitions',
    recordSize: 1000,
    partitions: 8,
    compression: 'zstd',
    producerProps: { ...BASE_PROPS, 'compression.type': 'zstd' },
    records: { small: 80_000, full: 1_000_000 },
  },
  {
    name: 'tiny-batches',
    title: '100 B records, one record per source batch (linger.ms=0, batch.size=0)',
    recordSize: 100,
    partitions: 1,
    compression: 'none',
    producerProps: { ...BASE_PROPS, 'compression.type': 'none', 'linger.ms': '0', 'batch.size': '0' },
    records: { small: 20_000, full: 200_000 },
  },
]

export function findScenario(name: string): Scenario | undefined {
  return SCENARIOS.find((s) => s.name === name)
}
