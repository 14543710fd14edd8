// deploy/base: the committed kustomize base equals what engine-manifests renders and passes the strict Kubernetes schemas offline.
import assert from 'node:assert/strict'
import { readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, it } from 'node:test'
import { BASE_FILES, buildEngineManifests, parseEngineManifestSettings, renderKustomizeBase } from '../../provider/pulumi-engine/index.ts'
import { KUBERNETES_VERSIONS, validateFiles, validateObjects } from './kubernetes-validate.ts'

const root = join(import.meta.dirname, '..', '..')
const baseDir = join(root, 'deploy', 'base')
const version = (JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { version: string }).version
const manifestFiles = BASE_FILES.map(([, file]) => join(baseDir, file))

describe('deploy/base', () => {
  it('deploy/base should hold exactly what render-kustomize-base.ts renders for this version', () => {
    const rendered = renderKustomizeBase(version)
    assert.deepEqual(readdirSync(baseDir).sort(), [...rendered.keys()].sort())
    for (const [file, text] of rendered) {
      assert.equal(readFileSync(join(baseDir, file), 'utf8'), text, `deploy/base/${file} is stale: run node provider/pulumi-engine/render-kustomize-base.ts`)
    }
  })

  it('deploy/base kustomization should list every manifest file', () => {
    const kustomization = readFileSync(join(baseDir, 'kustomization.yaml'), 'utf8')
    const listed = [...kustomization.matchAll(/^ {2}- (\S+)$/gm)].map((match) => match[1])
    assert.deepEqual(listed, BASE_FILES.map(([, file]) => file))
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
    const spec = structuredClone(manifests.deployment.spec) as { template: { spec: { containers: Array<Record<string, unknown>> } }; replicas: unknown }
    const container = spec.template.spec.containers[0] as Record<string, unknown>
    container['readinesProbe'] = container['readinessProbe']
    const misspelled = await validateObjects([{ ...manifests.deployment, spec }], '1.37.0')
    assert.equal(misspelled.ok, false)
    assert.match(misspelled.output, /readinesProbe/)
    const wrongType = await validateObjects([{ ...manifests.podDisruptionBudget, spec: { maxUnavailable: 1, selector: 'app=x' } }], '1.37.0')
    assert.equal(wrongType.ok, false)
  })

  it('deploy/base variants (SASL, LoadBalancer, CPU limit, namespace) should pass the strict Kubernetes schemas', async () => {
    const manifests = buildEngineManifests(parseEngineManifestSettings({
      name: 'engine-east', namespace: 'kafka', image: 'registry.example.com/clusterlink-engine:0.1.0', replicas: 3,
      destinationBootstrapServers: ['b0.kafka:9092', 'b1.kafka:9092'], secretName: 'engine-east-secrets',
      destinationSasl: { mechanism: 'SCRAM-SHA-512', username: 'clusterlink' }, serviceType: 'LoadBalancer',
      resources: { requests: { cpu: '1', memory: '1Gi' }, limits: { cpu: '2', memory: '2Gi' } }, stateTopic: '_cl-state',
    }))
    for (const k8sVersion of KUBERNETES_VERSIONS) {
      const result = await validateObjects(Object.values(manifests), k8sVersion)
      assert.ok(result.ok, result.output)
    }
  })
})
