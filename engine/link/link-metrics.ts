// Prometheus gauges read from live link and mirror state at scrape time (no offsets or keys as labels).
import type { MetricsRegistry } from '../metrics/index.ts'
import type { LinkManager } from './link-manager.ts'
import { isLagKnown, LINK_STATES, MIRROR_STATUSES } from './mirror-status.ts'

export function registerLinkMetrics(registry: MetricsRegistry, manager: LinkManager): void {
  const links = registry.gauge('clusterlink_links', 'Cluster links by state')
  const mirrors = registry.gauge('clusterlink_mirror_topics', 'Mirror topics by link and mirror_status')
  const lag = registry.gauge('clusterlink_mirror_partition_lag_records', 'Source high watermark minus destination log end offset, per mirror partition')
  const lagSeconds = registry.gauge('clusterlink_mirror_partition_lag_seconds', 'Seconds since the mirror partition was last seen with zero lag (an upper bound of its time lag)')
  const lastCaughtUpMs = new Map<string, number>()
  const records = registry.gauge('clusterlink_mirror_copied_records_total', 'Records copied per mirror topic (when the data path reports it)', 'counter')
  const bytes = registry.gauge('clusterlink_mirror_copied_bytes_total', 'Bytes copied per mirror topic (when the data path reports it)', 'counter')
  const maxLag = registry.gauge('clusterlink_link_max_lag_records', 'Largest lag of any mirror partition of the link (the number to alert on)')
  const offsetSyncAge = registry.gauge('clusterlink_consumer_offset_sync_age_seconds', 'Seconds since the last consumer offset sync of a link')
  registry.addCollector(() => {
    for (const gauge of [links, mirrors, lag, lagSeconds, records, bytes, offsetSyncAge, maxLag]) gauge.reset()
    const now = Date.now()
    const seen = new Set<string>()
    const views = manager.listLinks()
    for (const state of LINK_STATES) links.set({ state }, views.filter((v) => v.linkState === state).length)
    for (const runtime of manager.linkRuntimes()) {
      const linkName = runtime.state.linkName
      if (runtime.lastOffsetSyncAtMs !== null) offsetSyncAge.set({ link: linkName }, (Date.now() - runtime.lastOffsetSyncAtMs) / 1000)
      const mirrorViews = manager.listMirrors(linkName)
      const running = mirrorViews.filter((v) => v.status !== 'STOPPED')
      maxLag.set({ link: linkName }, running.reduce((max, v) => v.partitions.reduce((m, p) => Math.max(m, p.lagRecords), max), 0))
      for (const state of MIRROR_STATUSES) {
        const count = mirrorViews.filter((v) => v.status === state).length
        if (count > 0) mirrors.set({ link: linkName, state }, count)
      }
      for (const view of mirrorViews) {
        for (const p of view.partitions.filter(isLagKnown)) {
          const labels = { link: linkName, topic: view.mirrorTopicName, partition: String(p.partition) }
          const key = JSON.stringify(labels)
          seen.add(key)
          if (p.lagRecords === 0 || !lastCaughtUpMs.has(key)) lastCaughtUpMs.set(key, now)
          lag.set(labels, p.lagRecords)
          lagSeconds.set(labels, (now - (lastCaughtUpMs.get(key) ?? now)) / 1000)
        }
        if (view.copiedRecords !== undefined) records.set({ link: linkName, topic: view.mirrorTopicName }, view.copiedRecords)
        if (view.copiedBytes !== undefined) bytes.set({ link: linkName, topic: view.mirrorTopicName }, view.copiedBytes)
      }
    }
    for (const key of lastCaughtUpMs.keys()) if (!seen.has(key)) lastCaughtUpMs.delete(key)
  })
}
