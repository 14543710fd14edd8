// A tiny Prometheus registry: counters, gauges and histograms with labels, plus collectors that set gauges at scrape time.
type Labels = Readonly<Record<string, string>>

interface Family {
  readonly name: string
  readonly help: string
  readonly type: 'counter' | 'gauge' | 'histogram'
  readonly values: Map<string, { labels: Labels; value: number }>
}

interface HistogramSeries {
  readonly labels: Labels
  /** Observations per bucket (not cumulative); the last entry counts values above every bound. */
  readonly counts: number[]
  sum: number
}

/** Default latency buckets in seconds (1 ms to 10 s). */
export const LATENCY_BUCKETS_SECONDS: readonly number[] = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10]

function labelKey(labels: Labels): string {
  return JSON.stringify(Object.entries(labels).sort(([a], [b]) => a.localeCompare(b)))
}

function escapeLabel(value: string): string {
  return value.replace(/\\/g, '\\\\').replace(/\n/g, '\\n').replace(/"/g, '\\"')
}

export interface Counter {
  inc(labels?: Labels, by?: number): void
}

export interface Histogram {
  observe(labels: Labels, value: number): void
}

export interface Gauge {
  set(labels: Labels, value: number): void
  /** Drops every series (collectors rebuild gauges from scratch on each scrape). */
  reset(): void
}

/** No offsets, keys or secrets as label values: labels are names (link, topic, job, state) and partition numbers. */
export class MetricsRegistry {
  readonly #families = new Map<string, Family>()
  readonly #collectors: Array<() => void> = []
  readonly #histograms = new Map<string, { buckets: readonly number[]; series: Map<string, HistogramSeries> }>()

  #family(name: string, help: string, type: Family['type']): Family {
    const existing = this.#families.get(name)
    if (existing) return existing
    const family: Family = { name, help, type, values: new Map() }
    this.#families.set(name, family)
    return family
  }

  counter(name: string, help: string): Counter {
    const family = this.#family(name, help, 'counter')
    return {
      inc: (labels = {}, by = 1) => {
        const key = labelKey(labels)
        const entry = family.values.get(key) ?? { labels, value: 0 }
        entry.value += by
        family.values.set(key, entry)
      },
    }
  }

  /** A value set at scrape time; `type` 'counter' declares a monotonic value read from elsewhere (such as records copied). */
  gauge(name: string, help: string, type: Family['type'] = 'gauge'): Gauge {
    const family = this.#family(name, help, type)
    return {
      set: (labels, value) => { family.values.set(labelKey(labels), { labels, value }) },
      reset: () => { family.values.clear() },
    }
  }

  /** Observations counted in buckets (`le` upper bounds, ascending), rendered as _bucket, _sum and _count. */
  histogram(name: string, help: string, buckets: readonly number[] = LATENCY_BUCKETS_SECONDS): Histogram {
    this.#family(name, help, 'histogram')
    const histogram = this.#histograms.get(name) ?? { buckets, series: new Map<string, HistogramSeries>() }
    this.#histograms.set(name, histogram)
    return {
      observe: (labels, value) => {
        const key = labelKey(labels)
        const series = histogram.series.get(key) ?? { labels, counts: new Array<number>(histogram.buckets.length + 1).fill(0), sum: 0 }
        const index = histogram.buckets.findIndex((bound) => value <= bound)
        series.counts[index < 0 ? histogram.buckets.length : index]! += 1
        series.sum += value
        histogram.series.set(key, series)
      },
    }
  }

  #renderHistogram(name: string, lines: string[]): void {
    const histogram = this.#histograms.get(name)
    if (!histogram) return
    for (const series of histogram.series.values()) {
      const base = Object.entries(series.labels).map(([k, v]) => `${k}="${escapeLabel(v)}"`)
      let cumulative = 0
      histogram.buckets.forEach((bound, i) => {
        cumulative += series.counts[i] ?? 0
        lines.push(`${name}_bucket{${[...base, `le="${bound}"`].join(',')}} ${cumulative}`)
      })
      const count = cumulative + (series.counts[histogram.buckets.length] ?? 0)
      lines.push(`${name}_bucket{${[...base, 'le="+Inf"'].join(',')}} ${count}`)
      const text = base.length > 0 ? `{${base.join(',')}}` : ''
      lines.push(`${name}_sum${text} ${series.sum}`, `${name}_count${text} ${count}`)
    }
  }

  /** Runs before every render (reads live state into gauges). */
  addCollector(collect: () => void): void {
    this.#collectors.push(collect)
  }

  render(): string {
    for (const collect of this.#collectors) collect()
    const lines: string[] = []
    for (const family of this.#families.values()) {
      lines.push(`# HELP ${family.name} ${family.help}`, `# TYPE ${family.name} ${family.type}`)
      if (family.type === 'histogram') this.#renderHistogram(family.name, lines)
      for (const { labels, value } of family.values.values()) {
        const text = Object.entries(labels).map(([k, v]) => `${k}="${escapeLabel(v)}"`).join(',')
        lines.push(`${family.name}${text ? `{${text}}` : ''} ${Number.isFinite(value) ? value : 0}`)
      }
    }
    return `${lines.join('\n')}\n`
  }
}
