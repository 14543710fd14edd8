// `clusterlink kubernetes controller`: parses and validates its flags, connects to the API server and runs the controller until SIGTERM.
import { readFile } from 'node:fs/promises'
import { parseArgs } from 'node:util'
import { z } from 'zod'
import { createLogger } from '../../engine/logging/index.ts'
import { CustomResourceController } from './custom-resource-controller.ts'
import { KubeClient } from './kube-client.ts'
import { inClusterConnection, loadKubeconfig } from './kube-connection.ts'
import { KubeResources } from './kube-resources.ts'

export const CONTROLLER_USAGE = `usage: clusterlink kubernetes controller --engine-url URL [options]

Reconciles ClusterLink and MirrorTopic resources (clusterlink.io/v1alpha1) in one namespace against the engine.

  --engine-url URL          engine REST URL, such as http://clusterlink-engine:8090 (required)
  --engine-token-file FILE  file holding the engine bearer token (never pass a token in argv)
  --engine-cluster-id ID    destination cluster id; default: the one the engine serves
  --kubeconfig FILE         kubeconfig to use; default: the pod's service account (in-cluster)
  --context NAME            kubeconfig context; default: current-context
  --namespace NS            namespace to reconcile; default: the context's (kubeconfig) or the pod's (in-cluster)
  --resync-ms N             reconcile every resource again this often, repairing drift on the engine; default 60000
  --log-level LEVEL         pino level; default info
`

const optionsSchema = z.strictObject({
  'engine-url': z.url({ protocol: /^https?$/, error: '--engine-url must be an http:// or https:// URL of the engine' }),
  'engine-token-file': z.string().min(1).optional(),
  'engine-cluster-id': z.string().min(1).optional(),
  kubeconfig: z.string().min(1).optional(),
  context: z.string().min(1).optional(),
  namespace: z.string().regex(/^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/, '--namespace must be a Kubernetes namespace name').optional(),
  'resync-ms': z.coerce.number().int().min(1000, '--resync-ms must be at least 1000').max(86_400_000).default(60_000),
  'log-level': z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace']).default('info'),
})

export type ControllerOptions = z.output<typeof optionsSchema>

/** Parses the flags; every problem is reported at once. */
export function parseControllerOptions(argv: readonly string[]): ControllerOptions {
  const { values } = parseArgs({
    args: [...argv],
    strict: true,
    options: Object.fromEntries(Object.keys(optionsSchema.shape).map((name) => [name, { type: 'string' as const }])),
  })
  const result = optionsSchema.safeParse(values)
  if (!result.success) {
    throw new Error(result.error.issues.map((issue) => issue.path.length > 0 && !issue.message.startsWith('--')
      ? `--${issue.path.join('.')}: ${issue.message}` : issue.message).join('; '))
  }
  return result.data
}

/** Runs until SIGTERM or SIGINT; returns the exit code. */
export async function runController(argv: readonly string[]): Promise<number> {
  if (argv.includes('--help') || argv.includes('-h')) {
    process.stdout.write(CONTROLLER_USAGE)
    return 0
  }
  let options: ControllerOptions
  try {
    options = parseControllerOptions(argv)
  } catch (error) {
    process.stderr.write(`clusterlink kubernetes controller: ${(error as Error).message}\n\n${CONTROLLER_USAGE}`)
    return 2
  }
  const logger = createLogger({ level: options['log-level'] })
  const connection = options.kubeconfig ? await loadKubeconfig(options.kubeconfig, options.context) : await inClusterConnection(process.env)
  const token = options['engine-token-file'] ? (await readFile(options['engine-token-file'], 'utf8')).split('\n')[0]?.trim() : undefined
  const kube = new KubeClient(connection)
  const namespace = options.namespace ?? connection.namespace
  const controller = new CustomResourceController({
    resources: new KubeResources(kube),
    namespace,
    engine: {
      endpoint: options['engine-url'],
      ...(token ? { token } : {}),
      ...(options['engine-cluster-id'] ? { clusterId: options['engine-cluster-id'] } : {}),
    },
    logger,
    resyncMs: options['resync-ms'],
  })
  controller.start()
  const started = { component: 'kubernetes-controller', namespace, server: kube.server.origin, engine: options['engine-url'] }
  logger.info(started, 'controller started')
  await new Promise<void>((resolve) => {
    process.once('SIGTERM', () => resolve())
    process.once('SIGINT', () => resolve())
  })
  logger.info({ component: 'kubernetes-controller' }, 'controller stopping (signal)')
  await controller.stop()
  kube.close()
  return 0
}
