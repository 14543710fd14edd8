// `clusterlink terraform install`: puts the clusterlink Terraform provider where `terraform init` finds it offline.
import { runInstallProvider } from '../../provider/terraform/install-provider.ts'

const USAGE = `usage: clusterlink terraform install [--cli-config FILE] [--mirror DIR] [--node PATH]

install  installs terraform-provider-clusterlink (source clusterlink.local/clusterlink/clusterlink) into a
         local filesystem mirror (default ~/.cache/clusterlink/terraform-mirror, or $CLUSTERLINK_CACHE/terraform-mirror),
         run by this Node 24 (or --node). With --cli-config, also writes a Terraform CLI configuration that uses
         the mirror (creating its folder); point TF_CLI_CONFIG_FILE at it.
`

export async function run(argv: string[]): Promise<number> {
  const [sub, ...rest] = argv
  if (sub === 'install') {
    if (rest.includes('--help') || rest.includes('-h')) { process.stdout.write(USAGE); return 0 }
    return runInstallProvider(rest)
  }
  process.stdout.write(USAGE)
  return sub === '--help' || sub === '-h' ? 0 : 2
}
