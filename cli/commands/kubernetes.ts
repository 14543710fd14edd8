// `clusterlink kubernetes controller`: reconciles ClusterLink and MirrorTopic custom resources against the engine.
import { CONTROLLER_USAGE, runController } from '../../provider/kubernetes/controller-command.ts'

const USAGE = `usage: clusterlink kubernetes controller [options]

controller  reconciles ClusterLink and MirrorTopic resources (clusterlink.io/v1alpha1) against the engine;
            CRDs, RBAC and a Deployment are in deploy/crds and deploy/components/controller.

${CONTROLLER_USAGE}`

export async function run(argv: string[]): Promise<number> {
  const [sub, ...rest] = argv
  if (sub === 'controller') return runController(rest)
  process.stdout.write(USAGE)
  return sub === '--help' || sub === '-h' ? 0 : 2
}
