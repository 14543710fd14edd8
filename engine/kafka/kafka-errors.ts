// The one place where Kafka broker error codes and client failures become EngineErrors; nothing above kafka/ sees client error classes.
import { EngineError, isEngineError, type ErrorCode, type ErrorContext } from '../errors.ts'

/** Which cluster a request went to: decides SOURCE_UNAVAILABLE vs DESTINATION_UNAVAILABLE. */
export type ClusterSide = 'source' | 'destination'

/** Broker error codes the engine reacts to (clients/src/main/java/org/apache/kafka/common/protocol/Errors.java). */
export const KafkaErrorCodes = {
  NONE: 0,
  OFFSET_OUT_OF_RANGE: 1,
  CORRUPT_MESSAGE: 2,
  UNKNOWN_TOPIC_OR_PARTITION: 3,
  LEADER_NOT_AVAILABLE: 5,
  NOT_LEADER_OR_FOLLOWER: 6,
  REQUEST_TIMED_OUT: 7,
  MESSAGE_TOO_LARGE: 10,
  COORDINATOR_LOAD_IN_PROGRESS: 14,
  COORDINATOR_NOT_AVAILABLE: 15,
  NOT_COORDINATOR: 16,
  NOT_ENOUGH_REPLICAS: 19,
  NOT_ENOUGH_REPLICAS_AFTER_APPEND: 20,
  TOPIC_AUTHORIZATION_FAILED: 29,
  CLUSTER_AUTHORIZATION_FAILED: 31,
  INVALID_TIMESTAMP: 32,
  UNSUPPORTED_VERSION: 35,
  TOPIC_ALREADY_EXISTS: 36,
  INVALID_PARTITIONS: 37,
  INVALID_CONFIG: 40,
  POLICY_VIOLATION: 44,
  OUT_OF_ORDER_SEQUENCE_NUMBER: 45,
  DUPLICATE_SEQUENCE_NUMBER: 46,
  INVALID_PRODUCER_EPOCH: 47,
  INVALID_TXN_STATE: 48,
  INVALID_PRODUCER_ID_MAPPING: 49,
  CONCURRENT_TRANSACTIONS: 51,
  TRANSACTIONAL_ID_AUTHORIZATION_FAILED: 53,
  KAFKA_STORAGE_ERROR: 56,
  UNKNOWN_PRODUCER_ID: 59,
  FENCED_LEADER_EPOCH: 74,
  UNKNOWN_LEADER_EPOCH: 75,
  INVALID_RECORD: 87,
  PRODUCER_FENCED: 90,
  UNKNOWN_TOPIC_ID: 100,
  TRANSACTION_ABORTABLE: 120,
} as const

const NAMES = new Map<number, string>(Object.entries(KafkaErrorCodes).map(([k, v]) => [v, k]))

export function kafkaErrorName(code: number): string {
  return NAMES.get(code) ?? `KAFKA_ERROR_${code}`
}

/** Errors after which the same request can succeed once metadata is refreshed or the broker recovers. */
const RETRIABLE = new Set<number>([
  KafkaErrorCodes.LEADER_NOT_AVAILABLE, KafkaErrorCodes.NOT_LEADER_OR_FOLLOWER, KafkaErrorCodes.REQUEST_TIMED_OUT,
  KafkaErrorCodes.COORDINATOR_LOAD_IN_PROGRESS, KafkaErrorCodes.COORDINATOR_NOT_AVAILABLE, KafkaErrorCodes.NOT_COORDINATOR,
  KafkaErrorCodes.NOT_ENOUGH_REPLICAS, KafkaErrorCodes.NOT_ENOUGH_REPLICAS_AFTER_APPEND, KafkaErrorCodes.CONCURRENT_TRANSACTIONS,
  KafkaErrorCodes.KAFKA_STORAGE_ERROR, KafkaErrorCodes.FENCED_LEADER_EPOCH, KafkaErrorCodes.UNKNOWN_LEADER_EPOCH,
])

export function isRetriableKafkaError(code: number): boolean {
  return RETRIABLE.has(code)
}

function engineCodeFor(code: number, side: ClusterSide): ErrorCode {
  if (RETRIABLE.has(code)) return side === 'source' ? 'SOURCE_UNAVAILABLE' : 'DESTINATION_UNAVAILABLE'
  switch (code) {
    case KafkaErrorCodes.UNKNOWN_TOPIC_OR_PARTITION:
    case KafkaErrorCodes.UNKNOWN_TOPIC_ID:
      return 'NOT_FOUND'
    case KafkaErrorCodes.TOPIC_ALREADY_EXISTS:
      return 'ALREADY_EXISTS'
    case KafkaErrorCodes.TOPIC_AUTHORIZATION_FAILED:
    case KafkaErrorCodes.CLUSTER_AUTHORIZATION_FAILED:
    case KafkaErrorCodes.TRANSACTIONAL_ID_AUTHORIZATION_FAILED:
      return 'FORBIDDEN'
    case KafkaErrorCodes.INVALID_PRODUCER_EPOCH:
    case KafkaErrorCodes.PRODUCER_FENCED:
      return 'FENCED'
    case KafkaErrorCodes.INVALID_CONFIG:
    case KafkaErrorCodes.POLICY_VIOLATION:
    case KafkaErrorCodes.INVALID_PARTITIONS:
      return 'CONFIG_ERROR'
    default:
      return 'KAFKA_ERROR'
  }
}

/** Turns a broker error code into an EngineError; `kafkaErrorCode` and `kafkaError` go into the context. */
export function kafkaError(code: number, side: ClusterSide, what: string, context: ErrorContext = {}, brokerMessage?: string | null): EngineError {
  const name = kafkaErrorName(code)
  const suffix = brokerMessage ? `: ${brokerMessage}` : ''
  return new EngineError(engineCodeFor(code, side), `${what} failed on the ${side} cluster (${name})${suffix}`, {
    retriable: RETRIABLE.has(code),
    context: { ...context, kafkaErrorCode: code, kafkaError: name, side },
  })
}

/** True when the error, or any error it wraps (the pool's "cannot connect to any broker" aggregates them), is a failed login. */
function isAuthenticationFailure(error: unknown, depth = 0): boolean {
  if (!error || typeof error !== 'object' || depth > 5) return false
  const e = error as { code?: string; message?: string; errors?: unknown[]; cause?: unknown; apiCode?: number }
  if (e.code === 'PLT_KFK_AUTHENTICATION' || e.apiCode === 58 /* SASL_AUTHENTICATION_FAILED */) return true
  if (typeof e.message === 'string' && /SASL|authenticat/i.test(e.message)) return true
  return (e.errors ?? []).some((x) => isAuthenticationFailure(x, depth + 1)) || isAuthenticationFailure(e.cause, depth + 1)
}

/** Turns anything a client call threw (network, timeout, authentication, protocol) into an EngineError. */
export function toEngineError(error: unknown, side: ClusterSide, what: string, context: ErrorContext = {}): EngineError {
  if (isEngineError(error)) return error
  const e = error as { code?: string; message?: string; errors?: Array<{ apiCode?: number }> }
  const apiCode = e.errors?.find((x) => typeof x.apiCode === 'number')?.apiCode
  if (typeof apiCode === 'number') return kafkaError(apiCode, side, what, context)
  const message = e.message ?? String(error)
  if (isAuthenticationFailure(error)) {
    return new EngineError('UNAUTHORIZED', `${what}: authentication to the ${side} cluster failed`, { cause: error, context: { ...context, side } })
  }
  const code: ErrorCode = e.code === 'PLT_KFK_TIMEOUT' ? 'TIMEOUT' : side === 'source' ? 'SOURCE_UNAVAILABLE' : 'DESTINATION_UNAVAILABLE'
  return new EngineError(code, `${what}: the ${side} cluster did not answer (${message})`, { retriable: true, cause: error, context: { ...context, side } })
}
