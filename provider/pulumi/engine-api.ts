// What the Pulumi provider needs from the engine (the REST client's methods), so tests can pass a fake engine.
import type { EngineClient } from '../client/index.ts'
import type { EngineConnection } from '../spec/index.ts'

export type EngineApi = Pick<EngineClient,
  | 'clusterId' | 'findLink' | 'getLink' | 'createLink' | 'deleteLink' | 'listLinkConfigs' | 'alterLinkConfigs'
  | 'listMirrors' | 'findMirror' | 'getMirror' | 'createMirror' | 'alterMirror' | 'alterMirrors' | 'deleteTopic'>

/** Everything a provider method needs besides its arguments. */
export interface ProviderContext {
  /** Connection defaults from stack config: clusterlink:endpoint, clusterlink:token, clusterlink:clusterId. */
  readonly defaults: { readonly endpoint?: string; readonly token?: string; readonly clusterId?: string }
  /** Makes a client for one engine connection (a new one per call: nothing is kept between calls). */
  readonly clientFor: (connection: EngineConnection & { readonly timeoutMs?: number }) => EngineApi
  /** Poll interval for bounded waits; default 250 ms. */
  readonly pollIntervalMs?: number
}

/** The dynamic-provider method results (the subset of pulumi.dynamic types the providers return). */
export interface CheckResult {
  readonly inputs: Record<string, unknown>
  readonly failures?: readonly { property: string; reason: string }[]
}
export interface DiffResult { readonly changes: boolean; readonly replaces: string[]; readonly deleteBeforeReplace: boolean }
export interface CreateResult { readonly id: string; readonly outs: Record<string, unknown> }
export interface ReadResult { readonly id: string; readonly props: Record<string, unknown> }
export interface UpdateResult { readonly outs: Record<string, unknown> }

export interface ResourceProviderMethods {
  check(olds: Record<string, unknown>, news: Record<string, unknown>): Promise<CheckResult>
  diff(id: string, olds: Record<string, unknown>, news: Record<string, unknown>): Promise<DiffResult>
  create(inputs: Record<string, unknown>): Promise<CreateResult>
  read(id: string, props: Record<string, unknown>): Promise<ReadResult>
  update(id: string, olds: Record<string, unknown>, news: Record<string, unknown>): Promise<UpdateResult>
  delete(id: string, props: Record<string, unknown>): Promise<void>
}

/** Drops undefined values (Pulumi's struct encoding rejects them) and Pulumi's own keys such as __provider. */
export function compact(value: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {}
  for (const [key, item] of Object.entries(value)) {
    if (item === undefined || key.startsWith('__')) continue
    out[key] = item !== null && typeof item === 'object' && !Array.isArray(item) ? compact(item as Record<string, unknown>) : item
  }
  return out
}
