// Public surface of api/.
export { createApiServer, BODY_LIMIT_BYTES, type ApiServerOptions } from './create-api-server.ts'
export { toHttpError, type HttpErrorBody } from './http-errors.ts'
export { isAuthorized, type AuthOptions } from './auth.ts'
export { buildOpenApi } from './openapi.ts'
