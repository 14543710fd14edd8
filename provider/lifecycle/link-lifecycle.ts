// The one create-or-adopt flow of a cluster link that the Pulumi and Terraform front ends both call.
import type { CreateLinkBody, EngineClient } from '../client/index.ts'
import { toLinkConfigs, type ClusterLinkInputs } from '../spec/index.ts'
import { adoptionProblem, planLinkConfigChanges } from './link-config-changes.ts'

/** What the flow needs from the engine client. */
export type LinkLifecycleClient = Pick<EngineClient, 'findLink' | 'listLinkConfigs' | 'alterLinkConfigs' | 'createLink' | 'deleteLink'>

/** The parts each front end supplies: its own wording and its own read-back. */
export interface LinkCreateHooks<T> {
  /** The error for a link that exists while adopt is false; each tool names its own way out (adopt, import). */
  readonly refuseExisting: (linkName: string) => Error
  /** Reads the link back as the tool's outputs or state; throws when it cannot. */
  readonly readBack: () => Promise<T>
}

/** Connection configs: an INBOUND link's source half carries them as local.* (engine/link/link-modes.ts). */
const isConnectionConfig = (name: string) => name === 'bootstrap.servers' || name === 'security.protocol' || name.startsWith('sasl.') || name.startsWith('ssl.')

/**
 * The create requests of a link: one, or for connectionMode INBOUND (source-initiated) Confluent's two in order, the
 * INBOUND half without the source connection and then the source half that brings it (one resource orders both halves).
 */
export function createRequests(inputs: ClusterLinkInputs, desired: Readonly<Record<string, string>>): [CreateLinkBody, CreateLinkBody?] {
  const pairs = (entries: Array<[string, string]>) => entries.map(([name, value]) => ({ name, value }))
  const sourceId = inputs.sourceClusterId ? { source_cluster_id: inputs.sourceClusterId } : {}
  if (inputs.connectionMode !== 'INBOUND') return [{ ...sourceId, configs: pairs(Object.entries(desired)) }]
  const inbound = Object.entries(desired).filter(([name]) => !isConnectionConfig(name))
  const connection = Object.entries(desired).filter(([name]) => isConnectionConfig(name)).map(([name, value]): [string, string] => [`local.${name}`, value])
  return [{ ...sourceId, configs: pairs(inbound) }, { configs: pairs([['link.mode', 'SOURCE'], ['connection.mode', 'OUTBOUND'], ...connection]) }]
}

/**
 * Creates the declared link, or adopts the existing one of that name when `adopt` is set: an adopted link must agree
 * on the configs fixed at creation, and its other configs are aligned to the declared ones (undeclared ones reset).
 * A failed create leaves nothing behind: the link this call made is deleted again; an adopted link is never deleted.
 */
export async function createOrAdoptLink<T>(client: LinkLifecycleClient, inputs: ClusterLinkInputs, hooks: LinkCreateHooks<T>): Promise<T> {
  const existing = await client.findLink(inputs.linkName)
  if (existing && !inputs.adopt) throw hooks.refuseExisting(inputs.linkName)
  const desired = toLinkConfigs(inputs)
  if (existing) {
    const observed = await client.listLinkConfigs(inputs.linkName)
    const problem = adoptionProblem(inputs.linkName, desired, observed)
    if (problem) throw new Error(problem)
    const operations = planLinkConfigChanges(desired, observed)
    if (operations.length > 0) await client.alterLinkConfigs(inputs.linkName, operations)
    return hooks.readBack()
  }
  const halves = createRequests(inputs, desired)
  await client.createLink(inputs.linkName, halves[0])
  try {
    if (halves[1]) await client.createLink(inputs.linkName, halves[1])
    return await hooks.readBack()
  } catch (error) {
    await client.deleteLink(inputs.linkName, { force: true }).catch(() => undefined)
    throw error
  }
}
