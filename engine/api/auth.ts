// Bearer-token and HTTP basic authentication for every route except health probes; compares secrets in constant time.
import { createHash, timingSafeEqual } from 'node:crypto'
import type { FastifyReply, FastifyRequest } from 'fastify'
import { EngineError } from '../errors.ts'

export interface AuthOptions {
  readonly tokens: readonly string[]
  readonly basic: ReadonlyArray<{ readonly key: string; readonly secret: string }>
  readonly allowNoAuth: boolean
}

const OPEN_PATHS = new Set(['/healthz', '/readyz'])

function digest(text: string): Buffer {
  return createHash('sha256').update(text).digest()
}

function matchesAny(candidate: string, accepted: readonly string[]): boolean {
  const given = digest(candidate)
  let ok = false
  for (const value of accepted) ok = timingSafeEqual(given, digest(value)) || ok
  return ok
}

export function isAuthorized(header: string | undefined, options: AuthOptions): boolean {
  if (!header) return false
  const [scheme, value = ''] = header.split(/\s+/, 2)
  if (scheme?.toLowerCase() === 'bearer') return matchesAny(value, options.tokens)
  if (scheme?.toLowerCase() === 'basic') {
    const decoded = Buffer.from(value, 'base64').toString('utf8')
    return matchesAny(decoded, options.basic.map((pair) => `${pair.key}:${pair.secret}`))
  }
  return false
}

export function createAuthHook(options: AuthOptions) {
  return async (request: FastifyRequest, reply: FastifyReply): Promise<void> => {
    if (options.allowNoAuth || OPEN_PATHS.has(request.url.split('?')[0] ?? '')) return
    if (isAuthorized(request.headers.authorization, options)) return
    const message = request.headers.authorization
      ? 'invalid credentials: the bearer token or API key/secret is not accepted by this engine'
      : 'authentication required: send Authorization: Bearer <token> or HTTP basic <key>:<secret>'
    void reply.header('www-authenticate', 'Bearer, Basic realm="clusterlink"')
    throw new EngineError('UNAUTHORIZED', message)
  }
}
