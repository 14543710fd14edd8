// Public surface of metrics/.
export { MetricsRegistry, LATENCY_BUCKETS_SECONDS, type Counter, type Gauge, type Histogram } from './metrics-registry.ts'
export { dataPathObserver, DATA_PATH_METRIC_NAMES } from './data-path-metrics.ts'
