// Test harness for the Kubernetes custom resources: a real API server with the shipped CRDs and RBAC, real Kafka clusters and
// engine, and `clusterlink kubernetes controller` run as a child process under the controller's own service account.
import { spawn, type ChildProcess } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { mkdtemp, open, readdir, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import kafkajs from 'kafkajs'
import { startLocalStack, stopProcess, type LocalStack } from '../../cli/local/local-stack.ts'
import { KubeClient, type KubeConnection } from '../../provider/kubernetes/index.ts'
import { kustomizeBuild, parseYamlDocuments } from '../deploy/kubernetes-validate.ts'
import { waitUntil } from '../wait-for.ts'
import { startKubeApiServer, type KubeApiServer } from './kube-api-server.ts'

const repoRoot = resolve(import.meta.dirname, '../..')

type Manifest = { apiVersion: string; kind: string; metadata: { name: string; namespace?: string }; [key: string]: unknown }

export interface CustomResourceStack {
  readonly api: KubeApiServer
  readonly stack: LocalStack
  /** Cluster admin client, in the test namespace. */
  readonly admin: KubeClient
  readonly namespace: string
  readonly controllerLog: string
  stop(): Promise<void>
}

/** Polls `check` until it returns a value other than undefined; the error names what was awaited and the last value seen. */
export async function waitFor<T>(what: string, check: () => Promise<T | undefined>, timeoutMs = 120_000): Promise<T> {
  return await waitUntil(what, check, { timeoutMs, intervalMs: 250, isDone: (value) => value !== undefined }) as T
}

/** Applies the objects the shipped overlay renders for the controller (CRDs, ServiceAccount, Role, RoleBinding) into `namespace`. */
async function applyShippedManifests(admin: KubeClient, namespace: string): Promise<void> {
  const rendered = await kustomizeBuild(join(repoRoot, 'deploy', 'overlays', 'kubernetes-controller'))
  const objects = await parseYamlDocuments(rendered) as Manifest[]
  const crds = objects.filter((o) => o.kind === 'CustomResourceDefinition')
  for (const crd of crds) await admin.request('POST', '/apis/apiextensions.k8s.io/v1/customresourcedefinitions', crd)
  for (const crd of crds) {
    await waitFor(`CRD ${crd.metadata.name} Established`, async () => {
      const read = await admin.get<{ status?: { conditions?: { type: string; status: string }[] } }>(
        `/apis/apiextensions.k8s.io/v1/customresourcedefinitions/${crd.metadata.name}`)
      return read.status?.conditions?.some((c) => c.type === 'Established' && c.status === 'True') ? true : undefined
    })
  }
  const own = (kind: string) => objects.find((o) => o.kind === kind && o.metadata.name === 'clusterlink-controller')
  const paths: Record<string, string> = {
    ServiceAccount: `/api/v1/namespaces/${namespace}/serviceaccounts`,
    Role: `/apis/rbac.authorization.k8s.io/v1/namespaces/${namespace}/roles`,
    RoleBinding: `/apis/rbac.authorization.k8s.io/v1/namespaces/${namespace}/rolebindings`,
  }
  for (const [kind, path] of Object.entries(paths)) {
    const object = own(kind)
    if (!object) throw new Error(`deploy/overlays/kubernetes-controller renders no ${kind} clusterlink-controller`)
    const subjects = (object.subjects as { namespace?: string }[] | undefined)?.map((s) => ({ ...s, namespace }))
    await admin.request('POST', path, { ...object, metadata: { ...object.metadata, namespace }, ...(subjects ? { subjects } : {}) })
  }
}

/** A kubeconfig for the controller's service account (a TokenRequest token): the controller gets only what the Role grants. */
async function serviceAccountKubeconfig(admin: KubeClient, api: KubeApiServer, namespace: string, dir: string): Promise<string> {
  const request = await admin.request<{ status: { token: string } }>('POST',
    `/api/v1/namespaces/${namespace}/serviceaccounts/clusterlink-controller/token`,
    { apiVersion: 'authentication.k8s.io/v1', kind: 'TokenRequest', spec: { expirationSeconds: 3600 } })
  const file = join(dir, 'controller.kubeconfig')
  await writeFile(file, JSON.stringify({
    apiVersion: 'v1', kind: 'Config', 'current-context': 'controller',
    clusters: [{ name: 'test', cluster: {
      server: api.url, 'certificate-authority-data': Buffer.from(api.caCertificate).toString('base64'),
    } }],
    users: [{ name: 'controller', user: { token: request.status.token } }],
    contexts: [{ name: 'controller', context: { cluster: 'test', user: 'controller', namespace } }],
  }), { mode: 0o600 })
  return file
}

/** Starts everything; on a failure, stops what already started. */
export async function startCustomResourceStack(): Promise<CustomResourceStack> {
  const dir = await mkdtemp(join(tmpdir(), 'clusterlink-crs-'))
  const [api, stack] = await Promise.allSettled([startKubeApiServer(), startLocalStack({ clusters: 2 })])
  let controller: ChildProcess | undefined
  const stop = async (): Promise<void> => {
    if (controller?.pid) await stopProcess(controller.pid)
    if (api.status === 'fulfilled') await api.value.stop()
    if (stack.status === 'fulfilled') await stack.value.stop()
    await rm(dir, { recursive: true, force: true })
  }
  try {
    if (api.status === 'rejected') throw new Error(`cannot start the Kubernetes API server: ${String(api.reason)}`, { cause: api.reason })
    if (stack.status === 'rejected') {
      throw new Error(`cannot start Kafka clusters and the engine: ${String(stack.reason)}`, { cause: stack.reason })
    }
    const namespace = `cl-${randomBytes(3).toString('hex')}`
    const connection: KubeConnection = { server: api.value.url, token: api.value.token, caCertificate: api.value.caCertificate, namespace }
    const admin = new KubeClient(connection)
    await admin.request('POST', '/api/v1/namespaces', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: namespace } })
    await applyShippedManifests(admin, namespace)
    const kubeconfig = await serviceAccountKubeconfig(admin, api.value, namespace, dir)
    const tokenFile = join(dir, 'engine-token')
    await writeFile(tokenFile, stack.value.engine.token, { mode: 0o600 })
    const controllerLog = join(dir, 'controller.log')
    const out = await open(controllerLog, 'a')
    controller = spawn(process.execPath, [
      join(repoRoot, 'cli/main.ts'), 'kubernetes', 'controller', '--kubeconfig', kubeconfig,
      '--engine-url', stack.value.engine.url, '--engine-token-file', tokenFile, '--resync-ms', '2000',
    ], { stdio: ['ignore', out.fd, out.fd], cwd: repoRoot })
    await out.close()
    return { api: api.value, stack: stack.value, admin, namespace, controllerLog, stop }
  } catch (error) {
    await stop()
    throw error
  }
}

/** The manifests of examples/kubernetes, as `kubectl apply -f examples/kubernetes/` reads them. */
export async function exampleResources(): Promise<{ kind: string; metadata: { name: string }; spec: Record<string, unknown> }[]> {
  const dir = join(repoRoot, 'examples', 'kubernetes')
  const texts = await Promise.all((await readdir(dir)).filter((f) => f.endsWith('.yaml')).sort().map((f) => readFile(join(dir, f), 'utf8')))
  return await parseYamlDocuments(texts.join('\n---\n')) as { kind: string; metadata: { name: string }; spec: Record<string, unknown> }[]
}

/** Creates a topic on a cluster and writes `count` records to it. */
export async function createTopicWithRecords(bootstrapServers: string, topic: string, partitions: number, count: number): Promise<void> {
  const kafka = new kafkajs.Kafka({ brokers: [bootstrapServers], logLevel: kafkajs.logLevel.NOTHING })
  const admin = kafka.admin()
  await admin.connect()
  await admin.createTopics({ topics: [{ topic, numPartitions: partitions }], waitForLeaders: true })
  await admin.disconnect()
  if (count > 0) await produce(bootstrapServers, topic, count)
}

/** Writes `count` records; throws what the broker answers (a read-only mirror topic refuses). */
export async function produce(bootstrapServers: string, topic: string, count: number): Promise<void> {
  const producer = new kafkajs.Kafka({ brokers: [bootstrapServers], logLevel: kafkajs.logLevel.NOTHING, retry: { retries: 2 } }).producer()
  await producer.connect()
  try {
    await producer.send({ topic, messages: Array.from({ length: count }, (_, i) => ({ key: `k${i % 3}`, value: `record ${i}` })) })
  } finally {
    await producer.disconnect()
  }
}

/** Sum of the high watermarks of a topic, or undefined when the cluster has no such topic. */
export async function highWatermarkSum(bootstrapServers: string, topic: string): Promise<number | undefined> {
  const admin = new kafkajs.Kafka({ brokers: [bootstrapServers], logLevel: kafkajs.logLevel.NOTHING }).admin()
  await admin.connect()
  try {
    if (!(await admin.listTopics()).includes(topic)) return undefined
    return (await admin.fetchTopicOffsets(topic)).reduce((sum, p) => sum + Number(p.high), 0)
  } finally {
    await admin.disconnect()
  }
}
