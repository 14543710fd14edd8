// The typed REST client for the engine's REST v3 API (links, link configs, mirrors, mirror actions): the only code in
// provider/ that does I/O.
import type { z } from 'zod'
import { EngineApiError } from './engine-api-error.ts'
import { retry } from '../../engine/retry.ts'
import {
  AlterMirrorResultSchema, ClusterSchema, ErrorBodySchema, LinkConfigSchema, LinkSchema, MirrorSchema, listOf,
  type AlterConfigOperation, type AlterMirrorResult, type CreateLinkBody, type CreateMirrorBody, type Link, type LinkConfig,
  type Mirror, type MirrorAction, type MirrorSelection, type FailbackMirrorAction,
} from './engine-api-types.ts'

export interface EngineClientOptions {
  /** Engine base URL, such as http://127.0.0.1:8090 (a path prefix is kept). */
  readonly endpoint: string
  /** Bearer token; or `username` + `password` for HTTP basic (Confluent's key/secret style). */
  readonly token?: string
  readonly username?: string
  readonly password?: string
  /** Destination cluster id; default: the one cluster `GET /kafka/v3/clusters` lists. */
  readonly clusterId?: string
  /** Per-request timeout; default 30000 ms. */
  readonly timeoutMs?: number
  /** Attempts for idempotent GETs that fail with a retriable error; default 3. */
  readonly getAttempts?: number
  /** Replaceable for tests; default the global fetch. */
  readonly fetch?: typeof fetch
}

interface RequestOptions {
  readonly query?: Readonly<Record<string, string | boolean | undefined>>
  readonly body?: unknown
}

const enc = encodeURIComponent

export class EngineClient {
  readonly endpoint: string
  readonly #authorization: string | undefined
  readonly #timeoutMs: number
  readonly #getAttempts: number
  readonly #fetch: typeof fetch
  #clusterId: string | undefined

  constructor(options: EngineClientOptions) {
    this.endpoint = options.endpoint.replace(/\/+$/, '')
    this.#authorization = options.token
      ? `Bearer ${options.token}`
      : options.username !== undefined && options.password !== undefined
        ? `Basic ${Buffer.from(`${options.username}:${options.password}`).toString('base64')}`
        : undefined
    this.#timeoutMs = options.timeoutMs ?? 30_000
    this.#getAttempts = Math.max(1, options.getAttempts ?? 3)
    this.#fetch = options.fetch ?? fetch
    this.#clusterId = options.clusterId
  }

  // ---- clusters

  /** Ids of the clusters the engine serves (its destination cluster). */
  async listClusterIds(): Promise<string[]> {
    const page = await this.#call('GET', '/kafka/v3/clusters', listOf(ClusterSchema))
    return page.data.map((cluster) => cluster.cluster_id)
  }

  /** The destination cluster id used in every path: the configured one, else the first the engine lists. */
  async clusterId(): Promise<string> {
    if (this.#clusterId) return this.#clusterId
    const [first] = await this.listClusterIds()
    if (!first) throw new EngineApiError(`the engine at ${this.endpoint} lists no cluster`, { method: 'GET', path: '/kafka/v3/clusters', httpStatus: 200 })
    this.#clusterId = first
    return first
  }

  // ---- links

  async listLinks(): Promise<Link[]> {
    return (await this.#clusterCall('GET', '/links', listOf(LinkSchema))).data
  }

  async getLink(linkName: string, options: { includeTasks?: boolean } = {}): Promise<Link> {
    return this.#clusterCall('GET', `/links/${enc(linkName)}`, LinkSchema, { query: { include_tasks: options.includeTasks } })
  }

  /** The link, or undefined when the engine has none of that name. */
  async findLink(linkName: string, options: { includeTasks?: boolean } = {}): Promise<Link | undefined> {
    return orUndefinedWhenNotFound(this.getLink(linkName, options))
  }

  async createLink(
    linkName: string, body: CreateLinkBody, options: { validateOnly?: boolean; validateLink?: boolean } = {},
  ): Promise<void> {
    await this.#clusterCall('POST', '/links', undefined, {
      query: { link_name: linkName, validate_only: options.validateOnly, validate_link: options.validateLink },
      body,
    })
  }

  /** Deletes a link; the engine refuses while mirrors are not STOPPED unless `force`. */
  async deleteLink(linkName: string, options: { force?: boolean; validateOnly?: boolean } = {}): Promise<void> {
    await this.#clusterCall('DELETE', `/links/${enc(linkName)}`, undefined, { query: { force: options.force, validate_only: options.validateOnly } })
  }

  // ---- link configs

  async listLinkConfigs(linkName: string): Promise<LinkConfig[]> {
    return (await this.#clusterCall('GET', `/links/${enc(linkName)}/configs`, listOf(LinkConfigSchema))).data
  }

  async getLinkConfig(linkName: string, configName: string): Promise<LinkConfig> {
    return this.#clusterCall('GET', `/links/${enc(linkName)}/configs/${enc(configName)}`, LinkConfigSchema)
  }

  async setLinkConfig(linkName: string, configName: string, value: string): Promise<void> {
    await this.#clusterCall('PUT', `/links/${enc(linkName)}/configs/${enc(configName)}`, undefined, { body: { value } })
  }

  /** Resets one config to its default. */
  async resetLinkConfig(linkName: string, configName: string): Promise<void> {
    await this.#clusterCall('DELETE', `/links/${enc(linkName)}/configs/${enc(configName)}`)
  }

  /** Sets and resets several configs in one request; the engine applies all of them or none. */
  async alterLinkConfigs(
    linkName: string, operations: readonly AlterConfigOperation[], options: { validateOnly?: boolean } = {},
  ): Promise<void> {
    await this.#clusterCall('PUT', `/links/${enc(linkName)}/configs:alter`, undefined, {
      query: { validate_only: options.validateOnly },
      body: { data: operations },
    })
  }

  // ---- mirrors

  /** Mirrors of one link, or of every link when `linkName` is omitted. */
  async listMirrors(linkName?: string, options: { mirrorStatus?: string } = {}): Promise<Mirror[]> {
    const path = `/links/${linkName === undefined ? '-' : enc(linkName)}/mirrors`
    return (await this.#clusterCall('GET', path, listOf(MirrorSchema), { query: { mirror_status: options.mirrorStatus } })).data
  }

  async getMirror(linkName: string, mirrorTopicName: string, options: { includeStateTransitionErrors?: boolean } = {}): Promise<Mirror> {
    return this.#clusterCall('GET', `/links/${enc(linkName)}/mirrors/${enc(mirrorTopicName)}`, MirrorSchema, {
      query: { include_state_transition_errors: options.includeStateTransitionErrors },
    })
  }

  async findMirror(linkName: string, mirrorTopicName: string): Promise<Mirror | undefined> {
    return orUndefinedWhenNotFound(this.getMirror(linkName, mirrorTopicName, { includeStateTransitionErrors: true }))
  }

  async createMirror(linkName: string, body: CreateMirrorBody): Promise<void> {
    await this.#clusterCall('POST', `/links/${enc(linkName)}/mirrors`, undefined, { body })
  }

  /** pause, resume, promote or failover; answers per topic (check each result's error_code). */
  async alterMirrors(
    linkName: string, action: MirrorAction | FailbackMirrorAction, selection: MirrorSelection,
    options: { validateOnly?: boolean; includePartitionLevelTruncationData?: boolean } = {},
  ): Promise<AlterMirrorResult[]> {
    const body = 'mirrorTopicNames' in selection
      ? { mirror_topic_names: selection.mirrorTopicNames }
      : { mirror_topic_name_pattern: selection.mirrorTopicNamePattern }
    const page = await this.#clusterCall('POST', `/links/${enc(linkName)}/mirrors:${action}`, listOf(AlterMirrorResultSchema), {
      query: { validate_only: options.validateOnly, include_partition_level_truncation_data: options.includePartitionLevelTruncationData },
      body,
    })
    return page.data
  }

  /** One action on one mirror; throws the per-topic error when the engine reports one. */
  async alterMirror(linkName: string, action: MirrorAction, mirrorTopicName: string): Promise<AlterMirrorResult | undefined> {
    const results = await this.alterMirrors(linkName, action, { mirrorTopicNames: [mirrorTopicName] })
    const result = results.find((r) => r.mirror_topic_name === mirrorTopicName)
    if (result && hasError(result)) {
      const path = `/links/${linkName}/mirrors:${action}`
      throw new EngineApiError(`${action} ${mirrorTopicName} on link ${linkName}: ${result.error_message ?? 'failed'} (error_code ${result.error_code})`, {
        method: 'POST', path, httpStatus: 200, errorCode: result.error_code ?? undefined,
      })
    }
    return result
  }

  // ---- topics

  /** Deletes a topic on the destination cluster (how a mirror topic is removed for good, with its records). */
  async deleteTopic(topicName: string): Promise<void> {
    await this.#clusterCall('DELETE', `/topics/${enc(topicName)}`)
  }

  // ---- transport

  async #clusterCall<T>(method: string, path: string, schema?: z.ZodType<T>, options: RequestOptions = {}): Promise<T> {
    const clusterId = await this.clusterId()
    return this.#call(method, `/kafka/v3/clusters/${enc(clusterId)}${path}`, schema, options)
  }

  async #call<T>(method: string, path: string, schema?: z.ZodType<T>, options: RequestOptions = {}): Promise<T> {
    // Only idempotent GETs are retried, and only for errors the engine or the network marks retriable.
    return retry(() => this.#once(method, path, schema, options), {
      attempts: method === 'GET' ? this.#getAttempts : 1, baseMs: 200, capMs: 2_000,
      shouldRetry: (error) => error instanceof EngineApiError && error.retriable,
    })
  }

  async #once<T>(method: string, path: string, schema: z.ZodType<T> | undefined, options: RequestOptions): Promise<T> {
    const url = new URL(this.endpoint + path)
    for (const [key, value] of Object.entries(options.query ?? {})) {
      if (value !== undefined) url.searchParams.set(key, String(value))
    }
    const headers: Record<string, string> = { accept: 'application/json' }
    if (this.#authorization) headers.authorization = this.#authorization
    if (options.body !== undefined) headers['content-type'] = 'application/json'
    let response: Response
    try {
      response = await this.#fetch(url, {
        method,
        headers,
        body: options.body === undefined ? undefined : JSON.stringify(options.body),
        signal: AbortSignal.timeout(this.#timeoutMs),
      })
    } catch (cause) {
      const reason = cause instanceof Error ? (cause.cause instanceof Error ? cause.cause.message : cause.message) : String(cause)
      throw new EngineApiError(`${method} ${path}: cannot reach the clusterlink engine at ${this.endpoint} (${reason}); is it running, and is the endpoint right?`, {
        method, path, httpStatus: 0, cause,
      })
    }
    const text = await response.text()
    if (!response.ok) {
      let errorCode: number | string | undefined
      let message = text.slice(0, 500) || response.statusText
      try {
        const body = ErrorBodySchema.parse(JSON.parse(text))
        errorCode = body.error_code
        if (body.message) message = body.message
      } catch {
        // not JSON: keep the start of the text
      }
      const hint = response.status === 401 ? ' (check the engine token: clusterlink:token or the token input)' : ''
      throw new EngineApiError(`${method} ${path}: ${message}${hint}`, { method, path, httpStatus: response.status, errorCode })
    }
    if (!schema) return undefined as T
    let json: unknown
    try {
      json = JSON.parse(text)
    } catch (cause) {
      throw new EngineApiError(`${method} ${path}: the engine answered ${response.status} with a body that is not JSON`, { method, path, httpStatus: response.status, cause })
    }
    const parsed = schema.safeParse(json)
    if (!parsed.success) {
      const issue = parsed.error.issues[0]
      throw new EngineApiError(`${method} ${path}: unexpected response shape (${issue?.path.join('.')}: ${issue?.message})`, { method, path, httpStatus: response.status })
    }
    return parsed.data
  }
}

function hasError(result: AlterMirrorResult): boolean {
  const code = result.error_code
  return code !== undefined && code !== null && code !== 0 && code !== '0' && code !== 'NO_ERROR' && code !== ''
}

async function orUndefinedWhenNotFound<T>(promise: Promise<T>): Promise<T | undefined> {
  try {
    return await promise
  } catch (error) {
    if (error instanceof EngineApiError && error.httpStatus === 404) return undefined
    throw error
  }
}
