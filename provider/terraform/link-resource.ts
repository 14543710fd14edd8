// The clusterlink_link resource: a cluster link on the engine, declared with the shared ClusterLink spec, read back
// in full (configs and modes included) so that every change made behind Terraform's back shows as drift.
import type { EngineClient, LinkConfig } from '../client/index.ts'
import { isNotFoundError } from '../client/index.ts'
import { createOrAdoptLink, withDeclaredCredentials } from '../lifecycle/index.ts'
import {
  CLUSTER_LINK_FIELDS, clusterLinkInputsSchema, fromLinkConfigs, toLinkConfigs, validateClusterLinkInputs, type ClusterLinkInputs,
} from '../spec/index.ts'
import { errorDiagnostic, type Diagnostic } from './diagnostics.ts'
import type { PlanHookInput, PlanHookOutput, ProviderContext, TerraformResourceType } from './resource-type.ts'
import { type AttributeFlags, failureToDiagnostic, fromSpecInputs, specAttribute, toSpecInputs } from './spec-attributes.ts'
import type { AttributeSchema, BlockSchema } from './terraform-schema.ts'
import { isUnknown, UNKNOWN, type TerraformObject, type TerraformValue } from './terraform-value.ts'

const shape = clusterLinkInputsSchema.shape
const field = (name: keyof ClusterLinkInputs, flags: AttributeFlags): AttributeSchema =>
  specAttribute(shape, CLUSTER_LINK_FIELDS, name, flags)

/** Attributes that stand for spec inputs (sent to the engine or kept in state), in the spec's order. */
export const LINK_INPUT_ATTRIBUTES: readonly AttributeSchema[] = [
  field('linkName', { required: true }),
  field('sourceBootstrapServers', { required: true }),
  field('sourceClusterId', { optional: true, computed: true, description: `${shape.sourceClusterId.description} Default: the id the source reports.` }),
  field('linkMode', { optional: true, computed: true, withDefault: true }),
  field('connectionMode', { optional: true, computed: true, withDefault: true }),
  field('prefix', { optional: true }),
  field('securityProtocol', { optional: true, computed: true, withDefault: true }),
  field('saslMechanism', { optional: true, computed: true, withDefault: true }),
  field('sourceCredentials', {
    optional: true,
    nested: [
      { name: 'username', type: 'string', required: true, description: 'SASL username.' },
      { name: 'password', type: 'string', required: true, sensitive: true, description: 'SASL password (never read back: the engine does not return it).' },
    ],
  }),
  field('sourceTls', {
    optional: true,
    nested: [
      { name: 'ca_certificates', type: 'string', optional: true, description: 'PEM certificates that sign the source brokers\' certificates.' },
      { name: 'certificate_chain', type: 'string', optional: true, description: 'PEM client certificate chain (mutual TLS).' },
      { name: 'private_key', type: 'string', optional: true, sensitive: true, description: 'PEM private key of the client certificate (never read back).' },
      { name: 'verify_hostname', type: 'bool', optional: true, description: 'Check the broker host name against its certificate. Default true.' },
    ],
  }),
  field('configs', { type: ['map', 'string'], optional: true }),
  field('adopt', { optional: true, computed: true, withDefault: true }),
  field('forceDelete', { optional: true, computed: true, withDefault: true }),
]

const OUTPUT_ATTRIBUTES: readonly AttributeSchema[] = [
  { name: 'cluster_id', type: 'string', computed: true, description: 'Destination cluster id the link lives on (set it in the provider block, or use a provider alias per engine).' },
  { name: 'id', type: 'string', computed: true, description: 'The link name (also the import id).' },
  { name: 'cluster_link_id', type: 'string', computed: true, description: 'The engine\'s id of the link.' },
  { name: 'link_state', type: 'string', computed: true, volatile: true, description: 'ACTIVE, PAUSED, UNAVAILABLE or FAILED, as the engine reports it.' },
  { name: 'link_error', type: 'string', computed: true, volatile: true, description: 'Why the link is not ACTIVE (NO_ERROR when it is).' },
  { name: 'link_error_message', type: 'string', computed: true, volatile: true, description: 'The engine\'s message for link_error.' },
]

export const LINK_RESOURCE_SCHEMA: BlockSchema = {
  version: 0,
  description: 'A cluster link: the engine\'s connection from the destination cluster to a source cluster, with its link configs. Import with the link name.',
  attributes: [...LINK_INPUT_ATTRIBUTES, ...OUTPUT_ATTRIBUTES],
}

export const LINK_SPEC_FIELDS = Object.keys(CLUSTER_LINK_FIELDS)
const MAP_FIELDS = ['configs']
/** Spec fields the provider block holds in Terraform (not resource attributes). */
const PROVIDER_BLOCK_FIELDS = new Set(['endpoint', 'token', 'clusterId'])

/** Validates a configuration (values may be unknown) with the spec; diagnostics point at attributes. */
export function validateLinkConfig(config: TerraformObject, summary = 'Invalid clusterlink_link'): Diagnostic[] {
  const result = validateClusterLinkInputs(toSpecInputs(LINK_INPUT_ATTRIBUTES, config))
  if (result.ok) return []
  return result.failures
    .filter((failure) => !PROVIDER_BLOCK_FIELDS.has(failure.property.split('.')[0] ?? ''))
    .map((failure) => failureToDiagnostic(failure, LINK_SPEC_FIELDS, MAP_FIELDS, summary))
}

/** The validated spec inputs of a planned state (apply runs only on states that passed validation). */
export function linkInputsOf(state: TerraformObject): ClusterLinkInputs {
  const result = validateClusterLinkInputs(toSpecInputs(LINK_INPUT_ATTRIBUTES, state, { unknown: 'absent' }))
  if (!result.ok) throw new Error(result.failures.map((failure) => `${failure.property}: ${failure.reason}`).join('; '))
  return result.value
}

/** Lenient spec inputs of a stored state (an imported state holds only the link name). */
function previousInputsOf(state: TerraformObject): ClusterLinkInputs {
  const inputs = toSpecInputs(LINK_INPUT_ATTRIBUTES, state) as Partial<ClusterLinkInputs>
  return { ...inputs, configs: inputs.configs ?? {}, saslMechanism: inputs.saslMechanism ?? 'PLAIN' } as ClusterLinkInputs
}

function str(value: TerraformValue): string | undefined {
  return typeof value === 'string' ? value : undefined
}

/**
 * The state the engine's link and configs stand for. Secrets the engine never returns (password, private key) and
 * inputs that live only in state come from `current`; a nested attribute left null by the user stays null when the
 * engine holds its default, so a read right after apply always equals the plan.
 */
export function linkStateFromEngine(
  current: TerraformObject,
  link: {
    readonly link_name: string; readonly cluster_link_id?: string | null; readonly source_cluster_id?: string | null
    readonly link_state?: string | null; readonly link_error?: string | null; readonly link_error_message?: string | null
  },
  configs: readonly LinkConfig[],
  clusterId: string,
): TerraformObject {
  const previous = previousInputsOf(current)
  const entries = configs.map((config) => ({ name: config.name, value: config.value, isDefault: config.is_default ?? false }))
  const observed = fromLinkConfigs(entries, previous)
  const fromEngine = fromSpecInputs(LINK_INPUT_ATTRIBUTES, observed)
  const priorTls = current.source_tls as TerraformObject | null | undefined
  let tls = fromEngine.source_tls as TerraformObject | null
  if (tls !== null && priorTls?.verify_hostname == null && tls.verify_hostname === true) tls = { ...tls, verify_hostname: null }
  const configsRead = fromEngine.configs as Record<string, string> | null
  return {
    ...fromEngine,
    source_tls: tls,
    configs: configsRead && Object.keys(configsRead).length > 0 ? configsRead : current.configs == null ? null : {},
    link_name: link.link_name,
    source_cluster_id: link.source_cluster_id ?? str(current.source_cluster_id ?? null) ?? null,
    cluster_id: clusterId,
    adopt: current.adopt ?? false,
    force_delete: current.force_delete ?? false,
    id: link.link_name,
    cluster_link_id: link.cluster_link_id ?? null,
    link_state: link.link_state ?? 'UNKNOWN',
    link_error: link.link_error ?? 'NO_ERROR',
    link_error_message: link.link_error_message || null,
  }
}

/** Reads a link and its configs; null when the engine has no link of that name. */
export async function readLink(client: EngineClient, current: TerraformObject): Promise<TerraformObject | null> {
  const linkName = str(current.link_name ?? null) ?? str(current.id ?? null)
  if (!linkName) throw new Error('the state has no link_name')
  const link = await client.findLink(linkName)
  if (!link) return null
  const configs = await client.listLinkConfigs(linkName)
  return linkStateFromEngine({ ...current, link_name: linkName }, link, configs, await client.clusterId())
}

/** SET for every config that is new or changed, DELETE (reset to default) for every config no longer wanted. */
export function linkConfigChanges(before: Readonly<Record<string, string>>, after: Readonly<Record<string, string>>):
  ({ name: string; value: string; operation: 'SET' } | { name: string; operation: 'DELETE' })[] {
  const changes: ({ name: string; value: string; operation: 'SET' } | { name: string; operation: 'DELETE' })[] = []
  for (const [name, value] of Object.entries(after)) if (before[name] !== value) changes.push({ name, value, operation: 'SET' })
  for (const name of Object.keys(before)) if (!(name in after)) changes.push({ name, operation: 'DELETE' })
  return changes
}

function planLink(input: PlanHookInput): PlanHookOutput {
  const linkName = input.planned.link_name ?? null
  return { planned: { ...input.planned, id: isUnknown(linkName) ? UNKNOWN : linkName }, diagnostics: [] }
}

async function mustRead(context: ProviderContext<EngineClient>, state: TerraformObject): Promise<TerraformObject> {
  const read = await readLink(context.client, state)
  if (!read) throw new Error(`link ${String(state.link_name)} is not on the engine right after it was written; check the engine's logs`)
  return read
}

export const linkResource: TerraformResourceType<EngineClient> = {
  typeName: 'clusterlink_link',
  schema: LINK_RESOURCE_SCHEMA,
  validate: (config) => validateLinkConfig(config),
  plan: planLink,

  async create(planned, context) {
    return createOrAdoptLink(context.client, linkInputsOf(planned), {
      refuseExisting: (linkName) => new Error(`a link named ${linkName} already exists on the engine; ` +
        `import it (terraform import <address> ${linkName}) or set adopt = true`),
      readBack: () => mustRead(context, planned),
    })
  },

  async update(prior, planned, context) {
    const before = toLinkConfigs(previousInputsOf(prior))
    const after = toLinkConfigs(linkInputsOf(planned))
    // Route changes (address, protocol, user, trust) carry the declared credentials again: the engine requires it.
    const changes = withDeclaredCredentials(linkConfigChanges(before, after), after)
    if (changes.length > 0) await context.client.alterLinkConfigs(String(planned.link_name), changes)
    return mustRead(context, planned)
  },

  async delete(prior, context) {
    try {
      await context.client.deleteLink(String(prior.link_name), { force: prior.force_delete === true })
    } catch (error) {
      if (!isNotFoundError(error)) throw error
    }
  },

  read: (current, context) => readLink(context.client, current),

  async importState(id) {
    if (!/^[a-zA-Z0-9._-]{1,249}$/.test(id)) {
      throw new Error(`import id '${id}' is not a link name; use: terraform import <address> <link name>`)
    }
    return { link_name: id, id }
  },

  upgradeState(_version, state) {
    return state as TerraformObject
  },
}

/** Diagnostic for a link a data source names but the engine does not have. */
export function missingLinkDiagnostic(linkName: string): Diagnostic {
  return errorDiagnostic(`No cluster link named ${linkName}`, 'The engine has no link of that name; check link_name, or create it with a clusterlink_link resource.', ['link_name'])
}
