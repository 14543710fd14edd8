// The clusterlink provider definition: its provider block (engine endpoint, token, cluster id), resources and data
// sources, and the engine client ConfigureProvider builds (no network until a resource needs it).
import { EngineClient } from '../client/index.ts'
import { engineConnectionShape, resolveEngineConnection } from '../spec/index.ts'
import { errorDiagnostic, type Diagnostic } from './diagnostics.ts'
import { linkDataSource, mirrorTopicDataSource } from './data-sources.ts'
import { linkResource } from './link-resource.ts'
import { mirrorTopicResource } from './mirror-topic-resource.ts'
import type { TerraformProviderDefinition } from './resource-type.ts'
import type { BlockSchema } from './terraform-schema.ts'
import { isUnknown, type TerraformObject } from './terraform-value.ts'

export const PROVIDER_SCHEMA: BlockSchema = {
  version: 0,
  description: 'clusterlink: cluster links and mirror topics on a clusterlink engine, mirroring Kafka topics at identical offsets.',
  attributes: [
    { name: 'endpoint', type: 'string', optional: true, description: 'Engine URL, such as `http://127.0.0.1:8090`. Default: the `CLUSTERLINK_ENDPOINT` environment variable.' },
    { name: 'token', type: 'string', optional: true, sensitive: true, description: 'Engine bearer token (sensitive). Default: the `CLUSTERLINK_TOKEN` environment variable, or none.' },
    { name: 'cluster_id', type: 'string', optional: true, description: 'Destination cluster id used in REST paths. Default: the `CLUSTERLINK_CLUSTER_ID` environment variable, else the one cluster the engine serves.' },
    { name: 'request_timeout_ms', type: 'number', optional: true, description: 'Timeout of each engine request in ms. Default 30000.' },
  ],
}

/** Where the provider block's values come from when it leaves them out. */
export interface ProviderEnvironment {
  readonly CLUSTERLINK_ENDPOINT?: string
  readonly CLUSTERLINK_TOKEN?: string
  readonly CLUSTERLINK_CLUSTER_ID?: string
}

function known(config: TerraformObject, name: string): string | undefined {
  const value = config[name] ?? null
  return typeof value === 'string' && value !== '' ? value : undefined
}

export function validateProviderConfig(config: TerraformObject): Diagnostic[] {
  const diagnostics: Diagnostic[] = []
  const endpoint = config.endpoint ?? null
  if (endpoint !== null && !isUnknown(endpoint)) {
    const parsed = engineConnectionShape.endpoint.safeParse(endpoint)
    if (!parsed.success) diagnostics.push(errorDiagnostic('Invalid endpoint', parsed.error.issues.map((issue) => issue.message).join('; '), ['endpoint']))
  }
  const token = config.token ?? null
  if (token === '') diagnostics.push(errorDiagnostic('Invalid token', 'token must not be empty; leave it out when the engine runs without auth', ['token']))
  const timeout = config.request_timeout_ms ?? null
  if (typeof timeout === 'number' && (!Number.isInteger(timeout) || timeout < 100 || timeout > 600_000)) {
    diagnostics.push(errorDiagnostic('Invalid request_timeout_ms', 'request_timeout_ms must be a whole number from 100 to 600000', ['request_timeout_ms']))
  }
  return diagnostics
}

export function createClusterlinkProvider(env: ProviderEnvironment): TerraformProviderDefinition<EngineClient> {
  return {
    schema: PROVIDER_SCHEMA,
    resources: [linkResource, mirrorTopicResource],
    dataSources: [linkDataSource, mirrorTopicDataSource],
    validateConfig: validateProviderConfig,
    configure(config) {
      const connection = resolveEngineConnection(
        { endpoint: known(config, 'endpoint'), token: known(config, 'token'), clusterId: known(config, 'cluster_id') },
        {
          endpoint: env.CLUSTERLINK_ENDPOINT || undefined, token: env.CLUSTERLINK_TOKEN || undefined,
          clusterId: env.CLUSTERLINK_CLUSTER_ID || undefined,
        },
        'set endpoint in the provider "clusterlink" block, or the CLUSTERLINK_ENDPOINT environment variable',
      )
      const timeout = config.request_timeout_ms
      return new EngineClient({ ...connection, ...(typeof timeout === 'number' ? { timeoutMs: timeout } : {}) })
    },
  }
}
