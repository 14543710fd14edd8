// The one place where Kafka broker error codes and client failures become EngineErrors; nothing above kafka/ sees client error classes.
import { AuthenticationError, TimeoutError } from '@platformatic/kafka'
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
  UNSUPPORTED_SASL_MECHANISM: 33,
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
  SECURITY_DISABLED: 54,
  KAFKA_STORAGE_ERROR: 56,
  SASL_AUTHENTICATION_FAILED: 58,
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
    case KafkaErrorCodes.SASL_AUTHENTICATION_FAILED:
      return 'UNAUTHORIZED'
    case KafkaErrorCodes.UNSUPPORTED_SASL_MECHANISM:
    case KafkaErrorCodes.SECURITY_DISABLED:
      return 'CONFIG_ERROR'
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
export function kafkaError(
  code: number, side: ClusterSide, what: string, context: ErrorContext = {}, brokerMessage?: string | null,
): EngineError {
  const name = kafkaErrorName(code)
  const suffix = brokerMessage ? `: ${brokerMessage}` : ''
  return new EngineError(engineCodeFor(code, side), `${what} failed on the ${side} cluster (${name})${suffix}`, {
    retriable: RETRIABLE.has(code),
    context: { ...context, kafkaErrorCode: code, kafkaError: name, side },
  })
}

/** What a client failure holds, found by walking the errors it wraps (the pool's "cannot connect to any broker" aggregates them). */
interface FailureFacts {
  engineError?: EngineError
  apiCode?: number
  isAuthentication: boolean
  isTimeout: boolean
  /** A Node.js error code (ECONNREFUSED, ERR_TLS_CERT_ALTNAME_INVALID, CERT_HAS_EXPIRED, ...). */
  systemCode?: string
}

function factsOf(error: unknown, facts: FailureFacts = { isAuthentication: false, isTimeout: false }, depth = 0): FailureFacts {
  if (!error || typeof error !== 'object' || depth > 6) return facts
  if (isEngineError(error)) {
    facts.engineError ??= error
    return facts
  }
  if (error instanceof AuthenticationError) facts.isAuthentication = true
  if (error instanceof TimeoutError) facts.isTimeout = true
  const e = error as { code?: unknown; apiCode?: unknown; errors?: unknown; cause?: unknown }
  if (typeof e.apiCode === 'number' && e.apiCode !== 0) facts.apiCode ??= e.apiCode
  if (typeof e.code === 'string' && !e.code.startsWith('PLT_KFK_')) facts.systemCode ??= e.code
  for (const nested of Array.isArray(e.errors) ? e.errors : []) factsOf(nested, facts, depth + 1)
  factsOf(e.cause, facts, depth + 1)
  return facts
}

/** The first broker error code a client failure carries (in it or in the errors it wraps), or undefined. */
export function kafkaErrorCodeOf(error: unknown): number | undefined {
  return factsOf(error).apiCode
}

/** Certificate failures of Node's TLS (X509_V_ERR_* names from OpenSSL): the link's TLS configs must change, retrying does not help. */
const TLS_TRUST_CODES = new Set([
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE', 'UNABLE_TO_GET_ISSUER_CERT', 'UNABLE_TO_GET_ISSUER_CERT_LOCALLY', 'SELF_SIGNED_CERT_IN_CHAIN',
  'DEPTH_ZERO_SELF_SIGNED_CERT', 'CERT_HAS_EXPIRED', 'CERT_NOT_YET_VALID', 'CERT_SIGNATURE_FAILURE', 'CERT_UNTRUSTED', 'CERT_REJECTED',
])

/**
 * TLS alerts a broker sends when it refuses the engine's client certificate (ssl.client.auth=required): none sent
 * (certificate_required, or bad_certificate from Java), one signed by a CA outside the broker's truststore (certificate_unknown,
 * unknown_ca), expired or revoked. Node names them after OpenSSL (ERR_SSL_SSL/TLS_ALERT_BAD_CERTIFICATE in OpenSSL 3,
 * ERR_SSL_SSLV3_ALERT_BAD_CERTIFICATE before). Retrying does not help until the certificate or the broker's truststore changes.
 */
const TLS_CLIENT_CERTIFICATE_ALERT = new RegExp('^ERR_SSL_(SSLV3|SSL/TLS|TLSV1|TLSV13)_ALERT_(BAD_CERTIFICATE|CERTIFICATE_UNKNOWN|'
  + 'CERTIFICATE_REQUIRED|UNKNOWN_CA|CERTIFICATE_EXPIRED|CERTIFICATE_REVOKED|UNSUPPORTED_CERTIFICATE)$')

/** Whether a system error code is a broker's refusal of the engine's TLS client certificate (an authentication failure). */
export const isTlsClientCertificateRefusal = (systemCode: string): boolean => TLS_CLIENT_CERTIFICATE_ALERT.test(systemCode)

/** Turns anything a client call threw (network, timeout, authentication, TLS, protocol) into an EngineError; never reads messages. */
export function toEngineError(error: unknown, side: ClusterSide, what: string, context: ErrorContext = {}): EngineError {
  if (isEngineError(error)) return error
  const facts = factsOf(error)
  // A failure of the engine's own code inside the client (the OAUTHBEARER token provider) already says what to fix.
  if (facts.engineError) return facts.engineError
  const at = { ...context, side, ...(facts.systemCode ? { systemErrorCode: facts.systemCode } : {}) }
  if (facts.isAuthentication || facts.apiCode === KafkaErrorCodes.SASL_AUTHENTICATION_FAILED) {
    return new EngineError('UNAUTHORIZED', `${what}: authentication to the ${side} cluster failed (check the SASL mechanism and credentials)`, { cause: error, context: at })
  }
  if (facts.systemCode === 'ERR_TLS_CERT_ALTNAME_INVALID') {
    return new EngineError('CONFIG_ERROR', `${what}: the ${side} broker's TLS certificate does not name the host the engine dialed ` +
      '(fix the certificate or bootstrap.servers; ssl.endpoint.identification.algorithm= (empty) skips the host name check)', { cause: error, context: at })
  }
  if (facts.systemCode && TLS_TRUST_CODES.has(facts.systemCode)) {
    return new EngineError('CONFIG_ERROR', `${what}: the ${side} broker's TLS certificate is not trusted (${facts.systemCode}); check the CA certificates`, { cause: error, context: at })
  }
  if (facts.systemCode && isTlsClientCertificateRefusal(facts.systemCode)) {
    const settings = side === 'destination' ? 'destination.tls.cert and destination.tls.key' : 'ssl.keystore.certificate.chain and ssl.keystore.key'
    return new EngineError('CONFIG_ERROR', `${what}: the ${side} broker refused the engine's TLS client certificate (${facts.systemCode}); `
      + `check ${settings} and the CA the brokers trust (ssl.truststore)`, { cause: error, context: at })
  }
  if (typeof facts.apiCode === 'number') return kafkaError(facts.apiCode, side, what, context)
  const reason = facts.systemCode ?? (facts.isTimeout ? 'timed out' : error instanceof Error ? error.message : String(error))
  const code: ErrorCode = facts.isTimeout ? 'TIMEOUT' : side === 'source' ? 'SOURCE_UNAVAILABLE' : 'DESTINATION_UNAVAILABLE'
  return new EngineError(code, `${what}: the ${side} cluster did not answer (${reason})`, { retriable: true, cause: error, context: at })
}
