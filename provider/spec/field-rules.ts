// The diff rules shared by every IaC front end: which input changes replace a resource and which update it in place.

/** What a change to one input does: `replace` deletes and re-creates the resource, `update` changes it in place. */
export type ChangeKind = 'replace' | 'update'

export interface FieldRule {
  readonly onChange: ChangeKind
  /** Part of the resource's name on the engine: a replacement that keeps it must delete before it creates. */
  readonly identity?: boolean
  /** Secret: kept out of logs and plans, stored as a secret in Pulumi state and marked sensitive in Terraform. */
  readonly secret?: boolean
  /** Only in state, never sent to the engine (how to reach the engine, what to do on delete). */
  readonly stateOnly?: boolean
  /** Optional and filled in by the engine when left out: an absent new value is not a change. */
  readonly computed?: boolean
  readonly description: string
}

export type FieldRules<K extends string> = Readonly<Record<K, FieldRule>>

export interface InputDiff {
  /** Every input whose value differs, in the rules' order. */
  readonly changed: readonly string[]
  /** The changed inputs that force a replacement. */
  readonly replaces: readonly string[]
  /** True when a replacement keeps the resource's name, so the old one must go first. */
  readonly deleteBeforeReplace: boolean
}

/** Pulumi's marker for a value not known until apply (the dynamic provider sees it as this string). */
export const UNKNOWN_VALUE = '04da6b54-80e4-46f7-96ec-b56ff0331ba9'

/** Whether a value is, or contains, a value not known yet (preview of a resource whose inputs depend on others). */
export function containsUnknown(value: unknown): boolean {
  if (value === UNKNOWN_VALUE) return true
  if (Array.isArray(value)) return value.some(containsUnknown)
  if (value !== null && typeof value === 'object') return Object.values(value).some(containsUnknown)
  return false
}

/** Structural equality for input values (strings, numbers, booleans, arrays and plain maps; key order ignored). */
export function isSameValue(a: unknown, b: unknown): boolean {
  if (a === b) return true
  if (a === undefined || b === undefined || a === null || b === null) return isEmptyValue(a) && isEmptyValue(b)
  if (Array.isArray(a) || Array.isArray(b)) {
    return Array.isArray(a) && Array.isArray(b) && a.length === b.length && a.every((item, i) => isSameValue(item, b[i]))
  }
  if (typeof a === 'object' && typeof b === 'object') {
    const keys = new Set([...Object.keys(a), ...Object.keys(b)])
    return [...keys].every((key) => isSameValue((a as Record<string, unknown>)[key], (b as Record<string, unknown>)[key]))
  }
  return false
}

/** Absent, null and an empty map mean the same thing for an optional input. */
function isEmptyValue(value: unknown): boolean {
  return value === undefined || value === null || (typeof value === 'object' && !Array.isArray(value) && Object.keys(value).length === 0)
}

/**
 * Compares old and new inputs field by field. A field whose new value is not known yet counts as changed (and
 * replaces when its rule says so), because the provider cannot prove it is the same.
 */
export function diffFields<K extends string>(
  rules: FieldRules<K>,
  olds: Readonly<Record<string, unknown>>,
  news: Readonly<Record<string, unknown>>,
  options: { readonly keepsIdentity?: boolean } = {},
): InputDiff {
  const changed: string[] = []
  const replaces: string[] = []
  for (const [field, rule] of Object.entries(rules) as [K, FieldRule][]) {
    const next = news[field]
    if (next === undefined && rule.computed === true) continue
    if (!containsUnknown(next) && isSameValue(olds[field], next)) continue
    changed.push(field)
    if (rule.onChange === 'replace') replaces.push(field)
  }
  const identityChanged = replaces.some((field) => rules[field as K].identity === true)
  const keepsIdentity = options.keepsIdentity ?? !identityChanged
  return { changed, replaces, deleteBeforeReplace: replaces.length > 0 && keepsIdentity }
}

/** The names of the secret fields of a rule table (for Pulumi's additionalSecretOutputs and Terraform's sensitive). */
export function secretFields<K extends string>(rules: FieldRules<K>): K[] {
  return (Object.entries(rules) as [K, FieldRule][]).filter(([, rule]) => rule.secret === true).map(([field]) => field)
}
