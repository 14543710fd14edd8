// The ClusterLinkEngine Pulumi component: deploys the clusterlink engine to Kubernetes (Deployment, Service,
// PodDisruptionBudget, ConfigMap, ServiceAccount and optionally its Secret).
import * as k8s from '@pulumi/kubernetes'
import * as pulumi from '@pulumi/pulumi'
import {
  buildEngineManifests,
  engineClusterUrl,
  parseEngineManifestSettings,
  type EngineManifests,
  type EngineManifestSettings,
  type EngineManifestSettingsInput,
} from './engine-manifests.ts'

/** Type token of the component; it is API and never changes silently. */
export const CLUSTER_LINK_ENGINE_TYPE = 'clusterlink:index:ClusterLinkEngine'

export interface ClusterLinkEngineResources {
  /** Requested resources; default cpu 250m, memory 256Mi. */
  readonly requests?: { readonly cpu?: string; readonly memory?: string }
  /** Limits; default memory 512Mi and no CPU limit (throttling a copier only adds lag). */
  readonly limits?: { readonly cpu?: string; readonly memory?: string }
}

export interface ClusterLinkEngineArgs {
  /**
   * Engine image reference, such as `registry.example.com/clusterlink-engine:0.1.0` (required; build it from the
   * repository's Containerfile).
   */
  readonly image: pulumi.Input<string>
  /** Destination cluster bootstrap servers as `host:port`, reachable from the pods (required). */
  readonly destinationBootstrapServers: pulumi.Input<pulumi.Input<string>[]>
  /** Namespace of every object; default the Kubernetes provider's namespace (`default` when it has none). */
  readonly namespace?: pulumi.Input<string>
  /** Name of every Kubernetes object; default the component's resource name. */
  readonly kubernetesName?: string
  /**
   * Engine replicas; default 2. Replicas share the mirror topics through a consumer group on the destination cluster
   * (one writer per mirror topic) and roll out surge-first; a single replica rolls out with Recreate.
   */
  readonly replicas?: pulumi.Input<number>
  /** Image pull policy; default `IfNotPresent`. */
  readonly imagePullPolicy?: pulumi.Input<'Always' | 'IfNotPresent' | 'Never'>
  /**
   * Bearer tokens the engine accepts (secret). With `credentialsKey`, the component creates the Secret; leave both
   * unset to use `existingSecretName`. Plain values are wrapped with `pulumi.secret` before they are stored.
   */
  readonly apiTokens?: pulumi.Input<pulumi.Input<string>[]>
  /** Key that encrypts link credentials at rest, at least 16 characters (secret). Needed with `apiTokens`. */
  readonly credentialsKey?: pulumi.Input<string>
  /**
   * An existing Secret in the namespace with keys `credentials-key` and `api-tokens` (one token a line), and
   * `destination-sasl-password` when `destinationSasl` is set. Default none: then `apiTokens` and `credentialsKey` are required.
   */
  readonly existingSecretName?: pulumi.Input<string>
  /** SASL authentication to the destination cluster; the password is secret and lives in the Secret. Default none. */
  readonly destinationSasl?: {
    readonly mechanism: pulumi.Input<'PLAIN' | 'SCRAM-SHA-256' | 'SCRAM-SHA-512'>
    readonly username: pulumi.Input<string>
    /** Password (secret); required unless `existingSecretName` holds `destination-sasl-password`. */
    readonly password?: pulumi.Input<string>
  }
  /** Container resources; default requests cpu 250m / memory 256Mi, limit memory 512Mi. */
  readonly resources?: ClusterLinkEngineResources
  /** Service type; default `ClusterIP` (use `LoadBalancer` to reach the engine from outside the cluster). */
  readonly serviceType?: pulumi.Input<'ClusterIP' | 'NodePort' | 'LoadBalancer'>
  /** Engine log level; default `info`. */
  readonly logLevel?: pulumi.Input<'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace'>
  /** State topic on the destination cluster; default the engine's (`_clusterlink-state`). */
  readonly stateTopic?: pulumi.Input<string>
  /** Seconds between SIGTERM and SIGKILL; default 30. */
  readonly terminationGracePeriodSeconds?: pulumi.Input<number>
  /**
   * A kubernetes.io/tls Secret in the namespace (keys tls.crt, tls.key, e.g. from cert-manager): the engine serves HTTPS
   * with it, the probes use HTTPS and `url` starts with https://. Default plain HTTP.
   */
  readonly listenerTlsSecretName?: pulumi.Input<string>
  /**
   * Create the objects without waiting for the pods (Pulumi's `pulumi.com/skipAwait` annotation on every object) and
   * delete them with background propagation (kubectl's default) instead of waiting for dependents. Default false. Then
   * `url` resolves as soon as the Deployment exists, so links no longer wait for the engine: for clusters where nothing
   * runs the pods (an API server without nodes), with links against an engine reached through `engineEndpoint`.
   */
  readonly skipAwait?: boolean
}

type Meta = k8s.types.input.meta.v1.ObjectMeta

/**
 * Deploys the engine. Declare ClusterLink and MirrorTopic resources with `dependsOn: [engine]`: the Deployment
 * resource completes only when its pods are ready (their `/readyz` answers), so links are created after that.
 */
export class ClusterLinkEngine extends pulumi.ComponentResource {
  /** The engine's URL inside the cluster, `http://<name>.<namespace>.svc.cluster.local:8090` (https with listenerTlsSecretName). */
  declare readonly url: pulumi.Output<string>
  /** Namespace the engine runs in. */
  declare readonly namespace: pulumi.Output<string>
  /** Name of the Service (and of every other object). */
  declare readonly serviceName: pulumi.Output<string>
  /** Name of the Secret the pods read (created here or given as `existingSecretName`). */
  declare readonly secretName: pulumi.Output<string>

  readonly deployment: k8s.apps.v1.Deployment
  readonly service: k8s.core.v1.Service
  readonly configMap: k8s.core.v1.ConfigMap
  readonly serviceAccount: k8s.core.v1.ServiceAccount
  readonly podDisruptionBudget: k8s.policy.v1.PodDisruptionBudget
  /** The Secret, when the component creates it (`apiTokens` + `credentialsKey`); undefined with `existingSecretName`. */
  readonly secret: k8s.core.v1.Secret | undefined

  constructor(name: string, args: ClusterLinkEngineArgs, opts: pulumi.ComponentResourceOptions = {}) {
    // Everything is checked before the component registers, so a mistake leaves nothing half-declared.
    const { secretName, createsSecret, settings } = prepareSettings(name, args)
    super(CLUSTER_LINK_ENGINE_TYPE, name, {}, opts)
    const child = { parent: this }
    const manifests: pulumi.Output<EngineManifests> = settings.apply(buildEngineManifests)
    const part = <T>(object: keyof EngineManifests, field: string): pulumi.Output<T> =>
      manifests.apply((m) => m[object][field]) as pulumi.Output<T>
    const meta = (object: keyof EngineManifests): pulumi.Output<Meta> =>
      part<Meta>(object, 'metadata').apply((m) => args.skipAwait === true ? withSkipAwait(m) : m)

    const dependsOn: pulumi.Resource[] = []
    this.secret = undefined
    if (createsSecret) {
      const files = settings.apply((s) => ({
        tokens: s.apiTokensSecretKey, key: s.credentialsKeySecretKey, sasl: s.destinationSasl?.passwordSecretKey,
      }))
      // The values stay Pulumi secrets end to end: encrypted in state, never in the ConfigMap, env or component outputs.
      const stringData = pulumi.secret(pulumi.all([files, args.apiTokens, args.credentialsKey, args.destinationSasl?.password])
        .apply(([keys, tokens, key, password]) => ({
          [keys.tokens]: `${(tokens ?? []).join('\n')}\n`,
          [keys.key]: key ?? '',
          ...(keys.sasl === undefined || password === undefined ? {} : { [keys.sasl]: password }),
        })))
      this.secret = new k8s.core.v1.Secret(`${name}-secret`, {
        metadata: meta('configMap'),
        type: 'Opaque',
        stringData,
      }, { ...child, additionalSecretOutputs: ['data', 'stringData'] })
      dependsOn.push(this.secret)
    }

    this.serviceAccount = new k8s.core.v1.ServiceAccount(`${name}-sa`, {
      metadata: meta('serviceAccount'),
      automountServiceAccountToken: false,
    }, child)
    this.configMap = new k8s.core.v1.ConfigMap(`${name}-config`, {
      metadata: meta('configMap'),
      data: part<Record<string, string>>('configMap', 'data'),
    }, child)
    dependsOn.push(this.serviceAccount, this.configMap)
    this.deployment = new k8s.apps.v1.Deployment(`${name}-deployment`, {
      metadata: meta('deployment'),
      spec: part<k8s.types.input.apps.v1.DeploymentSpec>('deployment', 'spec'),
    }, { ...child, dependsOn })
    this.service = new k8s.core.v1.Service(`${name}-service`, {
      metadata: meta('service'),
      spec: part<k8s.types.input.core.v1.ServiceSpec>('service', 'spec'),
    }, child)
    this.podDisruptionBudget = new k8s.policy.v1.PodDisruptionBudget(`${name}-pdb`, {
      metadata: meta('podDisruptionBudget'),
      spec: part<k8s.types.input.policy.v1.PodDisruptionBudgetSpec>('podDisruptionBudget', 'spec'),
    }, child)

    this.namespace = this.service.metadata.apply((m) => m.namespace ?? 'default')
    this.serviceName = this.service.metadata.apply((m) => m.name)
    this.secretName = secretName
    // The URL resolves once the Deployment is ready, so dependents that only take `url` still wait for the engine.
    const tls = settings.apply((s) => s.listenerTlsSecretName !== undefined)
    this.url = pulumi.all([this.serviceName, this.namespace, tls, this.deployment.status])
      .apply(([service, namespace, https]) => engineClusterUrl(service, namespace, https))
    this.registerOutputs({ url: this.url, namespace: this.namespace, serviceName: this.serviceName, secretName: this.secretName })
  }
}

// Annotations read by the Kubernetes provider (pulumi-kubernetes provider/pkg/metadata/overrides.go): skipAwait skips
// the readiness wait, and on delete a Foreground policy (its default) would wait for a garbage collector.
function withSkipAwait(metadata: Meta): Meta {
  const annotations = (metadata.annotations ?? {}) as Record<string, string>
  return {
    ...metadata,
    annotations: { ...annotations, 'pulumi.com/skipAwait': 'true', 'pulumi.com/deletionPropagationPolicy': 'background' },
  }
}

interface PreparedSettings {
  readonly objectName: string
  readonly secretName: pulumi.Output<string>
  readonly createsSecret: boolean
  readonly settings: pulumi.Output<EngineManifestSettings>
}

/** Checks the secret source and, when the inputs are plain values, validates every setting at once. */
function prepareSettings(name: string, args: ClusterLinkEngineArgs): PreparedSettings {
  const createsSecret = args.apiTokens !== undefined || args.credentialsKey !== undefined
  if (createsSecret && args.existingSecretName !== undefined) {
    throw new Error(`ClusterLinkEngine ${name}: set either existingSecretName or apiTokens + credentialsKey, not both`)
  }
  if (!createsSecret && args.existingSecretName === undefined) {
    throw new Error(`ClusterLinkEngine ${name}: set apiTokens and credentialsKey (the component creates the Secret), or existingSecretName`)
  }
  if (createsSecret && (args.apiTokens === undefined || args.credentialsKey === undefined)) {
    throw new Error(`ClusterLinkEngine ${name}: apiTokens and credentialsKey go together; set both`)
  }
  if (createsSecret && args.destinationSasl !== undefined && args.destinationSasl.password === undefined) {
    throw new Error(`ClusterLinkEngine ${name}: destinationSasl.password is required when the component creates the Secret`)
  }
  const objectName = args.kubernetesName ?? name
  const secretName = pulumi.output(args.existingSecretName ?? objectName)

  const raw = {
    image: args.image, bootstrap: args.destinationBootstrapServers, namespace: args.namespace, replicas: args.replicas,
    pullPolicy: args.imagePullPolicy, secret: args.existingSecretName ?? objectName, saslMechanism: args.destinationSasl?.mechanism,
    saslUser: args.destinationSasl?.username, serviceType: args.serviceType, logLevel: args.logLevel,
    stateTopic: args.stateTopic, grace: args.terminationGracePeriodSeconds, tlsSecret: args.listenerTlsSecretName,
  }
  const toSettings = (v: pulumi.Unwrap<typeof raw>): EngineManifestSettings => {
    const input: EngineManifestSettingsInput = {
      name: objectName, image: v.image, destinationBootstrapServers: v.bootstrap, secretName: v.secret,
      ...(v.namespace === undefined ? {} : { namespace: v.namespace }),
      ...(v.replicas === undefined ? {} : { replicas: v.replicas }),
      ...(v.pullPolicy === undefined ? {} : { imagePullPolicy: v.pullPolicy }),
      ...(v.saslMechanism === undefined || v.saslUser === undefined
        ? {}
        : { destinationSasl: { mechanism: v.saslMechanism, username: v.saslUser } }),
      ...(v.serviceType === undefined ? {} : { serviceType: v.serviceType }),
      ...(v.logLevel === undefined ? {} : { logLevel: v.logLevel }),
      ...(v.stateTopic === undefined ? {} : { stateTopic: v.stateTopic }),
      ...(v.grace === undefined ? {} : { terminationGracePeriodSeconds: v.grace }),
      ...(v.tlsSecret === undefined ? {} : { listenerTlsSecretName: v.tlsSecret }),
      ...(args.resources === undefined ? {} : { resources: resourcesInput(args.resources) }),
    }
    return parseEngineManifestSettings(input)
  }
  // Plain inputs (the usual case) are validated now, so a mistake fails at construction with every problem listed;
  // inputs that are outputs of other resources are validated once they resolve.
  if (isPlain(raw)) toSettings(raw as unknown as pulumi.Unwrap<typeof raw>)
  return { objectName, secretName, createsSecret, settings: pulumi.output(raw).apply(toSettings) }
}

/** True when the value holds no Output or Promise anywhere, so it can be validated synchronously. */
function isPlain(value: unknown): boolean {
  if (pulumi.Output.isInstance(value) || value instanceof Promise) return false
  if (Array.isArray(value)) return value.every(isPlain)
  if (typeof value === 'object' && value !== null) return Object.values(value).every(isPlain)
  return true
}

function resourcesInput(resources: ClusterLinkEngineResources): EngineManifestSettingsInput['resources'] {
  return {
    requests: { cpu: resources.requests?.cpu ?? '250m', memory: resources.requests?.memory ?? '256Mi' },
    limits: { memory: resources.limits?.memory ?? '512Mi', ...(resources.limits?.cpu === undefined ? {} : { cpu: resources.limits.cpu }) },
  }
}
