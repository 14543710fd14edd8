// Terraform schemas of the provider, its resources and data sources as plain data, and their tfplugin6 wire form.
import { isUnknown, type TerraformObject, type TerraformValue } from './terraform-value.ts'

/** A Terraform type constraint in its JSON form: `"string"`, `["map","string"]`, `["list",["object",{…}]]`. */
export type TerraformType =
  | 'string'
  | 'number'
  | 'bool'
  | readonly ['map', TerraformType]
  | readonly ['list', TerraformType]
  | readonly ['set', TerraformType]
  | readonly ['object', { readonly [name: string]: TerraformType }]

/** How an attribute behaves in plans: given by the user, filled by the provider, or both. */
export interface AttributeSchema {
  readonly name: string
  /** The type; for a nested attribute (`nested`) the object type of its attributes, derived by `attributeType`. */
  readonly type?: TerraformType
  /** Attributes of a single nested object (protocol 6 nested attributes): each with its own optional/sensitive flags. */
  readonly nested?: readonly AttributeSchema[]
  /** Markdown, shown by `terraform providers schema` and editors. */
  readonly description: string
  readonly required?: boolean
  readonly optional?: boolean
  readonly computed?: boolean
  readonly sensitive?: boolean
  /** A change to this attribute destroys and recreates the resource (`requires_replace`). */
  readonly forceNew?: boolean
  /** Value planned when the user leaves an optional attribute out; it must be what the engine reports back. */
  readonly default?: TerraformValue
  /**
   * A computed attribute that the engine may change whenever anything else changes (for example a mirror
   * status); it is planned unknown on every create and update.
   */
  readonly volatile?: boolean
  /**
   * Kept in state only, never sent to the engine (what delete does, how long promote waits): changing only such
   * attributes is recorded without touching the engine, so the engine's outputs stay as they are.
   */
  readonly stateOnly?: boolean
}

export interface BlockSchema {
  /** Schema version stored in state; bump it and handle the old version in UpgradeResourceState. */
  readonly version: number
  readonly description: string
  readonly attributes: readonly AttributeSchema[]
}

/** The value type of an attribute: its own type, or the object type of its nested attributes. */
export function attributeType(attribute: AttributeSchema): TerraformType {
  if (attribute.nested) return ['object', Object.fromEntries(attribute.nested.map((inner) => [inner.name, attributeType(inner)]))]
  if (!attribute.type) throw new Error(`attribute ${attribute.name} has neither a type nor nested attributes`)
  return attribute.type
}

function toProtoAttribute(attribute: AttributeSchema): object {
  return {
    name: attribute.name,
    ...(attribute.nested
      ? { nested_type: { attributes: attribute.nested.map(toProtoAttribute), nesting: 'SINGLE' } }
      : { type: Buffer.from(JSON.stringify(attributeType(attribute))) }),
    description: attribute.description,
    description_kind: 'MARKDOWN',
    required: attribute.required === true,
    optional: attribute.optional === true,
    computed: attribute.computed === true,
    sensitive: attribute.sensitive === true,
  }
}

/** The tfplugin6 `Schema` message for a block (grpc-js field names). */
export function toProtoSchema(block: BlockSchema): object {
  return {
    version: block.version,
    block: {
      version: block.version,
      description: block.description,
      description_kind: 'MARKDOWN',
      attributes: block.attributes.map(toProtoAttribute),
    },
  }
}

/** Checks the flags of a schema the way Terraform does when it loads one (one of required, optional, computed). */
export function checkBlockSchema(block: BlockSchema): string[] {
  const problems: string[] = []
  const names = new Set<string>()
  for (const attribute of block.attributes) {
    if (names.has(attribute.name)) problems.push(`${attribute.name}: declared twice`)
    names.add(attribute.name)
    if (!/^[a-z_][a-z0-9_]*$/.test(attribute.name)) problems.push(`${attribute.name}: not a valid attribute name`)
    if (attribute.required && (attribute.optional || attribute.computed)) problems.push(`${attribute.name}: required cannot be optional or computed`)
    if (!attribute.required && !attribute.optional && !attribute.computed) problems.push(`${attribute.name}: must be required, optional or computed`)
    if (attribute.default !== undefined && !(attribute.optional && attribute.computed)) problems.push(`${attribute.name}: a default needs optional and computed`)
    if (attribute.nested && attribute.type) problems.push(`${attribute.name}: nested attributes carry no type of their own`)
    if (!attribute.nested && !attribute.type) problems.push(`${attribute.name}: needs a type`)
    if (attribute.nested) {
      for (const problem of checkBlockSchema({ version: block.version, description: '', attributes: attribute.nested })) problems.push(`${attribute.name}.${problem}`)
    }
  }
  return problems
}

function conformAttributes(attributes: readonly AttributeSchema[], value: TerraformObject): TerraformObject {
  const out: Record<string, TerraformValue> = {}
  for (const attribute of attributes) {
    const item = value[attribute.name] ?? null
    out[attribute.name] = attribute.nested && item !== null && typeof item === 'object' && !Array.isArray(item) && !isUnknown(item)
      ? conformAttributes(attribute.nested, item as TerraformObject)
      : item
  }
  return out
}

/** Returns an object with exactly the schema's attributes (missing ones null, nested ones too), as Terraform expects. */
export function conformToBlock(block: BlockSchema, value: TerraformObject): TerraformObject {
  return conformAttributes(block.attributes, value)
}
