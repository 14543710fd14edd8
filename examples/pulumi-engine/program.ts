// Deploys the clusterlink engine to Kubernetes with ClusterLinkEngine, then declares a cluster link and a mirror topic against it, in that order.
import * as pulumi from '@pulumi/pulumi'
import { ClusterLinkEngine } from '../../provider/pulumi-engine/index.ts'
import { ClusterLink, MirrorTopic } from '../../provider/pulumi/index.ts'

export interface EngineAndMirrorsOptions {
  /** Engine image built from the repository's Containerfile and pushed where the cluster pulls from. */
  readonly image: string
  /** Namespace the engine runs in (it must exist). */
  readonly namespace: string
  /** Destination cluster bootstrap servers as the pods reach them, host:port. */
  readonly destinationBootstrapServers: readonly string[]
  /** Source cluster bootstrap servers as the engine pods reach them, host:port[,host:port]. */
  readonly sourceBootstrapServers: string
  /** Source topic to mirror. */
  readonly topic: string
  /** Bearer token the engine accepts and the link and mirror use (secret). */
  readonly engineToken: pulumi.Input<string>
  /** Key that encrypts link credentials at rest (secret). */
  readonly credentialsKey: pulumi.Input<string>
  /**
   * URL the machine running `pulumi up` reaches the engine at; default the in-cluster URL, which works when Pulumi runs
   * inside the cluster (a CI runner pod, the Pulumi Kubernetes Operator). From outside, use a LoadBalancer address
   * (`serviceType`) or `kubectl port-forward svc/clusterlink-engine 8090` and http://127.0.0.1:8090.
   */
  readonly engineEndpoint?: pulumi.Input<string>
  /** Service type; default ClusterIP. */
  readonly serviceType?: 'ClusterIP' | 'LoadBalancer'
  /** Do not wait for the engine's pods (ClusterLinkEngine's skipAwait); the link then needs `engineEndpoint`. */
  readonly skipAwait?: boolean
}

export interface EngineAndMirrors {
  readonly engine: ClusterLinkEngine
  readonly link: ClusterLink
  readonly mirror: MirrorTopic
}

export function deployEngineAndMirrors(options: EngineAndMirrorsOptions): EngineAndMirrors {
  const engine = new ClusterLinkEngine('clusterlink-engine', {
    image: options.image,
    namespace: options.namespace,
    destinationBootstrapServers: [...options.destinationBootstrapServers],
    apiTokens: [options.engineToken],
    credentialsKey: options.credentialsKey,
    ...(options.serviceType === undefined ? {} : { serviceType: options.serviceType }),
    ...(options.skipAwait === undefined ? {} : { skipAwait: options.skipAwait }),
  })
  const connection = { endpoint: options.engineEndpoint ?? engine.url, token: pulumi.secret(options.engineToken) }
  // dependsOn the engine: the link is created only once the Deployment's pods are ready (/readyz), and on destroy the
  // mirror and the link are removed while the engine still runs.
  const link = new ClusterLink('source-link', {
    linkName: 'source-link', sourceBootstrapServers: options.sourceBootstrapServers, ...connection,
  }, { dependsOn: [engine] })
  const mirror = new MirrorTopic(`mirror-${options.topic}`, {
    linkName: link.linkName, sourceTopicName: options.topic, status: 'ACTIVE', ...connection,
  }, { dependsOn: [link] })
  return { engine, link, mirror }
}
