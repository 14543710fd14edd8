// The small, stable dynamic provider that Pulumi serializes into state: each method imports the current provider code from disk and delegates to it.
import type * as pulumi from '@pulumi/pulumi'

/** The resource kinds this provider serves; part of the serialized text, so never renamed. */
export type ResourceKind = 'ClusterLink' | 'MirrorTopic'

/**
 * Pulumi stores this object's code in every resource's state and runs that stored copy for delete and refresh
 * (pulumi/pulumi#6238). So it holds no logic and captures nothing but the kind and the URL of the handler module:
 * a fix in provider-handlers.ts reaches existing stacks without an `up`, and the stored text only changes when this
 * file does. Stack config (clusterlink:endpoint, clusterlink:token) arrives through configure(), never captured.
 */
export function createDynamicProvider(kind: ResourceKind, handlersUrl: string): pulumi.dynamic.ResourceProvider {
  const holder: { config: unknown } = { config: undefined }
  const call = async (method: string, args: unknown[]): Promise<never> => {
    const handlers = await import(handlersUrl)
    return handlers.handle(kind, method, holder.config, args) as never
  }
  return {
    configure: async (req: pulumi.dynamic.ConfigureRequest) => { holder.config = req.config },
    check: (olds: unknown, news: unknown) => call('check', [olds, news]),
    diff: (id: string, olds: unknown, news: unknown) => call('diff', [id, olds, news]),
    create: (inputs: unknown) => call('create', [inputs]),
    read: (id: string, props: unknown) => call('read', [id, props]),
    update: (id: string, olds: unknown, news: unknown) => call('update', [id, olds, news]),
    delete: (id: string, props: unknown) => call('delete', [id, props]),
  }
}
