// Pure rules for creating, changing and deleting cluster links: each returns the problems it finds (empty when allowed).
import { isSensitiveLinkConfig, LINK_CONFIGS, linkConfigValue, validateLinkConfigs } from './link-configs.ts'
import { credentialRedirectProblem } from './link-update-rules.ts'
import type { MirrorStatus } from './mirror-status.ts'

export interface ConfigChange {
  readonly name: string
  readonly value?: string | undefined
  readonly operation: 'SET' | 'DELETE'
}

/** Configs settable only when the link is created (LINK_CONFIGS marks them immutable). */
export const IMMUTABLE_LINK_CONFIGS: readonly string[] = Object.entries(LINK_CONFIGS).filter(([, d]) => d.immutable).map(([name]) => name)

/** Links that hold credentials need an engine with a credentials key (they are encrypted at rest). */
export function credentialsKeyProblems(configs: Readonly<Record<string, string>>, hasCredentialsKey: boolean): string[] {
  const sensitive = Object.keys(configs).filter(isSensitiveLinkConfig)
  if (sensitive.length === 0 || hasCredentialsKey) return []
  return [`this engine has no credentialsKey, so it refuses to store link credentials (${sensitive.join(', ')}); `
    + 'start the engine with --credentials-key-file or CLUSTERLINK_CREDENTIALS_KEY']
}

/** The configs after SET/DELETE `changes`, and every problem with them: all are checked before anything is written. */
export function applyLinkConfigChanges(
  current: Readonly<Record<string, string>>, changes: readonly ConfigChange[],
): { next: Record<string, string>; problems: string[] } {
  const next: Record<string, string> = { ...current }
  const problems: string[] = []
  for (const change of changes) {
    const differs = change.operation === 'DELETE' ? next[change.name] !== undefined : change.value !== linkConfigValue(next, change.name)
    if (IMMUTABLE_LINK_CONFIGS.includes(change.name) && differs) {
      problems.push(`${change.name} cannot change after the link is created; delete and re-create the link`)
    }
    if (change.operation === 'DELETE') delete next[change.name]
    else if (change.value === undefined) problems.push(`${change.name}: SET needs a value`)
    else next[change.name] = change.value
  }
  problems.push(...validateLinkConfigs(next))
  const redirect = credentialRedirectProblem(current, next, new Set(changes.filter((c) => c.operation === 'SET').map((c) => c.name)))
  if (redirect !== undefined) problems.push(redirect)
  return { next, problems }
}

/**
 * A link is deleted only when none of its mirror topics is PENDING_STOPPED, and, unless `force`, all are STOPPED
 * (force deletes the live ones too: they stop and their write denials are removed).
 */
export function linkDeleteProblems(
  linkName: string, mirrors: ReadonlyArray<{ name: string; status: MirrorStatus }>, force: boolean,
): string[] {
  const pending = mirrors.filter((s) => s.status === 'PENDING_STOPPED')
  if (pending.length > 0) {
    const names = pending.map((s) => s.name).join(', ')
    return [`mirror topics ${names} are PENDING_STOPPED; wait until they are STOPPED before deleting link '${linkName}'`]
  }
  const live = mirrors.filter((s) => s.status !== 'STOPPED')
  if (live.length === 0 || force) return []
  return [`link '${linkName}' still has mirror topics that are not STOPPED (${live.map((s) => `${s.name}: ${s.status}`).join(', ')}); `
    + 'promote or fail them over first, or delete with force=true']
}
