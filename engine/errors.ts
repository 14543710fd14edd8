// The one error type of the engine: a code from a fixed list, whether a retry can help, and the context it happened in.

export const ERROR_CODES = [
  'INVALID_INPUT',
  'NOT_FOUND',
  'ALREADY_EXISTS',
  'INVALID_STATE',
  'UNAUTHORIZED',
  'FORBIDDEN',
  'SOURCE_UNAVAILABLE',
  'DESTINATION_UNAVAILABLE',
  'KAFKA_ERROR',
  'OFFSET_DIVERGENCE',
  'SOURCE_TOPIC_ID_CHANGED',
  'SOURCE_TOPIC_MAY_BE_DELETED',
  'FENCED',
  'TIMEOUT',
  'CONFIG_ERROR',
  'INTERNAL',
] as const

export type ErrorCode = (typeof ERROR_CODES)[number]

export interface ErrorContext {
  readonly link?: string
  readonly topic?: string
  readonly partition?: number
  readonly offset?: number | bigint
  readonly [key: string]: unknown
}

export interface EngineErrorOptions {
  readonly retriable?: boolean
  readonly cause?: unknown
  readonly context?: ErrorContext
}

export class EngineError extends Error {
  readonly code: ErrorCode
  readonly retriable: boolean
  readonly context: ErrorContext

  constructor(code: ErrorCode, message: string, options: EngineErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause })
    this.name = 'EngineError'
    this.code = code
    this.retriable = options.retriable ?? false
    this.context = options.context ?? {}
  }
}

export function isEngineError(error: unknown): error is EngineError {
  return error instanceof EngineError
}
