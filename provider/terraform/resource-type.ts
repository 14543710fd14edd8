// The contract each Terraform resource and data source of the provider implements, on decoded Terraform values.
import type { Diagnostic } from './diagnostics.ts'
import type { BlockSchema } from './terraform-schema.ts'
import type { TerraformObject } from './terraform-value.ts'

/** What ConfigureProvider produced; resources get it on every call that talks to the engine. */
export interface ProviderContext<Client> {
  /** The engine client, created from the provider configuration (no network until first used). */
  readonly client: Client
  /** Aborted by StopProvider: long waits (promote waiting for lag zero) end early. */
  readonly signal: AbortSignal
}

export interface PlanHookInput {
  readonly prior: TerraformObject | null
  readonly planned: TerraformObject
  readonly config: TerraformObject
}

export interface PlanHookOutput {
  readonly planned: TerraformObject
  readonly diagnostics: readonly Diagnostic[]
}

export interface TerraformResourceType<Client> {
  readonly typeName: string
  readonly schema: BlockSchema
  /** Validates a configuration that may hold unknown values; no network. */
  validate(config: TerraformObject): Diagnostic[]
  /** Adjusts the generic plan (for example an id known from the name) and checks transitions; no network. */
  plan?(input: PlanHookInput): PlanHookOutput
  create(planned: TerraformObject, context: ProviderContext<Client>): Promise<TerraformObject>
  update(prior: TerraformObject, planned: TerraformObject, context: ProviderContext<Client>): Promise<TerraformObject>
  delete(prior: TerraformObject, context: ProviderContext<Client>): Promise<void>
  /** The resource as the engine has it now, or null when it is gone (Terraform then plans to create it again). */
  read(current: TerraformObject, context: ProviderContext<Client>): Promise<TerraformObject | null>
  /** Turns an import id into a state holding enough to read the resource; throws a message naming the id format. */
  importState(id: string, context: ProviderContext<Client>): Promise<TerraformObject>
  /** Turns a stored state of an older schema version (JSON) into the current schema. */
  upgradeState(version: number, state: Record<string, unknown>): TerraformObject
}

export interface TerraformDataSourceType<Client> {
  readonly typeName: string
  readonly schema: BlockSchema
  validate(config: TerraformObject): Diagnostic[]
  read(config: TerraformObject, context: ProviderContext<Client>): Promise<TerraformObject>
}

export interface TerraformProviderDefinition<Client> {
  readonly schema: BlockSchema
  readonly resources: readonly TerraformResourceType<Client>[]
  readonly dataSources: readonly TerraformDataSourceType<Client>[]
  /** Validates the provider block (values may be unknown); no network. */
  validateConfig(config: TerraformObject): Diagnostic[]
  /** Builds the client from the provider block; throws with a message saying what to set. */
  configure(config: TerraformObject): Client
}
