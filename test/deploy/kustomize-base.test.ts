// deploy/base: the committed kustomize base equals what engine-manifests renders and passes the strict Kubernetes schemas offline.
import assert from 'node:assert/strict'
import { readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, it } from 'node:test'
import { BASE_FILES, buildEngineManifests, parseEngineManifestSettings, renderKustomizeBase } from '../../provider/pulumi-engine/index.ts'
import { KUBERNETES_VERSIONS, kustomizeBuild, parseYamlDocuments, validateFiles, validateObjects } from './kubernetes-validate.ts'

const root = join(import.meta.dirname, '..', '..')
const baseDir = join(root, 'deploy', 'base')
const version = (JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { version: string }).version
const manifestFiles = BASE_FILES.map(([, file]) => join(baseDir, file))
const renderedObjects = () => buildEngineManifests(parseEngineManifestSettings({ image: `clusterlink-engine:${version}`, destinationBootstrapServers: ['kafka-bootstrap:9092'] }))

describe('deploy/base', () => {
  it('deploy/base should hold exactly what render-kustomize-base.ts renders for this version', () => {
    const rendered = renderKustomizeBase(version)
    assert.deepEqual(readdirSync(baseDir).sort(), [...rendered.keys()].sort())
    for (const [file, text] of rendered) {
      assert.equal(readFileSync(join(baseDir, file), 'utf8'), text, `deploy/base/${file} is stale: run node provider/pulumi-engine/render-kustomize-base.ts`)
    }
  })

  it('kustomize build of deploy/base should render exactly the objects engine-manifests builds', async () => {
    const rendered = await parseYamlDocuments(await kustomizeBuild(baseDir)) as Array<{ kind: string }>
    const expected = Object.values(renderedObjects())
    const byKind = (objects: ReadonlyArray<{ kind: string }>) => [...objects].sort((a, b) => a.kind.localeCompare(b.kind))
    assert.deepEqual(byKind(rendered), byKind(expected))
  })

  it('kustomize build of the example overlay should set namespace, image and destination and pass the strict schemas', async () => {
    const text = await kustomizeBuild(join(root, 'deploy', 'overlays', 'example'))
    type Rendered = { kind: string; metadata: { namespace?: string }; data?: Record<string, string>; spec?: unknown }
    const objects = await parseYamlDocuments(text) as Rendered[]
    assert.equal(objects.length, BASE_FILES.length)
    assert.ok(objects.every((o) => o.metadata.namespace === 'kafka'))
    const deployment = objects.find((o) => o.kind === 'Deployment') as { spec: { template: { spec: { containers: Array<{ image: string }> } } } }
    assert.equal(deployment.spec.template.spec.containers[0]?.image, 'registry.example.com/clusterlink-engine:0.1.0')
    const config = JSON.parse(objects.find((o) => o.kind === 'ConfigMap')?.data?.['engine.json'] ?? '{}') as { destination: { bootstrapServers: string[] } }
    assert.deepEqual(config.destination.bootstrapServers, ['kafka-bootstrap.kafka:9092'])
    for (const k8sVersion of KUBERNETES_VERSIONS) {
      const result = await validateObjects(text.split(/^---$/m), k8sVersion)
      assert.ok(result.ok, result.output)
    }
  })

  for (const k8sVersion of KUBERNETES_VERSIONS) {
    it(`deploy/base should pass the strict Kubernetes ${k8sVersion} schemas`, async () => {
      const result = await validateFiles(manifestFiles, k8sVersion)
      assert.ok(result.ok, result.output)
      assert.equal(result.output.match(/ passed for resource /g)?.length, manifestFiles.length, result.output)
    })
  }

  it('the schema check should reject a misspelled field and a wrong type', async () => {
    const manifests = buildEngineManifests(parseEngineManifestSettings({ image: 'x:1', destinationBootstrapServers: ['k:9092'] }))
    type Spec = { template: { spec: { containers: Array<Record<string, unknown>> } }; replicas: unknown }
    const spec = structuredClone(manifests.deployment.spec) as Spec
    const container = spec.template.spec.containers[0] as Record<string, unknown>
    container['readinesProbe'] = container['readinessProbe']
    const misspelled = await validateObjects([{ ...manifests.deployment, spec }], '1.37.0')
    assert.equal(misspelled.ok, false)
    assert.match(misspelled.output, /readinesProbe/)
    const wrongType = await validateObjects([{ ...manifests.podDisruptionBudget, spec: { maxUnavailable: 1, selector: 'app=x' } }], '1.37.0')
    assert.equal(wrongType.ok, false)
  })

  it('deploy/base variants (SASL, HTTPS listener, LoadBalancer, CPU limit, namespace, several replicas) should pass the strict Kubernetes schemas', async () => {
    const settings = parseEngineManifestSettings({
      name: 'engine-east', namespace: 'kafka', image: 'registry.example.com/clusterlink-engine:0.1.0',
      destinationBootstrapServers: ['b0.kafka:9092', 'b1.kafka:9092'], secretName: 'engine-east-secrets',
      destinationSasl: { mechanism: 'SCRAM-SHA-512', username: 'clusterlink' }, serviceType: 'LoadBalancer',
      resources: { requests: { cpu: '1', memory: '1Gi' }, limits: { cpu: '2', memory: '2Gi' } }, stateTopic: '_cl-state',
      listenerTlsSecretName: 'engine-east-tls',
    })
    // Several replicas (the RollingUpdate shape) are built as they will be once replicas coordinate.
    const manifests = buildEngineManifests({ ...settings, replicas: 3 })
    for (const k8sVersion of KUBERNETES_VERSIONS) {
      const result = await validateObjects(Object.values(manifests), k8sVersion)
      assert.ok(result.ok, result.output)
    }
  })
})
