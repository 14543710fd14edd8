// The ClusterLink provider methods (check, diff, create, read, update, delete) as plain async functions over an injected engine client.
import { LINK_CONFIGS } from '../../engine/link/link-configs.ts'
import { isNotFoundError, type AlterConfigOperation, type LinkConfig } from '../client/index.ts'
import {
  diffClusterLinkInputs, fromLinkConfigs, resolveEngineConnection, toLinkConfigs, validateClusterLinkInputs,
  type ClusterLinkInputs, type ObservedLinkConfig,
} from '../spec/index.ts'
import { compact, type EngineApi, type ProviderContext, type ResourceProviderMethods } from './engine-api.ts'

/** Configs fixed when the link is created: a change to them replaces the link, so update and adopt never alter them. */
const IMMUTABLE_CONFIGS = Object.entries(LINK_CONFIGS).filter(([, d]) => d.immutable).map(([name]) => name)

/** Parses stored inputs or outputs back into inputs; state written by this provider always parses. */
function asInputs(raw: Record<string, unknown>): ClusterLinkInputs {
  const result = validateClusterLinkInputs(pickInputs(raw))
  if (!result.ok) throw new Error(`invalid ClusterLink inputs: ${result.failures.map((f) => `${f.property}: ${f.reason}`).join('; ')}`)
  return result.value
}

const INPUT_KEYS = new Set(['linkName', 'sourceBootstrapServers', 'sourceClusterId', 'linkMode', 'connectionMode', 'prefix', 'securityProtocol', 'saslMechanism',
  'sourceCredentials', 'sourceTls', 'configs', 'endpoint', 'token', 'clusterId', 'adopt', 'forceDelete'])

function pickInputs(raw: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(raw).filter(([key, value]) => INPUT_KEYS.has(key) && value !== undefined && value !== null))
}

function observedConfigs(configs: readonly LinkConfig[]): ObservedLinkConfig[] {
  return configs.map((c) => ({ name: c.name, value: c.value, isDefault: c.is_default === true }))
}

/**
 * The operations that bring the engine's configs to `desired`: SET what differs, DELETE (reset to default) what is
 * set on the engine but no longer declared. Sensitive values never come back from the engine, so they are SET only
 * when the declared value changed since `previousDesired` (or is new).
 */
export function planConfigChanges(desired: Readonly<Record<string, string>>, observed: readonly LinkConfig[], previousDesired: Readonly<Record<string, string>> = {}): AlterConfigOperation[] {
  const operations: AlterConfigOperation[] = []
  const byName = new Map(observed.map((c) => [c.name, c]))
  for (const [name, value] of Object.entries(desired)) {
    if (IMMUTABLE_CONFIGS.includes(name)) continue
    const current = byName.get(name)
    const sensitive = LINK_CONFIGS[name]?.sensitive === true || current?.is_sensitive === true
    const isSetOnEngine = current !== undefined && current.is_default !== true
    const same = sensitive ? isSetOnEngine && previousDesired[name] === value : current !== undefined && current.value === value
    if (!same) operations.push({ name, value, operation: 'SET' })
  }
  for (const current of observed) {
    if (current.is_default === true || current.is_read_only === true || IMMUTABLE_CONFIGS.includes(current.name)) continue
    if (!(current.name in LINK_CONFIGS) || current.name in desired) continue
    operations.push({ name: current.name, operation: 'DELETE' })
  }
  return operations
}

export function createClusterLinkProvider(context: ProviderContext): ResourceProviderMethods {
  const clientOf = (inputs: { endpoint?: string; token?: string; clusterId?: string }): EngineApi =>
    context.clientFor(resolveEngineConnection(inputs, context.defaults))

  /** The engine's actual link as outputs: every input field read back (modes and configs included), plus link state. */
  async function observe(client: EngineApi, inputs: ClusterLinkInputs): Promise<Record<string, unknown> | undefined> {
    const link = await client.findLink(inputs.linkName, { includeTasks: true })
    if (!link) return undefined
    const configs = await client.listLinkConfigs(inputs.linkName)
    return compact({
      ...inputs,
      ...fromLinkConfigs(observedConfigs(configs), inputs),
      linkName: link.link_name,
      clusterId: await client.clusterId(),
      linkId: link.cluster_link_id ?? link.link_id ?? undefined,
      linkState: link.link_state ?? 'UNKNOWN',
      linkError: link.link_error ?? 'NO_ERROR',
      linkErrorMessage: link.link_error_message ?? '',
      mirrorTopicNames: link.topic_names ?? [],
      linkTasks: (link.tasks ?? []).map((task) => ({ name: task.task_name, state: task.state, errors: (task.errors ?? []).map((e) => JSON.stringify(e)) })),
    })
  }

  return {
    async check(_olds, news) {
      const result = validateClusterLinkInputs(news)
      if (!result.ok) return { inputs: news, failures: result.failures }
      return { inputs: compact(result.value as Record<string, unknown>) }
    },

    async diff(_id, olds, news) {
      const diff = diffClusterLinkInputs(olds, news)
      return { changes: diff.changed.length > 0, replaces: [...diff.replaces], deleteBeforeReplace: diff.deleteBeforeReplace }
    },

    async create(raw) {
      const inputs = asInputs(raw)
      const client = clientOf(inputs)
      const clusterId = await client.clusterId()
      const existing = await client.findLink(inputs.linkName)
      const desired = toLinkConfigs(inputs)
      if (existing && !inputs.adopt) {
        throw new Error(`cluster link ${inputs.linkName} already exists on the engine (cluster ${clusterId}); set adopt: true to manage it from this stack, or choose another linkName`)
      }
      if (existing) {
        const configs = await client.listLinkConfigs(inputs.linkName)
        const mismatched = IMMUTABLE_CONFIGS.filter((name) => (configs.find((c) => c.name === name)?.value ?? LINK_CONFIGS[name]?.default ?? '') !== (desired[name] ?? LINK_CONFIGS[name]?.default ?? ''))
        if (mismatched.length > 0) {
          throw new Error(`cannot adopt cluster link ${inputs.linkName}: ${mismatched.map((n) => `${n} is '${configs.find((c) => c.name === n)?.value ?? ''}' on the engine but '${desired[n] ?? ''}' here`).join('; ')}; these are fixed at creation, so declare the engine's values`)
        }
        const operations = planConfigChanges(desired, configs)
        if (operations.length > 0) await client.alterLinkConfigs(inputs.linkName, operations)
      } else {
        await client.createLink(inputs.linkName, {
          ...(inputs.sourceClusterId ? { source_cluster_id: inputs.sourceClusterId } : {}),
          configs: Object.entries(desired).map(([name, value]) => ({ name, value })),
        })
      }
      try {
        const outs = await observe(client, inputs)
        if (!outs) throw new Error(`cluster link ${inputs.linkName} was created but the engine does not list it`)
        return { id: `${clusterId}/${inputs.linkName}`, outs }
      } catch (error) {
        // A failed create leaves nothing behind: remove what this call made (never an adopted link).
        if (!existing) await client.deleteLink(inputs.linkName, { force: true }).catch(() => undefined)
        throw error
      }
    },

    async read(id, props) {
      const inputs = asInputs(props)
      const outs = await observe(clientOf(inputs), inputs)
      if (!outs) return { id: '', props: {} }
      return { id, props: { ...props, ...outs } }
    },

    async update(_id, olds, news) {
      const inputs = asInputs(news)
      let previousDesired: Record<string, string> = {}
      try {
        previousDesired = toLinkConfigs(asInputs(olds))
      } catch {
        // state from a refresh that could not read every secret back: SET every declared secret again
      }
      const client = clientOf(inputs)
      const configs = await client.listLinkConfigs(inputs.linkName)
      const operations = planConfigChanges(toLinkConfigs(inputs), configs, previousDesired)
      if (operations.length > 0) await client.alterLinkConfigs(inputs.linkName, operations)
      const outs = await observe(client, inputs)
      if (!outs) throw new Error(`cluster link ${inputs.linkName} no longer exists on the engine; run pulumi refresh, then pulumi up to create it again`)
      return { outs }
    },

    async delete(_id, props) {
      const inputs = asInputs(props)
      const client = clientOf(inputs)
      let mirrors
      try {
        mirrors = await client.listMirrors(inputs.linkName)
      } catch (error) {
        if (isNotFoundError(error)) return
        throw error
      }
      const running = mirrors.filter((m) => m.mirror_status !== 'STOPPED')
      if (running.length > 0 && !inputs.forceDelete) {
        const names = running.map((m) => `${m.mirror_topic_name} (${m.mirror_status})`).join(', ')
        throw new Error(`cluster link ${inputs.linkName} still has ${running.length} mirror topic(s) that are not STOPPED: ${names}. ` +
          'Promote or fail them over (status PROMOTED or FAILED_OVER), delete their MirrorTopic resources first, or set forceDelete: true on the ClusterLink.')
      }
      try {
        await client.deleteLink(inputs.linkName, { force: inputs.forceDelete || undefined })
      } catch (error) {
        if (!isNotFoundError(error)) throw error
      }
    },
  }
}
