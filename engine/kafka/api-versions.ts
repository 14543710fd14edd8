// Which version of each Kafka API the engine speaks with one broker: the engine's ranges, the broker's ApiVersions, the choice.
import { apiVersionsV1, apiVersionsV3, type Connection } from '@platformatic/kafka'
import { EngineError } from '../errors.ts'
import type { ClusterSide } from './kafka-errors.ts'

/** Request API keys the engine sends (clients/src/main/java/org/apache/kafka/common/protocol/ApiKeys.java). */
export const API_KEYS = {
  Produce: 0, Fetch: 1, ListOffsets: 2, Metadata: 3, FindCoordinator: 10, ApiVersions: 18, CreateTopics: 19, DeleteTopics: 20,
  DeleteRecords: 21, InitProducerId: 22, AddPartitionsToTxn: 24, EndTxn: 26, DescribeConfigs: 32, CreatePartitions: 37,
  DescribeProducers: 61, DescribeTransactions: 65,
} as const
export type ApiName = keyof typeof API_KEYS

export interface VersionRange { readonly min: number; readonly max: number }

/**
 * The versions the engine can encode and decode, per API. The lower bounds are what the engine's logic needs:
 * Fetch v4 and ListOffsets v2 carry the isolation level (KIP-98), Produce v3 is the first to carry RecordBatch v2,
 * Metadata v1 names the controller and internal topics. The upper bounds are the newest versions whose semantics the
 * engine was written for: Fetch v13 (topic ids, KIP-516), Produce v9 (v12 would add partitions to transactions
 * implicitly under transaction version 2, KIP-890; the engine adds them explicitly), AddPartitionsToTxn v3 (v4+ is the
 * broker-to-broker batch form), EndTxn v4.
 */
export const ENGINE_VERSIONS: Readonly<Record<ApiName, VersionRange>> = {
  Produce: { min: 3, max: 9 },
  Fetch: { min: 4, max: 13 },
  ListOffsets: { min: 2, max: 8 },
  Metadata: { min: 1, max: 12 },
  FindCoordinator: { min: 1, max: 4 },
  ApiVersions: { min: 0, max: 3 },
  CreateTopics: { min: 2, max: 7 },
  DeleteTopics: { min: 1, max: 6 },
  DeleteRecords: { min: 0, max: 2 },
  InitProducerId: { min: 0, max: 5 },
  AddPartitionsToTxn: { min: 0, max: 3 },
  EndTxn: { min: 0, max: 4 },
  DescribeConfigs: { min: 1, max: 4 },
  CreatePartitions: { min: 0, max: 3 },
  DescribeProducers: { min: 0, max: 0 },
  DescribeTransactions: { min: 0, max: 0 },
}

/** First flexible version of each API (its "flexibleVersions" in clients/src/main/resources/common/message/*.json). */
export const FIRST_FLEXIBLE_VERSION: Readonly<Record<ApiName, number>> = {
  Produce: 9, Fetch: 12, ListOffsets: 6, Metadata: 9, FindCoordinator: 3, ApiVersions: 3, CreateTopics: 5, DeleteTopics: 4,
  DeleteRecords: 2, InitProducerId: 2, AddPartitionsToTxn: 3, EndTxn: 3, DescribeConfigs: 4, CreatePartitions: 2,
  DescribeProducers: 0, DescribeTransactions: 0,
}

/** What one broker answered to ApiVersions: api key → supported range. */
export type BrokerApiVersions = ReadonlyMap<number, VersionRange>

/**
 * The highest version both the engine and the broker speak, at most `cap` (Fetch is capped at 12 when no topic id is
 * known: v13 addresses topics only by id). Null when the ranges do not overlap or the broker lacks the API.
 */
export function chooseVersion(engine: VersionRange, broker: VersionRange | undefined, cap = Number.POSITIVE_INFINITY): number | null {
  if (!broker) return null
  const max = Math.min(engine.max, broker.max, cap)
  const min = Math.max(engine.min, broker.min)
  return max >= min ? max : null
}

function describeRange(range: VersionRange | undefined): string {
  if (!range) return 'none'
  return range.min === range.max ? `v${range.min}` : `v${range.min}-v${range.max}`
}

/**
 * The error for a broker that lacks an API version the engine needs. Not retriable: the broker must be upgraded.
 * `mirrorTopicError` and `linkError` name it in REST views.
 */
export function unsupportedBrokerVersion(
  side: ClusterSide, broker: string, api: ApiName, brokerRange: VersionRange | undefined, engine: VersionRange = ENGINE_VERSIONS[api],
): EngineError {
  const speaks = brokerRange ? `speaks ${api} ${describeRange(brokerRange)}` : `does not support ${api}`
  const message = `unsupported broker version: the ${side} broker ${broker} ${speaks}; the engine needs ${api} ${describeRange(engine)}`
  return new EngineError('KAFKA_ERROR', message, {
    retriable: false,
    context: {
      side, api, brokerVersions: describeRange(brokerRange), engineVersions: describeRange(engine),
      mirrorTopicError: 'UNSUPPORTED_BROKER_VERSION', linkError: 'UNSUPPORTED_BROKER_VERSION',
    },
  })
}

/** True for the error `unsupportedBrokerVersion` builds. */
export function isUnsupportedBrokerVersion(error: unknown): error is EngineError {
  return error instanceof EngineError && error.context.mirrorTopicError === 'UNSUPPORTED_BROKER_VERSION'
}

/** The APIs a cluster must offer for its role; the versions it speaks are checked against ENGINE_VERSIONS. */
export const REQUIRED_APIS: Readonly<Record<ClusterSide, readonly ApiName[]>> = {
  source: ['Metadata', 'Fetch', 'ListOffsets', 'DescribeConfigs'],
  destination: [
    'Metadata', 'Fetch', 'Produce', 'ListOffsets', 'CreateTopics', 'DescribeConfigs', 'CreatePartitions', 'DeleteRecords',
    'InitProducerId', 'FindCoordinator', 'AddPartitionsToTxn', 'EndTxn', 'DescribeProducers', 'DescribeTransactions',
  ],
}

/** The first required API the broker cannot serve in a version the engine speaks, as an error; undefined when all fit. */
export function checkRequiredApis(side: ClusterSide, broker: string, versions: BrokerApiVersions): EngineError | undefined {
  for (const api of REQUIRED_APIS[side]) {
    const range = versions.get(API_KEYS[api])
    if (chooseVersion(ENGINE_VERSIONS[api], range) === null) return unsupportedBrokerVersion(side, broker, api, range)
  }
  return undefined
}

/**
 * ApiVersions on one connection. v3 (Kafka 2.4+) first; a broker that does not know v3 answers UNSUPPORTED_VERSION
 * in the v0 layout with its own range (KIP-511), and the request is repeated as v1.
 */
export async function requestApiVersions(connection: Connection): Promise<BrokerApiVersions> {
  let response: { apiKeys: Array<{ apiKey: number; minVersion: number; maxVersion: number }> }
  try {
    response = await apiVersionsV3.api.async(connection, 'clusterlink', '1.0.0')
  } catch (error) {
    const e = error as { errors?: Array<{ apiCode?: number }>; apiCode?: number }
    const code = e.errors?.find((x) => typeof x.apiCode === 'number')?.apiCode ?? e.apiCode
    if (code !== 35) throw error
    response = await apiVersionsV1.api.async(connection, 'clusterlink', '1.0.0')
  }
  return new Map(response.apiKeys.map((k) => [k.apiKey, { min: k.minVersion, max: k.maxVersion }]))
}

/**
 * The cluster's finalized feature levels (ApiVersions v3 tagged field finalized_features, KIP-584), such as
 * transaction.version (2: KIP-890 part 2) or metadata.version; empty on brokers without features (ZooKeeper mode).
 */
export async function requestFinalizedFeatures(connection: Connection): Promise<ReadonlyMap<string, number>> {
  const response = await apiVersionsV3.api.async(connection, 'clusterlink', '1.0.0')
  return new Map((response.finalizedFeatures ?? []).map((f) => [f.name, f.maxVersionLevel]))
}
