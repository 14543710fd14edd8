// ClusterLinkEngine under Pulumi's mocks: the objects it declares (image, replicas, probes), secrets kept out of plain config
// and outputs, and its in-cluster URL.
import assert from 'node:assert/strict'
import { before, describe, it } from 'node:test'
import * as pulumi from '@pulumi/pulumi'
import { buildEngineManifests, parseEngineManifestSettings, type ClusterLinkEngine as Engine, type ClusterLinkEngineArgs } from '../../../provider/pulumi-engine/index.ts'
import { KUBERNETES_VERSIONS, validateObjects } from '../../deploy/kubernetes-validate.ts'

interface Declared { readonly type: string; readonly name: string; readonly inputs: Record<string, unknown> }
const declared: Declared[] = []
let ClusterLinkEngine: typeof Engine

const TOKEN = 'tok-0123456789abcdef-secret'
const KEY = 'key-fedcba9876543210-secret'
const SASL_PASSWORD = 'sasl-pw-not-for-logs'

function settled<T>(output: pulumi.Output<T>): Promise<T> {
  return new Promise((resolve) => output.apply((value) => { resolve(value); return value }))
}

/** Declares an engine and waits until the mocks saw every child resource. */
async function deploy(name: string, args: ClusterLinkEngineArgs): Promise<{ engine: Engine; objects: Map<string, Declared> }> {
  const engine = new ClusterLinkEngine(name, args)
  const children = [
    engine.deployment, engine.service, engine.configMap, engine.serviceAccount, engine.podDisruptionBudget,
    ...(engine.secret ? [engine.secret] : []),
  ]
  await Promise.all(children.map((child) => settled(child.urn)))
  await settled(engine.url)
  const objects = new Map(declared.filter((d) => d.name.startsWith(`${name}-`)).map((d) => [d.type.split(':').at(-1) as string, d]))
  return { engine, objects }
}

const at = (value: unknown, ...path: Array<string | number>): unknown =>
  path.reduce<unknown>((node, key) => (node as Record<string | number, unknown> | undefined)?.[key], value)

describe('ClusterLinkEngine', () => {
  before(async () => {
    await pulumi.runtime.setMocks({
      newResource: (args) => {
        declared.push({ type: args.type, name: args.name, inputs: args.inputs as Record<string, unknown> })
        return { id: `${args.name}-id`, state: args.inputs as Record<string, unknown> }
      },
      call: (args) => args.inputs as Record<string, unknown>,
    }, 'clusterlink', 'test', false)
    ;({ ClusterLinkEngine } = await import('../../../provider/pulumi-engine/index.ts'))
  })

  it('ClusterLinkEngine should declare a Deployment with the image, two surge-first replicas and the health probes', async () => {
    const { objects } = await deploy('e1', { image: 'registry.example.com/clusterlink-engine:0.1.0', destinationBootstrapServers: ['kafka:9092'], namespace: 'kafka', existingSecretName: 'engine-secrets' })
    assert.deepEqual([...objects.keys()].sort(), ['ConfigMap', 'Deployment', 'PodDisruptionBudget', 'Service', 'ServiceAccount'])
    const deployment = objects.get('Deployment')?.inputs
    assert.equal(at(deployment, 'spec', 'replicas'), 2)
    assert.equal(at(deployment, 'spec', 'strategy', 'type'), 'RollingUpdate')
    const container = at(deployment, 'spec', 'template', 'spec', 'containers', 0)
    assert.equal(at(container, 'image'), 'registry.example.com/clusterlink-engine:0.1.0')
    assert.equal(at(container, 'livenessProbe', 'httpGet', 'path'), '/healthz')
    assert.equal(at(container, 'readinessProbe', 'httpGet', 'path'), '/readyz')
    assert.equal(at(container, 'securityContext', 'readOnlyRootFilesystem'), true)
    assert.equal(at(deployment, 'metadata', 'namespace'), 'kafka')
    assert.equal(at(deployment, 'spec', 'template', 'spec', 'volumes', 1, 'secret', 'secretName'), 'engine-secrets')
  })

  it('ClusterLinkEngine should output the in-cluster URL of its Service', async () => {
    const { engine } = await deploy('e2', { image: 'i:1', destinationBootstrapServers: ['kafka:9092'], namespace: 'streams', existingSecretName: 's', replicas: 1, imagePullPolicy: 'Always' })
    assert.equal(await settled(engine.url), 'http://e2.streams.svc.cluster.local:8090')
    const tls = await deploy('e2tls', { image: 'i:1', destinationBootstrapServers: ['kafka:9092'], namespace: 'streams', existingSecretName: 's', listenerTlsSecretName: 'e2-tls' })
    assert.equal(await settled(tls.engine.url), 'https://e2tls.streams.svc.cluster.local:8090')
    assert.equal(await settled(engine.serviceName), 'e2')
    assert.equal(at(declared.find((d) => d.name === 'e2-deployment')?.inputs, 'spec', 'template', 'spec', 'containers', 0, 'imagePullPolicy'), 'Always')
  })

  it('ClusterLinkEngine should keep tokens, the credentials key and the SASL password in a secret Secret only', async () => {
    const { engine, objects } = await deploy('e3', {
      image: 'i:1', destinationBootstrapServers: ['kafka:9092'], apiTokens: [TOKEN], credentialsKey: KEY,
      destinationSasl: { mechanism: 'SCRAM-SHA-512', username: 'cl', password: SASL_PASSWORD },
    })
    assert.ok(engine.secret)
    assert.equal(await pulumi.isSecret(engine.secret.stringData), true)
    // The mocks receive the Secret's data still wrapped as a Pulumi secret: it is encrypted in state, never plain.
    assert.deepEqual(objects.get('Secret')?.inputs['stringData'], {
      [pulumi.runtime.specialSigKey]: pulumi.runtime.specialSecretSig,
      value: { 'api-tokens': `${TOKEN}\n`, 'credentials-key': KEY, 'destination-sasl-password': SASL_PASSWORD },
    })
    for (const kind of ['ConfigMap', 'Deployment', 'Service', 'ServiceAccount', 'PodDisruptionBudget']) {
      const text = JSON.stringify(objects.get(kind)?.inputs)
      for (const secret of [TOKEN, KEY, SASL_PASSWORD]) assert.equal(text.includes(secret), false, `${kind} holds a secret`)
    }
    const outputs = await Promise.all([engine.url, engine.namespace, engine.serviceName, engine.secretName].map(settled))
    for (const secret of [TOKEN, KEY, SASL_PASSWORD]) assert.equal(JSON.stringify(outputs).includes(secret), false)
    assert.equal(at(objects.get('Deployment')?.inputs, 'spec', 'template', 'spec', 'volumes', 1, 'secret', 'secretName'), 'e3')
  })

  it('ClusterLinkEngine should refuse a missing or doubled secret source and invalid settings at construction', () => {
    const base = { image: 'i:1', destinationBootstrapServers: ['kafka:9092'] }
    assert.throws(() => new ClusterLinkEngine('bad1', base), /set apiTokens and credentialsKey .* or existingSecretName/)
    assert.throws(() => new ClusterLinkEngine('bad2', { ...base, existingSecretName: 's', apiTokens: [TOKEN], credentialsKey: KEY }), /not both/)
    assert.throws(() => new ClusterLinkEngine('bad3', { ...base, apiTokens: [TOKEN] }), /go together/)
    assert.throws(() => new ClusterLinkEngine('bad4', { ...base, existingSecretName: 's', destinationBootstrapServers: ['kafka'], replicas: 0 }),
      (error: Error) => /destinationBootstrapServers\.0: host:port/.test(error.message) && /replicas/.test(error.message))
  })

  it('ClusterLinkEngine should declare exactly the objects of the kustomize base builder, also from inputs that are outputs', async () => {
    const { objects } = await deploy('e5', {
      image: pulumi.output('registry.example.com/clusterlink-engine:0.1.0'), destinationBootstrapServers: pulumi.output(['b0:9092', 'b1:9092']),
      namespace: 'kafka', existingSecretName: 'engine-secrets', logLevel: 'debug', serviceType: 'LoadBalancer',
      resources: { requests: { cpu: '500m' }, limits: { memory: '1Gi' } }, terminationGracePeriodSeconds: 45,
    })
    const expected = buildEngineManifests(parseEngineManifestSettings({
      name: 'e5', image: 'registry.example.com/clusterlink-engine:0.1.0', destinationBootstrapServers: ['b0:9092', 'b1:9092'],
      namespace: 'kafka', secretName: 'engine-secrets', logLevel: 'debug', serviceType: 'LoadBalancer',
      resources: { requests: { cpu: '500m', memory: '256Mi' }, limits: { memory: '1Gi' } }, terminationGracePeriodSeconds: 45,
    }))
    const kinds = {
      Deployment: expected.deployment, Service: expected.service, ConfigMap: expected.configMap, ServiceAccount: expected.serviceAccount,
      PodDisruptionBudget: expected.podDisruptionBudget,
    }
    for (const [kind, object] of Object.entries(kinds)) assert.deepEqual(objects.get(kind)?.inputs, object, kind)
  })

  it('ClusterLinkEngine with skipAwait should annotate every object to skip the readiness wait and delete in the background', async () => {
    const { objects } = await deploy('e6', { image: 'i:1', destinationBootstrapServers: ['kafka:9092'], apiTokens: [TOKEN], credentialsKey: KEY, skipAwait: true })
    assert.deepEqual([...objects.keys()].sort(), ['ConfigMap', 'Deployment', 'PodDisruptionBudget', 'Secret', 'Service', 'ServiceAccount'])
    for (const [kind, object] of objects) {
      assert.equal(at(object.inputs, 'metadata', 'annotations', 'pulumi.com/skipAwait'), 'true', kind)
      assert.equal(at(object.inputs, 'metadata', 'annotations', 'pulumi.com/deletionPropagationPolicy'), 'background', kind)
      assert.equal(at(object.inputs, 'metadata', 'name'), 'e6', kind)
    }
    const awaited = await deploy('e7', { image: 'i:1', destinationBootstrapServers: ['kafka:9092'], existingSecretName: 's' })
    for (const [kind, object] of awaited.objects) assert.equal(at(object.inputs, 'metadata', 'annotations'), undefined, kind)
  })

  it('ClusterLinkEngine objects should pass the strict Kubernetes schemas', async () => {
    const { objects } = await deploy('e4', { image: 'i:1', destinationBootstrapServers: ['kafka:9092'], apiTokens: [TOKEN], credentialsKey: KEY, serviceType: 'LoadBalancer', resources: { limits: { cpu: '2' } } })
    const unwrap = (value: unknown): unknown => at(value, pulumi.runtime.specialSigKey) === pulumi.runtime.specialSecretSig ? at(value, 'value') : value
    // The Kubernetes SDK sends apiVersion and kind with the inputs, so each declared object is a complete manifest.
    const documents = [...objects.values()].map((d) => Object.fromEntries(Object.entries(d.inputs).map(([k, v]) => [k, unwrap(v)])))
    for (const version of KUBERNETES_VERSIONS) {
      const result = await validateObjects(documents, version)
      assert.ok(result.ok, result.output)
    }
  })
})
