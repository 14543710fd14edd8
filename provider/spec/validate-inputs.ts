// Validates raw IaC inputs against a spec schema and turns zod issues into property-named failures with messages that say what to fix.
import type { z } from 'zod'
import { containsUnknown } from './field-rules.ts'

/** One problem with one input, named by its property path (`configs.cluster.link.paused`, `sourceCredentials.password`). */
export interface InputFailure {
  readonly property: string
  readonly reason: string
}

export type ValidationResult<T> =
  | { readonly ok: true; readonly value: T; readonly unknownFields: readonly string[] }
  | { readonly ok: false; readonly failures: readonly InputFailure[] }

/** Reports every problem at once; an empty list means the inputs are valid. */
export function issuesToFailures(issues: readonly z.core.$ZodIssue[], knownFields: readonly string[] = []): InputFailure[] {
  return issues.flatMap((issue) => {
    if (issue.code === 'unrecognized_keys') {
      const where = formatPath(issue.path)
      return issue.keys.map((key) => ({
        property: where ? `${where}.${key}` : key,
        reason: `unknown input '${key}'${knownFields.length > 0 && !where ? `; valid inputs: ${knownFields.join(', ')}` : ''}`,
      }))
    }
    return [{ property: formatPath(issue.path), reason: issue.message }]
  })
}

function formatPath(path: readonly PropertyKey[]): string {
  return path.map((part) => String(part)).join('.')
}

/**
 * Parses inputs with a schema. Top-level fields whose values are not known yet (Pulumi preview) are left out of the
 * parse and passed through unchanged, so preview validates everything it can and fails on nothing it cannot know.
 * `crossCheck` runs only when every field is known, on the parsed value.
 */
export function validateInputs<S extends z.ZodObject, T = z.output<S>>(
  schema: S,
  raw: unknown,
  crossCheck?: (value: T) => InputFailure[],
): ValidationResult<T> {
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) {
    return { ok: false, failures: [{ property: '', reason: 'inputs must be an object' }] }
  }
  const input = raw as Record<string, unknown>
  const unknownFields = Object.keys(input).filter((key) => containsUnknown(input[key]))
  const known = Object.fromEntries(Object.entries(input).filter(([key]) => !unknownFields.includes(key) && !key.startsWith('__')))
  const omit = Object.fromEntries(unknownFields.filter((key) => key in schema.shape).map((key) => [key, true]))
  const partial = unknownFields.length > 0 ? schema.omit(omit as never) : schema
  const result = partial.safeParse(known)
  if (!result.success) return { ok: false, failures: issuesToFailures(result.error.issues, Object.keys(schema.shape)) }
  const value = { ...(result.data as object), ...Object.fromEntries(unknownFields.map((key) => [key, input[key]])) } as T
  if (unknownFields.length === 0 && crossCheck) {
    const failures = crossCheck(value)
    if (failures.length > 0) return { ok: false, failures }
  }
  return { ok: true, value, unknownFields }
}
