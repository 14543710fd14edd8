// The MirrorTopic provider methods (check, diff, create, read, update, delete) as plain async functions over an injected engine client.
import { describeMirror, isNotFoundError, waitForMirror, type Mirror } from '../client/index.ts'
import {
  createOrAdoptMirror, declaredStatusOf, directionOf, findOwnMirror, readBackStatus, readFailbackCheck, resumeFailedMirror, runFailback,
  shouldResumeFailedMirror,
} from '../lifecycle/index.ts'
import {
  STOPPED_MIRROR_STATES, checkCreateDirection, checkStatusTransition, diffMirrorTopicInputs, observedMirrorStatus, planFailback,
  resolveEngineConnection, validateMirrorTopicInputs, type FailbackCheck, type MirrorDirection, type MirrorTopicInputs,
  type MirrorTopicStatus,
} from '../spec/index.ts'
import { compact, type EngineApi, type ProviderContext, type ResourceProviderMethods } from './engine-api.ts'

const INPUT_KEYS = new Set(['linkName', 'sourceTopicName', 'mirrorTopicName', 'replicationFactor', 'configs', 'status', 'promoteTimeoutMs', 'onDelete',
  'direction', 'failbackMethod', 'endpoint', 'token', 'clusterId', 'adopt'])

/** How long create waits for a new mirror to leave PENDING_MIRROR, and pause, resume and failover for their state. */
const STATE_WAIT_MS = 60_000

/** Pulumi's way to a new mirror topic when the engine cannot resume a FAILED one. */
const PULUMI_REPLACE_HINT = 'recreate it: pulumi up --replace <URN of this MirrorTopic> (with onDelete: DELETE_TOPIC and the ' +
  'deleteBeforeReplace resource option applied first, so that the old topic goes before the new mirror topic of that name is created)'

function asInputs(raw: Record<string, unknown>): MirrorTopicInputs {
  // Outputs read back status FAILED for a FAILED mirror declared ACTIVE (provider/lifecycle/mirror-resume.ts).
  const picked = Object.fromEntries(Object.entries(raw)
    .filter(([key, value]) => INPUT_KEYS.has(key) && value !== undefined && value !== null)
    .map(([key, value]) => [key, key === 'status' ? declaredStatusOf(value) : value]))
  const result = validateMirrorTopicInputs(picked)
  if (!result.ok) throw new Error(`invalid MirrorTopic inputs: ${result.failures.map((f) => `${f.property}: ${f.reason}`).join('; ')}`)
  return result.value
}

const isStopped = (mirror: Mirror | undefined): boolean =>
  mirror !== undefined && (STOPPED_MIRROR_STATES as readonly string[]).includes(mirror.mirror_status)
const isFullyStopped = (mirror: Mirror | undefined): boolean => mirror?.mirror_status === 'STOPPED'

/** The failback a change from the previous outputs to the new inputs asks for (see planFailback), with the last refresh's dry run. */
function failbackPlanOf(olds: Record<string, unknown>, inputs: MirrorTopicInputs) {
  const priorDirection: MirrorDirection = olds.direction === 'REVERSE' ? 'REVERSE' : 'FORWARD'
  const check = (olds.failbackCheck ?? null) as FailbackCheck | null
  const mirror = String(inputs.mirrorTopicName ?? olds.mirrorTopicName ?? inputs.sourceTopicName)
  const topics = { source: inputs.sourceTopicName, mirror }
  return planFailback({ status: String(olds.status ?? 'ACTIVE'), direction: priorDirection }, inputs, topics, check)
}

export function createMirrorTopicProvider(context: ProviderContext): ResourceProviderMethods {
  const pollIntervalMs = context.pollIntervalMs ?? 250
  const clientOf = (inputs: MirrorTopicInputs): EngineApi =>
    context.clientFor({
      ...resolveEngineConnection(inputs, context.defaults), timeoutMs: Math.max(60_000, inputs.promoteTimeoutMs + 10_000),
    })

  const wait = (
    client: EngineApi, inputs: MirrorTopicInputs, name: string, isDone: (m: Mirror | undefined) => boolean, what: string, timeoutMs: number,
  ) =>
    waitForMirror(client, inputs.linkName, name, isDone, what, {
      timeoutMs,
      intervalMs: pollIntervalMs,
      failWhen: (m) => (m.mirror_status === 'FAILED' && !what.includes('STOPPED') ? `the mirror FAILED (${describeMirror(m)})` : undefined),
    })

  /** Brings the engine's mirror to the declared status: pause, resume, promote (lag-gated, bounded) or failover. */
  async function applyStatus(client: EngineApi, inputs: MirrorTopicInputs, name: string, mirror: Mirror): Promise<void> {
    const declared = inputs.status
    const actual = observedMirrorStatus(mirror.mirror_status, declared)
    if (isStopped(mirror) && declared !== 'PROMOTED' && declared !== 'FAILED_OVER') {
      throw new Error(checkStatusTransition('FAILED_OVER', declared, name) ?? `${name} is stopped`)
    }
    if (shouldResumeFailedMirror(mirror.mirror_status, declared)) {
      const timing = { timeoutMs: STATE_WAIT_MS, intervalMs: pollIntervalMs }
      await resumeFailedMirror(client, { linkName: inputs.linkName, mirrorTopicName: name, replaceHint: PULUMI_REPLACE_HINT, ...timing })
    } else if (declared === 'ACTIVE' && mirror.mirror_status === 'PAUSED') {
      await client.alterMirror(inputs.linkName, 'resume', name)
      // A resumed mirror passes through PENDING_MIRROR while its copiers restart: wait until it is running again.
      await wait(client, inputs, name, (m) => m !== undefined && m.mirror_status !== 'PAUSED' && m.mirror_status !== 'PENDING_MIRROR', 'resume', STATE_WAIT_MS)
    } else if (declared === 'PAUSED' && actual !== 'PAUSED') {
      await client.alterMirror(inputs.linkName, 'pause', name)
      await wait(client, inputs, name, (m) => m?.mirror_status === 'PAUSED', 'PAUSED', STATE_WAIT_MS)
    } else if (declared === 'PROMOTED' && !isStopped(mirror)) {
      await promote(client, inputs, name)
    } else if (declared === 'FAILED_OVER' && !isStopped(mirror)) {
      await client.alterMirror(inputs.linkName, 'failover', name)
      await wait(client, inputs, name, isFullyStopped, 'STOPPED after failover', STATE_WAIT_MS)
    }
  }

  /** Promote waits for lag 0: the engine refuses or holds the promote until then; retry within promoteTimeoutMs, then wait for STOPPED. */
  async function promote(client: EngineApi, inputs: MirrorTopicInputs, name: string): Promise<void> {
    const deadline = Date.now() + inputs.promoteTimeoutMs
    for (;;) {
      try {
        await client.alterMirror(inputs.linkName, 'promote', name)
        break
      } catch (error) {
        if (Date.now() >= deadline || isNotFoundError(error)) {
          const mirror = await client.findMirror(inputs.linkName, name).catch(() => undefined)
          throw new Error(`promote of ${name} did not succeed within ${inputs.promoteTimeoutMs} ms (${(error as Error).message}); ${describeMirror(mirror)}. ` +
            'Stop the producers on the source so lag can reach 0, raise promoteTimeoutMs, or use status FAILED_OVER to stop whatever the lag.')
        }
        await wait(client, inputs, name, (m) => m === undefined || isStopped(m) || (m.mirror_lags ?? []).every((l) => l.lag === 0), 'lag 0', Math.max(1000, deadline - Date.now()))
          .catch(() => undefined)
      }
    }
    await wait(client, inputs, name, isFullyStopped, 'STOPPED after promote', Math.max(1000, deadline - Date.now()))
  }

  /** The engine's actual mirror as outputs: declared inputs, the status the engine state stands for, lag and partitions. */
  function toOutputs(inputs: MirrorTopicInputs, mirror: Mirror, clusterId: string): Record<string, unknown> {
    const lags = (mirror.mirror_lags ?? [])
      .map((l) => ({ partition: l.partition, lag: l.lag, lastSourceFetchOffset: l.last_source_fetch_offset }))
    return compact({
      ...inputs,
      linkName: mirror.link_name,
      sourceTopicName: mirror.source_topic_name,
      mirrorTopicName: mirror.mirror_topic_name,
      clusterId,
      status: readBackStatus(mirror.mirror_status, inputs.status, observedMirrorStatus(mirror.mirror_status, inputs.status)),
      direction: directionOf(mirror),
      mirrorStatus: mirror.mirror_status,
      mirrorTopicError: mirror.mirror_topic_error ?? 'NO_ERROR',
      partitionCount: mirror.num_partitions ?? lags.length,
      mirrorLags: lags,
      totalLag: lags.reduce((sum, l) => sum + Math.max(0, l.lag), 0),
    })
  }

  return {
    async check(olds, news) {
      const result = validateMirrorTopicInputs(news, olds)
      if (!result.ok) return { inputs: news, failures: result.failures }
      const refused = olds.status === undefined ? checkCreateDirection(result.value.direction, result.value.adopt) : undefined
      if (refused) return { inputs: news, failures: [{ property: 'direction', reason: refused }] }
      return { inputs: compact(result.value as Record<string, unknown>) }
    },

    async diff(_id, olds, news) {
      const diff = diffMirrorTopicInputs(olds, news)
      // An impossible status change (a refresh found the mirror stopped) fails the preview with a message, not at apply.
      const turns = (news.direction ?? 'FORWARD') !== (olds.direction ?? 'FORWARD')
      if (typeof olds.status === 'string' && typeof news.status === 'string' && !diff.replaces.length && !turns) {
        const problem = checkStatusTransition(olds.status as MirrorTopicStatus, news.status as MirrorTopicStatus, String(olds.mirrorTopicName ?? ''))
        if (problem) throw new Error(problem)
      }
      if (turns && !diff.replaces.length) {
        // Uses the dry run stored at the last refresh: a REVERSE the engine would refuse fails the preview, naming the fix.
        const plan = failbackPlanOf(olds, asInputs({ ...news, mirrorTopicName: news.mirrorTopicName ?? olds.mirrorTopicName }))
        if ('error' in plan) throw new Error(plan.error)
      }
      return { changes: diff.changed.length > 0, replaces: [...diff.replaces], deleteBeforeReplace: diff.deleteBeforeReplace }
    },

    async create(raw) {
      const inputs = asInputs(raw)
      const client = clientOf(inputs)
      const clusterId = await client.clusterId()
      return createOrAdoptMirror(client, inputs, {
        refuseExisting: (existing) => new Error(`mirror topic ${existing.mirror_topic_name} already exists on link ${inputs.linkName} ` +
          `(status ${existing.mirror_status}); set adopt: true to manage it from this stack, or choose another mirrorTopicName`),
        settle: async (created) => {
          const name = created.mirror_topic_name
          // Started means copiers report lag: a pause sent while the engine still starts the mirror can be lost.
          const isStarted = (m: Mirror | undefined): boolean => m !== undefined && m.mirror_status !== 'PENDING_MIRROR' &&
            m.mirror_status !== 'FAILED' && (m.mirror_status !== 'ACTIVE' || (m.mirror_lags ?? []).length > 0)
          const ready = await wait(client, inputs, name, isStarted, 'the mirror to start', STATE_WAIT_MS)
          await applyStatus(client, inputs, name, ready as Mirror)
          const mirror = await client.getMirror(inputs.linkName, name)
          return { id: `${clusterId}/${inputs.linkName}/${name}`, outs: toOutputs(inputs, mirror, clusterId) }
        },
        pollIntervalMs,
      })
    },

    async read(id, props) {
      const inputs = asInputs(props)
      const client = clientOf(inputs)
      const mirror = await findOwnMirror(client, inputs)
      if (!mirror) return { id: '', props: {} }
      const failbackCheck = await readFailbackCheck(client, mirror)
      return { id, props: { ...props, ...toOutputs(inputs, mirror, await client.clusterId()), failbackCheck } }
    },

    async update(_id, olds, news) {
      const inputs = asInputs({ ...news, mirrorTopicName: news.mirrorTopicName ?? olds.mirrorTopicName })
      const client = clientOf(inputs)
      const name = inputs.mirrorTopicName as string
      const mirror = await client.findMirror(inputs.linkName, name)
      if (!mirror) throw new Error(`mirror topic ${name} no longer exists on link ${inputs.linkName}; run pulumi refresh, then pulumi up to create it again`)
      // The engine's own check decides at apply (the dry run in olds may be older than the records now on both sides).
      const plan = failbackPlanOf({ ...olds, direction: directionOf(mirror), failbackCheck: null }, inputs)
      if ('error' in plan) throw new Error(plan.error)
      let lastFailback = olds.lastFailback ?? null
      if (plan.action) {
        const timing = { timeoutMs: inputs.promoteTimeoutMs, intervalMs: pollIntervalMs }
        lastFailback = await runFailback(client, inputs.linkName, name, plan.action, timing)
      }
      await applyStatus(client, inputs, name, await client.getMirror(inputs.linkName, name))
      const after = await client.getMirror(inputs.linkName, name)
      const failbackCheck = await readFailbackCheck(client, after)
      return { outs: { ...toOutputs(inputs, after, await client.clusterId()), failbackCheck, lastFailback } }
    },

    async delete(_id, props) {
      const inputs = asInputs(props)
      const client = clientOf(inputs)
      const name = inputs.mirrorTopicName ?? inputs.sourceTopicName
      const mirror = await client.findMirror(inputs.linkName, name)
      if (mirror && !isStopped(mirror)) {
        await client.alterMirror(inputs.linkName, 'failover', name)
      }
      if (mirror && !isFullyStopped(mirror)) {
        await wait(client, inputs, name, (m) => m === undefined || isFullyStopped(m), 'STOPPED before delete', STATE_WAIT_MS)
      }
      if (inputs.onDelete === 'DELETE_TOPIC') {
        try {
          await client.deleteTopic(name)
        } catch (error) {
          if (!isNotFoundError(error)) throw error
        }
      }
    },
  }
}
