// The configs:alter operations that bring a link's configs to the declared ones, with the rules both IaC front ends share.
import { LINK_CONFIGS } from '../../engine/link/link-configs.ts'
import { withCredentialsForRouteChanges } from '../../engine/link/link-update-rules.ts'
import type { AlterConfigOperation, LinkConfig } from '../client/index.ts'

/** Configs fixed when the link is created: a change to them replaces the link, so update and adopt never alter them. */
export const IMMUTABLE_LINK_CONFIGS: readonly string[] = Object.entries(LINK_CONFIGS).filter(([, d]) => d.immutable).map(([name]) => name)

/**
 * Adds a SET of every declared credential when the operations change where or how credentials travel: the engine
 * refuses such a change unless the same request carries the credentials again (engine/link/link-update-rules.ts).
 */
export function withDeclaredCredentials(
  operations: readonly AlterConfigOperation[], declared: Readonly<Record<string, string>>,
): AlterConfigOperation[] {
  const typed = operations.map((op): AlterConfigOperation & { operation: 'SET' | 'DELETE' } =>
    op.operation === 'DELETE' ? op : { name: op.name, value: op.value, operation: 'SET' })
  return withCredentialsForRouteChanges(typed, declared)
}

/**
 * The operations that bring the engine's configs to `desired`: SET what differs, DELETE (reset to default) what is
 * set on the engine but no longer declared. Sensitive values never come back from the engine, so they are SET only
 * when the declared value changed since `previousDesired` (or is new), or when a route config changes (see above).
 */
export function planLinkConfigChanges(
  desired: Readonly<Record<string, string>>, observed: readonly LinkConfig[], previousDesired: Readonly<Record<string, string>> = {},
): AlterConfigOperation[] {
  const operations: AlterConfigOperation[] = []
  const byName = new Map(observed.map((c) => [c.name, c]))
  for (const [name, value] of Object.entries(desired)) {
    if (IMMUTABLE_LINK_CONFIGS.includes(name)) continue
    const current = byName.get(name)
    const sensitive = LINK_CONFIGS[name]?.sensitive === true || current?.is_sensitive === true
    const isSetOnEngine = current !== undefined && current.is_default !== true
    const same = sensitive ? isSetOnEngine && previousDesired[name] === value : current !== undefined && current.value === value
    if (!same) operations.push({ name, value, operation: 'SET' })
  }
  for (const current of observed) {
    if (current.is_default === true || current.is_read_only === true || IMMUTABLE_LINK_CONFIGS.includes(current.name)) continue
    if (!(current.name in LINK_CONFIGS) || current.name in desired) continue
    operations.push({ name: current.name, operation: 'DELETE' })
  }
  return withDeclaredCredentials(operations, desired)
}

/** Why an existing link cannot be adopted with these declared configs (a config fixed at creation differs), or undefined. */
export function adoptionProblem(
  linkName: string, desired: Readonly<Record<string, string>>, observed: readonly LinkConfig[],
): string | undefined {
  const engineValue = (name: string): string => observed.find((c) => c.name === name)?.value ?? LINK_CONFIGS[name]?.default ?? ''
  const declaredValue = (name: string): string => desired[name] ?? LINK_CONFIGS[name]?.default ?? ''
  const mismatched = IMMUTABLE_LINK_CONFIGS.filter((name) => engineValue(name) !== declaredValue(name))
  if (mismatched.length === 0) return undefined
  const details = mismatched.map((name) => `${name} is '${engineValue(name)}' on the engine but '${desired[name] ?? ''}' here`).join('; ')
  return `cannot adopt cluster link ${linkName}: ${details}; these are fixed at creation, so declare the engine's values`
}
