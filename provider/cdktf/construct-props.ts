// Typed, documented props of the clusterlink CDKTF constructs (defaults stated), and their Terraform attribute form.
import type { TerraformMetaArguments } from 'cdktf'

/** Props of `ClusterlinkProvider`: how Terraform reaches the clusterlink engine. */
export interface ClusterlinkProviderProps {
  /** Engine URL, such as `http://127.0.0.1:8090`. Default: the `CLUSTERLINK_ENDPOINT` environment variable at plan time. */
  readonly endpoint?: string
  /** Engine bearer token (sensitive: pass a TerraformVariable marked sensitive). Default: `CLUSTERLINK_TOKEN`, or none. */
  readonly token?: string
  /** Destination cluster id used in REST paths. Default: `CLUSTERLINK_CLUSTER_ID`, else the one cluster the engine serves. */
  readonly clusterId?: string
  /** Timeout of each engine request in ms. Default 30000. */
  readonly requestTimeoutMs?: number
  /** Provider alias, for several engines in one stack. Default none. */
  readonly alias?: string
}

/** SASL credentials the engine uses to reach the source cluster. */
export interface SourceCredentials {
  /** SASL username. */
  readonly username: string
  /** SASL password (sensitive; never read back from the engine). */
  readonly password: string
}

/** TLS material for SSL and SASL_SSL, inline PEM. */
export interface SourceTls {
  /** PEM certificates that sign the source brokers' certificates. Default: the system's trust store. */
  readonly caCertificates?: string
  /** PEM client certificate chain, for mutual TLS. Default none. */
  readonly certificateChain?: string
  /** PEM private key of the client certificate (sensitive). Default none. */
  readonly privateKey?: string
  /** Check the broker host name against its certificate. Default true. */
  readonly verifyHostname?: boolean
}

/** Props of `ClusterLink` (Terraform `clusterlink_link`). */
export interface ClusterLinkProps extends TerraformMetaArguments {
  /** Name of the cluster link on the engine. Changing it replaces the link. */
  readonly linkName: string
  /** Source cluster bootstrap servers, `host:port[,host:port]` (link config bootstrap.servers). Updates in place. */
  readonly sourceBootstrapServers: string
  /** Expected cluster id of the source, checked when the link is created. Default: not checked. Changing it replaces the link. */
  readonly sourceClusterId?: string
  /**
   * Link mode (link.mode): `DESTINATION` (default) or `BIDIRECTIONAL` (one link of the same name on each side's engine).
   * Replaces on change.
   */
  readonly linkMode?: 'DESTINATION' | 'BIDIRECTIONAL'
  /**
   * Connection mode (connection.mode): `OUTBOUND` (default) or `INBOUND` (source-initiated: both halves created in order).
   * Replaces on change.
   */
  readonly connectionMode?: 'OUTBOUND' | 'INBOUND'
  /** Mirror topic names are prefix + source topic name (cluster.link.prefix). Default none. Changing it replaces the link. */
  readonly prefix?: string
  /** How the engine reaches the source (security.protocol). Default `PLAINTEXT`. Updates in place. */
  readonly securityProtocol?: 'PLAINTEXT' | 'SSL' | 'SASL_PLAINTEXT' | 'SASL_SSL'
  /** SASL mechanism for SASL_* protocols (sasl.mechanism). Default `PLAIN`. Updates in place. */
  readonly saslMechanism?: 'PLAIN' | 'SCRAM-SHA-256' | 'SCRAM-SHA-512'
  /** SASL credentials (sensitive). Required with SASL_PLAINTEXT and SASL_SSL. Default none. Updates in place. */
  readonly sourceCredentials?: SourceCredentials
  /** TLS material for SSL and SASL_SSL (sensitive). Default none. Updates in place. */
  readonly sourceTls?: SourceTls
  /** Other link configs by name, such as `{ 'topic.config.sync.ms': '10000' }`. Removing a key resets it. Default none. */
  readonly configs?: Readonly<Record<string, string>>
  /** Take over an existing link of this name instead of failing. Default false. */
  readonly adopt?: boolean
  /** Delete the link even while its mirror topics are not STOPPED. Default false. */
  readonly forceDelete?: boolean
}

/** Props of `MirrorTopic` (Terraform `clusterlink_mirror_topic`). */
export interface MirrorTopicProps extends TerraformMetaArguments {
  /** The cluster link that mirrors the topic (pass `link.linkName` to order it after the link). Changing it replaces the mirror topic. */
  readonly linkName: string
  /** The topic on the source cluster. Changing it replaces the mirror topic. */
  readonly sourceTopicName: string
  /** The mirror topic on the destination. Default: the link prefix + sourceTopicName. Changing it replaces the mirror topic. */
  readonly mirrorTopicName?: string
  /** Replication factor of the mirror topic. Default: the destination's default. Changing it replaces the mirror topic. */
  readonly replicationFactor?: number
  /** Topic config overrides set at creation. Default none. Changing them replaces the mirror topic. */
  readonly configs?: Readonly<Record<string, string>>
  /**
   * `ACTIVE` (mirroring), `PAUSED`, `PROMOTED` (waits for lag 0, then stops: writable) or `FAILED_OVER` (stops now,
   * also from FAILED or SOURCE_UNAVAILABLE: writable). Default `ACTIVE`. Updates in place; PROMOTED and FAILED_OVER are final.
   */
  readonly status?: 'ACTIVE' | 'PAUSED' | 'PROMOTED' | 'FAILED_OVER'
  /** How long PROMOTED waits for lag 0 and the stop, in ms. Default 300000. */
  readonly promoteTimeoutMs?: number
  /** What destroying does: `STOP_AND_KEEP_TOPIC` (default; a writable topic with its records stays) or `DELETE_TOPIC`. */
  readonly onDelete?: 'STOP_AND_KEEP_TOPIC' | 'DELETE_TOPIC'
  /**
   * Which side is the mirror: `FORWARD` (default; the source topic is copied into the destination topic) or `REVERSE`
   * (failback: the destination topic is copied back into the source-cluster topic). Change it only from a stopped mirror
   * (status PROMOTED or FAILED_OVER applied), together with status ACTIVE or PAUSED; plan refuses anything else.
   */
  readonly direction?: 'FORWARD' | 'REVERSE'
  /**
   * How a change of direction happens: `REVERSE` (default; reverse-and-start or -pause, refused when the side that
   * becomes the mirror holds records the other lacks) or `TRUNCATE_AND_RESTORE` (those records move to a side topic first).
   */
  readonly failbackMethod?: 'REVERSE' | 'TRUNCATE_AND_RESTORE'
  /** Take over an existing mirror topic of this name instead of failing. Default false. */
  readonly adopt?: boolean
}

/** Keys of construct props that are Terraform meta-arguments (handled by cdktf itself, not attributes). */
const META_ARGUMENTS = new Set(['dependsOn', 'count', 'provider', 'lifecycle', 'forEach', 'provisioners', 'connection'])

/** `sourceBootstrapServers` → `source_bootstrap_servers`. */
export function snakeCase(name: string): string {
  return name.replace(/[A-Z]/g, (letter) => `_${letter.toLowerCase()}`)
}

/**
 * Props → Terraform attributes: snake_case names, also inside nested objects (credentials, TLS), but never inside
 * `configs`, whose keys are Kafka config names. Absent props are left out, so Terraform applies the defaults.
 */
export function toTerraformAttributes(props: object, mapProps: readonly string[] = ['configs']): Record<string, unknown> {
  const out: Record<string, unknown> = {}
  for (const [key, value] of Object.entries(props)) {
    if (value === undefined || META_ARGUMENTS.has(key)) continue
    const isPlainObject = value !== null && typeof value === 'object' && !Array.isArray(value) && Object.getPrototypeOf(value) === Object.prototype
    out[snakeCase(key)] = isPlainObject && !mapProps.includes(key) ? toTerraformAttributes(value as object, []) : value
  }
  return out
}

/** Attributes in the typed form CDKTF's HCL renderer expects (`synth --hcl`): scalars typed, maps and objects as expressions. */
export function toHclAttributes(attributes: Readonly<Record<string, unknown>>): Record<string, unknown> {
  const out: Record<string, unknown> = {}
  for (const [name, value] of Object.entries(attributes)) {
    if (value === undefined) continue
    if (typeof value === 'string') out[name] = { value, isBlock: false, type: 'simple', storageClassType: 'string' }
    else if (typeof value === 'number') out[name] = { value, isBlock: false, type: 'simple', storageClassType: 'number' }
    else if (typeof value === 'boolean') out[name] = { value, isBlock: false, type: 'simple', storageClassType: 'boolean' }
    else out[name] = { value, isBlock: false, type: 'any', storageClassType: 'any' }
  }
  return out
}
