// Bearer-token and HTTP basic authentication with admin and read-only roles, and the loopback checks of no-auth mode.
import { createHash, timingSafeEqual } from 'node:crypto'
import type { FastifyReply, FastifyRequest } from 'fastify'
import { EngineError } from '../errors.ts'

export type AuthRole = 'admin' | 'read'

type BasicPair = { readonly key: string; readonly secret: string }

export interface AuthOptions {
  /** Admin bearer tokens: every operation. */
  readonly tokens: readonly string[]
  /** Read-only bearer tokens: GET only. */
  readonly readTokens?: readonly string[]
  readonly basic: readonly BasicPair[]
  readonly readBasic?: readonly BasicPair[]
  readonly allowNoAuth: boolean
}

const OPEN_PATHS = new Set(['/healthz', '/readyz'])
const READ_METHODS = new Set(['GET', 'HEAD'])

function digest(text: string): Buffer {
  return createHash('sha256').update(text).digest()
}

function matchesAny(candidate: string, accepted: readonly string[]): boolean {
  const given = digest(candidate)
  let ok = false
  for (const value of accepted) ok = timingSafeEqual(given, digest(value)) || ok
  return ok
}

/** The role an Authorization header grants, or undefined when it grants none. Admin wins when a secret is in both lists. */
export function authorizedRole(header: string | undefined, options: AuthOptions): AuthRole | undefined {
  if (!header) return undefined
  const [scheme, value = ''] = header.split(/\s+/, 2)
  if (scheme?.toLowerCase() === 'bearer') {
    if (matchesAny(value, options.tokens)) return 'admin'
    return matchesAny(value, options.readTokens ?? []) ? 'read' : undefined
  }
  if (scheme?.toLowerCase() === 'basic') {
    const decoded = Buffer.from(value, 'base64').toString('utf8')
    const pairs = (list: readonly BasicPair[] | undefined) => (list ?? []).map((pair) => `${pair.key}:${pair.secret}`)
    if (matchesAny(decoded, pairs(options.basic))) return 'admin'
    return matchesAny(decoded, pairs(options.readBasic)) ? 'read' : undefined
  }
  return undefined
}

export function isAuthorized(header: string | undefined, options: AuthOptions): boolean {
  return authorizedRole(header, options) !== undefined
}

/** True for loopback addresses, including IPv4 mapped into IPv6. */
export function isLoopbackAddress(address: string | undefined): boolean {
  if (!address) return false
  const plain = address.replace(/^::ffff:/i, '')
  return plain === '::1' || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(plain)
}

/** The host part of a Host header (brackets kept off IPv6 literals); lower case. */
function hostName(header: string | undefined): string {
  const host = (header ?? '').trim().toLowerCase()
  if (host.startsWith('[')) return host.slice(1, host.indexOf(']') > 0 ? host.indexOf(']') : undefined)
  return host.replace(/:\d*$/, '').replace(/\.$/, '')
}

/**
 * No-auth mode trusts the machine, not the network: the client must connect from a loopback address, and the Host
 * header must name loopback, so a web page whose DNS name was rebound to 127.0.0.1 cannot drive the engine.
 */
function checkNoAuthRequest(request: FastifyRequest): void {
  if (!isLoopbackAddress(request.socket.remoteAddress)) {
    throw new EngineError('FORBIDDEN',
      'this engine runs without authentication and accepts loopback clients only; configure tokens to serve other hosts')
  }
  const host = hostName(request.headers.host)
  if (host !== 'localhost' && !host.endsWith('.localhost') && !isLoopbackAddress(host)) {
    throw new EngineError('FORBIDDEN', 'this engine runs without authentication and accepts only Host: localhost, 127.0.0.1 or [::1] ' +
      '(DNS rebinding protection); configure tokens to use another name')
  }
}

export function createAuthHook(options: AuthOptions) {
  return async (request: FastifyRequest, reply: FastifyReply): Promise<void> => {
    if (OPEN_PATHS.has(request.url.split('?')[0] ?? '')) return
    if (options.allowNoAuth) {
      checkNoAuthRequest(request)
      return
    }
    const role = authorizedRole(request.headers.authorization, options)
    if (role === undefined) {
      const message = request.headers.authorization
        ? 'invalid credentials: the bearer token or API key/secret is not accepted by this engine'
        : 'authentication required: send Authorization: Bearer <token> or HTTP basic <key>:<secret>'
      void reply.header('www-authenticate', 'Bearer, Basic realm="clusterlink"')
      throw new EngineError('UNAUTHORIZED', message)
    }
    if (role === 'read' && !READ_METHODS.has(request.method)) {
      throw new EngineError('FORBIDDEN', `this token is read-only: ${request.method} changes or probes state and needs an admin token`)
    }
  }
}
