// Pure tests of the API version choice: the highest version both sides speak, caps, and "unsupported broker version".
import { describe, test } from 'node:test'
import assert from 'node:assert/strict'
import {
  API_KEYS, ENGINE_VERSIONS, REQUIRED_APIS, checkRequiredApis, chooseVersion, isUnsupportedBrokerVersion, unsupportedBrokerVersion,
  type ApiName, type VersionRange,
} from '../../../engine/kafka/api-versions.ts'
import { NEGOTIATED_APIS, implementedRange } from '../../../engine/kafka/negotiated-apis.ts'
import { RAW_FETCH_MAX_VERSION, RAW_FETCH_MIN_VERSION } from '../../../engine/kafka/raw-fetch.ts'
import { RAW_PRODUCE_MAX_VERSION, RAW_PRODUCE_MIN_VERSION } from '../../../engine/kafka/raw-produce.ts'

/** ApiVersions as the brokers of the version matrix answer them (only the APIs the engine sends). */
function broker(ranges: Partial<Record<ApiName, [number, number]>>): Map<number, VersionRange> {
  return new Map(Object.entries(ranges).map(([name, [min, max]]) => [API_KEYS[name as ApiName], { min, max }]))
}
const KAFKA_2_8 = broker({
  Produce: [0, 9], Fetch: [0, 12], ListOffsets: [0, 6], Metadata: [0, 11], FindCoordinator: [0, 3], CreateTopics: [0, 7],
  DeleteTopics: [0, 6], DeleteRecords: [0, 2], InitProducerId: [0, 4], AddPartitionsToTxn: [0, 3], EndTxn: [0, 3],
  DescribeConfigs: [0, 4], CreatePartitions: [0, 3],
  DescribeProducers: [0, 0],
})
const KAFKA_4_4 = broker({
  Produce: [3, 13], Fetch: [4, 18], ListOffsets: [1, 10], Metadata: [0, 13], FindCoordinator: [0, 6], CreateTopics: [2, 7],
  DeleteTopics: [1, 6], DeleteRecords: [0, 2], InitProducerId: [0, 6], AddPartitionsToTxn: [0, 5], EndTxn: [0, 5],
  DescribeConfigs: [1, 4], CreatePartitions: [0, 3],
  DescribeProducers: [0, 0], DescribeTransactions: [0, 0],
})

describe('chooseVersion', () => {
  test('chooseVersion should pick the highest version both the engine and the broker speak', () => {
    assert.equal(chooseVersion(ENGINE_VERSIONS.Fetch, KAFKA_4_4.get(API_KEYS.Fetch)), 13)
    assert.equal(chooseVersion(ENGINE_VERSIONS.Metadata, KAFKA_2_8.get(API_KEYS.Metadata)), 11)
    assert.equal(chooseVersion(ENGINE_VERSIONS.ListOffsets, KAFKA_2_8.get(API_KEYS.ListOffsets)), 6)
    assert.equal(chooseVersion(ENGINE_VERSIONS.Produce, KAFKA_4_4.get(API_KEYS.Produce)), 9)
  })

  test('chooseVersion should respect a cap, such as Fetch v12 when no topic id is known', () => {
    assert.equal(chooseVersion(ENGINE_VERSIONS.Fetch, KAFKA_4_4.get(API_KEYS.Fetch), 12), 12)
    assert.equal(chooseVersion(ENGINE_VERSIONS.Fetch, KAFKA_2_8.get(API_KEYS.Fetch), 13), 12)
    assert.equal(chooseVersion(ENGINE_VERSIONS.Fetch, { min: 0, max: 11 }, 13), 11)
  })

  test('chooseVersion should return null when the ranges do not overlap or the broker lacks the API', () => {
    assert.equal(chooseVersion(ENGINE_VERSIONS.Fetch, { min: 0, max: 3 }), null)
    assert.equal(chooseVersion({ min: 0, max: 4 }, { min: 5, max: 9 }), null)
    assert.equal(chooseVersion(ENGINE_VERSIONS.DescribeTransactions, undefined), null)
    assert.equal(chooseVersion(ENGINE_VERSIONS.Fetch, KAFKA_4_4.get(API_KEYS.Fetch), 3), null)
  })
})

describe('required APIs', () => {
  test('checkRequiredApis should accept a Kafka 2.8 source and a Kafka 4.4 destination', () => {
    assert.equal(checkRequiredApis('source', 'b:9092', KAFKA_2_8), undefined)
    assert.equal(checkRequiredApis('destination', 'b:9092', KAFKA_4_4), undefined)
  })

  test('checkRequiredApis should name the API and both ranges when a broker cannot serve the engine', () => {
    const error = checkRequiredApis('destination', 'old:9092', KAFKA_2_8)
    assert.ok(error)
    assert.ok(isUnsupportedBrokerVersion(error))
    assert.equal(error.retriable, false)
    assert.equal(error.context.api, 'DescribeTransactions')
    assert.match(error.message, /^unsupported broker version: the destination broker old:9092 does not support DescribeTransactions; the engine needs DescribeTransactions v0$/)
    const fetchTooOld = checkRequiredApis('source', 'b:1', broker({ Metadata: [0, 5], Fetch: [0, 3], ListOffsets: [0, 2], DescribeConfigs: [0, 1] }))
    assert.ok(fetchTooOld)
    assert.equal(fetchTooOld.context.brokerVersions, 'v0-v3')
    assert.equal(fetchTooOld.context.engineVersions, 'v4-v13')
    assert.match(fetchTooOld.message, /speaks Fetch v0-v3; the engine needs Fetch v4-v13/)
  })

  test('unsupportedBrokerVersion should carry the REST error names for the mirror and the link', () => {
    const error = unsupportedBrokerVersion('source', 'b:9092', 'Fetch', { min: 0, max: 3 })
    assert.equal(error.context.mirrorTopicError, 'UNSUPPORTED_BROKER_VERSION')
    assert.equal(error.context.linkError, 'UNSUPPORTED_BROKER_VERSION')
    assert.equal(isUnsupportedBrokerVersion(new Error('x')), false)
  })

  test('REQUIRED_APIS should list only APIs the engine has a range for', () => {
    for (const api of [...REQUIRED_APIS.source, ...REQUIRED_APIS.destination]) assert.ok(ENGINE_VERSIONS[api], api)
  })
})

describe('engine ranges', () => {
  test('ENGINE_VERSIONS should equal the versions the encoders implement', () => {
    for (const api of NEGOTIATED_APIS) assert.deepEqual(implementedRange(api), ENGINE_VERSIONS[api.name], api.name)
    assert.deepEqual({ min: RAW_FETCH_MIN_VERSION, max: RAW_FETCH_MAX_VERSION }, ENGINE_VERSIONS.Fetch)
    assert.deepEqual({ min: RAW_PRODUCE_MIN_VERSION, max: RAW_PRODUCE_MAX_VERSION }, ENGINE_VERSIONS.Produce)
  })

  test('each negotiated API should give a call for every version in its range and refuse others', () => {
    for (const api of NEGOTIATED_APIS) {
      const { min, max } = ENGINE_VERSIONS[api.name]
      for (let v = min; v <= max; v++) assert.equal(typeof api.at(v).async, 'function', `${api.name} v${v}`)
      assert.throws(() => api.at(max + 1), RangeError)
    }
  })
})
