// Builds the fastify server: auth, REST v3 routes, health and readiness probes, metrics and the OpenAPI document (no listening here).
import fastify, { type FastifyInstance } from 'fastify'
import type { Logger } from '../logging/index.ts'
import type { LinkManager } from '../link/index.ts'
import type { MetricsRegistry } from '../metrics/index.ts'
import { createAuthHook, type AuthOptions } from './auth.ts'
import { errorHandler, notFoundHandler } from './http-errors.ts'
import { RateLimiter } from './rate-limit.ts'
import { buildOpenApi } from './openapi.ts'
import { restRoutes } from './rest-routes.ts'
import { registerRoutes } from './route-table.ts'

export interface ApiServerOptions {
  readonly manager: LinkManager
  readonly auth: AuthOptions
  readonly metrics: MetricsRegistry
  readonly logger: Logger
  /** Readiness: state loaded and the destination cluster answers. */
  readonly isReady: () => Promise<boolean>
  readonly https?: { readonly cert: string; readonly key: string }
  readonly version?: string
  /** Request timeout and per-client rate limit; default 30 s and 50 requests/s with bursts of 500. */
  readonly limits?: { readonly requestTimeoutMs: number; readonly rateLimitPerSecond: number; readonly rateLimitBurst: number }
}

const OPEN_PATHS = new Set(['/healthz', '/readyz'])

export const BODY_LIMIT_BYTES = 1024 * 1024

export function createApiServer(options: ApiServerOptions): FastifyInstance {
  const app = fastify({
    loggerInstance: options.logger.child({ component: 'api' }),
    bodyLimit: BODY_LIMIT_BYTES,
    routerOptions: { maxParamLength: 512 },
    // A client must send its whole request in time (slow clients cannot hold connections open); keep-alive stays short.
    requestTimeout: options.limits?.requestTimeoutMs ?? 30_000,
    connectionTimeout: options.limits?.requestTimeoutMs ?? 30_000,
    ...(options.https ? { https: { cert: options.https.cert, key: options.https.key } } : {}),
  }) as unknown as FastifyInstance
  const requests = options.metrics.counter('clusterlink_http_requests_total', 'REST requests by method and status class')
  app.setErrorHandler(errorHandler)
  app.setNotFoundHandler(notFoundHandler)
  const limiter = new RateLimiter({ perSecond: options.limits?.rateLimitPerSecond ?? 50, burst: options.limits?.rateLimitBurst ?? 500 })
  const limited = options.metrics.counter('clusterlink_http_rate_limited_total', 'REST requests refused with 429 by the rate limit')
  // Before auth, so that guessing tokens is limited too.
  app.addHook('onRequest', async (request, reply) => {
    if (OPEN_PATHS.has(request.url.split('?')[0] ?? '')) return
    const waitSeconds = limiter.take(request.socket.remoteAddress ?? 'unknown')
    if (waitSeconds === 0) return
    limited.inc({})
    return reply.status(429).header('retry-after', String(waitSeconds))
      .send({ error_code: 42901, message: `too many requests from this client; retry after ${waitSeconds} s (api.rateLimitPerSecond)` })
  })
  app.addHook('onRequest', createAuthHook(options.auth))
  app.addHook('onResponse', async (request, reply) => {
    requests.inc({ method: request.method, status: `${Math.floor(reply.statusCode / 100)}xx` })
  })
  const routes = restRoutes(options.manager)
  registerRoutes(app, routes)
  const openapi = buildOpenApi(routes, options.version ?? '0.1.0')
  app.get('/openapi.json', async () => openapi)
  app.get('/healthz', async () => ({ status: 'ok' }))
  // An extension under its own name: which replica answered, and the mirror topics it runs (the others serve its status).
  app.get('/clusterlink/v1/replica', async () => {
    const replica = options.manager.describeReplica()
    return {
      kind: 'ClusterlinkReplica', member_id: replica.memberId, generation_id: replica.generationId, work_partitions: replica.workPartitions,
      owned_work_partitions: replica.ownedWorkPartitions,
      owned_mirror_topics: replica.ownedMirrorTopics.map((m) => ({ link_name: m.linkName, mirror_topic_name: m.mirrorTopicName })),
    }
  })
  app.get('/readyz', async (_request, reply) => {
    const ready = options.manager.isLoaded && await options.isReady().catch(() => false)
    return reply.status(ready ? 200 : 503).send(ready ? { status: 'ready' } : { error_code: 50301, message: 'not ready: state not loaded yet or the destination cluster does not answer' })
  })
  app.get('/metrics', async (_request, reply) => reply.type('text/plain; version=0.0.4').send(options.metrics.render()))
  return app
}
