// How the controller reaches the Kubernetes API server: a kubeconfig context, or the pod's service account (in-cluster).
import { readFile } from 'node:fs/promises'
import { z } from 'zod'
import { parseKubeconfigYaml } from './kubeconfig-yaml.ts'

export interface KubeConnection {
  /** API server base URL, such as https://10.0.0.1:443. */
  readonly server: string
  /** Bearer token (never logged). */
  readonly token?: string
  /** A file holding the bearer token, read again every minute (the kubelet rotates service account tokens). */
  readonly tokenFile?: string
  /** PEM CA certificates to trust for the server; default: Node's bundled CAs. */
  readonly caCertificate?: string
  /** PEM client certificate and key (mutual TLS). */
  readonly clientCertificate?: string
  readonly clientKey?: string
  /** The namespace of the context (kubeconfig) or of the pod (in-cluster). */
  readonly namespace: string
}

const SERVICE_ACCOUNT_DIR = '/var/run/secrets/kubernetes.io/serviceaccount'

const clusterSchema = z.looseObject({
  server: z.url({ error: 'cluster.server must be an https:// or http:// URL' }),
  'certificate-authority-data': z.string().nullish(),
  'certificate-authority': z.string().nullish(),
})
const contextSchema = z.looseObject({ cluster: z.string(), user: z.string().nullish(), namespace: z.string().nullish() })
const userSchema = z.looseObject({
  token: z.string().nullish(),
  tokenFile: z.string().nullish(),
  'client-certificate-data': z.string().nullish(),
  'client-key-data': z.string().nullish(),
  'client-certificate': z.string().nullish(),
  'client-key': z.string().nullish(),
})

const kubeconfigSchema = z.looseObject({
  'current-context': z.string().nullish(),
  clusters: z.array(z.looseObject({ name: z.string(), cluster: clusterSchema })).nullish(),
  contexts: z.array(z.looseObject({ name: z.string(), context: contextSchema })).nullish(),
  users: z.array(z.looseObject({ name: z.string(), user: userSchema.nullish() })).nullish(),
})

const fromBase64 = (data: string | null | undefined): string | undefined =>
  (data ? Buffer.from(data, 'base64').toString('utf8') : undefined)
const readOptional = async (path: string | null | undefined): Promise<string | undefined> => (path ? readFile(path, 'utf8') : undefined)

/** Reads a kubeconfig file and resolves one context (default: current-context) into a connection. */
export async function loadKubeconfig(path: string, contextName?: string): Promise<KubeConnection> {
  let raw: unknown
  try {
    raw = parseKubeconfigYaml(await readFile(path, 'utf8'))
  } catch (error) {
    throw new Error(`cannot read kubeconfig ${path}: ${(error as Error).message}`, { cause: error })
  }
  const parsed = kubeconfigSchema.safeParse(raw)
  if (!parsed.success) {
    throw new Error(`kubeconfig ${path} is not valid: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`)
  }
  const config = parsed.data
  const wanted = contextName ?? config['current-context'] ?? undefined
  if (!wanted) throw new Error(`kubeconfig ${path} has no current-context: pass --context NAME`)
  const context = config.contexts?.find((c) => c.name === wanted)?.context
  if (!context) throw new Error(`kubeconfig ${path} has no context named ${wanted}`)
  const cluster = config.clusters?.find((c) => c.name === context.cluster)?.cluster
  if (!cluster) throw new Error(`kubeconfig ${path}: context ${wanted} names cluster ${context.cluster}, which it does not define`)
  const user = context.user ? config.users?.find((u) => u.name === context.user)?.user ?? undefined : undefined
  if (context.user && !user) throw new Error(`kubeconfig ${path}: context ${wanted} names user ${context.user}, which it does not define`)
  const token = user?.token ?? (await readOptional(user?.tokenFile))?.trim()
  const caCertificate = fromBase64(cluster['certificate-authority-data']) ?? await readOptional(cluster['certificate-authority'])
  const clientCertificate = fromBase64(user?.['client-certificate-data']) ?? await readOptional(user?.['client-certificate'])
  const clientKey = fromBase64(user?.['client-key-data']) ?? await readOptional(user?.['client-key'])
  return {
    server: cluster.server,
    namespace: context.namespace ?? 'default',
    ...(token ? { token } : {}),
    ...(caCertificate ? { caCertificate } : {}),
    ...(clientCertificate ? { clientCertificate } : {}),
    ...(clientKey ? { clientKey } : {}),
  }
}

/** The pod's own connection: KUBERNETES_SERVICE_HOST/PORT and the mounted service account token, CA and namespace. */
export async function inClusterConnection(env: NodeJS.ProcessEnv, dir = SERVICE_ACCOUNT_DIR): Promise<KubeConnection> {
  const host = env.KUBERNETES_SERVICE_HOST
  const port = env.KUBERNETES_SERVICE_PORT
  if (!host || !port) throw new Error('not running in a pod (KUBERNETES_SERVICE_HOST/PORT unset): pass --kubeconfig FILE')
  const read = async (name: string): Promise<string> => {
    try {
      return await readFile(`${dir}/${name}`, 'utf8')
    } catch (error) {
      throw new Error(`in-cluster: cannot read ${dir}/${name} (is automountServiceAccountToken false?)`, { cause: error })
    }
  }
  await read('token')
  return {
    server: `https://${host.includes(':') ? `[${host}]` : host}:${port}`,
    tokenFile: `${dir}/token`,
    caCertificate: await read('ca.crt'),
    namespace: (await read('namespace')).trim(),
  }
}
