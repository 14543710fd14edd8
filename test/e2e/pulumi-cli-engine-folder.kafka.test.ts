// End to end as users type it: the real Pulumi CLI with Pulumi's Kubernetes provider plugin (built from Go modules by
// scripts/build-pulumi-kubernetes.sh) runs `pulumi up`, `pulumi preview --refresh --expect-no-changes` and `pulumi destroy`
// on examples/pulumi-engine: the engine's Kubernetes objects go to a real kube-apiserver (no nodes: the pods never run,
// hence `skipAwait`), the link and the mirror to the engine of a local stack (two Kafka clusters) through `engineEndpoint`.
import { after, before, describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { execFile } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { readFile } from 'node:fs/promises'
import { join, resolve } from 'node:path'
import { promisify } from 'node:util'
import { startLocalStack, type LocalStack } from '../../cli/local/local-stack.ts'
import type { EngineClient } from '../../provider/client/index.ts'
import { KubeClient, isKubeNotFound } from '../../provider/kubernetes/index.ts'
import { startKubeApiServer, type KubeApiServer } from '../kube/kube-api-server.ts'
import { createPulumiCli, type PulumiCli } from './pulumi-cli.ts'
import { createTopics, engineClientOf, waitFor } from './pulumi-harness.ts'

const repoRoot = resolve(import.meta.dirname, '../..')
const folder = join(repoRoot, 'examples/pulumi-engine')
const id = randomBytes(3).toString('hex')
const stackName = `e2e-${id}`
const topic = `k8s-orders-${id}`
// The example's defaults: namespace `clusterlink`, link `source-link`, objects named after the component.
const namespace = 'clusterlink'
const objectPaths = {
  Deployment: `/apis/apps/v1/namespaces/${namespace}/deployments/clusterlink-engine`,
  Service: `/api/v1/namespaces/${namespace}/services/clusterlink-engine`,
  ConfigMap: `/api/v1/namespaces/${namespace}/configmaps/clusterlink-engine`,
  Secret: `/api/v1/namespaces/${namespace}/secrets/clusterlink-engine`,
  ServiceAccount: `/api/v1/namespaces/${namespace}/serviceaccounts/clusterlink-engine`,
  PodDisruptionBudget: `/apis/policy/v1/namespaces/${namespace}/poddisruptionbudgets/clusterlink-engine`,
}

/** Builds (once, into the tools cache) the plugin @pulumi/kubernetes asks for; returns its version and binary. */
async function kubernetesPlugin(): Promise<{ version: string; binary: string }> {
  const manifest = await readFile(join(repoRoot, 'node_modules/@pulumi/kubernetes/package.json'), 'utf8')
  const sdk = JSON.parse(manifest) as { pulumi: { version: string } }
  const script = join(repoRoot, 'scripts/build-pulumi-kubernetes.sh')
  const { stdout } = await promisify(execFile)('bash', [script], { cwd: repoRoot, maxBuffer: 16 << 20 })
  return { version: sdk.pulumi.version, binary: join(stdout.trim().split('\n').at(-1)!, 'bin', 'pulumi-resource-kubernetes') }
}

describe('pulumi CLI on examples/pulumi-engine (Kubernetes)', { timeout: 1_800_000 }, () => {
  let api: KubeApiServer | undefined
  let local: LocalStack | undefined
  let cli: PulumiCli | undefined
  let kube: KubeClient
  let client: EngineClient

  const pulumi = (): PulumiCli => {
    if (!cli) throw new Error('the Pulumi CLI was not set up (see the before hook error)')
    return cli
  }
  const exists = async (path: string): Promise<boolean> => {
    try {
      await kube.get(path)
      return true
    } catch (error) {
      if (isKubeNotFound(error)) return false
      throw error
    }
  }

  before(async () => {
    const [server, stack, plugin] = await Promise.allSettled([startKubeApiServer(), startLocalStack({ clusters: 2 }), kubernetesPlugin()])
    if (server.status === 'fulfilled') api = server.value
    if (stack.status === 'fulfilled') local = stack.value
    const failed = (what: string, reason: unknown): Error => new Error(`cannot ${what}: ${String(reason)}`, { cause: reason })
    if (server.status === 'rejected') throw failed('start the Kubernetes API server', server.reason)
    if (stack.status === 'rejected') throw failed('start Kafka clusters and the engine', stack.reason)
    if (plugin.status === 'rejected') throw failed('build the Kubernetes provider plugin', plugin.reason)
    kube = new KubeClient({ server: server.value.url, token: server.value.token, caCertificate: server.value.caCertificate, namespace })
    client = engineClientOf(stack.value)
    await createTopics(stack.value.clusters[1]!.bootstrapServers, [topic], 2)
    // What the user does first: `kubectl create namespace clusterlink` (the example's namespace must exist).
    await kube.request('POST', '/api/v1/namespaces', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: namespace } })
    cli = await createPulumiCli({ KUBECONFIG: server.value.kubeconfigPath })
    // Offline, the plugin the SDK asks for is installed from the built binary instead of downloaded.
    await cli.mustRun(repoRoot, ['plugin', 'install', 'resource', 'kubernetes', plugin.value.version, '--file', plugin.value.binary])
  })

  after(async () => {
    await cli?.dispose()
    await api?.stop()
    await local?.stop()
  })

  it('pulumi up, preview --refresh --expect-no-changes and destroy should run examples/pulumi-engine as its Pulumi.yaml says', async () => {
    const stack = local!
    const token = stack.engine.token
    await pulumi().mustRun(folder, ['stack', 'init', stackName])
    await pulumi().mustRun(folder, ['config', 'set', 'image', 'localhost/clusterlink-engine:latest'])
    await pulumi().mustRun(folder, ['config', 'set', 'destinationBootstrapServers', stack.clusters[0]!.bootstrapServers])
    await pulumi().mustRun(folder, ['config', 'set', 'sourceBootstrapServers', stack.clusters[1]!.bootstrapServers])
    await pulumi().mustRun(folder, ['config', 'set', 'topic', topic])
    await pulumi().mustRun(folder, ['config', 'set', '--secret', 'engineToken', '--', token])
    await pulumi().mustRun(folder, ['config', 'set', '--secret', 'credentialsKey', randomBytes(32).toString('hex')])
    await pulumi().mustRun(folder, ['config', 'set', 'engineEndpoint', stack.engine.url])
    await pulumi().mustRun(folder, ['config', 'set', 'skipAwait', 'true'])
    await pulumi().mustRun(folder, ['up', '--yes'])

    for (const [kind, path] of Object.entries(objectPaths)) assert.equal(await exists(path), true, `pulumi up created the ${kind}`)
    const deployment = await kube.get<{ spec: { template: { spec: { containers: { image: string }[] } } } }>(objectPaths.Deployment)
    assert.equal(deployment.spec.template.spec.containers[0]?.image, 'localhost/clusterlink-engine:latest')
    const secret = await kube.get<{ data: Record<string, string> }>(objectPaths.Secret)
    assert.equal(Buffer.from(secret.data['api-tokens'] ?? '', 'base64').toString(), `${token}\n`, 'the Secret holds the engine token')
    assert.equal((await client.findMirror('source-link', topic))?.mirror_status, 'ACTIVE', 'pulumi up created the mirror topic')
    const outputs = JSON.parse((await pulumi().mustRun(folder, ['stack', 'output', '--json'])).stdout) as Record<string, unknown>
    assert.equal(outputs.engineUrl, `http://clusterlink-engine.${namespace}.svc.cluster.local:8090`)
    assert.equal(outputs.mirrorStatus, 'ACTIVE')
    assert.equal(JSON.stringify(outputs).includes(token), false, 'no stack output holds the token')

    await pulumi().mustRun(folder, ['preview', '--refresh', '--expect-no-changes'])
    // Drift on the Kubernetes side: refresh reads the API server, so the check fails and `up --refresh` puts it back.
    await kube.request('DELETE', objectPaths.ConfigMap)
    await waitFor('the ConfigMap deleted out of band', async () => (await exists(objectPaths.ConfigMap)) ? undefined : true)
    const drift = await pulumi().run(folder, ['preview', '--refresh', '--expect-no-changes'])
    assert.notEqual(drift.code, 0, 'preview --expect-no-changes fails after the ConfigMap was deleted out of band')
    await pulumi().mustRun(folder, ['up', '--refresh', '--yes'])
    assert.equal(await exists(objectPaths.ConfigMap), true, 'up --refresh recreated the ConfigMap')
    await pulumi().mustRun(folder, ['preview', '--refresh', '--expect-no-changes'])

    await pulumi().mustRun(folder, ['destroy', '--yes'])
    assert.equal(await client.findLink('source-link'), undefined, 'pulumi destroy deleted the link')
    for (const [kind, path] of Object.entries(objectPaths)) assert.equal(await exists(path), false, `pulumi destroy deleted the ${kind}`)
    await pulumi().mustRun(folder, ['stack', 'rm', '--yes'])
  })
})
