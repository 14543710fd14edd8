// Pure planning rules of PlanResourceChange: defaults, unknown computed values, and which changes force replacement.
import type { BlockSchema } from './terraform-schema.ts'
import { conformToBlock } from './terraform-schema.ts'
import { UNKNOWN, valuesEqual, type TerraformObject, type TerraformValue } from './terraform-value.ts'

export interface PlanInput {
  readonly schema: BlockSchema
  /** State before the change; null when creating. */
  readonly prior: TerraformObject | null
  /** Terraform's proposed new state: the configuration, with prior values kept for computed attributes; null when destroying. */
  readonly proposed: TerraformObject | null
  /** The configuration as written (null attributes are the ones left out). */
  readonly config: TerraformObject | null
}

export interface PlanOutput {
  readonly planned: TerraformObject | null
  /** Attribute names whose change destroys and recreates the resource. */
  readonly requiresReplace: readonly string[]
}

export function isStateOnly(schema: BlockSchema, name: string): boolean {
  return schema.attributes.some((attribute) => attribute.name === name && attribute.stateOnly === true)
}

/** True when an update changes only attributes kept in state: it is recorded without calling the engine. */
export function isStateOnlyUpdate(schema: BlockSchema, prior: TerraformObject, planned: TerraformObject): boolean {
  const changed = changedArguments(schema, prior, planned)
  return changed.length > 0 && changed.every((name) => isStateOnly(schema, name))
}

/** Names of attributes the user controls (required or optional) whose planned value differs from the prior state. */
export function changedArguments(schema: BlockSchema, prior: TerraformObject, planned: TerraformObject): string[] {
  return schema.attributes
    .filter((attribute) => attribute.required || attribute.optional)
    .filter((attribute) => !valuesEqual(prior[attribute.name] ?? null, planned[attribute.name] ?? null))
    .map((attribute) => attribute.name)
}

/**
 * The rules (Terraform's resource instance change lifecycle, hashicorp/terraform
 * docs/plugin-protocol/resource-instance-change-lifecycle.md): planned values of attributes the user set must equal
 * the configuration; an optional+computed attribute left out takes its default (or keeps its prior value, or is unknown until apply); a
 * computed-only attribute keeps its prior value unless the resource is created, replaced, or the attribute is
 * volatile and something changed, in which case it is unknown. Nothing is planned for a destroy.
 */
export function planResourceChange(input: PlanInput): PlanOutput {
  const { schema, prior, proposed, config } = input
  if (proposed === null) return { planned: null, requiresReplace: [] }
  const planned: Record<string, TerraformValue> = { ...conformToBlock(schema, proposed) }
  for (const attribute of schema.attributes) {
    const configured = config?.[attribute.name] ?? null
    if (!attribute.optional || !attribute.computed || configured !== null) continue
    // A default is the desired value, not a guess: planning it even when state holds something else is what makes
    // a change made behind Terraform's back show as drift. Without a default the prior value stands.
    if (attribute.default !== undefined) planned[attribute.name] = attribute.default
    else if (prior === null) planned[attribute.name] = UNKNOWN
  }
  const requiresReplace = prior === null
    ? []
    : schema.attributes
      .filter((attribute) => attribute.forceNew && !valuesEqual(prior[attribute.name] ?? null, planned[attribute.name] ?? null))
      .map((attribute) => attribute.name)
  const isNew = prior === null || requiresReplace.length > 0
  const isChanged = isNew || changedArguments(schema, prior, planned).some((name) => !isStateOnly(schema, name))
  for (const attribute of schema.attributes) {
    if (!attribute.computed || attribute.optional || attribute.required) continue
    if (isNew || (isChanged && attribute.volatile)) planned[attribute.name] = UNKNOWN
  }
  return { planned, requiresReplace }
}
