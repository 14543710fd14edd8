// The clusterlink_mirror_topic resource: a mirror topic on a cluster link, declared with the shared MirrorTopic spec;
// status drives pause, resume, promote and failover, and the engine's mirror status and lag are read back.
import { isNotFoundError, waitForMirror, type EngineClient, type Mirror } from '../client/index.ts'
import { FAILED_STATUS, createOrAdoptMirror } from '../lifecycle/index.ts'
import {
  MIRROR_TOPIC_FIELDS, MIRROR_TOPIC_STATUSES, checkStatusTransition, mirrorTopicInputsSchema, validateMirrorTopicInputs,
  type MirrorTopicInputs, type MirrorTopicStatus,
} from '../spec/index.ts'
import { applyMirrorStatus } from './apply-mirror-status.ts'
import { FAILBACK_OUTPUT_ATTRIBUTES, applyFailback, failbackStateOf, planFailbackAttributes } from './mirror-failback-attributes.ts'
import { errorDiagnostic, type Diagnostic } from './diagnostics.ts'
import { declaredStatusFromEngine, isStoppedStatus } from './mirror-status-rules.ts'
import type { PlanHookInput, PlanHookOutput, ProviderContext, TerraformResourceType } from './resource-type.ts'
import { type AttributeFlags, failureToDiagnostic, specAttribute, toSpecInputs, toTerraformWording } from './spec-attributes.ts'
import type { AttributeSchema, BlockSchema, TerraformType } from './terraform-schema.ts'
import { isUnknown, UNKNOWN, type TerraformObject, type TerraformValue } from './terraform-value.ts'

const shape = mirrorTopicInputsSchema.shape
const field = (name: keyof MirrorTopicInputs, flags: AttributeFlags): AttributeSchema =>
  specAttribute(shape, MIRROR_TOPIC_FIELDS, name, flags)

export const MIRROR_TOPIC_INPUT_ATTRIBUTES: readonly AttributeSchema[] = [
  field('linkName', { required: true }),
  field('sourceTopicName', { required: true }),
  field('mirrorTopicName', { optional: true, computed: true }),
  field('replicationFactor', { type: 'number', optional: true, description: `${shape.replicationFactor.description} Kept in state only (the engine does not report it).` }),
  field('configs', { type: ['map', 'string'], optional: true, description: `${shape.configs.description} Kept in state only (topic configs follow the source through config sync).` }),
  field('status', { optional: true, computed: true, withDefault: true }),
  field('promoteTimeoutMs', { type: 'number', optional: true, computed: true, withDefault: true }),
  field('onDelete', { optional: true, computed: true, withDefault: true }),
  field('direction', { optional: true, computed: true, withDefault: true }),
  field('failbackMethod', { optional: true, computed: true, withDefault: true }),
  field('adopt', { optional: true, computed: true, withDefault: true }),
]

export const MIRROR_LAGS_TYPE: TerraformType = ['list', ['object', { partition: 'number', lag: 'number', last_source_fetch_offset: 'number' }]]

export const MIRROR_TOPIC_OUTPUT_ATTRIBUTES: readonly AttributeSchema[] = [
  { name: 'cluster_id', type: 'string', computed: true, description: 'Destination cluster id the mirror topic lives on (set it in the provider block).' },
  { name: 'id', type: 'string', computed: true, description: '`<link name>/<mirror topic name>` (also the import id).' },
  { name: 'mirror_status', type: 'string', computed: true, volatile: true, description: 'The engine\'s mirror_status: ACTIVE, PAUSED, PENDING_STOPPED, STOPPED, FAILED, SOURCE_UNAVAILABLE, LINK_PAUSED, LINK_FAILED or PENDING_MIRROR.' },
  { name: 'partition_count', type: 'number', computed: true, volatile: true, description: 'Number of mirror partitions.' },
  { name: 'mirror_lags', type: MIRROR_LAGS_TYPE, computed: true, volatile: true, description: 'Per mirror partition: lag in records and the last source offset fetched.' },
  { name: 'mirror_topic_error', type: 'string', computed: true, volatile: true, description: 'Why the mirror is FAILED (NO_ERROR otherwise).' },
]

export const MIRROR_TOPIC_RESOURCE_SCHEMA: BlockSchema = {
  version: 0,
  description: 'A mirror topic: a read-only destination topic that copies one source topic over a cluster link, at identical offsets. Import with `<link name>/<mirror topic name>`.',
  attributes: [...MIRROR_TOPIC_INPUT_ATTRIBUTES, ...MIRROR_TOPIC_OUTPUT_ATTRIBUTES, ...FAILBACK_OUTPUT_ATTRIBUTES],
}

const SPEC_FIELDS = Object.keys(MIRROR_TOPIC_FIELDS)
/** Spec fields the provider block holds in Terraform (not resource attributes). */
const PROVIDER_BLOCK_FIELDS = new Set(['endpoint', 'token', 'clusterId'])

export function validateMirrorTopicConfig(config: TerraformObject): Diagnostic[] {
  const result = validateMirrorTopicInputs(toSpecInputs(MIRROR_TOPIC_INPUT_ATTRIBUTES, config))
  if (result.ok) return []
  return result.failures
    .filter((failure) => !PROVIDER_BLOCK_FIELDS.has(failure.property.split('.')[0] ?? ''))
    .map((failure) => failureToDiagnostic(failure, SPEC_FIELDS, ['configs'], 'Invalid clusterlink_mirror_topic'))
}

function inputsOf(state: TerraformObject): MirrorTopicInputs {
  const result = validateMirrorTopicInputs(toSpecInputs(MIRROR_TOPIC_INPUT_ATTRIBUTES, state, { unknown: 'absent' }))
  if (!result.ok) throw new Error(result.failures.map((failure) => `${failure.property}: ${failure.reason}`).join('; '))
  return result.value
}

function str(value: TerraformValue | undefined): string | undefined {
  return typeof value === 'string' ? value : undefined
}

function asStatus(value: TerraformValue | undefined): MirrorTopicStatus | undefined {
  return typeof value === 'string' && (MIRROR_TOPIC_STATUSES as readonly string[]).includes(value) ? (value as MirrorTopicStatus) : undefined
}

/** The state a mirror as the engine reports it stands for; inputs the engine does not report come from `current`. */
export function mirrorTopicStateFromEngine(current: TerraformObject, mirror: Mirror, clusterId: string): TerraformObject {
  return {
    link_name: mirror.link_name,
    source_topic_name: mirror.source_topic_name,
    mirror_topic_name: mirror.mirror_topic_name,
    replication_factor: current.replication_factor ?? null,
    configs: current.configs ?? null,
    status: declaredStatusFromEngine(mirror.mirror_status, asStatus(current.status)),
    promote_timeout_ms: current.promote_timeout_ms ?? (shape.promoteTimeoutMs.parse(undefined) as number),
    on_delete: current.on_delete ?? (shape.onDelete.parse(undefined) as string),
    direction: mirror.mirror_direction ?? 'FORWARD',
    failback_method: current.failback_method ?? (shape.failbackMethod.parse(undefined) as string),
    cluster_id: clusterId,
    adopt: current.adopt ?? false,
    id: `${mirror.link_name}/${mirror.mirror_topic_name}`,
    mirror_status: mirror.mirror_status,
    partition_count: mirror.num_partitions ?? (mirror.mirror_lags ?? []).length,
    mirror_lags: (mirror.mirror_lags ?? [])
      .map((lag) => ({ partition: lag.partition, lag: lag.lag, last_source_fetch_offset: lag.last_source_fetch_offset })),
    mirror_topic_error: mirror.mirror_topic_error ?? 'NO_ERROR',
  }
}

export async function readMirrorTopic(client: EngineClient, current: TerraformObject): Promise<TerraformObject | null> {
  const linkName = str(current.link_name)
  const mirrorTopicName = str(current.mirror_topic_name)
  if (!linkName || !mirrorTopicName) throw new Error('the state has no link_name or mirror_topic_name')
  const mirror = await client.findMirror(linkName, mirrorTopicName)
  if (!mirror) return null
  return mirrorTopicStateFromEngine(current, mirror, await client.clusterId())
}

function planMirrorTopic(input: PlanHookInput): PlanHookOutput {
  const { prior } = input
  const diagnostics: Diagnostic[] = []
  const from = asStatus(prior?.status)
  const to = asStatus(input.planned.status)
  const failback = planFailbackAttributes(prior, input.planned)
  const planned = failback.planned
  if (failback.error) diagnostics.push(errorDiagnostic('Impossible failback', toTerraformWording(failback.error, SPEC_FIELDS), ['direction']))
  if (from && to && (prior?.direction ?? 'FORWARD') === planned.direction) {
    const problem = checkStatusTransition(from, to, str(planned.mirror_topic_name) ?? str(planned.source_topic_name))
    if (problem) diagnostics.push(errorDiagnostic('Impossible status change', toTerraformWording(problem, SPEC_FIELDS), ['status']))
  }
  const linkName = planned.link_name ?? null
  const mirrorTopicName = planned.mirror_topic_name ?? null
  const id = typeof linkName === 'string' && typeof mirrorTopicName === 'string' && !isUnknown(mirrorTopicName) ? `${linkName}/${mirrorTopicName}` : UNKNOWN
  return { planned: { ...planned, id }, diagnostics }
}

async function mustRead(context: ProviderContext<EngineClient>, state: TerraformObject): Promise<TerraformObject> {
  const read = await readMirrorTopic(context.client, state)
  if (!read) throw new Error(`mirror topic ${String(state.mirror_topic_name)} is not on the engine right after it was written; check the engine's logs`)
  const mirror = await context.client.getMirror(String(read.link_name), String(read.mirror_topic_name))
  // Apply must return the planned status (Terraform refuses another): a mirror that FAILED again right after its resume keeps
  // the declared ACTIVE here, shows in mirror_status, and reads as FAILED at the next refresh.
  const status = read.status === FAILED_STATUS ? state.status ?? null : read.status ?? null
  return { ...read, status, ...await failbackStateOf(context.client, mirror, state, { keepPlanned: true }) }
}

/** The state a refresh reads: the engine's mirror with the dry run of a stopped one (planned_failback cleared). */
async function refreshMirrorTopic(context: ProviderContext<EngineClient>, current: TerraformObject): Promise<TerraformObject | null> {
  const read = await readMirrorTopic(context.client, current)
  if (!read) return null
  const mirror = await context.client.getMirror(String(read.link_name), String(read.mirror_topic_name))
  return { ...read, ...await failbackStateOf(context.client, mirror, current, { keepPlanned: false }) }
}

/** Deletes the destination topic (how a mirror topic goes for good, with its records) and waits until the engine drops the mirror. */
async function deleteMirrorTopic(client: EngineClient, linkName: string, mirrorTopicName: string): Promise<void> {
  try {
    await client.deleteTopic(mirrorTopicName)
  } catch (error) {
    if (!isNotFoundError(error)) throw error
  }
  await waitForMirror(client, linkName, mirrorTopicName, (mirror) => mirror === undefined, 'the mirror topic to be deleted', { timeoutMs: 60_000 })
}

export const mirrorTopicResource: TerraformResourceType<EngineClient> = {
  typeName: 'clusterlink_mirror_topic',
  schema: MIRROR_TOPIC_RESOURCE_SCHEMA,
  validate: validateMirrorTopicConfig,
  plan: planMirrorTopic,

  async create(planned, context) {
    const inputs = inputsOf(planned)
    const { client } = context
    return createOrAdoptMirror(client, inputs, {
      refuseExisting: (existing) => new Error(`mirror topic ${existing.mirror_topic_name} already exists on link ${inputs.linkName}; ` +
        `import it (terraform import <address> ${inputs.linkName}/${existing.mirror_topic_name}) or set adopt = true`),
      settle: async (created) => {
        const mirrorTopicName = created.mirror_topic_name
        const { linkName, status: desired, promoteTimeoutMs } = inputs
        await applyMirrorStatus(client, { linkName, mirrorTopicName, desired, promoteTimeoutMs, signal: context.signal })
        return mustRead(context, { ...planned, mirror_topic_name: mirrorTopicName })
      },
    })
  },

  async update(prior, planned, context) {
    const inputs = inputsOf(planned)
    const mirrorTopicName = String(planned.mirror_topic_name)
    const applied = await applyFailback(context.client, prior, planned, inputs.promoteTimeoutMs)
    await applyMirrorStatus(context.client, {
      linkName: inputs.linkName, mirrorTopicName, desired: inputs.status, promoteTimeoutMs: inputs.promoteTimeoutMs, signal: context.signal,
    })
    const kept = { truncated_records_topic: prior.truncated_records_topic ?? null, messages_truncated: prior.messages_truncated ?? null }
    return mustRead(context, { ...planned, ...kept, ...applied })
  },

  async delete(prior, context) {
    const linkName = String(prior.link_name)
    const mirrorTopicName = String(prior.mirror_topic_name)
    if (prior.on_delete === 'DELETE_TOPIC') {
      await deleteMirrorTopic(context.client, linkName, mirrorTopicName)
      return
    }
    // STOP_AND_KEEP_TOPIC: fail the mirror over so the topic and its records stay, writable.
    const mirror = await context.client.findMirror(linkName, mirrorTopicName)
    if (!mirror || isStoppedStatus(mirror.mirror_status)) return
    await applyMirrorStatus(context.client, { linkName, mirrorTopicName, desired: 'FAILED_OVER', promoteTimeoutMs: 60_000, signal: context.signal })
  },

  read: (current, context) => refreshMirrorTopic(context, current),

  async importState(id) {
    const match = /^([a-zA-Z0-9._-]{1,249})\/([a-zA-Z0-9._-]{1,249})$/.exec(id)
    if (!match) throw new Error(`import id '${id}' must be <link name>/<mirror topic name>, such as dr-link/orders`)
    return { link_name: match[1] ?? '', mirror_topic_name: match[2] ?? '', id }
  },

  upgradeState(_version, state) {
    return state as TerraformObject
  },
}
