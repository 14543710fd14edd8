// deploy/components/https: the example overlay serves the REST API over TLS from Secret clusterlink-engine-tls, probes included.
import assert from 'node:assert/strict'
import { join } from 'node:path'
import { describe, it } from 'node:test'
import { kustomizeBuild, parseYamlDocuments } from './kubernetes-validate.ts'

type Container = {
  env: Array<{ name: string; value?: string }>; volumeMounts: Array<{ name: string; mountPath: string }>; [probe: string]: unknown
}
type Volume = { name: string; secret?: { secretName: string } }
type Deployment = { kind: string; spec: { template: { spec: { containers: Container[]; volumes: Volume[] } } } }

describe('deploy/components/https', () => {
  it('example overlay should mount the TLS Secret, point the engine at it and probe over HTTPS', async () => {
    const objects = await parseYamlDocuments(await kustomizeBuild(join(import.meta.dirname, '..', '..', 'deploy', 'overlays', 'example'))) as Deployment[]
    const pod = (objects.find((o) => o.kind === 'Deployment') as Deployment).spec.template.spec
    const container = pod.containers[0] as Container
    assert.equal(pod.volumes.find((v) => v.name === 'tls')?.secret?.secretName, 'clusterlink-engine-tls')
    const mount = container.volumeMounts.find((m) => m.name === 'tls')?.mountPath
    const env = Object.fromEntries(container.env.map((e) => [e.name, e.value]))
    assert.equal(env['CLUSTERLINK_TLS_CERT_FILE'], `${mount}/tls.crt`)
    assert.equal(env['CLUSTERLINK_TLS_KEY_FILE'], `${mount}/tls.key`)
    for (const probe of ['startupProbe', 'livenessProbe', 'readinessProbe']) {
      assert.equal((container[probe] as { httpGet: { scheme?: string } }).httpGet.scheme, 'HTTPS', probe)
    }
  })
})
