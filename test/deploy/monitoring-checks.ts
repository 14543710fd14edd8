// Checks shared by the deploy/monitoring tests: PromQL metric names, exported names, rule group shape, and the shipped files.
import assert from 'node:assert/strict'
import { readFile } from 'node:fs/promises'
import { createRequire } from 'node:module'
import { resolve } from 'node:path'

// js-yaml comes with @pulumi/pulumi (a dependency); it has no bundled types, hence the narrow cast.
const yaml = createRequire(import.meta.url)('js-yaml') as { load(text: string): unknown }
const dir = resolve(import.meta.dirname, '../../deploy/monitoring')
/** Series Prometheus adds itself (not the engine's). */
export const PROMETHEUS_SERIES = new Set(['up'])
const PROMQL_WORDS = new Set(['by', 'without', 'on', 'ignoring', 'group_left', 'group_right', 'and', 'or', 'unless', 'bool', 'offset',
  'inf', 'nan'])

export interface Rule { alert: string; expr: string; for: string; labels: Record<string, string>; annotations: Record<string, string> }
export interface Group { name: string; rules: Rule[] }

/** Metric names in a PromQL expression: identifiers left after removing strings, matchers, ranges, grouping lists and function calls. */
export function metricNames(expr: string): string[] {
  const stripped = expr
    .replace(/"(?:[^"\\]|\\.)*"/g, '""')
    .replace(/\{[^}]*\}/g, ' ')
    .replace(/\[[^\]]*\]/g, ' ')
    .replace(/\b(by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)/g, ' ')
  const names = new Set<string>()
  // An identifier never starts right after a digit (5m, 1e3 are numbers and durations).
  for (const match of stripped.matchAll(/(?<![0-9.A-Za-z_:])[A-Za-z_:][A-Za-z0-9_:]*(?=\s*(\()?)/g)) {
    if (match[1] === '(' || PROMQL_WORDS.has(match[0].toLowerCase())) continue
    names.add(match[0])
  }
  return [...names]
}

export function dashboardExpressions(dashboard: Record<string, unknown>): string[] {
  const panels = dashboard['panels'] as Array<{ targets: Array<{ expr: string }> }>
  const exprs = panels.flatMap((p) => p.targets.map((t) => t.expr))
  const variables = (dashboard['templating'] as { list: Array<{ definition?: string }> }).list
  for (const v of variables) {
    const metric = /^label_values\(\s*([A-Za-z_:][A-Za-z0-9_:]*)\s*,/.exec(v.definition ?? '')?.[1]
    if (metric) exprs.push(metric)
  }
  return exprs
}

/** Sample names plus declared families (a counter with no series yet still has its # TYPE line; histograms add _bucket, _sum, _count). */
export function exportedNames(text: string): Set<string> {
  const names = new Set<string>()
  for (const line of text.split('\n')) {
    const declared = /^# TYPE ([A-Za-z_:][A-Za-z0-9_:]*) (\w+)$/.exec(line)
    if (declared?.[1]) {
      names.add(declared[1])
      if (declared[2] === 'histogram') for (const suffix of ['_bucket', '_sum', '_count']) names.add(`${declared[1]}${suffix}`)
    } else if (line !== '' && !line.startsWith('#')) {
      const sample = /^[A-Za-z_:][A-Za-z0-9_:]*/.exec(line)?.[0]
      if (sample) names.add(sample)
    }
  }
  return names
}

export function checkGroups(groups: unknown, where: string): asserts groups is Group[] {
  assert.ok(Array.isArray(groups) && groups.length > 0, `${where}: groups is a non-empty list`)
  const alerts = new Set<string>()
  for (const group of groups as Group[]) {
    assert.equal(typeof group.name, 'string', `${where}: every group has a name`)
    assert.ok(Array.isArray(group.rules) && group.rules.length > 0, `${where}: group ${group.name} has rules`)
    for (const rule of group.rules) {
      const keys = ['alert', 'annotations', 'expr', 'for', 'labels']
      assert.deepEqual(Object.keys(rule).sort(), keys, `${where}: ${rule.alert} has alert, expr, for, labels, annotations`)
      assert.match(rule.alert, /^Clusterlink[A-Za-z]+$/)
      assert.ok(!alerts.has(rule.alert), `${where}: alert ${rule.alert} is defined once`)
      alerts.add(rule.alert)
      assert.match(rule.for, /^\d+[smh]$/, `${where}: ${rule.alert} for is a duration`)
      assert.ok(['critical', 'warning'].includes(rule.labels['severity'] ?? ''), `${where}: ${rule.alert} has a severity`)
      assert.ok(rule.annotations['summary'] && rule.annotations['description'], `${where}: ${rule.alert} has a summary and a description`)
    }
  }
}

/** The shipped files, parsed. */
export async function loadMonitoring(): Promise<{ dashboard: Record<string, unknown>; rules: { groups: unknown }; crd: Crd }> {
  const dashboard = JSON.parse(await readFile(resolve(dir, 'clusterlink-dashboard.json'), 'utf8')) as Record<string, unknown>
  const rules = yaml.load(await readFile(resolve(dir, 'clusterlink-alerts.rules.yaml'), 'utf8')) as { groups: unknown }
  const crd = yaml.load(await readFile(resolve(dir, 'prometheus-rule.yaml'), 'utf8')) as Crd
  return { dashboard, rules, crd }
}

export interface Crd { apiVersion: string; kind: string; metadata: { name: string }; spec: { groups: unknown } }

/** Every metric name the dashboard and the rules use that `metricsText` (an engine's /metrics) does not export. */
export function missingMetrics(dashboard: Record<string, unknown>, groups: readonly Group[], metricsText: string)
  : { referenced: string[]; missing: string[] } {
  const exprs = [...dashboardExpressions(dashboard), ...groups.flatMap((g) => g.rules.map((r) => r.expr))]
  const exported = exportedNames(metricsText)
  const referenced = [...new Set(exprs.flatMap(metricNames))]
  return { referenced, missing: referenced.filter((name) => !PROMETHEUS_SERIES.has(name) && !exported.has(name)) }
}
