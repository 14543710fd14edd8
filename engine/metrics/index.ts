// Public surface of metrics/.
export { MetricsRegistry, type Counter, type Gauge } from './metrics-registry.ts'
