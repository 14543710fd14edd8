// The AclSync link job: copies the source ACLs selected by `acl.filters` to the destination and removes the link's stale copies.
import { EngineError } from '../errors.ts'
import type { Logger } from '../logging/index.ts'
import type { MetricsRegistry } from '../metrics/index.ts'
import { parseAclFilters, type AclBinding, type AclFilter } from './acl-sync-filters.ts'
import { isSameAclRecord, planAclSync } from './acl-sync-plan.ts'
import type { ClusterAdmin } from './kafka-admin.ts'
import { linkConfigValue } from './link-configs.ts'
import type { LinkStateName } from './mirror-status.ts'

/** What the last run found; a problem is a standing condition (reported once on change, shown as the task's error), not a failure. */
export type AclSyncStatus =
  | { readonly ok: true; readonly acls: number }
  | {
    readonly ok: false
    readonly errorCode: 'SECURITY_DISABLED_ERROR' | 'AUTHORIZATION_ERROR' | 'MISCONFIGURATION_ERROR'
    readonly message: string
  }

export interface AclSyncContext {
  readonly logger: Logger
  configs(): Readonly<Record<string, string>>
  linkState(): LinkStateName
  isCoordinator(): boolean
  source(): ClusterAdmin
  readonly destination: ClusterAdmin
  /** The bindings this link created on the destination, from the link's state record. */
  created(): readonly AclBinding[]
  /** Writes the record to the state store (before creating, so a crash never forgets a copy it made). */
  persistCreated(created: readonly AclBinding[]): Promise<void>
  report(status: AclSyncStatus): void
  countChanges(change: 'created' | 'deleted', count: number): void
}

function noAuthorizer(side: 'source' | 'destination'): AclSyncStatus {
  return {
    ok: false, errorCode: 'SECURITY_DISABLED_ERROR',
    message: `the ${side} cluster has no authorizer (DescribeAcls answered SECURITY_DISABLED), so there are no ACLs to sync; `
      + 'configure an authorizer on both clusters or set acl.sync.enable to false',
  }
}

/**
 * One run: read both sides, plan (acl-sync-plan.ts), record what will be created, create, delete, record the result.
 * Only the link's coordinator runs it, so one replica writes the record.
 */
export async function runAclSync(ctx: AclSyncContext): Promise<void> {
  const configs = ctx.configs()
  if (linkConfigValue(configs, 'acl.sync.enable') !== 'true' || ctx.linkState() !== 'ACTIVE' || !ctx.isCoordinator()) return
  const parsed = parseAclFilters(linkConfigValue(configs, 'acl.filters'))
  if ('problem' in parsed) {
    ctx.report({ ok: false, errorCode: 'MISCONFIGURATION_ERROR', message: `acl.filters ${parsed.problem}` })
    return
  }
  const source = ctx.source()
  const { listAcls, createAcls, deleteAcls } = ctx.destination
  if (!source.listAcls || !listAcls || !createAcls || !deleteAcls) {
    ctx.report({ ok: false, errorCode: 'MISCONFIGURATION_ERROR', message: 'this cluster access layer cannot list or change ACLs' })
    return
  }
  const destination = { createAcls: createAcls.bind(ctx.destination), deleteAcls: deleteAcls.bind(ctx.destination) }
  let side: 'source' | 'destination' = 'source'
  try {
    const sourceAcls = await source.listAcls()
    if (sourceAcls === undefined) return ctx.report(noAuthorizer('source'))
    side = 'destination'
    const destinationAcls = await listAcls.call(ctx.destination)
    if (destinationAcls === undefined) return ctx.report(noAuthorizer('destination'))
    await applyPlan(ctx, destination, sourceAcls, destinationAcls, parsed.filters)
  } catch (error) {
    if (!(error instanceof EngineError) || error.code !== 'FORBIDDEN') throw error
    const who = side === 'source' ? 'the link\'s principal on the source' : 'the engine\'s principal on the destination'
    ctx.report({ ok: false, errorCode: 'AUTHORIZATION_ERROR', message: `${who} may not read or change ACLs (${error.message})` })
  }
}

async function applyPlan(
  ctx: AclSyncContext, destination: Required<Pick<ClusterAdmin, 'createAcls' | 'deleteAcls'>>,
  sourceAcls: AclBinding[], destinationAcls: AclBinding[], filters: AclFilter[],
): Promise<void> {
  const recorded = ctx.created()
  const plan = planAclSync({ source: sourceAcls, destination: destinationAcls, created: recorded, filters })
  if (plan.create.length > 0) {
    // Record first: the bindings about to be created, plus those about to be deleted (until they are gone).
    await ctx.persistCreated([...plan.created, ...plan.delete])
    await destination.createAcls(plan.create)
    ctx.countChanges('created', plan.create.length)
  }
  if (plan.delete.length > 0) {
    await destination.deleteAcls(plan.delete)
    ctx.countChanges('deleted', plan.delete.length)
  }
  if (!isSameAclRecord(recorded, plan.created) || plan.create.length > 0) await ctx.persistCreated(plan.created)
  if (plan.create.length > 0 || plan.delete.length > 0) {
    ctx.logger.info({ job: 'AclSync', created: plan.create.length, deleted: plan.delete.length }, 'ACLs synced to the destination')
  }
  ctx.report({ ok: true, acls: plan.created.length })
}

/** A gauge per link with ACL sync on: 1 while it syncs, 0 while it cannot (error_code says why, e.g. SECURITY_DISABLED_ERROR). */
export function registerAclSyncMetrics(
  registry: MetricsRegistry, statuses: () => Array<{ link: string; status: AclSyncStatus | null }>,
): void {
  const healthy = registry.gauge('clusterlink_acl_sync_healthy',
    'Per link with ACL sync on: 1 when its last run synced, 0 when it cannot (see error_code)')
  const copies = registry.gauge('clusterlink_acl_sync_created_acls', 'ACL bindings the link created on the destination and still owns')
  registry.addCollector(() => {
    healthy.reset()
    copies.reset()
    for (const { link, status } of statuses()) {
      if (status === null) continue
      healthy.set({ link, error_code: status.ok ? 'NO_ERROR' : status.errorCode }, status.ok ? 1 : 0)
      if (status.ok) copies.set({ link }, status.acls)
    }
  })
}
