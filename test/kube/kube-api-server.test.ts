// The test Kubernetes API server (etcd + kube-apiserver built from Go modules): it serves the core API over TLS with the
// generated CA, the admin token is a cluster admin under RBAC, an unknown token is refused, and stop() removes everything.
import assert from 'node:assert/strict'
import { randomBytes } from 'node:crypto'
import { access, readFile } from 'node:fs/promises'
import { dirname } from 'node:path'
import { after, before, describe, it } from 'node:test'
import { getCACertificates, setDefaultCACertificates } from 'node:tls'
import { isPortOpen } from '../../cli/local/broker-process.ts'
import { startKubeApiServer, type KubeApiServer } from './kube-api-server.ts'

describe('startKubeApiServer', { timeout: 300_000 }, () => {
  let server: KubeApiServer | undefined
  const api = (): KubeApiServer => {
    if (!server) throw new Error('the API server did not start (see the before hook error)')
    return server
  }
  const call = (path: string, init: RequestInit = {}, token = api().token): Promise<Response> =>
    fetch(`${api().url}${path}`, {
      ...init,
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json', ...init.headers },
    })

  before(async () => {
    server = await startKubeApiServer()
    // fetch checks the serving certificate against the default CA list; this test process adds the server's CA to it.
    setDefaultCACertificates([...getCACertificates('default'), server.caCertificate])
  })

  after(async () => {
    await server?.stop()
  })

  it('startKubeApiServer should serve a ConfigMap created and read back with the admin token', async () => {
    const name = `cm-${randomBytes(4).toString('hex')}`
    const created = await call('/api/v1/namespaces/default/configmaps', {
      method: 'POST',
      body: JSON.stringify({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name }, data: { greeting: 'hello' } }),
    })
    assert.equal(created.status, 201, await created.clone().text())
    const read = await call(`/api/v1/namespaces/default/configmaps/${name}`)
    assert.equal(read.status, 200)
    const body = await read.json() as { metadata: { name: string; uid: string }; data: Record<string, string> }
    assert.equal(body.metadata.name, name)
    assert.deepEqual(body.data, { greeting: 'hello' })
    assert.match(body.metadata.uid, /^[0-9a-f-]{36}$/, 'etcd stored it and the API server gave it a uid')
    const deleted = await call(`/api/v1/namespaces/default/configmaps/${name}`, { method: 'DELETE' })
    assert.equal(deleted.status, 200)
    assert.equal((await call(`/api/v1/namespaces/default/configmaps/${name}`)).status, 404)
  })

  it('startKubeApiServer should refuse an unknown token and let RBAC deny an anonymous write', async () => {
    assert.equal((await call('/api/v1/namespaces', {}, 'not-a-token')).status, 401)
    const anonymous = await fetch(`${api().url}/api/v1/namespaces/default/configmaps`, { method: 'POST', body: '{}' })
    assert.equal(anonymous.status, 403)
  })

  it('startKubeApiServer should write a kubeconfig for the admin on this server', async () => {
    const config = JSON.parse(await readFile(api().kubeconfigPath, 'utf8')) as {
      clusters: { cluster: { server: string; 'certificate-authority-data': string } }[]
      users: { user: { token: string } }[]
    }
    assert.equal(config.clusters[0]?.cluster.server, api().url)
    assert.equal(Buffer.from(config.clusters[0]?.cluster['certificate-authority-data'] ?? '', 'base64').toString(), api().caCertificate)
    assert.equal(config.users[0]?.user.token, api().token)
  })
})

describe('KubeApiServer.stop', { timeout: 300_000 }, () => {
  it('stop should close the API server port and remove the temp folder', async () => {
    const server = await startKubeApiServer()
    const port = Number(new URL(server.url).port)
    assert.equal(await isPortOpen(port), true)
    await server.stop()
    await assert.rejects(access(dirname(server.kubeconfigPath)), 'the temp folder is gone')
    assert.equal(await isPortOpen(port), false, 'nothing listens on the port any more')
  })
})
