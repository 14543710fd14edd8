// Starts a real Kubernetes API server for tests the way controller-runtime's envtest does: etcd and kube-apiserver (built
// by scripts/build-kube-apiserver.sh) on free loopback ports in a temp folder, a static-token cluster admin, RBAC, no kubelet.
import { execFile, spawn, type ChildProcess } from 'node:child_process'
import { generateKeyPairSync, randomBytes } from 'node:crypto'
import { closeSync, openSync } from 'node:fs'
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import { request } from 'node:https'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { promisify } from 'node:util'
import { findFreePort } from '../../cli/local/kafka-cluster.ts'

const repoRoot = resolve(import.meta.dirname, '../..')
const run = promisify(execFile)

export interface KubeApiServerOptions {
  /** Folder holding `kube-apiserver` and `etcd`; default the one scripts/build-kube-apiserver.sh prints (it builds once). */
  readonly toolDir?: string
  /** How long to wait for /readyz; default 120000 (a cold start on a busy 2-core machine takes 10–30 s). */
  readonly readyTimeoutMs?: number
}

export interface KubeApiServer {
  /** `https://127.0.0.1:<port>` */
  readonly url: string
  /** Bearer token of a cluster admin (user `clusterlink-admin` in group `system:masters`). */
  readonly token: string
  /** PEM of the CA that signed the serving certificate. */
  readonly caCertificate: string
  /** A kubeconfig file (current context: that admin on this server), for kubectl, client libraries and Pulumi. */
  readonly kubeconfigPath: string
  /** Stops kube-apiserver, then etcd, and removes the temp folder (etcd data, keys, token file, kubeconfig, logs). */
  stop(): Promise<void>
}

/** Prints the folder of kube-apiserver and etcd, building them into the tools cache the first time. */
export async function kubeApiServerToolDir(): Promise<string> {
  const script = join(repoRoot, 'scripts/build-kube-apiserver.sh')
  const { stdout } = await run('bash', [script], { cwd: repoRoot, maxBuffer: 16 << 20 })
  return stdout.trim().split('\n').at(-1)!
}

export async function startKubeApiServer(options: KubeApiServerOptions = {}): Promise<KubeApiServer> {
  const toolDir = options.toolDir ?? await kubeApiServerToolDir()
  const dir = await mkdtemp(join(tmpdir(), 'clusterlink-kube-'))
  const children: ChildProcess[] = []
  const stop = async (): Promise<void> => {
    // The API server first, so it never sees etcd vanish under an open request; then etcd; then the files.
    for (const child of children.reverse()) await stopProcess(child)
    await rm(dir, { recursive: true, force: true })
  }
  try {
    const [etcdClientPort, etcdPeerPort, port] = await distinctFreePorts(3)
    const url = `https://127.0.0.1:${port}`
    const token = randomBytes(24).toString('hex')
    await mkdir(join(dir, 'certs'))
    const serviceAccount = generateKeyPairSync('rsa', { modulusLength: 2048 })
    await writeFile(join(dir, 'sa.pub'), serviceAccount.publicKey.export({ type: 'spki', format: 'pem' }))
    await writeFile(join(dir, 'sa.key'), serviceAccount.privateKey.export({ type: 'pkcs8', format: 'pem' }), { mode: 0o600 })
    // Static token file (token,user,uid,"groups"): the token stays in a 0600 file, never in argv or a log.
    await writeFile(join(dir, 'tokens.csv'), `${token},clusterlink-admin,clusterlink-admin,"system:masters"\n`, { mode: 0o600 })

    const etcdUrl = `http://127.0.0.1:${etcdClientPort}`
    const peerUrl = `http://127.0.0.1:${etcdPeerPort}`
    children.push(startProcess(join(toolDir, 'etcd'), join(dir, 'etcd.log'), [
      `--data-dir=${join(dir, 'etcd')}`, '--name=default',
      `--listen-client-urls=${etcdUrl}`, `--advertise-client-urls=${etcdUrl}`,
      `--listen-peer-urls=${peerUrl}`, `--initial-advertise-peer-urls=${peerUrl}`, `--initial-cluster=default=${peerUrl}`,
      // Test data only: skipping fsync keeps etcd fast on a shared disk.
      '--unsafe-no-fsync=true', '--log-level=warn',
    ]))
    // No --tls-cert-file: kube-apiserver writes a self-signed CA and a serving certificate for 127.0.0.1 into --cert-dir.
    children.push(startProcess(join(toolDir, 'kube-apiserver'), join(dir, 'kube-apiserver.log'), [
      '--advertise-address=127.0.0.1', '--bind-address=127.0.0.1', `--secure-port=${port}`, `--cert-dir=${join(dir, 'certs')}`,
      `--etcd-servers=${etcdUrl}`, '--service-cluster-ip-range=10.0.0.0/24', '--allow-privileged=true',
      `--token-auth-file=${join(dir, 'tokens.csv')}`, '--authorization-mode=RBAC',
      `--service-account-issuer=${url}`, `--service-account-key-file=${join(dir, 'sa.pub')}`,
      `--service-account-signing-key-file=${join(dir, 'sa.key')}`, '--v=1',
    ]))
    const timeoutMs = options.readyTimeoutMs ?? 120_000
    const caCertificate = await waitForReady({ url, token, certDir: join(dir, 'certs'), children, dir, timeoutMs })
    const kubeconfigPath = join(dir, 'kubeconfig')
    await writeFile(kubeconfigPath, `${JSON.stringify(kubeconfig(url, token, caCertificate), null, 2)}\n`, { mode: 0o600 })
    return { url, token, caCertificate, kubeconfigPath, stop }
  } catch (error) {
    await stop()
    throw error
  }
}

function kubeconfig(url: string, token: string, caCertificate: string): object {
  return {
    apiVersion: 'v1',
    kind: 'Config',
    clusters: [{
      name: 'clusterlink-test',
      cluster: { server: url, 'certificate-authority-data': Buffer.from(caCertificate).toString('base64') },
    }],
    users: [{ name: 'clusterlink-admin', user: { token } }],
    contexts: [{ name: 'clusterlink-test', context: { cluster: 'clusterlink-test', user: 'clusterlink-admin' } }],
    'current-context': 'clusterlink-test',
  }
}

async function distinctFreePorts(count: number): Promise<number[]> {
  const ports = new Set<number>()
  while (ports.size < count) ports.add(await findFreePort())
  return [...ports]
}

function startProcess(command: string, logFile: string, args: readonly string[]): ChildProcess {
  const log = openSync(logFile, 'a')
  try {
    const child = spawn(command, [...args], { stdio: ['ignore', log, log] })
    child.on('error', () => { /* reported by waitForReady through exitCode and the log */ })
    return child
  } finally {
    closeSync(log)
  }
}

async function stopProcess(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null || child.pid === undefined) return
  const exited = new Promise<void>((res) => child.once('exit', () => res()))
  child.kill('SIGTERM')
  const timer = setTimeout(() => child.kill('SIGKILL'), 15_000)
  await exited
  clearTimeout(timer)
}

interface ReadyWait {
  readonly url: string
  readonly token: string
  readonly certDir: string
  readonly children: readonly ChildProcess[]
  readonly dir: string
  readonly timeoutMs: number
}

/** Waits until /readyz answers `ok` over TLS checked against the generated CA; returns that CA's PEM. */
async function waitForReady(wait: ReadyWait): Promise<string> {
  const deadline = Date.now() + wait.timeoutMs
  let last = 'no answer yet'
  for (;;) {
    const dead = wait.children.find((child) => child.exitCode !== null || child.signalCode !== null)
    if (dead) {
      const how = dead.exitCode ?? dead.signalCode
      throw new Error(`${dead.spawnfile} exited (${how}) before the API server was ready:\n${await logTails(wait.dir)}`)
    }
    const ca = await readCa(wait.certDir)
    if (ca !== undefined) {
      try {
        const { status, body } = await get(`${wait.url}/readyz`, wait.token, ca)
        if (status === 200 && body.trim() === 'ok') return ca
        last = `HTTP ${status}: ${body.trim().split('\n').filter((line) => line.includes('failed')).join('; ')}`
      } catch (error) {
        last = (error as Error).message
      }
    }
    if (Date.now() > deadline) {
      throw new Error(`kube-apiserver was not ready after ${wait.timeoutMs} ms (${last}):\n${await logTails(wait.dir)}`)
    }
    await new Promise((res) => setTimeout(res, 250))
  }
}

/** The CA of the self-signed serving certificate: the last PEM block of apiserver.crt (serving certificate, then its CA). */
async function readCa(certDir: string): Promise<string | undefined> {
  const pem = await readFile(join(certDir, 'apiserver.crt'), 'utf8').catch(() => '')
  const blocks = pem.match(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g) ?? []
  return blocks.length >= 2 ? `${blocks.at(-1)}\n` : undefined
}

function get(url: string, token: string, ca: string): Promise<{ status: number; body: string }> {
  return new Promise((res, rej) => {
    const req = request(url, { ca, headers: { authorization: `Bearer ${token}` }, timeout: 5_000 }, (response) => {
      let body = ''
      response.setEncoding('utf8')
      response.on('data', (chunk: string) => { body += chunk })
      response.on('end', () => res({ status: response.statusCode ?? 0, body }))
      response.on('error', rej)
    })
    req.on('timeout', () => req.destroy(new Error('timed out')))
    req.on('error', rej)
    req.end()
  })
}

async function logTails(dir: string): Promise<string> {
  const tails = await Promise.all(['etcd.log', 'kube-apiserver.log'].map(async (name) => {
    const text = await readFile(join(dir, name), 'utf8').catch(() => '')
    return `--- ${name}\n${text.split('\n').slice(-30).join('\n')}`
  }))
  return tails.join('\n')
}
