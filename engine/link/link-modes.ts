// Confluent's link modes mapped onto where engines run: the combinations a link may have, and the source half of a source-initiated link.
import { LINK_CONFIGS, linkConfigValue } from './link-configs.ts'

/*
 * Design (README "Link modes"). An engine has one home cluster (its destination: it holds the state topic and its id is
 * the cluster_id of every REST path), mirror topics always land on that cluster, and every connection the engine makes
 * is outbound from wherever it runs. Confluent's modes map onto engine placement:
 *
 * - DESTINATION + OUTBOUND (default): the engine dials the source named by bootstrap.servers.
 * - Source-initiated (the source sits behind a firewall that admits no inbound connection): Confluent creates the
 *   DESTINATION + INBOUND half on the destination first, then the SOURCE + OUTBOUND half on the source, naming the
 *   destination's bootstrap and credentials plus local.* configs for the source itself. Here one engine, homed on the
 *   destination and run next to the source, serves both calls: the INBOUND half is stored as a link waiting for its
 *   source (UNAVAILABLE, no jobs, no mirror topics yet); the SOURCE half, sent to the same engine with
 *   destination_cluster_id = its cluster id, completes it. Its local.* configs become the link's source connection
 *   (local.bootstrap.servers, an extension, says where the engine reaches the source: it is not inside the source
 *   cluster); its destination connection configs are accepted and not stored (the engine reaches its home cluster with
 *   its own settings). SOURCE is never stored as a link of its own: GET shows the DESTINATION + INBOUND link.
 * - BIDIRECTIONAL: the same link name on both clusters, one engine per side, each homed on its cluster and dialing the
 *   other (both OUTBOUND; both engines may run inside the firewalled datacenter). Each side mirrors the other's topics.
 *   No loops: a bidirectional link never mirrors a topic that is a mirror topic on the remote cluster, which it learns
 *   from the keys of the remote engine's state topic (mirror:<link>:<topic>; both engines use the same state topic
 *   name), nor the engines' own topics. Auto-create skips such topics, an explicit mirror create is refused. Consumer
 *   offset sync copies offsets of a link's own mirror topics only, so offsets never travel back (no ping-pong).
 */

export type LinkMode = 'DESTINATION' | 'SOURCE' | 'BIDIRECTIONAL'
export type ConnectionMode = 'OUTBOUND' | 'INBOUND'

export function linkModeOf(configs: Readonly<Record<string, string>>): LinkMode {
  return linkConfigValue(configs, 'link.mode') as LinkMode
}

export function connectionModeOf(configs: Readonly<Record<string, string>>): ConnectionMode {
  return linkConfigValue(configs, 'connection.mode') as ConnectionMode
}

/** The destination half of a source-initiated link before its source half brings the source's address. */
export function awaitsSourceHalf(configs: Readonly<Record<string, string>>): boolean {
  return connectionModeOf(configs) === 'INBOUND' && !configs['bootstrap.servers']
}

/** The ids a create body names (Confluent: source_cluster_id, destination_cluster_id, remote_cluster_id). */
export interface LinkCreateIds {
  readonly sourceClusterId?: string | undefined
  readonly destinationClusterId?: string | undefined
  readonly remoteClusterId?: string | undefined
}

/** Problems with the modes and ids of a link create request on an engine homed on `engineClusterId`; each says what to do. */
export function linkCreateModeProblems(configs: Readonly<Record<string, string>>, ids: LinkCreateIds, engineClusterId: string): string[] {
  const mode = linkConfigValue(configs, 'link.mode')
  const connection = linkConfigValue(configs, 'connection.mode')
  const unknown = (['link.mode', 'connection.mode'] as const).flatMap((name) => {
    const problem = LINK_CONFIGS[name]?.check(linkConfigValue(configs, name))
    return problem ? [`${name}: ${problem}`] : []
  })
  if (unknown.length > 0) return unknown
  const problems: string[] = []
  if (ids.destinationClusterId !== undefined && ids.destinationClusterId !== engineClusterId) {
    problems.push(`destination_cluster_id '${ids.destinationClusterId}' is not this engine's cluster ('${engineClusterId}'); send the request `
      + 'to the engine homed on that cluster, or leave destination_cluster_id out')
  }
  if (ids.remoteClusterId !== undefined && mode !== 'BIDIRECTIONAL') {
    problems.push('remote_cluster_id is for link.mode BIDIRECTIONAL; send source_cluster_id for a DESTINATION link')
  }
  if (ids.remoteClusterId !== undefined && ids.sourceClusterId !== undefined && ids.remoteClusterId !== ids.sourceClusterId) {
    problems.push('source_cluster_id and remote_cluster_id name different clusters; send one of them')
  }
  if (mode === 'SOURCE' && connection === 'INBOUND') {
    problems.push('link.mode SOURCE needs connection.mode OUTBOUND (the source half dials the destination); '
      + 'the destination half is link.mode DESTINATION with connection.mode INBOUND')
  }
  if (mode === 'BIDIRECTIONAL' && connection === 'INBOUND') {
    problems.push('connection.mode INBOUND is not run for BIDIRECTIONAL links: each side\'s engine dials the other cluster; set '
      + 'connection.mode OUTBOUND on both sides and run both engines where they reach both clusters (inside a firewalled datacenter if need be)')
  }
  if (mode === 'DESTINATION' && connection === 'INBOUND' && configs['bootstrap.servers'] !== undefined) {
    problems.push('connection.mode INBOUND takes no bootstrap.servers: the source half (link.mode SOURCE with local.bootstrap.servers) '
      + 'brings the source address; or use connection.mode OUTBOUND to dial the source named here')
  }
  return problems
}

/** Connection configs: for the source half, the unprefixed ones reach the destination and the local.* ones the source. */
const CONNECTION_CONFIGS: ReadonlySet<string> = new Set(Object.keys(LINK_CONFIGS)
  .filter((name) => name === 'bootstrap.servers' || name === 'security.protocol' || name.startsWith('sasl.') || name.startsWith('ssl.')))

/** Confluent's local.* names that need no counterpart here (the listener the source cluster's own brokers use). */
const LOCAL_IGNORED: ReadonlySet<string> = new Set(['local.listener', 'local.listener.name'])

export interface SourceHalf {
  /** Configs that become the destination half's source connection (local.X becomes X). */
  readonly sourceConnection: Record<string, string>
  /** Names accepted and not stored: the destination connection (the engine uses its own) and ignored local.* names. */
  readonly notStored: string[]
  readonly problems: string[]
}

/**
 * Splits the configs of a source half (link.mode SOURCE) into the source connection of its destination half and the
 * names not stored; anything else belongs on the destination half and is refused with where to set it.
 */
export function sourceHalfConfigs(linkName: string, configs: Readonly<Record<string, string>>): SourceHalf {
  const sourceConnection: Record<string, string> = {}
  const notStored: string[] = []
  const problems: string[] = []
  for (const [name, value] of Object.entries(configs)) {
    if (name === 'link.mode' || name === 'connection.mode') continue
    if (CONNECTION_CONFIGS.has(name) || LOCAL_IGNORED.has(name)) notStored.push(name)
    else if (name.startsWith('local.') && CONNECTION_CONFIGS.has(name.slice('local.'.length))) sourceConnection[name.slice('local.'.length)] = value
    else {
      problems.push(`${name} is not a config of the source half; set it on link '${linkName}' itself `
        + `(PUT /links/${linkName}/configs:alter) once the link is complete`)
    }
  }
  if (sourceConnection['bootstrap.servers'] === undefined) {
    problems.push('local.bootstrap.servers: required on the source half here: the source cluster\'s bootstrap servers as the engine '
      + 'reaches them (the engine runs next to the source, not inside it)')
  }
  return { sourceConnection, notStored, problems }
}
