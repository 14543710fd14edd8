// The one create-or-adopt flow of a cluster link that the Pulumi and Terraform front ends both call.
import type { EngineClient } from '../client/index.ts'
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
  await client.createLink(inputs.linkName, {
    ...(inputs.sourceClusterId ? { source_cluster_id: inputs.sourceClusterId } : {}),
    configs: Object.entries(desired).map(([name, value]) => ({ name, value })),
  })
  try {
    return await hooks.readBack()
  } catch (error) {
    await client.deleteLink(inputs.linkName, { force: true }).catch(() => undefined)
    throw error
  }
}
