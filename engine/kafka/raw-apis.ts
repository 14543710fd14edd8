// The raw data-path APIs by their historical names (Fetch v12/v13, Produce v9) and the parser wrapper that keeps broker error codes.
import type { Reader } from '@platformatic/kafka'
import { rawFetchApi } from './raw-fetch.ts'
import { rawProduceApi } from './raw-produce.ts'

export {
  ISOLATION_READ_COMMITTED, ISOLATION_READ_UNCOMMITTED, createRawFetchRequest, parseRawFetchResponse, rawFetchApi,
  type RawAbortedTransaction, type RawFetchPartitionRequest, type RawFetchPartitionResponse, type RawFetchResponse,
  type RawFetchTopicRequest,
} from './raw-fetch.ts'
export {
  createRawProduceRequest, parseRawProduceResponse, rawProduceApi,
  type RawProducePartition, type RawProducePartitionResponse, type RawProduceResponse, type RawProduceTopic,
} from './raw-produce.ts'

export const rawFetchV12 = rawFetchApi(12)
export const rawFetchV13 = rawFetchApi(13)
export const rawProduceV9 = rawProduceApi(9)

/** Wraps a library parser so that a ResponseError (any non-zero error code) yields the decoded response instead. */
export function keepErrors<T>(parse: (c: number, k: number, v: number, r: Reader) => T): (c: number, k: number, v: number, r: Reader) => T {
  return (c, k, v, r) => {
    try {
      return parse(c, k, v, r)
    } catch (error) {
      const response = (error as { response?: T }).response
      if (response === undefined) throw error
      return response
    }
  }
}
