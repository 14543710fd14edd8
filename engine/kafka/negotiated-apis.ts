// Control and metadata APIs at every version the engine speaks, each backed by @platformatic/kafka's encoder of that version.
import {
  createAPI, addPartitionsToTxnV0, addPartitionsToTxnV1, addPartitionsToTxnV2, addPartitionsToTxnV3, createPartitionsV0, createPartitionsV1,
  createPartitionsV2, createPartitionsV3, createTopicsV2, createTopicsV3, createTopicsV4, createTopicsV5, createTopicsV6, createTopicsV7,
  deleteRecordsV0, deleteRecordsV1, deleteRecordsV2, deleteTopicsV1, deleteTopicsV2, deleteTopicsV3, deleteTopicsV4, deleteTopicsV5,
  deleteTopicsV6, describeConfigsV1, describeConfigsV2, describeConfigsV3, describeConfigsV4, describeProducersV0, describeTransactionsV0,
  endTxnV0, endTxnV1, endTxnV2, endTxnV3, endTxnV4, findCoordinatorV1, findCoordinatorV2, findCoordinatorV3, findCoordinatorV4,
  initProducerIdV0, initProducerIdV1, initProducerIdV2, initProducerIdV3, initProducerIdV4, initProducerIdV5, listOffsetsV2,
  listOffsetsV3, listOffsetsV4, listOffsetsV5, listOffsetsV6, listOffsetsV7, listOffsetsV8, metadataV1, metadataV2, metadataV3,
  metadataV4, metadataV5, metadataV6, metadataV7, metadataV8, metadataV9, metadataV10, metadataV11, metadataV12, type Connection,
  type Reader, type Writer,
} from '@platformatic/kafka'
import { API_KEYS, ENGINE_VERSIONS, FIRST_FLEXIBLE_VERSION, type ApiName } from './api-versions.ts'
import { keepErrors } from './raw-apis.ts'

/** One version of a library API: its request encoder and response decoder (the library keeps one response shape per API). */
interface LibraryVersion {
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- the library's encoders differ only in optional trailing arguments
  readonly createRequest: (...args: any[]) => Writer
  readonly parseResponse: (c: number, k: number, v: number, r: Reader) => unknown
}

export interface VersionedCall<A extends unknown[], R> {
  async(connection: Connection, ...args: A): Promise<R>
}

/** An API the engine can send at several versions; `at(v)` gives the call at version v (the caller chooses v from ApiVersions). */
export interface NegotiatedApi<A extends unknown[], R> {
  readonly name: ApiName
  readonly versions: readonly number[]
  at(version: number): VersionedCall<A, R>
}

function negotiated<A extends unknown[], R>(name: ApiName, byVersion: Readonly<Record<number, LibraryVersion>>): NegotiatedApi<A, R> {
  const calls = new Map<number, VersionedCall<A, R>>()
  const versions = Object.keys(byVersion).map(Number).sort((a, b) => a - b)
  return {
    name,
    versions,
    at(version: number): VersionedCall<A, R> {
      let call = calls.get(version)
      if (!call) {
        const v = byVersion[version]
        if (!v) throw new RangeError(`${name} v${version} is not implemented (v${versions[0]} to v${versions.at(-1)})`)
        const flexible = version >= FIRST_FLEXIBLE_VERSION[name]
        const parse = keepErrors(v.parseResponse as (c: number, k: number, v: number, r: Reader) => R)
        call = createAPI<A, R>(API_KEYS[name], version, v.createRequest, parse, flexible, flexible)
        calls.set(version, call)
      }
      return call
    },
  }
}

/*
  Grammars: the library keeps each version's grammar above its encoder (node_modules/@platformatic/kafka/dist/apis/**);
  the fields the engine relies on exist in every version listed here, except where noted:
  - Metadata v10+ returns topic ids (KIP-516; Kafka 2.8); below v10 the library reports the zero UUID.
  - ListOffsets v4+ takes current_leader_epoch; v2 and v3 ignore it.
  - FindCoordinator v4+ takes a batch of keys; v1 to v3 send the first key only.
*/
export const Metadata = negotiated<[string[] | null, boolean, boolean], metadataV12.MetadataResponse>('Metadata', {
  1: metadataV1, 2: metadataV2, 3: metadataV3, 4: metadataV4, 5: metadataV5, 6: metadataV6, 7: metadataV7, 8: metadataV8,
  9: metadataV9, 10: metadataV10, 11: metadataV11, 12: metadataV12,
})
export const ListOffsets = negotiated<
  [number, number, listOffsetsV8.ListOffsetsRequestTopic[]], listOffsetsV8.ListOffsetsResponse
>('ListOffsets', {
  2: listOffsetsV2, 3: listOffsetsV3, 4: listOffsetsV4, 5: listOffsetsV5, 6: listOffsetsV6, 7: listOffsetsV7, 8: listOffsetsV8,
})
export const DeleteRecords = negotiated<
  [deleteRecordsV2.DeleteRecordsRequestTopics[], number], deleteRecordsV2.DeleteRecordsResponse
>('DeleteRecords', {
  0: deleteRecordsV0, 1: deleteRecordsV1, 2: deleteRecordsV2,
})
export const InitProducerId = negotiated<
  [string | null, number, bigint, number], initProducerIdV5.InitProducerIdResponse
>('InitProducerId', {
  0: initProducerIdV0, 1: initProducerIdV1, 2: initProducerIdV2, 3: initProducerIdV3, 4: initProducerIdV4, 5: initProducerIdV5,
})
export const DescribeProducers = negotiated<
  [describeProducersV0.DescribeProducersRequestTopic[]], describeProducersV0.DescribeProducersResponse
>(
  'DescribeProducers', { 0: describeProducersV0 },
)
export const AddPartitionsToTxn = negotiated<
  [addPartitionsToTxnV3.AddPartitionsToTxnRequestTransaction[]], addPartitionsToTxnV3.AddPartitionsToTxnResponse
>(
  'AddPartitionsToTxn', { 0: addPartitionsToTxnV0, 1: addPartitionsToTxnV1, 2: addPartitionsToTxnV2, 3: addPartitionsToTxnV3 },
)
export const EndTxn = negotiated<[string, bigint, number, boolean], endTxnV4.EndTxnResponse>('EndTxn', {
  0: endTxnV0, 1: endTxnV1, 2: endTxnV2, 3: endTxnV3, 4: endTxnV4,
})
export const DescribeTransactions = negotiated<
  [string[]], describeTransactionsV0.DescribeTransactionsResponse
>('DescribeTransactions', { 0: describeTransactionsV0 })
export const FindCoordinator = negotiated<[number, string[]], findCoordinatorV4.FindCoordinatorResponse>('FindCoordinator', {
  1: findCoordinatorV1, 2: findCoordinatorV2, 3: findCoordinatorV3, 4: findCoordinatorV4,
})
export const CreateTopics = negotiated<
  [createTopicsV7.CreateTopicsRequestTopic[], number, boolean], createTopicsV7.CreateTopicsResponse
>('CreateTopics', {
  2: createTopicsV2, 3: createTopicsV3, 4: createTopicsV4, 5: createTopicsV5, 6: createTopicsV6, 7: createTopicsV7,
})
export const DescribeConfigs = negotiated<
  [describeConfigsV4.DescribeConfigsRequestResource[], boolean, boolean], describeConfigsV4.DescribeConfigsResponse
>(
  'DescribeConfigs', { 1: describeConfigsV1, 2: describeConfigsV2, 3: describeConfigsV3, 4: describeConfigsV4 },
)
export const CreatePartitions = negotiated<
  [createPartitionsV3.CreatePartitionsRequestTopic[], number, boolean], createPartitionsV3.CreatePartitionsResponse
>(
  'CreatePartitions', { 0: createPartitionsV0, 1: createPartitionsV1, 2: createPartitionsV2, 3: createPartitionsV3 },
)
export const DeleteTopics = negotiated<
  [deleteTopicsV6.DeleteTopicsRequestTopic[], number], deleteTopicsV6.DeleteTopicsResponse
>('DeleteTopics', {
  1: deleteTopicsV1, 2: deleteTopicsV2, 3: deleteTopicsV3, 4: deleteTopicsV4, 5: deleteTopicsV5, 6: deleteTopicsV6,
})

/** Every negotiated API, for the check that each matches ENGINE_VERSIONS. */
export const NEGOTIATED_APIS: readonly NegotiatedApi<never[], unknown>[] = [
  Metadata, ListOffsets, DeleteRecords, InitProducerId, DescribeProducers, AddPartitionsToTxn, EndTxn, DescribeTransactions,
  FindCoordinator, CreateTopics, DescribeConfigs, CreatePartitions, DeleteTopics,
] as unknown as readonly NegotiatedApi<never[], unknown>[]

/** The engine's range of an API, from the versions implemented here (kept equal to ENGINE_VERSIONS by a test). */
export function implementedRange(api: NegotiatedApi<never[], unknown>): { min: number; max: number } {
  return { min: api.versions[0] ?? 0, max: api.versions.at(-1) ?? -1 }
}
export { ENGINE_VERSIONS }
