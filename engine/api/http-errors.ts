// The one mapping from engine errors (and fastify's own errors) to HTTP statuses and `{error_code, message}` bodies.
import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify'
import { EngineError, type ErrorCode } from '../errors.ts'

export interface HttpErrorBody {
  readonly error_code: number
  readonly message: string
}

/** HTTP status and REST error_code per engine error code; 4xx messages say what to fix, 5xx carry no internals. */
const MAPPING: Record<ErrorCode, { status: number; errorCode: number; expose: boolean }> = {
  INVALID_INPUT: { status: 400, errorCode: 40002, expose: true },
  CONFIG_ERROR: { status: 400, errorCode: 40002, expose: true },
  NOT_FOUND: { status: 404, errorCode: 40403, expose: true },
  ALREADY_EXISTS: { status: 409, errorCode: 40902, expose: true },
  INVALID_STATE: { status: 409, errorCode: 40901, expose: true },
  UNAUTHORIZED: { status: 401, errorCode: 40101, expose: true },
  FORBIDDEN: { status: 403, errorCode: 40301, expose: true },
  SOURCE_UNAVAILABLE: { status: 503, errorCode: 50301, expose: true },
  DESTINATION_UNAVAILABLE: { status: 503, errorCode: 50302, expose: true },
  KAFKA_ERROR: { status: 503, errorCode: 50003, expose: false },
  TIMEOUT: { status: 504, errorCode: 50401, expose: false },
  OFFSET_DIVERGENCE: { status: 500, errorCode: 50001, expose: false },
  SOURCE_TOPIC_ID_CHANGED: { status: 500, errorCode: 50001, expose: false },
  SOURCE_TOPIC_MAY_BE_DELETED: { status: 500, errorCode: 50001, expose: false },
  FENCED: { status: 500, errorCode: 50001, expose: false },
  INTERNAL: { status: 500, errorCode: 50001, expose: false },
}

/** The HTTP status of an engine error code (per-topic answers of mirror actions carry it as their error_code). */
export function httpStatusOf(code: ErrorCode): number {
  return MAPPING[code].status
}

const GENERIC_5XX: Record<number, string> = {
  500: 'internal error; the engine log has the details',
  503: 'a Kafka cluster did not answer; retry later (the engine log has the details)',
  504: 'the operation timed out; retry later',
}

/** Fastify's own client errors (body parsing, size, content type, routing). */
function fromFastify(error: FastifyError): { status: number; body: HttpErrorBody } | undefined {
  const status = error.statusCode ?? 500
  if (status < 400 || status >= 500) return undefined
  const messages: Record<string, string> = {
    FST_ERR_CTP_BODY_TOO_LARGE: 'request body is too large (limit 1 MiB)',
    FST_ERR_CTP_INVALID_MEDIA_TYPE: 'unsupported content type; send application/json',
    FST_ERR_CTP_EMPTY_JSON_BODY: 'body is empty but content-type is application/json; send a JSON object or no content-type',
    FST_ERR_CTP_INVALID_JSON_BODY: 'request body is not valid JSON',
  }
  const message = messages[error.code] ?? (error.code === undefined && error instanceof SyntaxError ? 'request body is not valid JSON' : error.message)
  return { status, body: { error_code: status * 100 + (status === 400 ? 1 : 1), message } }
}

export function toHttpError(error: unknown): { status: number; body: HttpErrorBody } {
  if (error instanceof EngineError) {
    const mapping = MAPPING[error.code]
    return {
      status: mapping.status,
      body: {
        error_code: mapping.errorCode,
        message: mapping.expose ? error.message : GENERIC_5XX[mapping.status] ?? GENERIC_5XX[500] as string,
      },
    }
  }
  if (error instanceof Error && 'statusCode' in error) {
    const mapped = fromFastify(error as FastifyError)
    if (mapped) return mapped
  }
  return { status: 500, body: { error_code: 50001, message: GENERIC_5XX[500] as string } }
}

export function errorHandler(error: unknown, request: FastifyRequest, reply: FastifyReply): void {
  const { status, body } = toHttpError(error)
  if (status >= 500) request.log.error({ err: error }, 'request failed')
  else request.log.info({ errorCode: body.error_code }, 'request rejected')
  void reply.status(status).type('application/json').send(body)
}

export function notFoundHandler(request: FastifyRequest, reply: FastifyReply): void {
  void reply.status(404).send({ error_code: 40401, message: `no route ${request.method} ${request.url.split('?')[0]}; see /openapi.json for the API` })
}
