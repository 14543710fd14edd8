// The one definition of a MirrorTopic's inputs (zod), its defaults, diff rules, status transitions and validation messages.
import { z } from 'zod'
import { diffFields, isSameValue, containsUnknown, secretFields, type FieldRules, type InputDiff } from './field-rules.ts'
import { validateInputs, type InputFailure, type ValidationResult } from './validate-inputs.ts'
import { engineConnectionShape } from './engine-connection-spec.ts'
import { LINK_NAME_MESSAGE, LINK_NAME_PATTERN, NAME_PATTERN } from './cluster-link-spec.ts'
import { mirrorFailbackShape, planFailback, type MirrorDirection } from './mirror-failback-spec.ts'

/** The status a user declares for a mirror topic. PROMOTED and FAILED_OVER both end mirroring; the topic becomes writable. */
export const MIRROR_TOPIC_STATUSES = ['ACTIVE', 'PAUSED', 'PROMOTED', 'FAILED_OVER'] as const
export type MirrorTopicStatus = (typeof MIRROR_TOPIC_STATUSES)[number]

/** What delete does: stop mirroring (fail over) and keep the topic and its records, or also delete the topic. */
export const MIRROR_DELETE_MODES = ['STOP_AND_KEEP_TOPIC', 'DELETE_TOPIC'] as const
export type MirrorDeleteMode = (typeof MIRROR_DELETE_MODES)[number]

/** Engine mirror_status values from which a failover is allowed besides ACTIVE and PAUSED (pain point TF #780). */
export const FAILOVER_FROM_FAILURE = ['FAILED', 'SOURCE_UNAVAILABLE', 'LINK_FAILED', 'LINK_PAUSED', 'PENDING_MIRROR'] as const

const topicName = (field: string) => z.string({ error: `${field} is required` }).regex(NAME_PATTERN, `${field} ${LINK_NAME_MESSAGE}`).refine((name) => name !== '.' && name !== '..', `${field} cannot be "." or ".."`)

export const mirrorTopicInputsSchema = z.strictObject({
  linkName: z.string({ error: 'linkName is required' }).regex(LINK_NAME_PATTERN, `linkName ${LINK_NAME_MESSAGE}, starting with a letter or digit`).describe('The cluster link that mirrors the topic. Changing it replaces the mirror topic.'),
  sourceTopicName: topicName('sourceTopicName').describe('The topic on the source cluster. Changing it replaces the mirror topic.'),
  mirrorTopicName: topicName('mirrorTopicName').optional()
    .describe('The mirror topic on the destination. Default: the link prefix + sourceTopicName. Changing it replaces the mirror topic.'),
  replicationFactor: z.number().int('replicationFactor must be a whole number').min(1, 'replicationFactor must be at least 1').max(32767).optional()
    .describe("Replication factor of the mirror topic. Default: the destination's default. Changing it replaces the mirror topic."),
  configs: z.record(z.string(), z.string({ error: 'topic config values are strings' })).optional()
    .describe('Topic config overrides for the mirror topic, set when it is created. Changing them replaces the mirror topic.'),
  status: z.enum(MIRROR_TOPIC_STATUSES, { error: `status must be one of ${MIRROR_TOPIC_STATUSES.join(', ')}` }).default('ACTIVE')
    .describe('ACTIVE (mirroring), PAUSED, PROMOTED (waits for lag 0, then stops: writable) or FAILED_OVER (stops now, also from FAILED or SOURCE_UNAVAILABLE: writable). Default ACTIVE. Updates in place; PROMOTED and FAILED_OVER are final.'),
  promoteTimeoutMs: z.number().int().min(1000, 'promoteTimeoutMs must be at least 1000').max(86_400_000).default(300_000)
    .describe('How long PROMOTED waits for lag 0 and for the mirror to stop, in ms. Default 300000.'),
  onDelete: z.enum(MIRROR_DELETE_MODES, { error: `onDelete must be ${MIRROR_DELETE_MODES.join(' or ')}` }).default('STOP_AND_KEEP_TOPIC')
    .describe('What deleting the resource does: STOP_AND_KEEP_TOPIC (default) fails the mirror over and leaves a writable topic with its records; DELETE_TOPIC also deletes the topic and its records.'),
  ...mirrorFailbackShape,
  ...engineConnectionShape,
  adopt: z.boolean().default(false)
    .describe('When this mirror topic already exists on the engine, take it over instead of failing. Default false.'),
})

export type MirrorTopicInputsArgs = z.input<typeof mirrorTopicInputsSchema>
export type MirrorTopicInputs = z.output<typeof mirrorTopicInputsSchema>

export const MIRROR_TOPIC_FIELDS: FieldRules<keyof MirrorTopicInputs> = {
  linkName: { onChange: 'replace', description: 'cluster link' },
  sourceTopicName: { onChange: 'replace', description: 'source topic' },
  mirrorTopicName: { onChange: 'replace', identity: true, computed: true, description: 'mirror topic name' },
  replicationFactor: { onChange: 'replace', description: 'replication factor' },
  configs: { onChange: 'replace', description: 'topic config overrides' },
  status: { onChange: 'update', description: 'mirror status' },
  promoteTimeoutMs: { onChange: 'update', stateOnly: true, description: 'promote wait' },
  onDelete: { onChange: 'update', stateOnly: true, description: 'delete behaviour' },
  direction: { onChange: 'update', description: 'which side is the mirror' },
  failbackMethod: { onChange: 'update', stateOnly: true, description: 'how a change of direction happens' },
  endpoint: { onChange: 'update', stateOnly: true, description: 'engine URL' },
  token: { onChange: 'update', stateOnly: true, secret: true, description: 'engine bearer token' },
  clusterId: { onChange: 'replace', computed: true, description: 'destination cluster id' },
  adopt: { onChange: 'update', stateOnly: true, description: 'adopt an existing mirror' },
}

export const MIRROR_TOPIC_SECRET_FIELDS = secretFields(MIRROR_TOPIC_FIELDS)

const isStopped = (status: MirrorTopicStatus): boolean => status === 'PROMOTED' || status === 'FAILED_OVER'

/** Why a declared status change cannot happen, or undefined when it can. */
export function checkStatusTransition(from: MirrorTopicStatus, to: MirrorTopicStatus, mirrorTopicName = 'the mirror topic'): string | undefined {
  if (isStopped(from) && !isStopped(to)) {
    return `${mirrorTopicName} is ${from} (mirroring stopped, the topic is writable); it cannot go back to ${to}. ` +
      'To mirror the other way (failback), change direction together with status ACTIVE. ' +
      'To mirror again the same way, declare a new MirrorTopic (another mirrorTopicName, or delete this topic first with onDelete: DELETE_TOPIC).'
  }
  return undefined
}

/**
 * Validates MirrorTopic inputs without any network call; `olds` (the previous inputs) lets it reject impossible status
 * changes at preview.
 */
export function validateMirrorTopicInputs(raw: unknown, olds?: Readonly<Record<string, unknown>>): ValidationResult<MirrorTopicInputs> {
  return validateInputs(mirrorTopicInputsSchema, raw, (inputs: MirrorTopicInputs): InputFailure[] => {
    const previous = olds?.status
    if (typeof previous !== 'string' || !(MIRROR_TOPIC_STATUSES as readonly string[]).includes(previous)) return []
    const priorDirection: MirrorDirection = olds?.direction === 'REVERSE' ? 'REVERSE' : 'FORWARD'
    const name = inputs.mirrorTopicName ?? inputs.sourceTopicName
    if (priorDirection !== inputs.direction) {
      const plan = planFailback({ status: previous, direction: priorDirection }, inputs, { source: inputs.sourceTopicName, mirror: name })
      return 'error' in plan ? [{ property: 'direction', reason: plan.error }] : []
    }
    const problem = checkStatusTransition(previous as MirrorTopicStatus, inputs.status, name)
    return problem ? [{ property: 'status', reason: problem }] : []
  })
}

/** The name a new mirror topic gets: explicit, or the prefix the previous one used + the source topic name. */
export function effectiveMirrorTopicName(inputs: Readonly<Record<string, unknown>>, previous?: Readonly<Record<string, unknown>>): unknown {
  if (inputs.mirrorTopicName !== undefined) return inputs.mirrorTopicName
  const oldMirror = previous?.mirrorTopicName
  const oldSource = previous?.sourceTopicName
  if (typeof oldMirror === 'string' && typeof oldSource === 'string' && oldMirror.endsWith(oldSource) && typeof inputs.sourceTopicName === 'string') {
    return oldMirror.slice(0, oldMirror.length - oldSource.length) + inputs.sourceTopicName
  }
  return inputs.sourceTopicName
}

/**
 * Which changes replace the mirror topic and which update it in place. `olds` are the previous outputs (the engine's
 * actual state after a refresh). A mirrorTopicName left to its default is not compared; a replacement whose mirror
 * topic keeps its name deletes first, because one destination cannot hold two topics of one name.
 */
export function diffMirrorTopicInputs(olds: Readonly<Record<string, unknown>>, news: Readonly<Record<string, unknown>>): InputDiff {
  const nextName = effectiveMirrorTopicName(news, olds)
  const keepsIdentity = !containsUnknown(nextName) && isSameValue(nextName, olds.mirrorTopicName)
  return diffFields(MIRROR_TOPIC_FIELDS, olds, news, { keepsIdentity })
}

/** Engine mirror_status values in which mirroring has ended and the topic is writable (or about to be). */
export const STOPPED_MIRROR_STATES = ['STOPPED', 'PENDING_STOPPED'] as const

/**
 * The declared status that the engine's actual mirror_status stands for, so a refresh shows drift: a mirror stopped
 * behind the tool's back reads as FAILED_OVER, a paused one as PAUSED. Failure states (FAILED, SOURCE_UNAVAILABLE,
 * LINK_FAILED, LINK_PAUSED) are health, not drift: they keep the declared ACTIVE or PAUSED and show in mirrorStatus. The
 * front ends read a FAILED mirror declared ACTIVE as FAILED on top of this (provider/lifecycle/mirror-resume.ts readBackStatus).
 */
export function observedMirrorStatus(mirrorStatus: string, declared: MirrorTopicStatus): MirrorTopicStatus {
  if ((STOPPED_MIRROR_STATES as readonly string[]).includes(mirrorStatus)) return declared === 'PROMOTED' || declared === 'FAILED_OVER' ? declared : 'FAILED_OVER'
  if (mirrorStatus === 'PAUSED') return 'PAUSED'
  if (mirrorStatus === 'ACTIVE' || mirrorStatus === 'PENDING_MIRROR') return 'ACTIVE'
  return declared === 'PROMOTED' || declared === 'FAILED_OVER' ? 'ACTIVE' : declared
}
