// The markdown table of the round-trip-time runs: each copier's records/s per setting, as % of its own 0 ms, and clusterlink / MM2.
import { ratesOf, type Rates } from './format-report.ts'
import type { RoundTripRun } from './measure-round-trips.ts'
import type { ContenderName } from './run-scenario.ts'

const n0 = (v: number) => (Number.isFinite(v) ? Math.round(v).toLocaleString('en-US') : 'n/a')
const pct = (a: number | undefined, b: number | undefined) => (a !== undefined && b ? `${Math.round((a / b) * 100)}%` : 'n/a')
const times = (a: number | undefined, b: number | undefined) => (a !== undefined && b ? `${(a / b).toFixed(2)}×` : 'n/a')

function ratesIn(run: RoundTripRun, name: ContenderName): Rates | undefined {
  const outcome = run.result.contenders.find((c) => c.name === name)
  return outcome?.result ? ratesOf(outcome.result, run.result.scenario.recordSize) : undefined
}

function failureIn(run: RoundTripRun, name: ContenderName): string | undefined {
  return run.result.contenders.find((c) => c.name === name)?.error?.split('\n')[0]?.slice(0, 120)
}

function cell(run: RoundTripRun, name: ContenderName, rates: Rates | undefined, reference: Rates | undefined): string {
  if (!rates) return failureIn(run, name) ? `failed: ${failureIn(run, name)}` : 'not run'
  return `${n0(rates.recordsPerSecond)} (${pct(rates.recordsPerSecond, reference?.recordsPerSecond)})`
}

/** A copier's 0 ms reference in one scenario: the faster of its two 0 ms runs (first and last), so % of 0 ms is not flattered. */
function referenceOf(runs: readonly RoundTripRun[], scenario: string, name: ContenderName): Rates | undefined {
  const rates = runs.filter((r) => r.result.scenario.name === scenario && r.setting.placement === 'none').map((r) => ratesIn(r, name))
  return rates.reduce<Rates | undefined>((best, r) => (r && (!best || r.recordsPerSecond > best.recordsPerSecond) ? r : best), undefined)
}

/** One row per scenario and setting; each copier's reference is its own faster 0 ms run of the same scenario. */
export function formatRoundTrips(runs: readonly RoundTripRun[]): string {
  const rows = [
    '| Scenario | Added RTT | clusterlink records/s (% of its 0 ms) | MirrorMaker 2 records/s (% of its 0 ms) '
      + '| clusterlink / MM2 records/s | clusterlink / MM2 per CPU-second |',
    '|---|---|---:|---:|---:|---:|',
  ]
  for (const run of runs) {
    const cl = ratesIn(run, 'clusterlink')
    const mm2 = ratesIn(run, 'mm2')
    const clRef = referenceOf(runs, run.result.scenario.name, 'clusterlink')
    const mm2Ref = referenceOf(runs, run.result.scenario.name, 'mm2')
    const { placement, roundTripMs, again } = run.setting
    const setting = placement === 'none' ? `0 ms${again ? ' (again, last)' : ''}` : `${roundTripMs} ms to the ${placement}`
    const title = `${run.result.scenario.name} (${run.result.records.toLocaleString('en-US')} rec)`
    const ratios = `${times(cl?.recordsPerSecond, mm2?.recordsPerSecond)} | ${times(mm2?.cpuSecondsPerGb, cl?.cpuSecondsPerGb)}`
    rows.push(`| ${title} | ${setting} | ${cell(run, 'clusterlink', cl, clRef)} | ${cell(run, 'mm2', mm2, mm2Ref)} | ${ratios} |`)
  }
  return [
    '## Round-trip time between the copier and one cluster',
    '',
    'Each copier reaches both clusters through a delaying TCP proxy in the bench process (each chunk held RTT/2 in each',
    'direction, in order, no bandwidth limit); the broker advertises the proxy on a second listener, so every connection of',
    'the copier goes through it. One side at a time gets the added round trip. Each setting copies a fresh backlog. The',
    '0 ms reference runs first and again last; "% of its 0 ms" is against the faster of the two.',
    '',
    rows.join('\n'),
    '',
  ].join('\n')
}
