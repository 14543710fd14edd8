// Declares REST routes once (method, path, zod schemas, handler): fastify registration and the OpenAPI document both read this table.
import type { FastifyInstance, FastifyRequest } from 'fastify'
import type { z } from 'zod'
import { EngineError } from '../errors.ts'
import { CLOUD_PREFIX, PLATFORM_PREFIX, warningHeaderValue } from './confluent-compat.ts'

export interface RouteInput<P, Q, B> {
  readonly params: P
  readonly query: Q
  readonly body: B
  readonly request: FastifyRequest
  /** Adds a warning to the answer (a `Warning` header, so 204 answers can carry it too). */
  readonly warn: (message: string) => void
}

export interface RouteDef<P = unknown, Q = unknown, B = unknown> {
  readonly method: 'GET' | 'POST' | 'PUT' | 'DELETE'
  /** OpenAPI-style path, e.g. /kafka/v3/clusters/{cluster_id}/links/{link_name}/mirrors:promote */
  readonly path: string
  readonly summary: string
  readonly params?: z.ZodType<P>
  readonly query?: z.ZodType<Q>
  readonly body?: z.ZodType<B>
  readonly response?: z.ZodType
  /** Success status; 204 sends no body. */
  readonly status: number
  readonly handler: (input: RouteInput<P, Q, B>) => Promise<unknown>
}

export function defineRoute<P, Q, B>(def: RouteDef<P, Q, B>): RouteDef {
  return def as unknown as RouteDef
}

/** Converts an OpenAPI path into fastify syntax: {x} becomes :x, and a literal ':' is escaped as '::'. */
export function toFastifyPath(path: string): string {
  return path.replace(/:/g, '::').replace(/\{([a-z_]+)\}/g, ':$1')
}

function describeIssues(where: string, error: z.ZodError): string {
  return error.issues.map((issue) => {
    const path = issue.path.length > 0 ? `${where}.${issue.path.join('.')}` : where
    if (issue.code === 'unrecognized_keys') return `${path}: unknown field(s) ${issue.keys.join(', ')}`
    return `${path}: ${issue.message}`
  }).join('; ')
}

export function parseInput<T>(schema: z.ZodType<T> | undefined, value: unknown, where: string): T {
  if (!schema) {
    if (where === 'body' && value !== undefined && value !== null && !(typeof value === 'object' && Object.keys(value).length === 0)) {
      throw new EngineError('INVALID_INPUT', 'this endpoint takes no request body')
    }
    return undefined as T
  }
  if (where === 'body' && (value === undefined || value === null)) throw new EngineError('INVALID_INPUT', 'this endpoint needs a JSON object body (content-type: application/json)')
  const result = schema.safeParse(value ?? {})
  if (!result.success) throw new EngineError('INVALID_INPUT', `invalid request ${describeIssues(where, result.error)}`)
  return result.data
}

/** Every route under /kafka/v3 (Confluent Cloud) is served under /v3 (Confluent Platform) too; the OpenAPI document lists the first. */
function urlsOf(path: string): string[] {
  const url = toFastifyPath(path)
  return path.startsWith(`${CLOUD_PREFIX}/`) || path === CLOUD_PREFIX ? [url, PLATFORM_PREFIX + url.slice(CLOUD_PREFIX.length)] : [url]
}

export function registerRoutes(app: FastifyInstance, routes: readonly RouteDef[]): void {
  for (const route of routes) {
    for (const url of urlsOf(route.path)) {
      app.route({
        method: route.method,
        url,
        handler: async (request, reply) => {
          const params = parseInput(route.params, request.params, 'path')
          const query = parseInput(route.query, request.query, 'query')
          const body = parseInput(route.body, request.body, 'body')
          const warnings: string[] = []
          const result = await route.handler({ params, query, body, request, warn: (message) => { warnings.push(message) } })
          if (warnings.length > 0) void reply.header('warning', warnings.map(warningHeaderValue).join(', '))
          if (route.status === 204) return reply.status(204).send()
          return reply.status(route.status).send(result)
        },
      })
    }
  }
}
