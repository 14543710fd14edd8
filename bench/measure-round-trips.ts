// Round-trip-time scenarios (issue 14): copiers reach one cluster through a delaying proxy, 0/20/50/100 ms, side by side.
import { findFreePort, startKafkaCluster, type KafkaCluster, type KafkaClusterOptions } from '../cli/local/kafka-cluster.ts'
import type { BenchContext } from './contenders.ts'
import { startDelayProxy, type DelayProxy } from './delay-proxy.ts'
import { runScenario, type ContenderName, type ScenarioResult } from './run-scenario.ts'
import type { BenchSize, Scenario } from './scenarios.ts'

/** Which link the added round trip sits on: engine ↔ source (engine next to the destination) or engine ↔ destination. */
export type Placement = 'none' | 'source' | 'destination'

export interface RoundTripSetting {
  readonly placement: Placement
  readonly roundTripMs: number
  /** The 0 ms reference run again, last: the first run of a scenario on fresh brokers is often the slowest. */
  readonly again?: boolean
}

export interface RoundTripRun {
  readonly setting: RoundTripSetting
  readonly result: ScenarioResult
}

export interface ProxiedClusters {
  readonly source: KafkaCluster
  readonly destination: KafkaCluster
  readonly sourceProxy: DelayProxy
  readonly destinationProxy: DelayProxy
  close(): Promise<void>
}

async function startProxiedCluster(options: KafkaClusterOptions): Promise<{ cluster: KafkaCluster; proxy: DelayProxy }> {
  const listenerPort = await findFreePort()
  const proxy = await startDelayProxy(listenerPort)
  try {
    const cluster = await startKafkaCluster({ ...options, proxiedListener: { port: listenerPort, advertisedPort: proxy.port } })
    return { cluster, proxy }
  } catch (error) {
    await proxy.close()
    throw error
  }
}

/**
 * Two one-broker clusters, each with a second listener that a delaying proxy fronts and that the broker advertises at
 * the proxy's port: copiers bootstrapped at the proxy stay behind it for every connection (Kafka clients follow the
 * advertised address of the listener they reached). The bench's own admin clients and producers use the plain
 * listener, so pre-fill and progress polls see no added delay.
 */
export async function startProxiedClusters(options: KafkaClusterOptions & { readonly name: string }): Promise<ProxiedClusters> {
  const [source, destination] = await Promise.allSettled([
    startProxiedCluster({ ...options, name: `${options.name}-0` }),
    startProxiedCluster({ ...options, name: `${options.name}-1` }),
  ])
  if (source.status === 'rejected' || destination.status === 'rejected') {
    for (const started of [source, destination]) {
      if (started.status === 'fulfilled') await started.value.cluster.stop().catch(() => undefined)
      if (started.status === 'fulfilled') await started.value.proxy.close()
    }
    throw source.status === 'rejected' ? source.reason : (destination as PromiseRejectedResult).reason
  }
  return {
    source: source.value.cluster,
    destination: destination.value.cluster,
    sourceProxy: source.value.proxy,
    destinationProxy: destination.value.proxy,
    async close() {
      await Promise.all([source.value.proxy.close(), destination.value.proxy.close()])
    },
  }
}

/** The bootstrap servers copiers use in a round-trip run: the two proxies. */
export function proxiedBootstrap(clusters: ProxiedClusters): { source: string; destination: string } {
  return { source: `127.0.0.1:${clusters.sourceProxy.port}`, destination: `127.0.0.1:${clusters.destinationProxy.port}` }
}

/** 0 ms first, then each round trip on the source side, then on the destination side (those asked for), then 0 ms again. */
export function roundTripSettings(
  roundTripsMs: readonly number[], placements: readonly Placement[] = ['source', 'destination'],
): RoundTripSetting[] {
  return [
    { placement: 'none', roundTripMs: 0 },
    ...(placements.includes('source') ? roundTripsMs.map((roundTripMs) => ({ placement: 'source' as const, roundTripMs })) : []),
    ...(placements.includes('destination') ? roundTripsMs.map((roundTripMs) => ({ placement: 'destination' as const, roundTripMs })) : []),
    { placement: 'none', roundTripMs: 0, again: true },
  ]
}

export interface MeasureRoundTripsOptions {
  readonly size: BenchSize
  readonly contenders: readonly ContenderName[]
  readonly roundTripsMs: readonly number[]
  /** Which links get the delay (default both, one after the other); the 0 ms reference always runs first. */
  readonly placements?: readonly Placement[]
}

/** For each scenario and setting: a fresh backlog, then each contender copies it with the delay on. */
export async function measureRoundTrips(
  ctx: BenchContext, clusters: ProxiedClusters, scenarios: readonly Scenario[], options: MeasureRoundTripsOptions,
): Promise<RoundTripRun[]> {
  const runs: RoundTripRun[] = []
  for (const scenario of scenarios) {
    for (const setting of roundTripSettings(options.roundTripsMs, options.placements)) {
      clusters.sourceProxy.setRoundTripMs(setting.placement === 'source' ? setting.roundTripMs : 0)
      clusters.destinationProxy.setRoundTripMs(setting.placement === 'destination' ? setting.roundTripMs : 0)
      const { placement, roundTripMs, again } = setting
      const label = placement === 'none' ? `no added delay${again ? ' (again)' : ''}` : `${roundTripMs} ms RTT to the ${placement}`
      ctx.log(`${scenario.name}: ${label}`)
      try {
        const scenarioOptions = { size: options.size, contenders: options.contenders, verify: false, ceiling: false }
        const result = await runScenario(ctx, scenario, scenarioOptions)
        runs.push({ setting, result })
      } finally {
        clusters.sourceProxy.setRoundTripMs(0)
        clusters.destinationProxy.setRoundTripMs(0)
      }
    }
  }
  return runs
}
