// The current provider code that the serialized dynamic provider imports on every call: picks the resource kind and method,
// with a real REST client.
import { EngineClient } from '../client/index.ts'
import { createClusterLinkProvider } from './cluster-link-provider.ts'
import type { ResourceKind } from './dynamic-provider.ts'
import type { ProviderContext, ResourceProviderMethods } from './engine-api.ts'
import { createMirrorTopicProvider } from './mirror-topic-provider.ts'

/** Stack config keys the providers read (Pulumi passes the whole stack config to the dynamic provider's configure). */
export const CONFIG_KEYS = { endpoint: 'clusterlink:endpoint', token: 'clusterlink:token', clusterId: 'clusterlink:clusterId' } as const

type Args = Record<string, unknown>

function defaultsFrom(config: unknown): ProviderContext['defaults'] {
  const get = (key: string): string | undefined => {
    const reader = config as { get?: (key: string) => unknown } | undefined
    const value = typeof reader?.get === 'function' ? reader.get(key) : undefined
    return typeof value === 'string' && value !== '' ? value : undefined
  }
  return { endpoint: get(CONFIG_KEYS.endpoint), token: get(CONFIG_KEYS.token), clusterId: get(CONFIG_KEYS.clusterId) }
}

/** Builds the provider for a kind; exported so tests can run the same dispatch with a fake engine. */
export function providerFor(kind: ResourceKind, context: ProviderContext): ResourceProviderMethods {
  if (kind === 'ClusterLink') return createClusterLinkProvider(context)
  if (kind === 'MirrorTopic') return createMirrorTopicProvider(context)
  throw new Error(`unknown clusterlink resource kind '${String(kind)}'`)
}

/** Entry point for dynamic-provider.ts: `config` is the dynamic provider's configure() config, `args` the method's arguments. */
export async function handle(kind: ResourceKind, method: string, config: unknown, args: unknown[]): Promise<unknown> {
  const provider = providerFor(kind, {
    defaults: defaultsFrom(config),
    clientFor: (connection) => new EngineClient(connection),
  })
  const [a, b, c] = args
  switch (method) {
    case 'check': return provider.check((a ?? {}) as Args, b as Args)
    case 'diff': return provider.diff(a as string, b as Args, c as Args)
    case 'create': return provider.create(a as Args)
    case 'read': return provider.read(a as string, b as Args)
    case 'update': return provider.update(a as string, b as Args, c as Args)
    case 'delete': return provider.delete(a as string, b as Args)
    default: throw new Error(`unknown dynamic provider method '${method}'`)
  }
}
