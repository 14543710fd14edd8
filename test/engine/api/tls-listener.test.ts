// Tests that the engine serves HTTPS with the configured certificate and still requires credentials.
import assert from 'node:assert/strict'
import { request } from 'node:https'
import { after, before, describe, test } from 'node:test'
import forge from 'node-forge'
import { buildTestApp, TOKEN, type TestApp } from './test-app.ts'

function selfSigned(): { cert: string; key: string } {
  const keys = forge.pki.rsa.generateKeyPair(2048)
  const cert = forge.pki.createCertificate()
  cert.publicKey = keys.publicKey
  cert.serialNumber = '01'
  cert.validity.notBefore = new Date(Date.now() - 60_000)
  cert.validity.notAfter = new Date(Date.now() + 3_600_000)
  const attrs = [{ name: 'commonName', value: '127.0.0.1' }]
  cert.setSubject(attrs)
  cert.setIssuer(attrs)
  cert.setExtensions([{ name: 'subjectAltName', altNames: [{ type: 7, ip: '127.0.0.1' }] }])
  cert.sign(keys.privateKey, forge.md.sha256.create())
  return { cert: forge.pki.certificateToPem(cert), key: forge.pki.privateKeyToPem(keys.privateKey) }
}

function get(url: string, ca: string, headers: Record<string, string> = {}): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request(url, { ca, headers }, (res) => {
      const chunks: Buffer[] = []
      res.on('data', (c: Buffer) => chunks.push(c))
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }))
    })
    req.on('error', reject)
    req.end()
  })
}

describe('TLS listener', () => {
  let t: TestApp
  let url: string
  const pem = selfSigned()
  before(async () => {
    t = await buildTestApp({ listenerTls: pem })
    url = await t.app.server.listen({ host: '127.0.0.1', port: 0 })
  })
  after(async () => { await t.app.close() })

  test('TLS listener should serve HTTPS with the configured certificate and require credentials', async () => {
    assert.match(url, /^https:\/\//)
    assert.equal((await get(`${url}/kafka/v3/clusters`, pem.cert)).status, 401)
    const ok = await get(`${url}/kafka/v3/clusters`, pem.cert, { authorization: `Bearer ${TOKEN}` })
    assert.equal(ok.status, 200)
    assert.match(ok.body, /destination-cluster-id/)
  })
})
