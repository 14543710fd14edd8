// Builds the engine's Kubernetes objects (ServiceAccount, ConfigMap, Deployment, Service, PodDisruptionBudget) from validated
// settings: the one source of truth for deploy/base and the ClusterLinkEngine component.
import { createHash } from 'node:crypto'
import { z } from 'zod'

/** Port the engine listens on inside the pod (the image's CLUSTERLINK_PORT). */
export const ENGINE_PORT = 8090
/** Where the Secret's files appear in the container; the engine reads them through CLUSTERLINK_*_FILE. */
export const SECRET_MOUNT_PATH = '/var/run/secrets/clusterlink'
/** Where a kubernetes.io/tls Secret's tls.crt and tls.key appear when the listener serves HTTPS. */
export const TLS_MOUNT_PATH = '/var/run/secrets/clusterlink-tls'
/** Where the ConfigMap's engine.json appears; the engine reads it through CLUSTERLINK_CONFIG. */
export const CONFIG_MOUNT_PATH = '/etc/clusterlink'

/**
 * Whether engine replicas coordinate: they share mirror topics through a consumer group on the destination cluster
 * (engine/replicas/work-group.ts), one writer per mirror topic, and a replica that leaves or dies hands its mirror
 * topics to the others (test/engine/replicas/engine-replicas.kafka.test.ts, test/deploy/engine-takeover.kafka.test.ts).
 * So the Deployment runs 2 replicas and rolls surge-first: a new pod joins before an old one leaves. With false the
 * engine would be limited to one replica with the Recreate strategy.
 */
export const ENGINE_REPLICA_COORDINATION = true

const dnsLabel = z.string().regex(/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/, 'a DNS-1123 label: lower case letters, digits and dashes, such as clusterlink-engine').max(63)
const secretKey = z.string().regex(/^[-._a-zA-Z0-9]+$/, 'a Secret key: letters, digits, dashes, dots and underscores').max(253)
const quantity = z.string().regex(/^[0-9]+(\.[0-9]+)?(m|k|Ki|M|Mi|G|Gi|T|Ti)?$/, 'a Kubernetes quantity such as 250m, 1, 256Mi or 1Gi')
const hostPort = z.string().regex(/^[^\s:,]+:\d{1,5}$/, 'host:port, such as kafka-bootstrap.kafka:9092')

export const ResourceRequirementsSchema = z.strictObject({
  requests: z.strictObject({
    cpu: quantity.default('250m').describe('CPU the scheduler reserves; default 250m'),
    memory: quantity.default('256Mi').describe('Memory the scheduler reserves; default 256Mi'),
  }).default({ cpu: '250m', memory: '256Mi' }),
  limits: z.strictObject({
    cpu: quantity.optional().describe('CPU ceiling; default none (throttling a copier adds lag, it saves nothing)'),
    memory: quantity.default('512Mi').describe('Memory ceiling (the pod is OOM-killed above it); default 512Mi'),
  }).default({ memory: '512Mi' }),
}).describe('Container resources')

export const EngineManifestSettingsSchema = z.strictObject({
  name: dnsLabel.default('clusterlink-engine').describe('Name of every object and the app.kubernetes.io/instance label; default clusterlink-engine'),
  namespace: dnsLabel.optional().describe('Namespace of every object; default none (kubectl / the provider decides)'),
  image: z.string().min(1, 'image is required, such as registry.example.com/clusterlink-engine:0.1.0')
    .regex(/^[^\s]+$/, 'an image reference without spaces').describe('Engine image reference (required)'),
  imagePullPolicy: z.enum(['Always', 'IfNotPresent', 'Never']).default('IfNotPresent').describe('Image pull policy; default IfNotPresent'),
  replicas: z.number().int().min(1).max(100).default(ENGINE_REPLICA_COORDINATION ? 2 : 1)
    .describe('Engine replicas; default 2 once replicas coordinate, 1 until then (ENGINE_REPLICA_COORDINATION)'),
  destinationBootstrapServers: z.array(hostPort).min(1, 'destinationBootstrapServers needs at least one host:port')
    .describe('Destination cluster bootstrap servers, host:port (required)'),
  secretName: dnsLabel.default('clusterlink-engine')
    .describe('Existing Secret holding the credentials key, the API tokens and optionally the destination SASL password; default clusterlink-engine'),
  credentialsKeySecretKey: secretKey.default('credentials-key').describe('Key in the Secret with the credentials encryption key; default credentials-key'),
  apiTokensSecretKey: secretKey.default('api-tokens').describe('Key in the Secret with the accepted bearer tokens, one a line; default api-tokens'),
  destinationSasl: z.strictObject({
    mechanism: z.enum(['PLAIN', 'SCRAM-SHA-256', 'SCRAM-SHA-512']).describe('SASL mechanism'),
    username: z.string().min(1).describe('SASL username (not secret)'),
    passwordSecretKey: secretKey.default('destination-sasl-password').describe('Key in the Secret with the SASL password; default destination-sasl-password'),
  }).optional().describe('SASL authentication to the destination cluster; default none'),
  stateTopic: z.string().regex(/^[a-zA-Z0-9._-]{1,249}$/, 'a valid Kafka topic name').optional()
    .describe('State topic on the destination; default the engine\'s (_clusterlink-state)'),
  logLevel: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace']).default('info').describe('Log level; default info'),
  resources: ResourceRequirementsSchema.default({ requests: { cpu: '250m', memory: '256Mi' }, limits: { memory: '512Mi' } }),
  serviceType: z.enum(['ClusterIP', 'NodePort', 'LoadBalancer']).default('ClusterIP').describe('Service type; default ClusterIP'),
  terminationGracePeriodSeconds: z.number().int().min(5).max(600).default(30)
    .describe('Seconds between SIGTERM and SIGKILL; default 30 (the engine drains within it)'),
  maxUnavailable: z.number().int().min(1).default(1).describe('PodDisruptionBudget maxUnavailable; default 1'),
  listenerTlsSecretName: dnsLabel.optional()
    .describe('A kubernetes.io/tls Secret (tls.crt, tls.key): the engine serves HTTPS with it and the probes use HTTPS; default plain HTTP'),
}).superRefine((settings, ctx) => {
  if (settings.replicas > 1 && !ENGINE_REPLICA_COORDINATION) {
    ctx.addIssue({ code: 'custom', path: ['replicas'], message: `replicas must be 1 for now (got ${settings.replicas}): engine replicas do not coordinate yet, so two would both write every mirror partition and corrupt it (issue 8)` })
  }
  const keys = [settings.credentialsKeySecretKey, settings.apiTokensSecretKey, settings.destinationSasl?.passwordSecretKey]
    .filter((key) => key !== undefined)
  if (new Set(keys).size !== keys.length) {
    ctx.addIssue({ code: 'custom', path: ['secretName'], message: `each secret needs its own key in Secret '${settings.secretName}'; got ${keys.join(', ')}` })
  }
}).describe('Kubernetes deployment of the clusterlink engine')

export type EngineManifestSettingsInput = z.input<typeof EngineManifestSettingsSchema>
export type EngineManifestSettings = z.output<typeof EngineManifestSettingsSchema>

/** A Kubernetes object as plain data (what kubectl applies and what the Pulumi resources are given). */
export type KubernetesObject = { apiVersion: string; kind: string; metadata: Record<string, unknown> } & Record<string, unknown>

export interface EngineManifests {
  readonly serviceAccount: KubernetesObject
  readonly configMap: KubernetesObject
  readonly deployment: KubernetesObject
  readonly service: KubernetesObject
  readonly podDisruptionBudget: KubernetesObject
}

/** Validates settings; throws an Error listing every problem as `path: message`. */
export function parseEngineManifestSettings(input: EngineManifestSettingsInput): EngineManifestSettings {
  const result = EngineManifestSettingsSchema.safeParse(input)
  if (!result.success) {
    const lines = result.error.issues.map((issue) => `${issue.path.length > 0 ? issue.path.join('.') : '(root)'}: ${issue.message}`)
    throw new Error(`invalid clusterlink engine deployment settings:\n  ${lines.join('\n  ')}`)
  }
  return result.data
}

/** The engine's non-secret configuration file (engine.json in the ConfigMap); secrets only ever arrive as files. */
export function engineConfigFile(settings: EngineManifestSettings): Record<string, unknown> {
  return {
    destination: { bootstrapServers: settings.destinationBootstrapServers },
    logLevel: settings.logLevel,
    ...(settings.stateTopic === undefined ? {} : { stateTopic: settings.stateTopic }),
  }
}

/** Builds every object of one engine deployment; pure, so the YAML base and the Pulumi component cannot drift apart. */
export function buildEngineManifests(settings: EngineManifestSettings): EngineManifests {
  const selector = { 'app.kubernetes.io/name': 'clusterlink-engine', 'app.kubernetes.io/instance': settings.name }
  const labels = { ...selector, 'app.kubernetes.io/component': 'engine', 'app.kubernetes.io/part-of': 'clusterlink' }
  const metadata = (name: string): Record<string, unknown> => ({
    name, ...(settings.namespace === undefined ? {} : { namespace: settings.namespace }), labels,
  })
  const configJson = `${JSON.stringify(engineConfigFile(settings), null, 2)}\n`
  // A changed config file changes this annotation, so the Deployment rolls instead of keeping the old file.
  const configHash = createHash('sha256').update(configJson).digest('hex').slice(0, 16)
  const secretFile = (key: string): string => `${SECRET_MOUNT_PATH}/${key}`
  const sasl = settings.destinationSasl
  const env = [
    { name: 'CLUSTERLINK_CONFIG', value: `${CONFIG_MOUNT_PATH}/engine.json` },
    { name: 'CLUSTERLINK_HOST', value: '0.0.0.0' },
    { name: 'CLUSTERLINK_PORT', value: String(ENGINE_PORT) },
    { name: 'CLUSTERLINK_TOKENS_FILE', value: secretFile(settings.apiTokensSecretKey) },
    { name: 'CLUSTERLINK_CREDENTIALS_KEY_FILE', value: secretFile(settings.credentialsKeySecretKey) },
    ...(settings.listenerTlsSecretName === undefined ? [] : [
      { name: 'CLUSTERLINK_TLS_CERT_FILE', value: `${TLS_MOUNT_PATH}/tls.crt` },
      { name: 'CLUSTERLINK_TLS_KEY_FILE', value: `${TLS_MOUNT_PATH}/tls.key` },
    ]),
    ...(sasl === undefined ? [] : [
      { name: 'CLUSTERLINK_DESTINATION_SASL_MECHANISM', value: sasl.mechanism },
      { name: 'CLUSTERLINK_DESTINATION_SASL_USERNAME', value: sasl.username },
      { name: 'CLUSTERLINK_DESTINATION_SASL_PASSWORD_FILE', value: secretFile(sasl.passwordSecretKey) },
    ]),
  ]
  const secretItems = [
    settings.apiTokensSecretKey, settings.credentialsKeySecretKey, ...(sasl === undefined ? [] : [sasl.passwordSecretKey]),
  ]
    .map((key) => ({ key, path: key }))
  const probe = (path: string, periodSeconds: number, failureThreshold: number): Record<string, unknown> => ({
    httpGet: { path, port: 'http', ...(settings.listenerTlsSecretName === undefined ? {} : { scheme: 'HTTPS' }) }, periodSeconds, timeoutSeconds: 2, failureThreshold,
  })
  const limits: Record<string, string> = { memory: settings.resources.limits.memory }
  if (settings.resources.limits.cpu !== undefined) limits['cpu'] = settings.resources.limits.cpu

  const container = {
    name: 'engine',
    image: settings.image,
    imagePullPolicy: settings.imagePullPolicy,
    ports: [{ name: 'http', containerPort: ENGINE_PORT, protocol: 'TCP' }],
    env,
    // /healthz answers once the engine listens, which is after it waited for the destination (up to 60 s) and loaded
    // the state topic; liveness must not kill that start, so the startup probe allows 90 s.
    startupProbe: probe('/healthz', 2, 45),
    livenessProbe: probe('/healthz', 10, 3),
    // /readyz answers 200 only once state is loaded and the destination cluster answers.
    readinessProbe: probe('/readyz', 5, 2),
    resources: { requests: { cpu: settings.resources.requests.cpu, memory: settings.resources.requests.memory }, limits },
    securityContext: {
      runAsNonRoot: true, runAsUser: 1000, runAsGroup: 1000,
      allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, capabilities: { drop: ['ALL'] },
    },
    volumeMounts: [
      { name: 'config', mountPath: CONFIG_MOUNT_PATH, readOnly: true },
      { name: 'secrets', mountPath: SECRET_MOUNT_PATH, readOnly: true },
      ...(settings.listenerTlsSecretName === undefined ? [] : [{ name: 'listener-tls', mountPath: TLS_MOUNT_PATH, readOnly: true }]),
      { name: 'tmp', mountPath: '/tmp' },
    ],
  }

  const deployment: KubernetesObject = {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: metadata(settings.name),
    spec: {
      replicas: settings.replicas,
      revisionHistoryLimit: 5,
      selector: { matchLabels: selector },
      // One replica: Recreate, so the old pod has stopped writing before the new one starts (never two writers).
      // Coordinating replicas: surge first, so a mirror partition is handed to a running replica, never left without one.
      strategy: settings.replicas === 1
        ? { type: 'Recreate' }
        : { type: 'RollingUpdate', rollingUpdate: { maxSurge: 1, maxUnavailable: 0 } },
      template: {
        metadata: { labels, annotations: { 'clusterlink.io/config-hash': configHash } },
        spec: {
          serviceAccountName: settings.name,
          automountServiceAccountToken: false,
          enableServiceLinks: false,
          terminationGracePeriodSeconds: settings.terminationGracePeriodSeconds,
          securityContext: { runAsNonRoot: true, runAsUser: 1000, runAsGroup: 1000, fsGroup: 1000, seccompProfile: { type: 'RuntimeDefault' } },
          affinity: {
            podAntiAffinity: {
              preferredDuringSchedulingIgnoredDuringExecution: [{
                weight: 100,
                podAffinityTerm: { topologyKey: 'kubernetes.io/hostname', labelSelector: { matchLabels: selector } },
              }],
            },
          },
          containers: [container],
          volumes: [
            { name: 'config', configMap: { name: settings.name, items: [{ key: 'engine.json', path: 'engine.json' }] } },
            // 0440 with fsGroup 1000: readable by the engine's group only.
            { name: 'secrets', secret: { secretName: settings.secretName, defaultMode: 0o440, items: secretItems } },
            ...(settings.listenerTlsSecretName === undefined ? [] : [{
              name: 'listener-tls',
              secret: { secretName: settings.listenerTlsSecretName, defaultMode: 0o440, items: [{ key: 'tls.crt', path: 'tls.crt' }, { key: 'tls.key', path: 'tls.key' }] },
            }]),
            { name: 'tmp', emptyDir: { medium: 'Memory', sizeLimit: '64Mi' } },
          ],
        },
      },
    },
  }

  return {
    serviceAccount: { apiVersion: 'v1', kind: 'ServiceAccount', metadata: metadata(settings.name), automountServiceAccountToken: false },
    configMap: { apiVersion: 'v1', kind: 'ConfigMap', metadata: metadata(settings.name), data: { 'engine.json': configJson } },
    deployment,
    service: {
      apiVersion: 'v1',
      kind: 'Service',
      metadata: metadata(settings.name),
      spec: { type: settings.serviceType, selector, ports: [{ name: 'http', port: ENGINE_PORT, targetPort: 'http', protocol: 'TCP' }] },
    },
    podDisruptionBudget: {
      apiVersion: 'policy/v1',
      kind: 'PodDisruptionBudget',
      metadata: metadata(settings.name),
      spec: { maxUnavailable: settings.maxUnavailable, selector: { matchLabels: selector } },
    },
  }
}

/** The engine's URL inside the cluster, through its Service (https when the listener serves TLS). */
export function engineClusterUrl(name: string, namespace: string, tls = false): string {
  return `${tls ? 'https' : 'http'}://${name}.${namespace}.svc.cluster.local:${ENGINE_PORT}`
}
