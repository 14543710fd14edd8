// The connections to one Kafka cluster, kept per lane, and the API versions each broker behind them speaks.
import { ConnectionPool, type Connection, type ConnectionOptions } from '@platformatic/kafka'
import { connectionOptionsFor, parseBootstrapServers, type ClientTimeouts } from './client-options.ts'
import type { KafkaConnectionConfig } from './connection-config.ts'
import { EngineError } from '../errors.ts'
import {
  API_KEYS, ENGINE_VERSIONS, chooseVersion, requestApiVersions, unsupportedBrokerVersion, type ApiName, type BrokerApiVersions,
} from './api-versions.ts'
import { toEngineError, type ClusterSide } from './kafka-errors.ts'

export interface BrokerAddress { readonly nodeId: number; readonly host: string; readonly port: number }

/** Requests in flight on one produce lane's connection (the library's default, 5, would cap every pipelined writer). */
const PRODUCE_LANE_MAX_IN_FLIGHT = 4096
/**
 * Connections per broker behind the control lanes ('admin', 'txn'), taken in turn: every mirror partition of the
 * engine shares one client per cluster, and a broker answers one request per connection at a time, so thousands of
 * partitions taking over (InitProducerId, DescribeProducers, ListOffsets) would otherwise queue on one connection.
 */
const CONTROL_LANE_CONNECTIONS = 8

/**
 * One connection pool per lane: a broker handles one request at a time per connection (SocketServer mutes the channel
 * until it answers), so long-polling fetches and produces of different copiers use different lanes.
 */
export class ConnectionLanes {
  readonly side: ClusterSide
  readonly #config: KafkaConnectionConfig
  readonly #connectionOptions: ConnectionOptions
  readonly #pools = new Map<string, ConnectionPool>()
  readonly #bootstrap: Array<{ host: string; port: number }>
  /** Where "any broker" calls start in the bootstrap list: past a server whose call just failed (see call()). */
  #anyStart = 0
  #turn = 0
  #closed = false
  /** ApiVersions per connection: a reconnect (a new Connection) asks again, so a broker upgraded in place is seen. */
  readonly #apiVersions = new WeakMap<Connection, Promise<BrokerApiVersions>>()

  constructor(config: KafkaConnectionConfig, side: ClusterSide, timeouts: ClientTimeouts) {
    this.side = side
    this.#config = config
    this.#bootstrap = parseBootstrapServers(config.bootstrapServers)
    this.#connectionOptions = connectionOptionsFor(config, timeouts)
  }

  /** A control lane's next connection (see CONTROL_LANE_CONNECTIONS); other lanes are their own. */
  #spread(lane: string): string {
    if (lane !== 'admin' && lane !== 'txn') return lane
    this.#turn = (this.#turn + 1) % CONTROL_LANE_CONNECTIONS
    return `${lane}-${this.#turn}`
  }

  #pool(lane: string): ConnectionPool {
    let pool = this.#pools.get(lane)
    if (!pool) {
      // A produce lane carries the pipelined batches of several mirror partitions (ProducePipeline's window each).
      const produce = lane.startsWith('produce-')
      const options = produce ? { ...this.#connectionOptions, maxInflights: PRODUCE_LANE_MAX_IN_FLIGHT } : this.#connectionOptions
      pool = new ConnectionPool(this.#config.clientId ?? 'clusterlink', options)
      this.#pools.set(lane, pool)
    }
    return pool
  }

  /** A connection of the lane to the broker, or to the first bootstrap server that answers when no broker is given. */
  async connection(lane: string, broker?: BrokerAddress): Promise<Connection> {
    if (this.#closed) throw new EngineError('INVALID_STATE', `the ${this.side} client is closed`)
    try {
      if (broker) return await this.#pool(lane).get(broker)
      const order = [...this.#bootstrap.slice(this.#anyStart), ...this.#bootstrap.slice(0, this.#anyStart)]
      return await this.#pool(lane).getFirstAvailable(order)
    } catch (error) {
      throw toEngineError(error, this.side, 'connect')
    }
  }

  /** Drops the lane's connections (after a network failure) so that the next call reconnects. */
  drop(lane: string): void {
    const pool = this.#pools.get(lane)
    this.#pools.delete(lane)
    pool?.close().catch(() => {})
  }

  /** Runs one request; on a network failure drops the lane's connections so that the next call reconnects. */
  async call<T>(what: string, laneAsked: string, broker: BrokerAddress | undefined, run: (c: Connection) => Promise<T>): Promise<T> {
    const lane = this.#spread(laneAsked)
    const connection = await this.connection(lane, broker)
    try {
      return await run(connection)
    } catch (error) {
      this.drop(lane)
      // A bootstrap server that accepts connections but never answers (a frozen broker) would otherwise take every
      // "any broker" call until it times out: the next one starts at the server after it. Concurrent failures of the
      // same connection all move the start to the same place.
      if (!broker) {
        const failed = this.#bootstrap.findIndex((b) => b.host === connection.host && b.port === connection.port)
        if (failed >= 0) this.#anyStart = (failed + 1) % this.#bootstrap.length
      }
      throw toEngineError(error, this.side, what)
    }
  }

  /** What the broker behind this connection speaks (ApiVersions, asked once per connection). */
  async versionsOf(connection: Connection): Promise<BrokerApiVersions> {
    let versions = this.#apiVersions.get(connection)
    if (!versions) {
      versions = requestApiVersions(connection)
      this.#apiVersions.set(connection, versions)
      versions.catch(() => this.#apiVersions.delete(connection))
    }
    return versions
  }

  /**
   * The version of `api` to send on this connection: the highest both sides speak, at most `cap`; else "unsupported
   * broker version".
   */
  async versionFor(connection: Connection, api: ApiName, cap?: number): Promise<number> {
    const range = (await this.versionsOf(connection)).get(API_KEYS[api])
    const version = chooseVersion(ENGINE_VERSIONS[api], range, cap)
    if (version === null) throw unsupportedBrokerVersion(this.side, `${connection.host ?? '?'}:${connection.port ?? '?'}`, api, range)
    return version
  }

  /** Closes every lane; a later call fails with INVALID_STATE. */
  async close(): Promise<void> {
    this.#closed = true
    const pools = [...this.#pools.values()]
    this.#pools.clear()
    await Promise.allSettled(pools.map((p) => p.close()))
  }
}
