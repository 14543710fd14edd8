// The error the REST client throws: an EngineError carrying the HTTP status and the engine's own {error_code, message}.
import { EngineError, type ErrorCode } from '../../engine/errors.ts'

export interface EngineApiErrorDetails {
  readonly method: string
  readonly path: string
  /** HTTP status, or 0 when no response came back (connection refused, timeout). */
  readonly httpStatus: number
  /** The engine's `error_code` (Confluent's numeric codes such as 40002, or a name). */
  readonly errorCode?: number | string
  readonly cause?: unknown
}

/** An engine API call that failed; `message` is the engine's message, prefixed with what was asked. */
export class EngineApiError extends EngineError {
  readonly httpStatus: number
  readonly errorCode: number | string | undefined
  readonly method: string
  readonly path: string

  constructor(message: string, details: EngineApiErrorDetails) {
    super(codeOfStatus(details.httpStatus), message, {
      retriable: details.httpStatus === 0 || details.httpStatus === 429 || details.httpStatus >= 502,
      cause: details.cause,
      context: { method: details.method, path: details.path, httpStatus: details.httpStatus, errorCode: details.errorCode },
    })
    this.name = 'EngineApiError'
    this.httpStatus = details.httpStatus
    this.errorCode = details.errorCode
    this.method = details.method
    this.path = details.path
  }

  get isNotFound(): boolean {
    return this.httpStatus === 404
  }
}

function codeOfStatus(status: number): ErrorCode {
  if (status === 0) return 'TIMEOUT'
  if (status === 400 || status === 422) return 'INVALID_INPUT'
  if (status === 401) return 'UNAUTHORIZED'
  if (status === 403) return 'FORBIDDEN'
  if (status === 404) return 'NOT_FOUND'
  if (status === 409) return 'INVALID_STATE'
  return 'INTERNAL'
}

export function isEngineApiError(error: unknown): error is EngineApiError {
  return error instanceof EngineApiError
}

/** Whether an error is the engine saying that a link, mirror or topic does not exist. */
export function isNotFoundError(error: unknown): boolean {
  return error instanceof EngineApiError && error.httpStatus === 404
}
