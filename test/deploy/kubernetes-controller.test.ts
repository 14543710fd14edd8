// deploy/components/controller: the overlay with the controller renders the CRDs, least-privilege RBAC and the Deployment,
// which pass the strict Kubernetes schemas offline and run `clusterlink kubernetes controller` from the engine image.
import assert from 'node:assert/strict'
import { execFile } from 'node:child_process'
import { join } from 'node:path'
import { describe, it } from 'node:test'
import { promisify } from 'node:util'
import { BASE_FILES } from '../../provider/pulumi-engine/index.ts'
import { KUBERNETES_VERSIONS, kustomizeBuild, parseYamlDocuments, validateObjects } from './kubernetes-validate.ts'

const root = join(import.meta.dirname, '..', '..')
const run = promisify(execFile)

type Rule = { apiGroups: string[]; resources: string[]; verbs: string[] }
type Manifest = {
  kind: string; metadata: { name: string; namespace?: string }; rules?: Rule[]; spec?: unknown
  subjects?: { kind: string; name: string; namespace?: string }[]
}
type PodSpec = { serviceAccountName: string; containers: { image: string; command: string[]; args: string[] }[] }

async function render(): Promise<{ text: string; objects: Manifest[] }> {
  const text = await kustomizeBuild(join(root, 'deploy', 'overlays', 'kubernetes-controller'))
  return { text, objects: await parseYamlDocuments(text) as Manifest[] }
}

describe('deploy/components/controller', () => {
  it('the kubernetes-controller overlay should add the CRDs, RBAC and the controller and pass the strict schemas', async () => {
    const { text, objects } = await render()
    assert.equal(objects.length, BASE_FILES.length + 6)
    const crds = objects.filter((o) => o.kind === 'CustomResourceDefinition').map((o) => o.metadata.name).sort()
    assert.deepEqual(crds, ['clusterlinks.clusterlink.io', 'mirrortopics.clusterlink.io'])
    assert.ok(objects.filter((o) => o.kind !== 'CustomResourceDefinition').every((o) => o.metadata.namespace === 'kafka'))
    for (const version of KUBERNETES_VERSIONS) {
      const result = await validateObjects(text.split(/^---$/m), version)
      assert.ok(result.ok, result.output)
    }
  })

  it('the controller Role should grant only its two kinds, their status and finalizers, Secrets get and Events create', async () => {
    const { objects } = await render()
    assert.equal(objects.some((o) => o.kind === 'ClusterRole' || o.kind === 'ClusterRoleBinding'), false, 'nothing cluster-wide')
    const role = objects.find((o) => o.kind === 'Role' && o.metadata.name === 'clusterlink-controller')
    const grants = (role?.rules ?? [])
      .flatMap((r) => r.resources.flatMap((resource) => r.verbs.map((verb) => `${r.apiGroups.join()}/${resource}:${verb}`)))
    assert.deepEqual(grants.sort(), [
      '/events:create', '/secrets:get',
      'clusterlink.io/clusterlinks/finalizers:update', 'clusterlink.io/clusterlinks/status:get', 'clusterlink.io/clusterlinks/status:patch',
      'clusterlink.io/clusterlinks:get', 'clusterlink.io/clusterlinks:list', 'clusterlink.io/clusterlinks:patch',
      'clusterlink.io/clusterlinks:watch',
      'clusterlink.io/mirrortopics/finalizers:update', 'clusterlink.io/mirrortopics/status:get', 'clusterlink.io/mirrortopics/status:patch',
      'clusterlink.io/mirrortopics:get', 'clusterlink.io/mirrortopics:list', 'clusterlink.io/mirrortopics:patch',
      'clusterlink.io/mirrortopics:watch',
    ].sort())
    const binding = objects.find((o) => o.kind === 'RoleBinding' && o.metadata.name === 'clusterlink-controller')
    assert.deepEqual(binding?.subjects, [{ kind: 'ServiceAccount', name: 'clusterlink-controller', namespace: 'kafka' }])
    const deployment = objects.find((o) => o.kind === 'Deployment' && o.metadata.name === 'clusterlink-controller')
    const pod = (deployment?.spec as { template: { spec: PodSpec } }).template.spec
    assert.equal(pod.serviceAccountName, 'clusterlink-controller')
    assert.equal(pod.containers[0]?.image, 'registry.example.com/clusterlink-engine:0.1.0', 'the engine image')
    assert.deepEqual(pod.containers[0]?.command, ['node', '/app/cli/main.ts', 'kubernetes', 'controller'])
    assert.ok(pod.containers[0]?.args.includes('--engine-token-file'), 'the engine token comes from a file, never argv')
  })

  it('clusterlink kubernetes controller should print its usage and refuse a bad flag with a clear message', async () => {
    const help = await run(process.execPath, [join(root, 'cli/main.ts'), 'kubernetes', 'controller', '--help'])
    assert.match(help.stdout, /--engine-url URL/)
    const bad = ['kubernetes', 'controller', '--engine-url', 'ftp://x', '--resync-ms', '5']
    await assert.rejects(run(process.execPath, [join(root, 'cli/main.ts'), ...bad]),
      (error: { code?: number; stderr?: string }) => error.code === 2 && /--engine-url must be an http/.test(error.stderr ?? '') &&
        /--resync-ms must be at least 1000/.test(error.stderr ?? ''))
  })
})
