// A tiny Prometheus registry: counters and gauges with labels, plus collectors that set gauges at scrape time.
type Labels = Readonly<Record<string, string>>

interface Family {
  readonly name: string
  readonly help: string
  readonly type: 'counter' | 'gauge'
  readonly values: Map<string, { labels: Labels; value: number }>
}

function labelKey(labels: Labels): string {
  return JSON.stringify(Object.entries(labels).sort(([a], [b]) => a.localeCompare(b)))
}

function escapeLabel(value: string): string {
  return value.replace(/\\/g, '\\\\').replace(/\n/g, '\\n').replace(/"/g, '\\"')
}

export interface Counter {
  inc(labels?: Labels, by?: number): void
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

  /** Runs before every render (reads live state into gauges). */
  addCollector(collect: () => void): void {
    this.#collectors.push(collect)
  }

  render(): string {
    for (const collect of this.#collectors) collect()
    const lines: string[] = []
    for (const family of this.#families.values()) {
      lines.push(`# HELP ${family.name} ${family.help}`, `# TYPE ${family.name} ${family.type}`)
      for (const { labels, value } of family.values.values()) {
        const text = Object.entries(labels).map(([k, v]) => `${k}="${escapeLabel(v)}"`).join(',')
        lines.push(`${family.name}${text ? `{${text}}` : ''} ${Number.isFinite(value) ? value : 0}`)
      }
    }
    return `${lines.join('\n')}\n`
  }
}
