// An in-memory stand-in for the engine's REST v3 link and mirror API, as a fetch function (no sockets) or a loopback HTTP
// server, for client and provider tests.
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { credentialRedirectProblem } from '../../../engine/link/link-update-rules.ts'

export interface FakeMirror {
  linkName: string
  sourceTopicName: string
  mirrorTopicName: string
  status: string
  partitions: number
  lags: number[]
  error?: string
}

export interface FakeLink {
  name: string
  id: string
  sourceClusterId?: string
  configs: Map<string, string>
}

const SENSITIVE = new Set(['sasl.password', 'sasl.jaas.config', 'ssl.keystore.key'])
const DEFAULTS: Record<string, string> = {
  'link.mode': 'DESTINATION', 'connection.mode': 'OUTBOUND', 'security.protocol': 'PLAINTEXT', 'consumer.offset.sync.enable': 'false',
  'consumer.offset.sync.ms': '30000', 'cluster.link.paused': 'false', 'mirror.start.offset.spec': 'earliest',
}
const KNOWN = new Set([...Object.keys(DEFAULTS), 'bootstrap.servers', 'sasl.mechanism', 'sasl.username', 'sasl.password', 'sasl.jaas.config',
  'cluster.link.prefix', 'consumer.offset.group.filters', 'topic.config.sync.ms', 'auto.create.mirror.topics.enable', 'auto.create.mirror.topics.filters',
  'availability.check.ms', 'ssl.truststore.certificates', 'ssl.keystore.key', 'ssl.keystore.certificate.chain'])

export interface FakeEngineOptions {
  readonly token?: string
  readonly clusterId?: string
  /** Status a new mirror starts in; default ACTIVE. */
  readonly initialMirrorStatus?: string
}

/** The fake engine: state is public so tests can change it behind the provider's back. */
export class FakeEngine {
  readonly clusterId: string
  readonly token: string | undefined
  readonly links = new Map<string, FakeLink>()
  readonly mirrors = new Map<string, FakeMirror>()
  readonly topics = new Set<string>()
  readonly requests: string[] = []
  initialMirrorStatus: string
  /** Answers the next request whose `METHOD path` matches with this status and error body. */
  failures: { match: RegExp; status: number; message: string }[] = []
  #nextLinkId = 1

  constructor(options: FakeEngineOptions = {}) {
    this.clusterId = options.clusterId ?? 'fake-cluster'
    this.token = options.token
    this.initialMirrorStatus = options.initialMirrorStatus ?? 'ACTIVE'
  }

  mirror(linkName: string, mirrorTopicName: string): FakeMirror | undefined {
    return this.mirrors.get(`${linkName}/${mirrorTopicName}`)
  }

  /** A fetch function that answers from this fake, in process. */
  readonly fetch = async (input: string | URL | Request, init?: RequestInit): Promise<Response> => {
    const url = new URL(input instanceof Request ? input.url : String(input))
    const method = init?.method ?? 'GET'
    const headers = new Headers(init?.headers)
    const body = typeof init?.body === 'string' ? JSON.parse(init.body) as unknown : undefined
    return this.#handle(method, url, headers.get('authorization'), body)
  }

  /** Serves the fake over loopback HTTP; resolves with its URL and a close function. */
  async listen(): Promise<{ url: string; close: () => Promise<void> }> {
    const server: Server = createServer((req, res) => {
      const chunks: Buffer[] = []
      req.on('data', (chunk: Buffer) => chunks.push(chunk))
      req.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8')
        const url = new URL(req.url ?? '/', 'http://127.0.0.1')
        void this.#handle(req.method ?? 'GET', url, req.headers.authorization ?? null, text ? JSON.parse(text) as unknown : undefined).then(async (response) => {
          res.writeHead(response.status, { 'content-type': 'application/json' })
          res.end(await response.text())
        })
      })
    })
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
    const { port } = server.address() as AddressInfo
    return { url: `http://127.0.0.1:${port}`, close: () => new Promise((resolve) => server.close(() => resolve())) }
  }

  async #handle(method: string, url: URL, authorization: string | null, body: unknown): Promise<Response> {
    const path = decodeURIComponent(url.pathname)
    this.requests.push(`${method} ${path}`)
    if (this.token && authorization !== `Bearer ${this.token}`) return error(401, 40101, 'missing or wrong bearer token')
    const failure = this.failures.findIndex((f) => f.match.test(`${method} ${path}`))
    if (failure >= 0) {
      const [f] = this.failures.splice(failure, 1)
      return error(f!.status, 50001, f!.message)
    }
    if (method === 'GET' && path === '/kafka/v3/clusters') return json({ data: [{ cluster_id: this.clusterId }] })
    const base = `/kafka/v3/clusters/${this.clusterId}`
    if (!path.startsWith(base)) return error(404, 40403, `cluster not found: ${path}`)
    return this.#route(method, path.slice(base.length), url.searchParams, body as Record<string, unknown> | undefined)
  }

  #route(method: string, path: string, query: URLSearchParams, body: Record<string, unknown> | undefined): Response {
    let m: RegExpExecArray | null
    if (path === '/links' && method === 'GET') return json({ data: [...this.links.values()].map((l) => this.#linkObject(l)) })
    if (path === '/links' && method === 'POST') {
      const name = query.get('link_name') ?? ''
      if (this.links.has(name)) return error(409, 40901, `cluster link ${name} already exists`)
      const configs = new Map<string, string>()
      for (const { name: key, value } of (body?.configs ?? []) as { name: string; value: string }[]) {
        if (!KNOWN.has(key)) return error(400, 40002, `unknown link config '${key}'`)
        configs.set(key, value)
      }
      if (!configs.has('bootstrap.servers')) return error(400, 40002, 'bootstrap.servers is required')
      this.links.set(name, { name, id: `link-id-${this.#nextLinkId++}`, sourceClusterId: body?.source_cluster_id as string | undefined, configs })
      return empty()
    }
    if ((m = /^\/topics\/([^/]+)$/.exec(path)) && method === 'DELETE') {
      const topic = m[1]!
      if (!this.topics.delete(topic)) return error(404, 40403, `topic ${topic} not found`)
      for (const [key, mirror] of this.mirrors) if (mirror.mirrorTopicName === topic) this.mirrors.delete(key)
      return empty()
    }
    if (!(m = /^\/links\/([^/:]+)(.*)$/.exec(path))) return error(404, 40400, `no route ${method} ${path}`)
    const linkName = m[1]!
    const rest = m[2]!
    if (linkName === '-' && rest === '/mirrors' && method === 'GET') return json({ data: [...this.mirrors.values()].map(mirrorObject) })
    const link = this.links.get(linkName)
    if (!link) return error(404, 40401, `cluster link ${linkName} not found`)
    if (rest === '' && method === 'GET') return json(this.#linkObject(link))
    if (rest === '' && method === 'DELETE') {
      const running = [...this.mirrors.values()].filter((x) => x.linkName === linkName && x.status !== 'STOPPED')
      if (running.length > 0 && query.get('force') !== 'true') return error(400, 40002, `mirrors not STOPPED: ${running.map((x) => x.mirrorTopicName).join(', ')}`)
      this.links.delete(linkName)
      for (const [key, mirror] of this.mirrors) if (mirror.linkName === linkName) this.mirrors.delete(key)
      return empty()
    }
    if (rest === '/configs' && method === 'GET') {
      const names = new Set([...Object.keys(DEFAULTS), ...link.configs.keys()])
      return json({ data: [...names].map((name) => configObject(link, name)) })
    }
    if (rest === '/configs:alter' && (method === 'PUT' || method === 'POST')) {
      const operations = (body?.data ?? []) as { name: string; value?: string; operation?: string }[]
      const bad = operations.find((op) => !KNOWN.has(op.name))
      if (bad) return error(400, 40002, `unknown link config '${bad.name}'`)
      return alterConfigs(link, operations)
    }
    if ((m = /^\/configs\/([^/]+)$/.exec(rest))) {
      if (method === 'GET') return json(configObject(link, m[1]!))
      if (method === 'PUT') return alterConfigs(link, [{ name: m[1]!, value: String(body?.value), operation: 'SET' }])
      if (method === 'DELETE') return alterConfigs(link, [{ name: m[1]!, operation: 'DELETE' }])
    }
    if (rest === '/mirrors' && method === 'GET') {
      const status = query.get('mirror_status')
      const mirrors = [...this.mirrors.values()].filter((x) => x.linkName === linkName && (!status || x.status === status))
      return json({ data: mirrors.map(mirrorObject) })
    }
    if (rest === '/mirrors' && method === 'POST') {
      const source = String(body?.source_topic_name ?? '')
      if (!source) return error(400, 40002, 'source_topic_name is required')
      const mirrorName = (body?.mirror_topic_name as string | undefined) ?? `${link.configs.get('cluster.link.prefix') ?? ''}${source}`
      if (this.topics.has(mirrorName)) return error(409, 40902, `topic ${mirrorName} already exists`)
      this.topics.add(mirrorName)
      this.mirrors.set(`${linkName}/${mirrorName}`, { linkName, sourceTopicName: source, mirrorTopicName: mirrorName, status: this.initialMirrorStatus, partitions: 2, lags: [0, 0] })
      return empty()
    }
    if ((m = /^\/mirrors\/([^/:]+)$/.exec(rest)) && method === 'GET') {
      const mirror = this.mirror(linkName, m[1]!)
      return mirror ? json(mirrorObject(mirror)) : error(404, 40403, `mirror topic ${m[1]} not found on link ${linkName}`)
    }
    if ((m = /^\/mirrors:(pause|resume|promote|failover)$/.exec(rest)) && method === 'POST') {
      const action = m[1]!
      const names = (body?.mirror_topic_names ?? []) as string[]
      return json({ data: names.map((name) => this.#act(linkName, name, action)) })
    }
    return error(404, 40400, `no route ${method} ${path}`)
  }

  #act(linkName: string, name: string, action: string): Record<string, unknown> {
    const mirror = this.mirror(linkName, name)
    const result = (code: number, message: string) =>
      ({ mirror_topic_name: name, error_code: code, error_message: message, mirror_lags: [] })
    if (!mirror) return result(40403, 'mirror topic not found')
    if (action === 'pause') { if (mirror.status !== 'ACTIVE') return result(40002, `cannot pause from ${mirror.status}`); mirror.status = 'PAUSED' }
    if (action === 'resume' && mirror.status === 'FAILED') {
      // Like the engine (engine/link/mirror-failure.ts): a divergence needs a new mirror topic, other failures resume.
      if (mirror.error === 'OFFSET_DIVERGENCE') {
        return result(409, 'cannot resume a FAILED mirror topic: its failure (OFFSET_DIVERGENCE) cannot be retried; recreate the mirror topic')
      }
      mirror.status = 'ACTIVE'
      delete mirror.error
    }
    if (action === 'resume' && mirror.status !== 'ACTIVE') {
      if (mirror.status !== 'PAUSED') return result(40002, `cannot resume from ${mirror.status}`)
      mirror.status = 'ACTIVE'
    }
    if (action === 'promote') {
      if (mirror.lags.some((lag) => lag > 0)) return result(40903, 'mirror lag is not zero')
      mirror.status = 'STOPPED'
    }
    if (action === 'failover') mirror.status = 'STOPPED'
    return result(0, '')
  }

  #linkObject(link: FakeLink): Record<string, unknown> {
    return {
      link_name: link.name, cluster_link_id: link.id, link_id: link.id, source_cluster_id: link.sourceClusterId ?? null, link_state: 'ACTIVE',
      link_error: 'NO_ERROR', link_error_message: null, tasks: [{ task_name: 'ConsumerOffsetSync', state: 'ACTIVE', errors: [] }],
      topic_names: [...this.mirrors.values()].filter((x) => x.linkName === link.name).map((x) => x.mirrorTopicName),
    }
  }
}

/** Applies SET and DELETE operations all or none, refusing what the real engine refuses: stored credentials sent to a new route. */
function alterConfigs(link: FakeLink, operations: readonly { name: string; value?: string; operation?: string }[]): Response {
  const previous = Object.fromEntries(link.configs)
  const next: Record<string, string> = { ...previous }
  for (const op of operations) {
    if (op.operation === 'DELETE') delete next[op.name]
    else next[op.name] = op.value ?? ''
  }
  const supplied = new Set(operations.filter((op) => op.operation !== 'DELETE').map((op) => op.name))
  const problem = credentialRedirectProblem(previous, next, supplied)
  if (problem) return error(400, 40002, `invalid link configs: ${problem}`)
  link.configs.clear()
  for (const [name, value] of Object.entries(next)) link.configs.set(name, value)
  return empty()
}

function configObject(link: FakeLink, name: string): Record<string, unknown> {
  const set = link.configs.get(name)
  const sensitive = SENSITIVE.has(name)
  return {
    cluster_id: 'fake', link_name: link.name, name, value: sensitive ? null : set ?? DEFAULTS[name] ?? null,
    is_default: set === undefined, is_read_only: false, is_sensitive: sensitive, source: set === undefined ? 'DEFAULT_CONFIG' : 'DYNAMIC_CLUSTER_LINK_CONFIG', synonyms: [],
  }
}

function mirrorObject(mirror: FakeMirror): Record<string, unknown> {
  return {
    link_name: mirror.linkName, mirror_topic_name: mirror.mirrorTopicName, source_topic_name: mirror.sourceTopicName,
    num_partitions: mirror.partitions,
    mirror_lags: mirror.lags.map((lag, partition) => ({ partition, lag, last_source_fetch_offset: 100 - lag })),
    mirror_status: mirror.status, mirror_topic_error: mirror.error ?? 'NO_ERROR', state_time_ms: 0, mirror_state_transition_errors: [],
  }
}

const json = (value: unknown): Response => new Response(JSON.stringify(value), { status: 200, headers: { 'content-type': 'application/json' } })
const empty = (): Response => new Response(null, { status: 204 })
const error = (status: number, code: number, message: string): Response =>
  new Response(JSON.stringify({ error_code: code, message }), { status, headers: { 'content-type': 'application/json' } })
