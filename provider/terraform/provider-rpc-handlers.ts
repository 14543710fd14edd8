// The tfplugin6 Provider RPCs on plain request objects: decodes values, dispatches to the resource types, encodes the
// answers, and turns every failure into diagnostics (an RPC never fails at the gRPC level for a user error).
import { diagnosticFromError, errorDiagnostic, hasErrors, toProtoDiagnostic, type Diagnostic } from './diagnostics.ts'
import { isStateOnlyUpdate, planResourceChange } from './plan-resource-change.ts'
import type { ProviderContext, TerraformDataSourceType, TerraformProviderDefinition, TerraformResourceType } from './resource-type.ts'
import { conformToBlock, toProtoSchema } from './terraform-schema.ts'
import {
  decodeDynamicValue, encodeDynamicValue, isWhollyKnown, type DynamicValueMessage, type TerraformObject, type TerraformValue,
} from './terraform-value.ts'

type Request = Record<string, unknown>
type Response = Record<string, unknown>

function asObject(value: TerraformValue): TerraformObject | null {
  return value !== null && typeof value === 'object' && !Array.isArray(value) ? (value as TerraformObject) : null
}

function decodeObject(message: unknown): TerraformObject | null {
  return asObject(decodeDynamicValue(message as DynamicValueMessage | undefined))
}

function diagnostics(list: readonly Diagnostic[]): object[] {
  return list.map(toProtoDiagnostic)
}

export class ProviderRpcHandlers<Client> {
  readonly #definition: TerraformProviderDefinition<Client>
  readonly #resources: Map<string, TerraformResourceType<Client>>
  readonly #dataSources: Map<string, TerraformDataSourceType<Client>>
  readonly #stop = new AbortController()
  #client: Client | undefined

  constructor(definition: TerraformProviderDefinition<Client>) {
    this.#definition = definition
    this.#resources = new Map(definition.resources.map((resource) => [resource.typeName, resource]))
    this.#dataSources = new Map(definition.dataSources.map((dataSource) => [dataSource.typeName, dataSource]))
  }

  /** True once StopProvider was called. */
  get isStopped(): boolean {
    return this.#stop.signal.aborted
  }

  #serverCapabilities(): object {
    return { plan_destroy: true, get_provider_schema_optional: true, move_resource_state: false }
  }

  getMetadata(): Response {
    return {
      server_capabilities: this.#serverCapabilities(),
      diagnostics: [],
      resources: [...this.#resources.keys()].map((type_name) => ({ type_name })),
      data_sources: [...this.#dataSources.keys()].map((type_name) => ({ type_name })),
    }
  }

  getProviderSchema(): Response {
    return {
      provider: toProtoSchema(this.#definition.schema),
      resource_schemas: Object.fromEntries([...this.#resources].map(([name, resource]) => [name, toProtoSchema(resource.schema)])),
      data_source_schemas: Object.fromEntries([...this.#dataSources].map(([name, dataSource]) => [name, toProtoSchema(dataSource.schema)])),
      diagnostics: [],
      server_capabilities: this.#serverCapabilities(),
    }
  }

  validateProviderConfig(request: Request): Response {
    const config = decodeObject(request.config) ?? {}
    return { diagnostics: diagnostics(this.#guard('Invalid provider configuration', () => this.#definition.validateConfig(config))) }
  }

  configureProvider(request: Request): Response {
    const config = decodeObject(request.config) ?? {}
    if (!isWhollyKnown(config)) {
      return { diagnostics: diagnostics([errorDiagnostic('Provider configuration is not known yet',
        'The clusterlink provider needs endpoint and token known at plan time; do not derive them from resources created in the same run.')]) }
    }
    const problems = this.#guard('Invalid provider configuration', () => this.#definition.validateConfig(config))
    if (hasErrors(problems)) return { diagnostics: diagnostics(problems) }
    try {
      this.#client = this.#definition.configure(config)
      return { diagnostics: diagnostics(problems) }
    } catch (error) {
      return { diagnostics: diagnostics([diagnosticFromError('Cannot configure the clusterlink provider', error)]) }
    }
  }

  validateResourceConfig(request: Request): Response {
    const resource = this.#resources.get(String(request.type_name))
    if (!resource) return { diagnostics: diagnostics([this.#unknownType(request.type_name)]) }
    const config = decodeObject(request.config) ?? {}
    return { diagnostics: diagnostics(this.#guard(`Invalid ${resource.typeName} configuration`, () => resource.validate(config))) }
  }

  validateDataResourceConfig(request: Request): Response {
    const dataSource = this.#dataSources.get(String(request.type_name))
    if (!dataSource) return { diagnostics: diagnostics([this.#unknownType(request.type_name)]) }
    const config = decodeObject(request.config) ?? {}
    return { diagnostics: diagnostics(this.#guard(`Invalid ${dataSource.typeName} configuration`, () => dataSource.validate(config))) }
  }

  upgradeResourceState(request: Request): Response {
    const resource = this.#resources.get(String(request.type_name))
    if (!resource) return { diagnostics: diagnostics([this.#unknownType(request.type_name)]) }
    try {
      const raw = (request.raw_state ?? {}) as { json?: Uint8Array }
      if (!raw.json || raw.json.length === 0) throw new Error('the stored state has no JSON form (flatmap states come from Terraform 0.11 and are not supported)')
      const parsed = JSON.parse(Buffer.from(raw.json).toString('utf8')) as Record<string, unknown>
      const version = Number(request.version ?? 0)
      if (version > resource.schema.version) {
        throw new Error(`the state was written by a newer provider (schema version ${version}, this provider knows ${resource.schema.version}); upgrade the clusterlink provider`)
      }
      const upgraded = conformToBlock(resource.schema, resource.upgradeState(version, parsed))
      return { upgraded_state: encodeDynamicValue(upgraded), diagnostics: [] }
    } catch (error) {
      return { diagnostics: diagnostics([diagnosticFromError(`Cannot upgrade the stored state of ${resource.typeName}`, error)]) }
    }
  }

  planResourceChange(request: Request): Response {
    const resource = this.#resources.get(String(request.type_name))
    if (!resource) return { diagnostics: diagnostics([this.#unknownType(request.type_name)]) }
    try {
      const prior = decodeObject(request.prior_state)
      const proposed = decodeObject(request.proposed_new_state)
      const config = decodeObject(request.config)
      const generic = planResourceChange({ schema: resource.schema, prior, proposed, config })
      if (generic.planned === null || config === null) {
        return { planned_state: encodeDynamicValue(null), requires_replace: [], diagnostics: [] }
      }
      const hook = resource.plan
        ? resource.plan({ prior: generic.requiresReplace.length > 0 ? null : prior, planned: generic.planned, config })
        : { planned: generic.planned, diagnostics: [] }
      return {
        planned_state: encodeDynamicValue(conformToBlock(resource.schema, hook.planned)),
        requires_replace: generic.requiresReplace.map((name) => ({ steps: [{ attribute_name: name }] })),
        planned_private: request.prior_private ?? Buffer.alloc(0),
        diagnostics: diagnostics(hook.diagnostics),
      }
    } catch (error) {
      return { diagnostics: diagnostics([diagnosticFromError(`Cannot plan ${resource.typeName}`, error)]) }
    }
  }

  async applyResourceChange(request: Request): Promise<Response> {
    const resource = this.#resources.get(String(request.type_name))
    if (!resource) return { diagnostics: diagnostics([this.#unknownType(request.type_name)]) }
    const prior = decodeObject(request.prior_state)
    const planned = decodeObject(request.planned_state)
    const action = planned === null ? 'delete' : prior === null ? 'create' : 'update'
    try {
      const context = this.#context()
      let state: TerraformObject | null
      if (planned === null) {
        if (prior !== null) await resource.delete(prior, context)
        state = null
      } else if (prior === null) {
        state = await resource.create(planned, context)
      } else if (isStateOnlyUpdate(resource.schema, prior, planned) && isWhollyKnown(planned)) {
        state = planned
      } else {
        state = await resource.update(prior, planned, context)
      }
      return { new_state: encodeDynamicValue(state === null ? null : conformToBlock(resource.schema, state)), diagnostics: [] }
    } catch (error) {
      // On a failed update or delete Terraform keeps the state we return, so return the prior one unchanged.
      return {
        new_state: encodeDynamicValue(action === 'create' ? null : prior),
        diagnostics: diagnostics([diagnosticFromError(`Cannot ${action} ${resource.typeName}`, error)]),
      }
    }
  }

  async readResource(request: Request): Promise<Response> {
    const resource = this.#resources.get(String(request.type_name))
    if (!resource) return { diagnostics: diagnostics([this.#unknownType(request.type_name)]) }
    const current = decodeObject(request.current_state)
    if (current === null) return { new_state: encodeDynamicValue(null), diagnostics: [] }
    try {
      const state = await resource.read(current, this.#context())
      const newState = encodeDynamicValue(state === null ? null : conformToBlock(resource.schema, state))
      return { new_state: newState, private: request.private ?? Buffer.alloc(0), diagnostics: [] }
    } catch (error) {
      return { new_state: encodeDynamicValue(current), diagnostics: diagnostics([diagnosticFromError(`Cannot read ${resource.typeName}`, error)]) }
    }
  }

  async importResourceState(request: Request): Promise<Response> {
    const resource = this.#resources.get(String(request.type_name))
    if (!resource) return { diagnostics: diagnostics([this.#unknownType(request.type_name)]) }
    try {
      const state = await resource.importState(String(request.id ?? ''), this.#context())
      return {
        imported_resources: [{
          type_name: resource.typeName, state: encodeDynamicValue(conformToBlock(resource.schema, state)), private: Buffer.alloc(0),
        }],
        diagnostics: [],
      }
    } catch (error) {
      return { diagnostics: diagnostics([diagnosticFromError(`Cannot import ${resource.typeName}`, error)]) }
    }
  }

  async readDataSource(request: Request): Promise<Response> {
    const dataSource = this.#dataSources.get(String(request.type_name))
    if (!dataSource) return { diagnostics: diagnostics([this.#unknownType(request.type_name)]) }
    try {
      const config = decodeObject(request.config) ?? {}
      const state = await dataSource.read(config, this.#context())
      return { state: encodeDynamicValue(conformToBlock(dataSource.schema, state)), diagnostics: [] }
    } catch (error) {
      return { diagnostics: diagnostics([diagnosticFromError(`Cannot read data source ${dataSource.typeName}`, error)]) }
    }
  }

  stopProvider(): Response {
    this.#stop.abort(new Error('Terraform asked the provider to stop'))
    return { Error: '' }
  }

  #context(): ProviderContext<Client> {
    if (this.#client === undefined) throw new Error('the provider was not configured (Terraform calls ConfigureProvider first); this is a bug in the caller')
    return { client: this.#client, signal: this.#stop.signal }
  }

  #guard(summary: string, validate: () => Diagnostic[]): Diagnostic[] {
    try {
      return validate()
    } catch (error) {
      return [diagnosticFromError(summary, error)]
    }
  }

  #unknownType(typeName: unknown): Diagnostic {
    return errorDiagnostic(`Unknown type ${String(typeName)}`, `The clusterlink provider offers resources ${[...this.#resources.keys()].join(', ')} and data sources ${[...this.#dataSources.keys()].join(', ')}.`)
  }
}
