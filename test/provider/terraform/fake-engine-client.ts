// An in-memory stand-in for the engine's REST client (provider/client), for tests of the Terraform resources without I/O.
import type { EngineClient, Link, LinkConfig, Mirror } from '../../../provider/client/index.ts'
import { EngineApiError } from '../../../provider/client/index.ts'
import { credentialRedirectProblem } from '../../../engine/link/link-update-rules.ts'

const SENSITIVE = new Set(['sasl.password', 'ssl.keystore.key', 'sasl.jaas.config'])

function notFound(what: string): EngineApiError {
  return new EngineApiError(`${what} not found`, { method: 'GET', path: what, httpStatus: 404 })
}

export class FakeEngine {
  readonly links = new Map<string, { link: Link; configs: Map<string, string> }>()
  readonly mirrors = new Map<string, Mirror>()
  readonly calls: string[] = []

  readonly client = {
    clusterId: async () => 'cluster-0',
    findLink: async (name: string) => this.links.get(name)?.link,
    listLinkConfigs: async (name: string): Promise<LinkConfig[]> => {
      const entry = this.links.get(name)
      if (!entry) throw notFound(name)
      return [...entry.configs].map(([configName, value]) => ({
        name: configName, value: SENSITIVE.has(configName) ? null : value, is_default: false, is_sensitive: SENSITIVE.has(configName),
      }))
    },
    createLink: async (name: string, body: { configs: readonly { name: string; value: string }[] }) => {
      this.calls.push(`createLink ${name}`)
      this.links.set(name, {
        link: { link_name: name, cluster_link_id: `id-${name}`, link_state: 'ACTIVE', link_error: 'NO_ERROR', link_error_message: null },
        configs: new Map(body.configs.map((config) => [config.name, config.value])),
      })
    },
    deleteLink: async (name: string, options: { force?: boolean } = {}) => {
      this.calls.push(`deleteLink ${name}${options.force ? ' force' : ''}`)
      if (!this.links.delete(name)) throw notFound(name)
    },
    alterLinkConfigs: async (name: string, operations: readonly { name: string; value?: string; operation?: string }[]) => {
      this.calls.push(`alterLinkConfigs ${name} ${operations.map((op) => `${op.operation}:${op.name}`).join(',')}`)
      const entry = this.links.get(name)
      if (!entry) throw notFound(name)
      const previous = Object.fromEntries(entry.configs)
      const next: Record<string, string> = { ...previous }
      for (const op of operations) {
        if (op.operation === 'DELETE') delete next[op.name]
        else next[op.name] = op.value ?? ''
      }
      // The real engine's rule: stored credentials are never sent to a new route unless this request carries them again.
      const supplied = new Set(operations.filter((op) => op.operation !== 'DELETE').map((op) => op.name))
      const problem = credentialRedirectProblem(previous, next, supplied)
      const path = `/links/${name}/configs:alter`
      if (problem) throw new EngineApiError(`invalid link configs: ${problem}`, { method: 'PUT', path, httpStatus: 400 })
      entry.configs.clear()
      for (const [configName, value] of Object.entries(next)) entry.configs.set(configName, value)
    },
    findMirror: async (link: string, topic: string) => this.mirrors.get(`${link}/${topic}`),
    getMirror: async (link: string, topic: string) => {
      const mirror = this.mirrors.get(`${link}/${topic}`)
      if (!mirror) throw notFound(topic)
      return mirror
    },
    listMirrors: async (link?: string) => [...this.mirrors.values()].filter((mirror) => link === undefined || mirror.link_name === link),
    createMirror: async (link: string, body: { source_topic_name: string; mirror_topic_name?: string }) => {
      this.calls.push(`createMirror ${link} ${body.source_topic_name}`)
      const prefix = this.links.get(link)?.configs.get('cluster.link.prefix') ?? ''
      const name = body.mirror_topic_name ?? `${prefix}${body.source_topic_name}`
      this.mirrors.set(`${link}/${name}`, {
        link_name: link, mirror_topic_name: name, source_topic_name: body.source_topic_name, num_partitions: 2, mirror_status: 'ACTIVE',
        mirror_lags: [{ partition: 0, lag: 0, last_source_fetch_offset: 0 }, { partition: 1, lag: 3, last_source_fetch_offset: 7 }], mirror_topic_error: 'NO_ERROR',
      })
    },
    alterMirror: async (link: string, action: string, topic: string) => {
      this.calls.push(`${action} ${link}/${topic}`)
      const mirror = this.mirrors.get(`${link}/${topic}`)
      if (!mirror) throw notFound(topic)
      const status = { pause: 'PAUSED', resume: 'ACTIVE', promote: 'STOPPED', failover: 'STOPPED' }[action] ?? mirror.mirror_status
      this.mirrors.set(`${link}/${topic}`, { ...mirror, mirror_status: status })
      return undefined
    },
    deleteTopic: async (topic: string) => {
      this.calls.push(`deleteTopic ${topic}`)
      for (const [key, mirror] of this.mirrors) if (mirror.mirror_topic_name === topic) this.mirrors.delete(key)
    },
  }

  get engineClient(): EngineClient {
    return this.client as unknown as EngineClient
  }
}
