// The ACL sync diff: which source ACLs to create on the destination and which of the link's own copies to delete.
import { aclKey, isAclSelected, type AclBinding, type AclFilter } from './acl-sync-filters.ts'

export interface AclSyncPlanInput {
  readonly source: readonly AclBinding[]
  readonly destination: readonly AclBinding[]
  /** The bindings this link created on the destination (kept in the link's state record). */
  readonly created: readonly AclBinding[]
  readonly filters: readonly AclFilter[]
}

export interface AclSyncPlan {
  readonly create: AclBinding[]
  readonly delete: AclBinding[]
  /** The link's record after the plan is applied. */
  readonly created: AclBinding[]
}

function byKey(acls: readonly AclBinding[]): Map<string, AclBinding> {
  return new Map(acls.map((acl) => [aclKey(acl), acl]))
}

/**
 * Invariant: the link deletes only bindings in its own record, and records only bindings it created (absent on the
 * destination when it created them). An ACL the destination manages itself, even one equal to a source ACL that was
 * there first, is never in the record, so it is never deleted. A recorded binding that someone removed by hand leaves
 * the record (and is created again only while the source still has it and the filters select it).
 */
export function planAclSync(input: AclSyncPlanInput): AclSyncPlan {
  const desired = byKey(input.source.filter((acl) => isAclSelected(input.filters, acl)))
  const present = byKey(input.destination)
  const mine = byKey(input.created)
  const create = [...desired].filter(([key]) => !present.has(key)).map(([, acl]) => acl)
  const remove = [...mine].filter(([key]) => present.has(key) && !desired.has(key)).map(([, acl]) => acl)
  const kept = [...mine].filter(([key]) => present.has(key) && desired.has(key)).map(([, acl]) => acl)
  const sort = (acls: AclBinding[]) => acls.sort((a, b) => aclKey(a).localeCompare(aclKey(b)))
  return { create: sort(create), delete: sort(remove), created: sort([...kept, ...create]) }
}

/** Whether two records hold the same bindings (the record is rewritten only when it changes). */
export function isSameAclRecord(a: readonly AclBinding[], b: readonly AclBinding[]): boolean {
  if (a.length !== b.length) return false
  const keys = new Set(a.map(aclKey))
  return b.every((acl) => keys.has(aclKey(acl)))
}
