// The one way to find a mirror topic's mirror on the engine, and the one create-or-adopt flow the IaC front ends call.
import { isNotFoundError, waitForMirror, type CreateMirrorBody, type EngineClient, type Mirror } from '../client/index.ts'
import type { MirrorTopicInputs } from '../spec/index.ts'

/** What the flow needs from the engine client. */
export type MirrorLifecycleClient = Pick<EngineClient, 'findMirror' | 'listLinkConfigs' | 'createMirror' | 'alterMirror' | 'deleteTopic'>

/** The inputs that say which mirror a resource stands for. */
export type MirrorIdentity = Pick<MirrorTopicInputs, 'linkName' | 'sourceTopicName' | 'mirrorTopicName'>

/**
 * The mirror of a resource: the one named `mirrorTopicName`, else the one the engine names by default (the link's
 * `cluster.link.prefix` + the source topic name) when it copies that source topic. Another mirror of the same source
 * topic under another name belongs to whoever named it, so it is neither refused, nor adopted, nor read.
 */
export async function findOwnMirror(
  client: Pick<MirrorLifecycleClient, 'findMirror' | 'listLinkConfigs'>, inputs: MirrorIdentity,
): Promise<Mirror | undefined> {
  if (inputs.mirrorTopicName) return client.findMirror(inputs.linkName, inputs.mirrorTopicName)
  let configs
  try {
    configs = await client.listLinkConfigs(inputs.linkName)
  } catch (error) {
    if (isNotFoundError(error)) return undefined
    throw error
  }
  const prefix = configs.find((config) => config.name === 'cluster.link.prefix')?.value ?? ''
  const mirror = await client.findMirror(inputs.linkName, `${prefix}${inputs.sourceTopicName}`)
  return mirror?.source_topic_name === inputs.sourceTopicName ? mirror : undefined
}

/** The body of the create request for a mirror topic's inputs. */
export function createMirrorBody(inputs: MirrorTopicInputs): CreateMirrorBody {
  return {
    source_topic_name: inputs.sourceTopicName,
    ...(inputs.mirrorTopicName ? { mirror_topic_name: inputs.mirrorTopicName } : {}),
    ...(inputs.replicationFactor ? { replication_factor: inputs.replicationFactor } : {}),
    ...(inputs.configs ? { configs: Object.entries(inputs.configs).map(([name, value]) => ({ name, value })) } : {}),
  }
}

/** The parts each front end supplies: its own wording, how it brings the mirror to its declared status and reads it back. */
export interface MirrorCreateHooks<T> {
  /** The error for a mirror that exists while adopt is false; each tool names its own way out (adopt, import). */
  readonly refuseExisting: (mirror: Mirror) => Error
  /** Brings the mirror to the declared status and reads it back as the tool's outputs or state. */
  readonly settle: (mirror: Mirror) => Promise<T>
  /** Poll interval while a failed create is undone; default 250 ms. */
  readonly pollIntervalMs?: number
}

/** How long undoing a failed create waits for the engine to drop the mirror. */
const REMOVE_WAIT_MS = 60_000

/**
 * Creates the declared mirror topic, or adopts the existing one (see findOwnMirror) when `adopt` is set, then settles
 * it. A failed create leaves nothing behind: the mirror this call made is failed over, its topic deleted and the
 * engine waited for until it no longer lists it; an adopted mirror is never touched.
 */
export async function createOrAdoptMirror<T>(
  client: MirrorLifecycleClient, inputs: MirrorTopicInputs, hooks: MirrorCreateHooks<T>,
): Promise<T> {
  const existing = await findOwnMirror(client, inputs)
  if (existing && !inputs.adopt) throw hooks.refuseExisting(existing)
  if (!existing) await client.createMirror(inputs.linkName, createMirrorBody(inputs))
  const mirror = existing ?? await findOwnMirror(client, inputs)
  if (!mirror) {
    const name = inputs.mirrorTopicName ?? inputs.sourceTopicName
    throw new Error(`the engine accepted mirror topic ${name} on link ${inputs.linkName} but does not list it; check the engine's logs`)
  }
  try {
    return await hooks.settle(mirror)
  } catch (error) {
    if (!existing) await removeCreatedMirror(client, inputs.linkName, mirror.mirror_topic_name, hooks.pollIntervalMs).catch(() => undefined)
    throw error
  }
}

/** Undoes a create: stop mirroring, delete the topic (how a mirror goes for good) and wait until the engine drops the mirror. */
async function removeCreatedMirror(
  client: MirrorLifecycleClient, linkName: string, mirrorTopicName: string, intervalMs = 250,
): Promise<void> {
  await client.alterMirror(linkName, 'failover', mirrorTopicName).catch(() => undefined)
  try {
    await client.deleteTopic(mirrorTopicName)
  } catch (error) {
    if (!isNotFoundError(error)) throw error
  }
  const isGone = (mirror: Mirror | undefined): boolean => mirror === undefined
  await waitForMirror(client, linkName, mirrorTopicName, isGone, 'the mirror topic to be deleted', {
    timeoutMs: REMOVE_WAIT_MS, intervalMs,
  })
}
