// The inputs every resource shares for reaching the engine: endpoint, bearer token and destination cluster id, each optional
// (stack or provider config fills them).
import { z } from 'zod'

export const engineConnectionShape = {
  endpoint: z.url({ protocol: /^https?$/, error: 'endpoint must be an http:// or https:// URL of the clusterlink engine, such as http://127.0.0.1:8090' }).optional()
    .describe('Engine URL. Default: stack config clusterlink:endpoint (Pulumi) or the provider block (Terraform).'),
  token: z.string().min(1, 'token must not be empty').optional()
    .describe('Engine bearer token (secret). Default: secret stack config clusterlink:token, or none.'),
  clusterId: z.string().min(1, 'clusterId must not be empty').optional()
    .describe('Destination cluster id (the cluster_id in REST paths). Default: the one cluster the engine serves. Changing it replaces the resource.'),
}

/** How to reach the engine, once inputs and configuration are merged. */
export interface EngineConnection {
  readonly endpoint: string
  readonly token?: string
  readonly clusterId?: string
}

/**
 * Merges the resource's own connection inputs over configured defaults; fails with a message that says where to set
 * the endpoint when neither has one.
 */
export function resolveEngineConnection(
  inputs: { readonly endpoint?: string; readonly token?: string; readonly clusterId?: string },
  defaults: { readonly endpoint?: string; readonly token?: string; readonly clusterId?: string },
  hint = 'set the endpoint input, or run: pulumi config set clusterlink:endpoint http://<engine host>:<port>',
): EngineConnection {
  const endpoint = inputs.endpoint ?? defaults.endpoint
  if (!endpoint) throw new Error(`no clusterlink engine endpoint: ${hint}`)
  const token = inputs.token ?? defaults.token
  const clusterId = inputs.clusterId ?? defaults.clusterId
  return { endpoint, ...(token ? { token } : {}), ...(clusterId ? { clusterId } : {}) }
}
