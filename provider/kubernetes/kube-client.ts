// A small Kubernetes REST client: JSON requests, merge patches and streamed watches over node:https (per-connection CA, client certs).
import { readFile } from 'node:fs/promises'
import { request as httpRequest, type IncomingMessage } from 'node:http'
import { Agent, request as httpsRequest } from 'node:https'
import type { KubeConnection } from './kube-connection.ts'

/** A refusal or failure from the API server, with its HTTP status and Status reason (NotFound, Conflict, Invalid, Gone…). */
export class KubeApiError extends Error {
  readonly httpStatus: number
  readonly reason: string

  constructor(message: string, httpStatus: number, reason: string) {
    super(message)
    this.name = 'KubeApiError'
    this.httpStatus = httpStatus
    this.reason = reason
  }
}

export const isKubeNotFound = (error: unknown): boolean => error instanceof KubeApiError && error.httpStatus === 404
export const isKubeConflict = (error: unknown): boolean => error instanceof KubeApiError && error.httpStatus === 409

export interface WatchEvent<T> {
  readonly type: 'ADDED' | 'MODIFIED' | 'DELETED' | 'BOOKMARK' | 'ERROR'
  readonly object: T
}

const TOKEN_REREAD_MS = 60_000

/**
 * Not fetch: node's fetch takes no per-connection CA or client certificate without the undici package, and the API
 * server's certificate is signed by the cluster's own CA.
 */
export class KubeClient {
  readonly server: URL
  readonly namespace: string
  readonly #connection: KubeConnection
  readonly #agent: Agent | undefined
  readonly #timeoutMs: number
  #token: { value: string | undefined; readAt: number } | undefined

  constructor(connection: KubeConnection, options: { timeoutMs?: number } = {}) {
    this.server = new URL(connection.server)
    if (this.server.protocol !== 'https:' && this.server.protocol !== 'http:') {
      throw new Error(`API server ${connection.server} is not an http(s) URL`)
    }
    this.namespace = connection.namespace
    this.#connection = connection
    this.#timeoutMs = options.timeoutMs ?? 30_000
    this.#agent = this.server.protocol === 'https:'
      ? new Agent({
          keepAlive: true,
          ...(connection.caCertificate ? { ca: connection.caCertificate } : {}),
          ...(connection.clientCertificate ? { cert: connection.clientCertificate } : {}),
          ...(connection.clientKey ? { key: connection.clientKey } : {}),
        })
      : undefined
  }

  async #authorization(): Promise<string | undefined> {
    const { token, tokenFile } = this.#connection
    if (token) return `Bearer ${token}`
    if (!tokenFile) return undefined
    if (!this.#token || Date.now() - this.#token.readAt > TOKEN_REREAD_MS) {
      this.#token = { value: (await readFile(tokenFile, 'utf8')).trim(), readAt: Date.now() }
    }
    return this.#token.value ? `Bearer ${this.#token.value}` : undefined
  }

  async #open(
    method: string, path: string, body: unknown, contentType: string, timeoutMs: number, signal?: AbortSignal,
  ): Promise<IncomingMessage> {
    const url = new URL(path, this.server)
    const authorization = await this.#authorization()
    const payload = body === undefined ? undefined : Buffer.from(JSON.stringify(body))
    const headers: Record<string, string> = { accept: 'application/json' }
    if (authorization) headers.authorization = authorization
    if (payload) {
      headers['content-type'] = contentType
      headers['content-length'] = String(payload.length)
    }
    const send = url.protocol === 'https:' ? httpsRequest : httpRequest
    return new Promise((resolve, reject) => {
      const req = send(url, { method, headers, agent: this.#agent, timeout: timeoutMs, ...(signal ? { signal } : {}) }, resolve)
      req.on('timeout', () => req.destroy(new Error(`${method} ${url.pathname}: no answer from the API server within ${timeoutMs} ms`)))
      req.on('error', reject)
      req.end(payload)
    })
  }

  /** One JSON request; a non-2xx answer throws KubeApiError with the server's message. */
  async request<T>(method: string, path: string, body?: unknown, contentType = 'application/json'): Promise<T> {
    const response = await this.#open(method, path, body, contentType, this.#timeoutMs)
    const chunks: Buffer[] = []
    for await (const chunk of response) chunks.push(chunk as Buffer)
    const text = Buffer.concat(chunks).toString('utf8')
    const status = response.statusCode ?? 0
    if (status >= 200 && status < 300) return (text ? JSON.parse(text) : undefined) as T
    throw toError(method, path, status, text)
  }

  get<T>(path: string): Promise<T> {
    return this.request<T>('GET', path)
  }

  /** JSON merge patch (RFC 7386); a metadata.resourceVersion in the patch makes it conditional. */
  mergePatch<T>(path: string, patch: unknown): Promise<T> {
    return this.request<T>('PATCH', path, patch, 'application/merge-patch+json')
  }

  /**
   * Streams watch events from `path` (a collection) after `resourceVersion`; ends when the server closes the stream
   * (its timeoutSeconds) or `signal` aborts. An ERROR event carries a Status: 410 Gone means list again.
   */
  async *watch<T>(path: string, resourceVersion: string, signal: AbortSignal, timeoutSeconds = 300): AsyncGenerator<WatchEvent<T>> {
    const separator = path.includes('?') ? '&' : '?'
    const version = encodeURIComponent(resourceVersion)
    const query = `watch=true&allowWatchBookmarks=true&resourceVersion=${version}&timeoutSeconds=${timeoutSeconds}`
    const url = `${path}${separator}${query}`
    const response = await this.#open('GET', url, undefined, 'application/json', (timeoutSeconds + 30) * 1000, signal)
    const status = response.statusCode ?? 0
    if (status < 200 || status >= 300) {
      const chunks: Buffer[] = []
      for await (const chunk of response) chunks.push(chunk as Buffer)
      throw toError('GET', path, status, Buffer.concat(chunks).toString('utf8'))
    }
    let buffered = ''
    try {
      for await (const chunk of response) {
        buffered += (chunk as Buffer).toString('utf8')
        let newline = buffered.indexOf('\n')
        while (newline >= 0) {
          const line = buffered.slice(0, newline).trim()
          buffered = buffered.slice(newline + 1)
          if (line) yield JSON.parse(line) as WatchEvent<T>
          newline = buffered.indexOf('\n')
        }
      }
    } catch (error) {
      if (signal.aborted) return
      throw error
    }
  }

  close(): void {
    this.#agent?.destroy()
  }
}

function toError(method: string, path: string, status: number, text: string): KubeApiError {
  let message = text.slice(0, 500)
  let reason = ''
  try {
    const body = JSON.parse(text) as { message?: string; reason?: string }
    message = body.message ?? message
    reason = body.reason ?? ''
  } catch { /* not a Status object */ }
  return new KubeApiError(`${method} ${path.split('?')[0]}: ${status} ${message}`, status, reason)
}
