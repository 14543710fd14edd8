// The failback side of clusterlink_mirror_topic: the computed attributes that show at plan what a change of direction
// will do (planned_failback, reverse_blocked_by, records_to_set_aside) and where the last one put records.
import { readFailbackCheck, runFailback, type FailbackClient, type FailbackOutcome } from '../lifecycle/index.ts'
import { checkCreateDirection, planFailback, type FailbackMethod, type FailbackPlan, type MirrorDirection } from '../spec/index.ts'
import type { Mirror } from '../client/index.ts'
import type { AttributeSchema } from './terraform-schema.ts'
import type { TerraformObject } from './terraform-value.ts'

export const FAILBACK_OUTPUT_ATTRIBUTES: readonly AttributeSchema[] = [
  {
    name: 'planned_failback', type: 'string', computed: true,
    description: 'Set by plan when direction changes: the action (reverse-and-start, reverse-and-pause or truncate-and-restore), ' +
      'which topic becomes the mirror, and how many records a restore sets aside (as of the refresh). Null otherwise.',
  },
  {
    name: 'reverse_blocked_by', type: 'string', computed: true, volatile: true,
    description: 'For a STOPPED mirror, at the last refresh: why a failback_method = "REVERSE" would be refused (the engine\'s dry run), or null.',
  },
  {
    name: 'records_to_set_aside', type: 'number', computed: true, volatile: true,
    description: 'For a STOPPED mirror, at the last refresh: records after the failover point that failback_method = "TRUNCATE_AND_RESTORE" would set aside.',
  },
  {
    name: 'truncated_records_topic', type: 'string', computed: true, volatile: true,
    description: 'Where the last truncate-and-restore kept the records it set aside (a topic on the cluster of the side that became the mirror), or null.',
  },
  {
    name: 'messages_truncated', type: 'number', computed: true, volatile: true,
    description: 'How many records the last truncate-and-restore set aside into truncated_records_topic.',
  },
]

const asDirection = (value: unknown): MirrorDirection => (value === 'REVERSE' ? 'REVERSE' : 'FORWARD')
const str = (value: unknown): string | undefined => (typeof value === 'string' ? value : undefined)

/** The failback a plan from `prior` to `planned` asks for, using the refresh's dry run in `prior`. */
export function failbackPlanOf(prior: TerraformObject, planned: TerraformObject, useCheck = true): FailbackPlan {
  const reverseBlockedBy = str(prior.reverse_blocked_by) ?? null
  const recordsToSetAside = typeof prior.records_to_set_aside === 'number' ? prior.records_to_set_aside : 0
  const hasCheck = useCheck && (reverseBlockedBy !== null || typeof prior.records_to_set_aside === 'number')
  const source = str(planned.source_topic_name) ?? ''
  return planFailback(
    { status: str(prior.status) ?? 'ACTIVE', direction: asDirection(prior.direction) },
    { status: str(planned.status) ?? 'ACTIVE', direction: asDirection(planned.direction), failbackMethod: (str(planned.failback_method) ?? 'REVERSE') as FailbackMethod },
    { source, mirror: str(planned.mirror_topic_name) ?? source },
    hasCheck ? { reverseBlockedBy, recordsToSetAside } : null,
  )
}

/** Plan-time rules: a refusal (the message says what to change) or the planned_failback text to show. */
export function planFailbackAttributes(
  prior: TerraformObject | null, planned: TerraformObject,
): { error?: string; planned: TerraformObject } {
  if (prior === null) {
    const refused = checkCreateDirection(asDirection(planned.direction), planned.adopt === true)
    return refused ? { error: refused, planned } : { planned: { ...planned, planned_failback: null } }
  }
  const plan = failbackPlanOf(prior, planned)
  if ('error' in plan) return { error: plan.error, planned }
  return { planned: { ...planned, planned_failback: plan.action ? plan.summary : null } }
}

/** The failback attributes of a state read from the engine: the dry run of a stopped mirror, the last outcome kept. */
export async function failbackStateOf(
  client: FailbackClient, mirror: Mirror, current: TerraformObject, options: { readonly keepPlanned: boolean },
): Promise<TerraformObject> {
  const check = await readFailbackCheck(client, mirror)
  return {
    planned_failback: options.keepPlanned ? current.planned_failback ?? null : null,
    reverse_blocked_by: check?.reverseBlockedBy ?? null,
    records_to_set_aside: check ? check.recordsToSetAside : null,
    truncated_records_topic: str(current.truncated_records_topic) ?? null,
    messages_truncated: typeof current.messages_truncated === 'number' ? current.messages_truncated : null,
  }
}

/** Runs the failback an apply from `prior` to `planned` asks for (the engine's own check decides); returns the attributes it sets. */
export async function applyFailback(
  client: FailbackClient, prior: TerraformObject, planned: TerraformObject, timeoutMs: number,
): Promise<TerraformObject> {
  const linkName = String(planned.link_name)
  const mirrorTopicName = String(planned.mirror_topic_name)
  const mirror = await client.getMirror(linkName, mirrorTopicName)
  const plan = failbackPlanOf({ ...prior, direction: mirror.mirror_direction ?? 'FORWARD' }, planned, false)
  if ('error' in plan) throw new Error(plan.error)
  if (!plan.action) return {}
  const outcome: FailbackOutcome = await runFailback(client, linkName, mirrorTopicName, plan.action, { timeoutMs })
  // A reverse sets nothing aside: the state keeps saying where the last truncate-and-restore put records.
  if (outcome.action !== 'truncate-and-restore') return {}
  return { truncated_records_topic: outcome.truncatedRecordsTopic, messages_truncated: outcome.messagesTruncated }
}
