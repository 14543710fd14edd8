// buildEngineManifests: replicas, probes, security context, resources, Secret references and selectors of the engine's Kubernetes objects.
import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import {
  buildEngineManifests,
  engineClusterUrl,
  engineConfigFile,
  ENGINE_REPLICA_COORDINATION,
  parseEngineManifestSettings,
  SECRET_MOUNT_PATH,
  TLS_MOUNT_PATH,
  type EngineManifests,
} from '../../../provider/pulumi-engine/index.ts'

type Obj = Record<string, unknown>
const at = (value: unknown, ...path: Array<string | number>): unknown =>
  path.reduce<unknown>((node, key) => (node as Record<string | number, unknown> | undefined)?.[key], value)

function build(overrides: Record<string, unknown> = {}): EngineManifests {
  return buildEngineManifests(parseEngineManifestSettings({ image: 'clusterlink-engine:0.1.0', destinationBootstrapServers: ['kafka:9092'], ...overrides }))
}

function container(manifests: EngineManifests): Obj {
  return at(manifests.deployment, 'spec', 'template', 'spec', 'containers', 0) as Obj
}

function envOf(manifests: EngineManifests): Map<string, string> {
  return new Map((container(manifests)['env'] as Array<{ name: string; value: string }>).map((e) => [e.name, e.value]))
}

describe('buildEngineManifests', () => {
  it('buildEngineManifests should run two coordinating replicas by default and Recreate a single one', () => {
    assert.equal(ENGINE_REPLICA_COORDINATION, true)
    const manifests = build()
    assert.equal(at(manifests.deployment, 'spec', 'replicas'), 2)
    assert.deepEqual(at(manifests.deployment, 'spec', 'strategy'), { type: 'RollingUpdate', rollingUpdate: { maxSurge: 1, maxUnavailable: 0 } })
    assert.equal(at(manifests.podDisruptionBudget, 'spec', 'maxUnavailable'), 1)
    assert.deepEqual(at(build({ replicas: 1 }).deployment, 'spec', 'strategy'), { type: 'Recreate' })
  })

  it('buildEngineManifests should surge before it stops a replica when several replicas run', () => {
    const settings = { ...parseEngineManifestSettings({ image: 'i:1', destinationBootstrapServers: ['kafka:9092'] }), replicas: 3 }
    const manifests = buildEngineManifests(settings)
    assert.equal(at(manifests.deployment, 'spec', 'replicas'), 3)
    assert.deepEqual(at(manifests.deployment, 'spec', 'strategy'), { type: 'RollingUpdate', rollingUpdate: { maxSurge: 1, maxUnavailable: 0 } })
  })

  it('buildEngineManifests should probe /healthz for liveness and startup and /readyz for readiness on the named port', () => {
    const c = container(build())
    assert.equal(at(c, 'livenessProbe', 'httpGet', 'path'), '/healthz')
    assert.equal(at(c, 'startupProbe', 'httpGet', 'path'), '/healthz')
    assert.equal(at(c, 'readinessProbe', 'httpGet', 'path'), '/readyz')
    for (const probe of ['livenessProbe', 'startupProbe', 'readinessProbe']) assert.equal(at(c, probe, 'httpGet', 'port'), 'http')
    assert.deepEqual(c['ports'], [{ name: 'http', containerPort: 8090, protocol: 'TCP' }])
  })

  it('buildEngineManifests should run non-root with a read-only root filesystem, no capabilities and /tmp as a volume', () => {
    const manifests = build()
    const c = container(manifests)
    assert.deepEqual(c['securityContext'], {
      runAsNonRoot: true, runAsUser: 1000, runAsGroup: 1000, allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, capabilities: { drop: ['ALL'] },
    })
    assert.equal(at(manifests.deployment, 'spec', 'template', 'spec', 'securityContext', 'runAsNonRoot'), true)
    assert.equal(at(manifests.deployment, 'spec', 'template', 'spec', 'automountServiceAccountToken'), false)
    const mounts = c['volumeMounts'] as Array<{ name: string; mountPath: string; readOnly?: boolean }>
    assert.ok(mounts.some((m) => m.mountPath === '/tmp' && m.readOnly !== true))
    assert.ok(mounts.filter((m) => m.mountPath !== '/tmp').every((m) => m.readOnly === true))
  })

  it('buildEngineManifests should request and limit resources, with a CPU limit only when asked', () => {
    assert.deepEqual(container(build())['resources'], { requests: { cpu: '250m', memory: '256Mi' }, limits: { memory: '512Mi' } })
    const custom = container(build({ resources: { requests: { cpu: '1', memory: '1Gi' }, limits: { cpu: '2', memory: '2Gi' } } }))
    assert.deepEqual(custom['resources'], { requests: { cpu: '1', memory: '1Gi' }, limits: { memory: '2Gi', cpu: '2' } })
  })

  it('buildEngineManifests should read the credentials key, API tokens and SASL password only as files from the Secret', () => {
    const manifests = build({ secretName: 'engine-secrets', destinationSasl: { mechanism: 'SCRAM-SHA-256', username: 'cl' } })
    const env = envOf(manifests)
    assert.equal(env.get('CLUSTERLINK_TOKENS_FILE'), `${SECRET_MOUNT_PATH}/api-tokens`)
    assert.equal(env.get('CLUSTERLINK_CREDENTIALS_KEY_FILE'), `${SECRET_MOUNT_PATH}/credentials-key`)
    assert.equal(env.get('CLUSTERLINK_DESTINATION_SASL_PASSWORD_FILE'), `${SECRET_MOUNT_PATH}/destination-sasl-password`)
    for (const name of ['CLUSTERLINK_TOKENS', 'CLUSTERLINK_CREDENTIALS_KEY', 'CLUSTERLINK_DESTINATION_SASL_PASSWORD']) assert.equal(env.has(name), false)
    const volumes = at(manifests.deployment, 'spec', 'template', 'spec', 'volumes') as Obj[]
    const secretVolume = volumes.find((v) => v['secret'] !== undefined)
    assert.equal(at(secretVolume, 'secret', 'secretName'), 'engine-secrets')
    assert.deepEqual((at(secretVolume, 'secret', 'items') as Array<{ key: string }>).map((i) => i.key).sort(), ['api-tokens', 'credentials-key', 'destination-sasl-password'])
    assert.equal(manifests.configMap['data'] !== undefined && JSON.stringify(manifests.configMap).includes('password'), false)
  })

  it('buildEngineManifests should serve HTTPS from a TLS Secret and probe over HTTPS when listenerTlsSecretName is set', () => {
    const plain = container(build())
    assert.equal(at(plain, 'readinessProbe', 'httpGet', 'scheme'), undefined)
    const manifests = build({ listenerTlsSecretName: 'engine-tls' })
    const c = container(manifests)
    for (const probe of ['livenessProbe', 'startupProbe', 'readinessProbe']) assert.equal(at(c, probe, 'httpGet', 'scheme'), 'HTTPS')
    const env = envOf(manifests)
    assert.equal(env.get('CLUSTERLINK_TLS_CERT_FILE'), `${TLS_MOUNT_PATH}/tls.crt`)
    assert.equal(env.get('CLUSTERLINK_TLS_KEY_FILE'), `${TLS_MOUNT_PATH}/tls.key`)
    const volumes = at(manifests.deployment, 'spec', 'template', 'spec', 'volumes') as Obj[]
    assert.equal(at(volumes.find((v) => v['name'] === 'listener-tls'), 'secret', 'secretName'), 'engine-tls')
    assert.equal(engineClusterUrl('e', 'ns', true), 'https://e.ns.svc.cluster.local:8090')
  })

  it('buildEngineManifests should put only non-secret settings in the ConfigMap and roll pods when they change', () => {
    const a = build({ logLevel: 'info' })
    const b = build({ logLevel: 'debug' })
    assert.deepEqual(JSON.parse(at(a.configMap, 'data', 'engine.json') as string), { destination: { bootstrapServers: ['kafka:9092'] }, logLevel: 'info' })
    assert.deepEqual(engineConfigFile(parseEngineManifestSettings({ image: 'i', destinationBootstrapServers: ['k:1'], stateTopic: 's' })).stateTopic, 's')
    const hash = (m: EngineManifests): unknown => at(m.deployment, 'spec', 'template', 'metadata', 'annotations', 'clusterlink.io/config-hash')
    assert.notEqual(hash(a), hash(b))
    assert.equal(hash(a), hash(build({ logLevel: 'info' })))
  })

  it('buildEngineManifests should select the same pods from the Deployment, the Service and the PodDisruptionBudget', () => {
    const manifests = build({ name: 'engine-a' })
    const podLabels = at(manifests.deployment, 'spec', 'template', 'metadata', 'labels') as Record<string, string>
    const selectors = [
      at(manifests.deployment, 'spec', 'selector', 'matchLabels'),
      at(manifests.service, 'spec', 'selector'),
      at(manifests.podDisruptionBudget, 'spec', 'selector', 'matchLabels'),
    ] as Array<Record<string, string>>
    for (const selector of selectors) {
      assert.deepEqual(selector, selectors[0])
      for (const [k, v] of Object.entries(selector)) assert.equal(podLabels[k], v)
    }
    assert.equal(at(manifests.service, 'spec', 'ports', 0, 'targetPort'), 'http')
  })

  it('parseEngineManifestSettings should list every problem and say what to fix', () => {
    assert.throws(
      () => parseEngineManifestSettings({ image: '', destinationBootstrapServers: ['no-port'], replicas: 0, name: 'Bad_Name' }),
      (error: Error) => {
        for (const needle of ['image: image is required', 'destinationBootstrapServers.0: host:port', 'replicas:', 'name: a DNS-1123 label']) assert.ok(error.message.includes(needle), `${needle} in ${error.message}`)
        return true
      },
    )
    assert.throws(() => parseEngineManifestSettings({ image: 'i', destinationBootstrapServers: ['k:1'], apiTokensSecretKey: 'same', credentialsKeySecretKey: 'same' }), /each secret needs its own key/)
  })
})
