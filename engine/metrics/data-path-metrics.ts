// The data path's metrics: source fetch and destination produce latency histograms, and rebuilt batches by reason.
import { jobMetrics, type JobMetrics } from '../periodic-job.ts'
import type { MetricsRegistry } from './metrics-registry.ts'

/** Names the dashboard and alert rules in deploy/monitoring/ rely on (the histograms add _bucket, _sum and _count). */
export const DATA_PATH_METRIC_NAMES = {
  fetchLatency: 'clusterlink_fetch_latency_seconds',
  produceLatency: 'clusterlink_produce_latency_seconds',
  rebuiltBatches: 'clusterlink_rebuilt_batches_total',
} as const

/** Shaped like mirror/'s DataPathObserver (metrics/ imports nothing from mirror/). */
export interface DataPathMetricsObserver {
  fetched(seconds: number): void
  produced(seconds: number): void
  rebuilt(reason: string): void
  /** The engine-wide run and error counters of named periodic jobs, for the runner's source-topic-watch. */
  readonly jobs: JobMetrics
}

/**
 * One observer per mirror topic. Histograms carry only the link label (a topic label per bucket would multiply series);
 * rebuilt batches carry link, topic and reason (compaction_gap, log_append_time, partial_batch, coalesce).
 */
export function dataPathObserver(registry: MetricsRegistry, linkName: string, mirrorTopicName: string): DataPathMetricsObserver {
  const fetchHelp = 'Source fetch latency per request (includes the broker wait up to fetchMaxWaitMs when caught up)'
  const fetch = registry.histogram(DATA_PATH_METRIC_NAMES.fetchLatency, fetchHelp)
  const produce = registry.histogram(DATA_PATH_METRIC_NAMES.produceLatency, 'Destination produce latency per data batch, from its (last) send to the accepted response')
  const rebuilt = registry.counter(DATA_PATH_METRIC_NAMES.rebuiltBatches, 'Batches rebuilt instead of forwarded byte for byte, by reason')
  return {
    fetched: (seconds) => fetch.observe({ link: linkName }, seconds),
    produced: (seconds) => produce.observe({ link: linkName }, seconds),
    rebuilt: (reason) => rebuilt.inc({ link: linkName, topic: mirrorTopicName, reason }),
    jobs: jobMetrics(registry),
  }
}
