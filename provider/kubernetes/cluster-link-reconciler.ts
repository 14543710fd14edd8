// Brings the engine's cluster link to a ClusterLink resource: create or adopt, update configs in place, replace, repair drift, delete.
import { isNotFoundError, type EngineClient, type Link, type LinkConfig } from '../client/index.ts'
import { createOrAdoptLink, planLinkConfigChanges } from '../lifecycle/index.ts'
import { diffClusterLinkInputs, fromLinkConfigs, toLinkConfigs, type ClusterLinkInputs } from '../spec/index.ts'
import { ReconcileRefusal, type ReconcileEvent, type ReconcileOutcome } from './reconcile-outcome.ts'

export type LinkEngine = Pick<EngineClient,
  'clusterId' | 'findLink' | 'listLinkConfigs' | 'alterLinkConfigs' | 'createLink' | 'deleteLink' | 'listMirrors'>

export interface LinkReconcileInput {
  readonly inputs: ClusterLinkInputs
  /** This resource created or adopted the link before (status.linkName): a link it does not own is never changed or deleted. */
  readonly owned: boolean
  /** The spec changed since the last reconcile (metadata.generation ≠ status.observedGeneration): a change is an update, not drift. */
  readonly specChanged: boolean
  /** The link configs this controller last sent: sensitive ones never come back from the engine, so they are sent only when they change. */
  readonly previousDesired: Readonly<Record<string, string>>
}

function observedInputs(inputs: ClusterLinkInputs, link: Link, configs: readonly LinkConfig[]): Record<string, unknown> {
  const observed = fromLinkConfigs(configs.map((c) => ({ name: c.name, value: c.value, isDefault: c.is_default === true })), inputs)
  return { ...inputs, ...observed, sourceClusterId: link.source_cluster_id ?? inputs.sourceClusterId }
}

async function linkStatus(engine: LinkEngine, linkName: string): Promise<Record<string, unknown>> {
  const link = await engine.findLink(linkName)
  if (!link) throw new Error(`cluster link ${linkName} is not on the engine right after it was written; check the engine's logs`)
  return {
    linkName: link.link_name,
    clusterId: await engine.clusterId(),
    linkId: link.cluster_link_id ?? link.link_id ?? undefined,
    sourceClusterId: link.source_cluster_id ?? undefined,
    linkState: link.link_state ?? 'UNKNOWN',
    linkError: link.link_error ?? 'NO_ERROR',
    linkErrorMessage: link.link_error_message ?? '',
    mirrorTopicNames: link.topic_names ?? [],
  }
}

const refuseExisting = (linkName: string): Error => new ReconcileRefusal('AlreadyExists',
  `cluster link ${linkName} already exists on the engine and this resource did not create it; ` +
  'set spec.adopt: true to manage it, or choose another linkName')

/** Refuses to remove a link whose mirrors still run, unless forceDelete (the rule Pulumi's and Terraform's delete keep). */
async function checkMirrorsStopped(engine: LinkEngine, inputs: ClusterLinkInputs, what: string): Promise<void> {
  if (inputs.forceDelete) return
  const running = (await engine.listMirrors(inputs.linkName)).filter((m) => m.mirror_status !== 'STOPPED')
  if (running.length === 0) return
  const names = running.map((m) => `${m.mirror_topic_name} (${m.mirror_status})`).join(', ')
  throw new ReconcileRefusal(what === 'delete' ? 'DeleteBlocked' : 'ReplaceBlocked',
    `cannot ${what} cluster link ${inputs.linkName}: ${running.length} mirror topic(s) are not STOPPED: ${names}. ` +
    'Set their MirrorTopic status to PROMOTED or FAILED_OVER, delete those MirrorTopics, or set spec.forceDelete: true.')
}

/** One reconcile: the engine ends up holding the declared link and configs; the outcome says what changed. */
export async function reconcileClusterLink(engine: LinkEngine, request: LinkReconcileInput): Promise<ReconcileOutcome> {
  const { inputs, owned } = request
  const name = inputs.linkName
  const events: ReconcileEvent[] = []
  const link = await engine.findLink(name)
  if (!link || !owned) {
    if (link && !inputs.adopt) throw refuseExisting(name)
    await createOrAdoptLink(engine, inputs, { refuseExisting, readBack: async () => undefined })
    const verb = link ? 'Adopted' : owned ? 'Recreated' : 'Created'
    const message = link ? `adopted cluster link ${name} and aligned its configs`
      : owned ? `cluster link ${name} was missing on the engine: created it again` : `created cluster link ${name}`
    events.push({ type: owned && !link ? 'Warning' : 'Normal', reason: verb, message })
    return { status: await linkStatus(engine, name), events }
  }
  const configs = await engine.listLinkConfigs(name)
  const diff = diffClusterLinkInputs(observedInputs(inputs, link, configs), inputs)
  if (diff.replaces.length > 0) {
    await checkMirrorsStopped(engine, inputs, 'replace')
    await engine.deleteLink(name, { force: inputs.forceDelete || undefined })
    await createOrAdoptLink(engine, { ...inputs, adopt: false }, { refuseExisting, readBack: async () => undefined })
    events.push({ type: 'Normal', reason: 'Replaced', message: `replaced cluster link ${name} (changed: ${diff.replaces.join(', ')})` })
    return { status: await linkStatus(engine, name), events }
  }
  const operations = planLinkConfigChanges(toLinkConfigs(inputs), configs, request.previousDesired)
  if (operations.length > 0) {
    await engine.alterLinkConfigs(name, operations)
    const names = [...new Set(operations.map((op) => op.name))].join(', ')
    events.push(request.specChanged
      ? { type: 'Normal', reason: 'Updated', message: `updated cluster link ${name}: ${names}` }
      : { type: 'Normal', reason: 'DriftRepaired', message: `cluster link ${name} was changed outside this resource: set ${names} back` })
  }
  return { status: await linkStatus(engine, name), events }
}

/** Deletes the link a resource owns, following forceDelete; a link already gone counts as deleted. */
export async function deleteClusterLink(engine: LinkEngine, inputs: ClusterLinkInputs): Promise<ReconcileEvent[]> {
  try {
    await checkMirrorsStopped(engine, inputs, 'delete')
    await engine.deleteLink(inputs.linkName, { force: inputs.forceDelete || undefined })
  } catch (error) {
    if (isNotFoundError(error)) return []
    throw error
  }
  return [{ type: 'Normal', reason: 'Deleted', message: `deleted cluster link ${inputs.linkName}` }]
}
