// The source half of a source-initiated link (link.mode SOURCE): checked, then stored as the source connection of its INBOUND half.
import { EngineError } from '../errors.ts'
import type { Logger } from '../logging/index.ts'
import type { KafkaConnectionConfig } from '../mirror/contract.ts'
import type { LinkState, StateStore } from '../state/index.ts'
import type { ClusterAdmin } from './kafka-admin.ts'
import { linkConfigValue, validateLinkConfigs } from './link-configs.ts'
import { awaitsSourceHalf, connectionModeOf, sourceHalfConfigs } from './link-modes.ts'
import type { LinkRegistry } from './link-registry.ts'
import { credentialsKeyProblems } from './link-rules.ts'
import { probeSourceClusterId } from './source-probe.ts'
import { sourceNetworkList, sourceNetworkProblem } from './source-networks.ts'

export interface SourceHalfContext {
  readonly registry: LinkRegistry
  readonly store: StateStore
  readonly createAdmin: (connection: KafkaConnectionConfig, clientId: string) => ClusterAdmin
  readonly hasCredentialsKey: boolean
  readonly sourceNetworks: readonly string[]
  readonly log: Logger
}

function refuse(problems: readonly string[], linkName: string): void {
  if (problems.length > 0) {
    throw new EngineError('INVALID_INPUT', `invalid source half of link '${linkName}': ${problems.join('; ')}`, { context: { link: linkName, problems } })
  }
}

/**
 * Completes the DESTINATION + INBOUND link of the same name (which must exist first, as on Confluent): its local.*
 * configs become the link's source connection. Returns the names accepted and not stored (for the answer's warning).
 */
export async function completeSourceHalf(
  context: SourceHalfContext, linkName: string, configs: Readonly<Record<string, string>>,
  options: { validateOnly: boolean; validateLink: boolean },
): Promise<string[]> {
  const link = context.registry.link(linkName)
  if (!link || connectionModeOf(link.state.configs) !== 'INBOUND') {
    throw new EngineError('INVALID_INPUT', `link.mode SOURCE completes the destination half, which must exist first: create link '${linkName}' `
      + 'with link.mode=DESTINATION and connection.mode=INBOUND, then this source half')
  }
  if (!awaitsSourceHalf(link.state.configs)) {
    throw new EngineError('ALREADY_EXISTS', `link '${linkName}' already has its source half; change its connection with `
      + `PUT /links/${linkName}/configs:alter, or delete and re-create both halves`)
  }
  const half = sourceHalfConfigs(linkName, configs)
  refuse(half.problems, linkName)
  const next: Record<string, string> = { ...link.state.configs, ...half.sourceConnection }
  refuse(validateLinkConfigs(next).map((p) => p.replace(/^(bootstrap\.servers|security\.protocol|sasl\.|ssl\.)/, 'local.$1')), linkName)
  refuse(credentialsKeyProblems(next, context.hasCredentialsKey), linkName)
  const outside = await sourceNetworkProblem(linkConfigValue(next, 'bootstrap.servers'), sourceNetworkList(context.sourceNetworks))
  if (outside !== undefined) refuse([outside], linkName)
  const expected = link.state.sourceClusterId ?? undefined
  const validatedId = options.validateLink
    ? await probeSourceClusterId(context.createAdmin, context.log, linkName, next, expected) : undefined
  if (options.validateOnly) return half.notStored
  const state: LinkState = { ...link.state, sourceClusterId: link.state.sourceClusterId ?? validatedId ?? null, configs: next }
  await context.store.putLink(state)
  await link.applyState(state)
  context.log.info({ link: linkName }, 'source half of cluster link created')
  return half.notStored
}
