// Adapts the shared IaC spec (provider/spec, camelCase zod inputs) to Terraform: snake_case attribute names, flags
// derived from the spec's field rules, defaults read from the zod schemas, and spec failures turned into diagnostics.
import type { z } from 'zod'
import { UNKNOWN_VALUE, type FieldRules, type InputFailure } from '../spec/index.ts'
import { errorDiagnostic, type Diagnostic, type PathStep } from './diagnostics.ts'
import type { AttributeSchema, TerraformType } from './terraform-schema.ts'
import { isList, isUnknown, type TerraformObject, type TerraformValue } from './terraform-value.ts'

/** `sourceBootstrapServers` → `source_bootstrap_servers`. */
export function toSnakeCase(name: string): string {
  return name.replace(/[A-Z]/g, (letter) => `_${letter.toLowerCase()}`)
}

/** `source_bootstrap_servers` → `sourceBootstrapServers`. */
export function toCamelCase(name: string): string {
  return name.replace(/_([a-z0-9])/g, (_match, letter: string) => letter.toUpperCase())
}

/** The Terraform type of a scalar zod schema (through optional and default wrappers); undefined for others. */
export function terraformTypeOfZod(schema: z.ZodType): TerraformType | undefined {
  let def = (schema as unknown as { _zod: { def: { type: string; innerType?: z.ZodType } } })._zod.def
  while ((def.type === 'optional' || def.type === 'default' || def.type === 'nullable' || def.type === 'prefault') && def.innerType) {
    def = (def.innerType as unknown as { _zod: { def: typeof def } })._zod.def
  }
  if (def.type === 'boolean') return 'bool'
  if (def.type === 'number' || def.type === 'int') return 'number'
  if (def.type === 'string' || def.type === 'enum') return 'string'
  return undefined
}

/** How a spec field appears in Terraform; `type` defaults to string, `description` to the spec's. */
export type AttributeFlags = Partial<Pick<AttributeSchema, 'required' | 'optional' | 'computed' | 'type' | 'nested' | 'description'>> & { readonly withDefault?: boolean }

/**
 * One Terraform attribute for one spec field: the description comes from the field's zod `.describe()`, `forceNew`
 * from its rule (`replace`), `sensitive` from `secret`, and with `withDefault` the default zod applies to an absent
 * value (so the plan shows exactly what the engine will be asked for).
 */
export function specAttribute<K extends string>(
  shape: Readonly<Record<string, z.ZodType>>,
  rules: FieldRules<K>,
  field: K,
  flags: AttributeFlags,
): AttributeSchema {
  const schema = shape[field]
  const rule = rules[field]
  if (!schema || !rule) throw new Error(`spec has no field ${field}`)
  const description = flags.description ?? schema.description ?? rule.description
  const base: AttributeSchema = {
    name: toSnakeCase(field),
    description,
    ...(flags.nested ? { nested: flags.nested } : { type: flags.type ?? terraformTypeOfZod(schema) ?? 'string' }),
    ...(flags.required ? { required: true } : {}),
    ...(flags.optional ? { optional: true } : {}),
    ...(flags.computed ? { computed: true } : {}),
    ...(rule.secret ? { sensitive: true } : {}),
    ...(rule.onChange === 'replace' ? { forceNew: true } : {}),
    ...(rule.stateOnly ? { stateOnly: true } : {}),
  }
  if (!flags.withDefault) return base
  const parsed = schema.safeParse(undefined)
  if (!parsed.success || parsed.data === undefined) throw new Error(`spec field ${field} has no default`)
  return { ...base, default: parsed.data as TerraformValue }
}

function toSpecValue(value: TerraformValue): unknown {
  if (isUnknown(value)) return UNKNOWN_VALUE
  if (isList(value)) return value.map(toSpecValue)
  if (value !== null && typeof value === 'object') return value
  return value
}

/**
 * Terraform attributes → spec inputs: snake_case to camelCase (also inside nested attributes, never inside maps such
 * as `configs` whose keys are config names), null left out, unknown as the spec's unknown marker.
 */
export function toSpecInputs(
  attributes: readonly AttributeSchema[],
  value: TerraformObject,
  options: { readonly unknown?: 'marker' | 'absent' } = {},
): Record<string, unknown> {
  const out: Record<string, unknown> = {}
  for (const attribute of attributes) {
    const item = value[attribute.name] ?? null
    if (item === null) continue
    const name = toCamelCase(attribute.name)
    // At apply, unknown values are computed ones the engine fills in: they are not inputs.
    if (isUnknown(item)) {
      if (options.unknown !== 'absent') out[name] = UNKNOWN_VALUE
    } else if (attribute.nested && typeof item === 'object' && !Array.isArray(item)) out[name] = toSpecInputs(attribute.nested, item as TerraformObject, options)
    else out[name] = toSpecValue(item)
  }
  return out
}

/** Spec inputs → Terraform attributes (the inverse of `toSpecInputs`); absent values become null. */
export function fromSpecInputs(attributes: readonly AttributeSchema[], value: Readonly<Record<string, unknown>>): TerraformObject {
  const out: Record<string, TerraformValue> = {}
  for (const attribute of attributes) {
    const item = value[toCamelCase(attribute.name)]
    if (item === undefined || item === null) out[attribute.name] = null
    else if (attribute.nested && typeof item === 'object' && !Array.isArray(item)) out[attribute.name] = fromSpecInputs(attribute.nested, item as Record<string, unknown>)
    else out[attribute.name] = item as TerraformValue
  }
  return out
}

/** Rewrites camelCase input names inside a spec message into the Terraform attribute names users write. */
export function toTerraformWording(message: string, fields: readonly string[]): string {
  let out = message.replace(/\b([a-z][a-zA-Z]*): ([A-Z][A-Z_]+)\b/g, (whole, name: string, value: string) => (fields.includes(name) ? `${toSnakeCase(name)} = "${value}"` : whole))
  for (const field of [...fields].sort((a, b) => b.length - a.length)) {
    if (!/[A-Z]/.test(field)) continue
    out = out.replace(new RegExp(`\\b${field}\\b`, 'g'), toSnakeCase(field))
  }
  return out.replace(/\bMirrorTopic\b/g, 'clusterlink_mirror_topic').replace(/\bClusterLink\b/g, 'clusterlink_link')
}

/**
 * A spec failure names a property path such as `configs.cluster.link.paused` or `sourceCredentials.password`; the
 * diagnostic points at the Terraform attribute (and map key or nested attribute) with the message in Terraform words.
 */
export function failureToDiagnostic(
  failure: InputFailure, fields: readonly string[], mapFields: readonly string[], summary: string,
): Diagnostic {
  const [head = '', ...rest] = failure.property === '' ? [] : failure.property.split('.')
  const path: PathStep[] = []
  let where = ''
  if (head) {
    path.push(toSnakeCase(head))
    where = toSnakeCase(head)
    if (rest.length > 0 && mapFields.includes(head)) {
      path.push({ key: rest.join('.') })
      where += `["${rest.join('.')}"]`
    } else if (rest[0] !== undefined) {
      path.push(toSnakeCase(rest[0]))
      where += `.${toSnakeCase(rest[0])}`
    }
  }
  const reason = toTerraformWording(failure.reason, fields)
  return errorDiagnostic(summary, where === '' || reason.startsWith(toSnakeCase(head)) ? reason : `${where}: ${reason}`, path)
}
