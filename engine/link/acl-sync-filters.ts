// ACL bindings and the `acl.filters` link config (Confluent's JSON shape): parsing with zod, and which bindings a filter selects.
import { z } from 'zod'

export const ACL_RESOURCE_TYPES = ['TOPIC', 'GROUP', 'CLUSTER', 'TRANSACTIONAL_ID', 'DELEGATION_TOKEN', 'USER'] as const
export const ACL_OPERATIONS = [
  'ALL', 'READ', 'WRITE', 'CREATE', 'DELETE', 'ALTER', 'DESCRIBE', 'CLUSTER_ACTION', 'DESCRIBE_CONFIGS', 'ALTER_CONFIGS',
  'IDEMPOTENT_WRITE', 'CREATE_TOKENS', 'DESCRIBE_TOKENS', 'TWO_PHASE_COMMIT',
] as const

export type AclResourceType = (typeof ACL_RESOURCE_TYPES)[number]
export type AclOperation = (typeof ACL_OPERATIONS)[number]

/** One ACL as Kafka stores it (a resource pattern plus an access control entry). */
export interface AclBinding {
  readonly resourceType: AclResourceType
  readonly resourceName: string
  readonly patternType: 'LITERAL' | 'PREFIXED'
  readonly principal: string
  readonly host: string
  readonly operation: AclOperation
  readonly permission: 'ALLOW' | 'DENY'
}

/** Confluent's examples write enum values in lower case ("any", "topic"); Kafka's names are upper case: accept both. */
const upperEnum = <T extends readonly [string, ...string[]]>(values: T) =>
  z.string().transform((s) => s.toUpperCase()).pipe(z.enum(values, { message: `must be one of ${values.join(', ')}` }))

const ResourceFilterSchema = z.strictObject({
  resourceType: upperEnum(['ANY', ...ACL_RESOURCE_TYPES]),
  /** Absent or null: any name. */
  name: z.string().min(1, 'must not be empty (leave it out to match any name)').nullish(),
  patternType: upperEnum(['ANY', 'MATCH', 'LITERAL', 'PREFIXED']),
})

const AccessFilterSchema = z.strictObject({
  /** Absent or null: any principal, e.g. "User:alice". */
  principal: z.string().min(1).nullish(),
  host: z.string().min(1).nullish(),
  operation: upperEnum(['ANY', ...ACL_OPERATIONS]),
  permissionType: upperEnum(['ANY', 'ALLOW', 'DENY']),
})

export const AclFilterSchema = z.strictObject({ resourceFilter: ResourceFilterSchema, accessFilter: AccessFilterSchema })
export const AclFiltersSchema = z.strictObject({ aclFilters: z.array(AclFilterSchema).min(1, 'needs at least one filter') })

export type AclFilter = z.infer<typeof AclFilterSchema>

const EXAMPLE = '{"aclFilters":[{"resourceFilter":{"resourceType":"TOPIC","name":"orders","patternType":"PREFIXED"},'
  + '"accessFilter":{"principal":"User:alice","host":"*","operation":"READ","permissionType":"ALLOW"}}]}'

/** Parses `acl.filters`; returns the filters or a message that says what to fix. */
export function parseAclFilters(text: string): { filters: AclFilter[] } | { problem: string } {
  if (text.trim() === '') return { filters: [] }
  let json: unknown
  try {
    json = JSON.parse(text)
  } catch {
    return { problem: `is not JSON; write it like ${EXAMPLE}` }
  }
  const result = AclFiltersSchema.safeParse(json)
  if (!result.success) {
    const first = result.error.issues[0]
    const where = first && first.path.length > 0 ? `${first.path.join('.')}: ` : ''
    return { problem: `invalid aclFilters (${where}${first?.message ?? 'unknown problem'}); expected a shape like ${EXAMPLE}` }
  }
  return { filters: result.data.aclFilters }
}

/** Kafka's ResourcePatternFilter rules: MATCH selects every pattern that would apply to the named resource. */
function matchesResource(filter: AclFilter['resourceFilter'], acl: AclBinding): boolean {
  if (filter.resourceType !== 'ANY' && filter.resourceType !== acl.resourceType) return false
  const name = filter.name ?? undefined
  switch (filter.patternType) {
    case 'ANY': return name === undefined || name === acl.resourceName
    case 'MATCH':
      if (name === undefined) return true
      return acl.patternType === 'LITERAL' ? acl.resourceName === name || acl.resourceName === '*' : name.startsWith(acl.resourceName)
    default: return filter.patternType === acl.patternType && (name === undefined || name === acl.resourceName)
  }
}

function matchesAccess(filter: AclFilter['accessFilter'], acl: AclBinding): boolean {
  return (filter.principal == null || filter.principal === acl.principal)
    && (filter.host == null || filter.host === acl.host)
    && (filter.operation === 'ANY' || filter.operation === acl.operation)
    && (filter.permissionType === 'ANY' || filter.permissionType === acl.permission)
}

/** Confluent's ACL filters only include: a binding is selected when any filter matches both its resource and its entry. */
export function isAclSelected(filters: readonly AclFilter[], acl: AclBinding): boolean {
  return filters.some((f) => matchesResource(f.resourceFilter, acl) && matchesAccess(f.accessFilter, acl))
}

/** A stable identity for a binding (Kafka stores each binding once). */
export function aclKey(acl: AclBinding): string {
  return JSON.stringify([acl.resourceType, acl.resourceName, acl.patternType, acl.principal, acl.host, acl.operation, acl.permission])
}

const AclBindingSchema = z.strictObject({
  resourceType: z.enum(ACL_RESOURCE_TYPES), resourceName: z.string(), patternType: z.enum(['LITERAL', 'PREFIXED']),
  principal: z.string(), host: z.string(), operation: z.enum(ACL_OPERATIONS), permission: z.enum(['ALLOW', 'DENY']),
})

/** Reads the bindings a link recorded in its state record; an entry with names this engine does not know is left out. */
export function toRecordedAclBindings(records: ReadonlyArray<Readonly<Record<string, string>>> | undefined): AclBinding[] {
  return (records ?? []).flatMap((record) => {
    const parsed = AclBindingSchema.safeParse(record)
    return parsed.success ? [parsed.data] : []
  })
}
