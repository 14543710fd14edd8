// The ClusterLink Pulumi resource: a cluster link on the engine, declared with typed args, with its state and id as outputs.
import * as pulumi from '@pulumi/pulumi'
import { CLUSTER_LINK_SECRET_FIELDS, clusterLinkInputsSchema } from '../spec/index.ts'
import { createDynamicProvider } from './dynamic-provider.ts'
import { handlersUrl } from './handlers-url.ts'

/** Type token (API: never changes): pulumi-nodejs:dynamic/clusterlink:ClusterLink. */
export const CLUSTER_LINK_TYPE = 'ClusterLink'

export interface ClusterLinkArgs {
  /** Name of the cluster link on the engine. Changing it replaces the link. */
  readonly linkName: pulumi.Input<string>
  /** Source cluster bootstrap servers, host:port[,host:port]. Updates in place. */
  readonly sourceBootstrapServers: pulumi.Input<string>
  /** Expected source cluster id, checked by the engine at creation. Default: not checked. Replaces on change. */
  readonly sourceClusterId?: pulumi.Input<string>
  /** Link mode: DESTINATION (default) or BIDIRECTIONAL (one link of the same name on each side's engine). Replaces on change. */
  readonly linkMode?: pulumi.Input<'DESTINATION' | 'BIDIRECTIONAL'>
  /** Connection mode: OUTBOUND (default) or INBOUND (source-initiated: both halves are created in order). Replaces on change. */
  readonly connectionMode?: pulumi.Input<'OUTBOUND' | 'INBOUND'>
  /** Mirror topic names become prefix + source topic name (at most 12 characters). Default none. Replaces on change. */
  readonly prefix?: pulumi.Input<string>
  /** How the engine reaches the source. Default PLAINTEXT. Updates in place. */
  readonly securityProtocol?: pulumi.Input<'PLAINTEXT' | 'SSL' | 'SASL_PLAINTEXT' | 'SASL_SSL'>
  /** SASL mechanism for SASL_* protocols. Default PLAIN. Updates in place. */
  readonly saslMechanism?: pulumi.Input<'PLAIN' | 'SCRAM-SHA-256' | 'SCRAM-SHA-512'>
  /** SASL credentials for the source; stored as secrets. Updates in place. */
  readonly sourceCredentials?: pulumi.Input<{ readonly username: pulumi.Input<string>; readonly password: pulumi.Input<string> }>
  /** TLS material for SSL and SASL_SSL, inline PEM; stored as secrets. Updates in place. */
  readonly sourceTls?: pulumi.Input<{
    readonly caCertificates?: pulumi.Input<string>; readonly certificateChain?: pulumi.Input<string>
    readonly privateKey?: pulumi.Input<string>; readonly verifyHostname?: pulumi.Input<boolean>
  }>
  /**
   * Other link configs by name (consumer.offset.sync.*, topic.config.sync.*, mirror.start.offset.spec, cluster.link.paused,
   * auto.create.*, availability.check.*). Removing a key resets it to its default. Default none. Updates in place.
   */
  readonly configs?: pulumi.Input<Record<string, pulumi.Input<string>>>
  /** Engine URL. Default: stack config clusterlink:endpoint. */
  readonly endpoint?: pulumi.Input<string>
  /** Engine bearer token (secret). Default: secret stack config clusterlink:token. */
  readonly token?: pulumi.Input<string>
  /** Destination cluster id. Default: the one cluster the engine serves (or stack config clusterlink:clusterId). */
  readonly clusterId?: pulumi.Input<string>
  /** Take over a link of this name that already exists on the engine, aligning its configs. Default false. */
  readonly adopt?: pulumi.Input<boolean>
  /** Delete the link even while its mirror topics are not STOPPED. Default false: delete refuses and names them. */
  readonly forceDelete?: pulumi.Input<boolean>
}

/** Every property the resource outputs (inputs read back included), seeded as undefined so Pulumi exposes each one as an Output. */
const OUTPUTS = Object.fromEntries([...Object.keys(clusterLinkInputsSchema.shape), 'linkId', 'linkState', 'linkError', 'linkErrorMessage', 'mirrorTopicNames', 'linkTasks']
  .map((key) => [key, undefined]))

/** A cluster link: a named connection from the destination cluster (where the engine runs) to a source cluster. */
export class ClusterLink extends pulumi.dynamic.Resource {
  declare readonly linkName: pulumi.Output<string>
  declare readonly sourceBootstrapServers: pulumi.Output<string>
  declare readonly linkMode: pulumi.Output<string>
  declare readonly connectionMode: pulumi.Output<string>
  declare readonly prefix: pulumi.Output<string | undefined>
  declare readonly securityProtocol: pulumi.Output<string>
  declare readonly configs: pulumi.Output<Record<string, string>>
  declare readonly saslMechanism: pulumi.Output<string>
  /** Secret output. */
  declare readonly sourceCredentials: pulumi.Output<{ username: string; password: string } | undefined>
  /** Secret output. */
  declare readonly sourceTls: pulumi.Output<
    { caCertificates?: string; certificateChain?: string; privateKey?: string; verifyHostname: boolean } | undefined
  >
  declare readonly clusterId: pulumi.Output<string>
  /** The engine's id of the link (cluster_link_id). */
  declare readonly linkId: pulumi.Output<string>
  /** ACTIVE, PAUSED, UNAVAILABLE or FAILED, as of the last up or refresh. */
  declare readonly linkState: pulumi.Output<string>
  declare readonly linkError: pulumi.Output<string>
  declare readonly linkErrorMessage: pulumi.Output<string>
  /** Mirror topics on this link, as of the last up or refresh. */
  declare readonly mirrorTopicNames: pulumi.Output<string[]>
  /** Health of the link's jobs (offset sync, config sync, auto-create, availability), as of the last up or refresh. */
  declare readonly linkTasks: pulumi.Output<{ name: string; state: string; errors: string[] }[]>

  constructor(name: string, args: ClusterLinkArgs, opts: pulumi.CustomResourceOptions = {}) {
    const props = {
      ...OUTPUTS,
      ...args,
      token: args.token === undefined ? undefined : pulumi.secret(args.token),
      sourceCredentials: args.sourceCredentials === undefined ? undefined : pulumi.secret(args.sourceCredentials),
      sourceTls: args.sourceTls === undefined ? undefined : pulumi.secret(args.sourceTls),
    }
    const additionalSecretOutputs = [...new Set([...(opts.additionalSecretOutputs ?? []), ...CLUSTER_LINK_SECRET_FIELDS])]
    super(createDynamicProvider('ClusterLink', handlersUrl()), name, props, { ...opts, additionalSecretOutputs }, 'clusterlink', CLUSTER_LINK_TYPE)
  }
}
