// Generates a throwaway certificate authority and a loopback server certificate (PEM) for TLS test clusters.
import forge from 'node-forge'

export interface TlsMaterial {
  /** The CA certificate clients trust (PEM). */
  readonly ca: string
  /** The server certificate chain, leaf then CA (PEM). */
  readonly certChain: string
  /** The server's private key, unencrypted PKCS#8 (PEM), as Kafka's PEM key store expects. */
  readonly key: string
}

function newCertificate(publicKey: forge.pki.PublicKey, serial: string, days: number): forge.pki.Certificate {
  const cert = forge.pki.createCertificate()
  cert.publicKey = publicKey
  cert.serialNumber = serial
  cert.validity.notBefore = new Date(Date.now() - 60_000)
  cert.validity.notAfter = new Date(Date.now() + days * 86_400_000)
  return cert
}

/** Names a server certificate holds; by default the host name, localhost and 127.0.0.1 (what clients of the harness dial). */
export interface SubjectAltNames {
  readonly dns: readonly string[]
  readonly ips: readonly string[]
}

export function generateTlsMaterial(hostName = 'localhost', altNames?: SubjectAltNames): TlsMaterial {
  const caKeys = forge.pki.rsa.generateKeyPair(2048)
  const ca = newCertificate(caKeys.publicKey, '01', 30)
  const caName = [{ name: 'commonName', value: 'clusterlink local CA' }]
  ca.setSubject(caName)
  ca.setIssuer(caName)
  ca.setExtensions([{ name: 'basicConstraints', cA: true }, { name: 'keyUsage', keyCertSign: true, cRLSign: true }])
  ca.sign(caKeys.privateKey, forge.md.sha256.create())

  const serverKeys = forge.pki.rsa.generateKeyPair(2048)
  const server = newCertificate(serverKeys.publicKey, '02', 30)
  server.setSubject([{ name: 'commonName', value: hostName }])
  server.setIssuer(caName)
  server.setExtensions([
    { name: 'basicConstraints', cA: false },
    { name: 'keyUsage', digitalSignature: true, keyEncipherment: true },
    { name: 'extKeyUsage', serverAuth: true, clientAuth: true },
    { name: 'subjectAltName', altNames: altNames
      ? [...altNames.dns.map((value) => ({ type: 2, value })), ...altNames.ips.map((ip) => ({ type: 7, ip }))]
      : [{ type: 2, value: hostName }, { type: 2, value: 'localhost' }, { type: 7, ip: '127.0.0.1' }] },
  ])
  server.sign(caKeys.privateKey, forge.md.sha256.create())

  const pkcs8 = forge.pki.wrapRsaPrivateKey(forge.pki.privateKeyToAsn1(serverKeys.privateKey))
  const caPem = forge.pki.certificateToPem(ca)
  return {
    ca: caPem,
    certChain: forge.pki.certificateToPem(server) + caPem,
    key: forge.pki.privateKeyInfoToPem(pkcs8),
  }
}
