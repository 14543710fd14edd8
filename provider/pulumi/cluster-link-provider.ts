// The ClusterLink provider methods (check, diff, create, read, update, delete) as plain async functions over an injected engine client.
import { isNotFoundError, type LinkConfig } from '../client/index.ts'
import { createOrAdoptLink, planLinkConfigChanges } from '../lifecycle/index.ts'
import {
  diffClusterLinkInputs, fromLinkConfigs, resolveEngineConnection, toLinkConfigs, validateClusterLinkInputs,
  type ClusterLinkInputs, type ObservedLinkConfig,
} from '../spec/index.ts'
import { compact, type EngineApi, type ProviderContext, type ResourceProviderMethods } from './engine-api.ts'

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
      linkTasks: (link.tasks ?? []).map((task) => ({
        name: task.task_name, state: task.state, errors: (task.errors ?? []).map((e) => JSON.stringify(e)),
      })),
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
      const outs = await createOrAdoptLink(client, inputs, {
        refuseExisting: (linkName) => new Error(`cluster link ${linkName} already exists on the engine (cluster ${clusterId}); ` +
          'set adopt: true to manage it from this stack, or choose another linkName'),
        readBack: async () => {
          const observed = await observe(client, inputs)
          if (!observed) throw new Error(`cluster link ${inputs.linkName} was created but the engine does not list it`)
          return observed
        },
      })
      return { id: `${clusterId}/${inputs.linkName}`, outs }
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
      const operations = planLinkConfigChanges(toLinkConfigs(inputs), configs, previousDesired)
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
