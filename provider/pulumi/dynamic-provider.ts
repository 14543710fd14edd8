// The small, stable dynamic provider that Pulumi serializes into state: each method imports the current provider code
// from disk and delegates to it.
import type * as pulumi from '@pulumi/pulumi'

/** The resource kinds this provider serves; part of the serialized text, so never renamed. */
export type ResourceKind = 'ClusterLink' | 'MirrorTopic'

/** Where an npm installation exposes the handler module; the fallback when the stored path is gone. */
export const HANDLERS_PACKAGE_SPECIFIER = 'clusterlink/pulumi/provider-handlers'

/**
 * Pulumi stores this object's code in every resource's state and runs that stored copy for delete and refresh
 * (pulumi/pulumi#6238). So it holds no logic and captures nothing but the kind and where the handler module is: a
 * fix in provider-handlers.ts reaches existing stacks without an `up`, and the stored text only changes when this
 * file does. When the stored path no longer exists (the project was moved, or CI checked it out elsewhere), the
 * handler module is resolved from the program's directory, as installed from npm. Stack config
 * (clusterlink:endpoint, clusterlink:token) arrives through configure(), never captured.
 */
export function createDynamicProvider(
  kind: ResourceKind, handlersUrl: string, packageSpecifier: string = HANDLERS_PACKAGE_SPECIFIER,
): pulumi.dynamic.ResourceProvider {
  const holder: { config: unknown } = { config: undefined }
  const load = async (): Promise<{ handle: (...args: unknown[]) => Promise<never> }> => {
    try {
      return await import(handlersUrl)
    } catch (error) {
      const { createRequire } = await import('node:module')
      const { pathToFileURL } = await import('node:url')
      let resolved: string
      try {
        resolved = createRequire(`${process.cwd()}/`).resolve(packageSpecifier)
      } catch {
        throw error
      }
      return import(pathToFileURL(resolved).href)
    }
  }
  const call = async (method: string, args: unknown[]): Promise<never> => (await load()).handle(kind, method, holder.config, args)
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
