// Brings the engine's mirror topic to a MirrorTopic resource: create or adopt, declared status and failback, drift, delete per onDelete.
import { EngineApiError, describeMirror, isNotFoundError, waitForMirror, type EngineClient, type Mirror } from '../client/index.ts'
import { MirrorNeedsRecreateError, createOrAdoptMirror, directionOf, findOwnMirror, readBackStatus, runFailback } from '../lifecycle/index.ts'
import { STOPPED_MIRROR_STATES, checkCreateDirection, observedMirrorStatus, planFailback, type MirrorTopicInputs } from '../spec/index.ts'
import { applyMirrorStatus } from '../terraform/apply-mirror-status.ts'
import { ReconcileRefusal, type ReconcileEvent, type ReconcileOutcome } from './reconcile-outcome.ts'

export interface MirrorReconcileInput {
  readonly inputs: MirrorTopicInputs
  /** The mirror topic this resource created or adopted before (status.mirrorTopicName), if any. */
  readonly ownedName: string | undefined
  /** The spec changed since the last reconcile: a status action is then an update, not a drift repair. */
  readonly specChanged: boolean
  /** Poll interval while waiting for the engine; default 250 ms. */
  readonly pollIntervalMs?: number
}

/** How long create waits for a new mirror to start, and pause, resume and failover for their state. */
const STATE_WAIT_MS = 60_000

/** The Kubernetes way to a new mirror topic when the engine cannot resume a FAILED one. */
const KUBERNETES_REPLACE_HINT = 'recreate it: set spec.onDelete: DELETE_TOPIC, delete this MirrorTopic, then apply it again'

const isStopped = (mirror: Mirror | undefined): boolean =>
  mirror !== undefined && (STOPPED_MIRROR_STATES as readonly string[]).includes(mirror.mirror_status)

/** The status fields of a mirror: engine state, the declared status it stands for, lag per partition. */
export function mirrorStatusOf(mirror: Mirror, declared: MirrorTopicInputs['status'], clusterId: string): Record<string, unknown> {
  const lags = (mirror.mirror_lags ?? [])
    .map((l) => ({ partition: l.partition, lag: l.lag, lastSourceFetchOffset: l.last_source_fetch_offset }))
  return {
    mirrorTopicName: mirror.mirror_topic_name,
    clusterId,
    mirrorStatus: mirror.mirror_status,
    observedStatus: readBackStatus(mirror.mirror_status, declared, observedMirrorStatus(mirror.mirror_status, declared)),
    direction: directionOf(mirror),
    mirrorTopicError: mirror.mirror_topic_error ?? 'NO_ERROR',
    partitionCount: mirror.num_partitions ?? lags.length,
    totalLag: lags.reduce((sum, l) => sum + Math.max(0, l.lag), 0),
    mirrorLags: lags,
  }
}

async function settle(engine: EngineClient, request: MirrorReconcileInput, mirror: Mirror): Promise<ReconcileEvent[]> {
  const { inputs } = request
  const name = mirror.mirror_topic_name
  const before = mirror.mirror_status
  const after = await applyMirrorStatus(engine, {
    linkName: inputs.linkName, mirrorTopicName: name, desired: inputs.status,
    promoteTimeoutMs: inputs.promoteTimeoutMs, transitionTimeoutMs: STATE_WAIT_MS, replaceHint: KUBERNETES_REPLACE_HINT,
  }).catch((error: unknown) => {
    // A FAILED mirror declared ACTIVE whose failure the engine cannot retry: only a new mirror topic mirrors again.
    if (error instanceof MirrorNeedsRecreateError) throw new ReconcileRefusal('MirrorNeedsRecreate', error.message)
    // A mirror stopped behind the resource's back cannot run again: the user has to declare what they want.
    if (isStopped(mirror) && !isNotFoundError(error)) throw new ReconcileRefusal('MirrorStopped', (error as Error).message)
    throw error
  })
  if (!after || after.mirror_status === before) return []
  const message = `${name}: ${before} → ${after.mirror_status} (declared ${inputs.status})`
  return [request.specChanged
    ? { type: 'Normal', reason: 'StatusChanged', message }
    : { type: 'Normal', reason: 'DriftRepaired', message: `${message}; it was changed outside this resource` }]
}

/**
 * A declared direction that differs from the engine's is a failback (provider/spec planFailback): run on a stopped mirror,
 * refused with the spec's message otherwise. The engine's own refusal (records the other side lacks) says what to change.
 */
async function failBack(
  engine: EngineClient, request: MirrorReconcileInput, mirror: Mirror,
): Promise<{ events: ReconcileEvent[]; status: Record<string, unknown> }> {
  const { inputs } = request
  const direction = directionOf(mirror)
  if (direction === inputs.direction) return { events: [], status: {} }
  const name = mirror.mirror_topic_name
  const prior = { status: observedMirrorStatus(mirror.mirror_status, inputs.status), direction }
  const plan = planFailback(prior, inputs, { source: inputs.sourceTopicName, mirror: name })
  if ('error' in plan) throw new ReconcileRefusal('FailbackRefused', plan.error)
  if (!plan.action) return { events: [], status: {} }
  let outcome
  try {
    const wait = { timeoutMs: inputs.promoteTimeoutMs, intervalMs: request.pollIntervalMs ?? 250 }
    outcome = await runFailback(engine, inputs.linkName, name, plan.action, wait)
  } catch (error) {
    if (error instanceof EngineApiError && error.httpStatus === 200) throw new ReconcileRefusal('FailbackRefused', error.message)
    throw error
  }
  const topic = outcome.truncatedRecordsTopic ?? ''
  const setAside = outcome.messagesTruncated > 0 ? `; ${outcome.messagesTruncated} record(s) set aside in ${topic}` : ''
  return {
    events: [{ type: 'Normal', reason: 'FailedBack', message: `${plan.summary}${setAside}` }],
    status: { lastFailback: { action: outcome.action, messagesTruncated: outcome.messagesTruncated, truncatedRecordsTopic: topic } },
  }
}

/** One reconcile: the engine ends up holding the declared mirror in the declared status; the outcome says what changed. */
export async function reconcileMirrorTopic(engine: EngineClient, request: MirrorReconcileInput): Promise<ReconcileOutcome> {
  const { inputs, ownedName } = request
  const identity = { ...inputs, mirrorTopicName: inputs.mirrorTopicName ?? ownedName }
  const clusterId = await engine.clusterId()
  const events: ReconcileEvent[] = []
  const existing = await findOwnMirror(engine, identity)
  if (existing && !ownedName && !inputs.adopt) {
    throw new ReconcileRefusal('AlreadyExists', `mirror topic ${existing.mirror_topic_name} already exists on link ${inputs.linkName} ` +
      `(status ${existing.mirror_status}) and this resource did not create it; ` +
      'set spec.adopt: true to manage it, or choose another mirrorTopicName')
  }
  if (!existing && ownedName && (inputs.status === 'PROMOTED' || inputs.status === 'FAILED_OVER')) {
    throw new ReconcileRefusal('NotFound', `mirror topic ${ownedName} is no longer on the engine and is declared ${inputs.status}, ` +
      'so it is not mirrored again; delete this MirrorTopic, or declare a new one to mirror again')
  }
  const createProblem = existing ? undefined : checkCreateDirection(inputs.direction, inputs.adopt)
  if (createProblem) throw new ReconcileRefusal('InvalidSpec', `spec.direction: ${createProblem}`)
  if (!existing || !ownedName) {
    const mirror = await createOrAdoptMirror(engine, identity, {
      refuseExisting: () => new Error('unreachable: refused above'),
      settle: async (created) => {
        const name = created.mirror_topic_name
        // Started means copiers report lag: a pause sent while the engine still starts the mirror can be lost.
        const isStarted = (m: Mirror | undefined): boolean => m !== undefined && m.mirror_status !== 'PENDING_MIRROR' &&
          (m.mirror_status !== 'ACTIVE' || (m.mirror_lags ?? []).length > 0)
        const ready = existing ?? await waitForMirror(engine, inputs.linkName, name, isStarted, 'the mirror to start', {
          timeoutMs: STATE_WAIT_MS,
          intervalMs: request.pollIntervalMs ?? 250,
          failWhen: (m) => (m.mirror_status === 'FAILED' ? `the mirror FAILED (${describeMirror(m)})` : undefined),
        })
        await settle(engine, { ...request, specChanged: true }, ready as Mirror)
        return engine.getMirror(inputs.linkName, name)
      },
      ...(request.pollIntervalMs ? { pollIntervalMs: request.pollIntervalMs } : {}),
    })
    const name = mirror.mirror_topic_name
    const [reason, message] = existing ? ['Adopted', `adopted mirror topic ${name}`]
      : ownedName ? ['Recreated', `mirror topic ${name} was missing on the engine: created it again`]
        : ['Created', `created mirror topic ${name} on link ${inputs.linkName}`]
    events.push({ type: ownedName ? 'Warning' : 'Normal', reason, message: `${message} (${mirror.mirror_status})` })
    return { status: mirrorStatusOf(mirror, inputs.status, clusterId), events }
  }
  const failback = await failBack(engine, request, existing)
  events.push(...failback.events)
  const current = failback.events.length > 0 ? await engine.getMirror(inputs.linkName, existing.mirror_topic_name) : existing
  events.push(...await settle(engine, request, current))
  const mirror = await engine.getMirror(inputs.linkName, existing.mirror_topic_name)
  return { status: { ...mirrorStatusOf(mirror, inputs.status, clusterId), ...failback.status }, events }
}

/** Deletes what a resource owns: fail the mirror over (wait for STOPPED), then with DELETE_TOPIC delete the topic and its records. */
export async function deleteMirrorTopic(
  engine: EngineClient, inputs: MirrorTopicInputs, name: string, pollIntervalMs = 250,
): Promise<ReconcileEvent[]> {
  const mirror = await engine.findMirror(inputs.linkName, name)
  if (mirror && !isStopped(mirror)) await engine.alterMirror(inputs.linkName, 'failover', name)
  if (mirror && mirror.mirror_status !== 'STOPPED') {
    await waitForMirror(engine, inputs.linkName, name, (m) => m === undefined || m.mirror_status === 'STOPPED', 'STOPPED before delete', {
      timeoutMs: STATE_WAIT_MS, intervalMs: pollIntervalMs,
    })
  }
  if (inputs.onDelete !== 'DELETE_TOPIC') {
    const message = `stopped mirroring ${name}; the topic and its records stay (onDelete STOP_AND_KEEP_TOPIC)`
    return [{ type: 'Normal', reason: 'Stopped', message }]
  }
  try {
    await engine.deleteTopic(name)
  } catch (error) {
    if (!isNotFoundError(error)) throw error
  }
  return [{ type: 'Normal', reason: 'Deleted', message: `stopped mirroring ${name} and deleted the topic (onDelete DELETE_TOPIC)` }]
}
