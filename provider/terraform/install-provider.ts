// Installs terraform-provider-clusterlink into a local filesystem mirror (and optionally writes a Terraform CLI config
// that uses it), so `terraform init` finds the provider offline under a made-up registry host.
import { chmod, mkdir, rename, writeFile } from 'node:fs/promises'
import { homedir } from 'node:os'
import { join, resolve } from 'node:path'
import { parseArgs } from 'node:util'
import { z } from 'zod'

/** The provider's source address. The host is made up on purpose: Terraform never asks a registry for it. */
export const PROVIDER_HOST = 'clusterlink.local'
export const PROVIDER_NAMESPACE = 'clusterlink'
export const PROVIDER_TYPE = 'clusterlink'
export const PROVIDER_SOURCE = `${PROVIDER_HOST}/${PROVIDER_NAMESPACE}/${PROVIDER_TYPE}`
/** The provider version; constructs and examples pin it. */
export const PROVIDER_VERSION = '0.1.0'

export const DEFAULT_ENTRY = resolve(import.meta.dirname, 'main.ts')

export interface InstallProviderOptions {
  /** Mirror root; the provider lands in `<mirror>/clusterlink.local/clusterlink/clusterlink/<version>/<os>_<arch>/`. */
  readonly mirrorDir: string
  /** Node 24 binary the wrapper runs; default the current one. */
  readonly nodePath?: string
  /** Provider entry file; default provider/terraform/main.ts of this checkout. */
  readonly entry?: string
  /** When set, a Terraform CLI config using the mirror is written there (point TF_CLI_CONFIG_FILE at it). */
  readonly cliConfigFile?: string
}

export interface InstalledProvider {
  readonly executable: string
  readonly cliConfigFile?: string
}

/** Terraform's platform name for this machine (`linux_amd64`, `darwin_arm64`, …). */
export function terraformPlatform(platform: string = process.platform, arch: string = process.arch): string {
  const archNames: Record<string, string> = { x64: 'amd64', arm64: 'arm64', ia32: '386', arm: 'arm' }
  return `${platform}_${archNames[arch] ?? arch}`
}

/** The CLI configuration: only clusterlink's own address comes from the mirror, everything else as usual. */
export function cliConfigText(mirrorDir: string): string {
  return [
    'provider_installation {',
    '  filesystem_mirror {',
    `    path    = ${JSON.stringify(resolve(mirrorDir))}`,
    `    include = [${JSON.stringify(PROVIDER_SOURCE)}]`,
    '  }',
    '  direct {',
    `    exclude = [${JSON.stringify(PROVIDER_SOURCE)}]`,
    '  }',
    '}',
    '',
  ].join('\n')
}

function shellQuote(text: string): string {
  return `'${text.replaceAll("'", `'\\''`)}'`
}

export async function installProvider(options: InstallProviderOptions): Promise<InstalledProvider> {
  const dir = join(resolve(options.mirrorDir), PROVIDER_HOST, PROVIDER_NAMESPACE, PROVIDER_TYPE, PROVIDER_VERSION, terraformPlatform())
  await mkdir(dir, { recursive: true })
  const executable = join(dir, `terraform-provider-${PROVIDER_TYPE}_v${PROVIDER_VERSION}`)
  const wrapper = [
    '#!/bin/sh',
    '# terraform-provider-clusterlink: the clusterlink Terraform provider (TypeScript), run by Node 24.',
    `exec ${shellQuote(options.nodePath ?? process.execPath)} --disable-warning=ExperimentalWarning ${shellQuote(options.entry ?? DEFAULT_ENTRY)} "$@"`,
    '',
  ].join('\n')
  // Write then rename, so a Terraform running in parallel never starts a half-written file.
  const temporary = `${executable}.${process.pid}.tmp`
  await writeFile(temporary, wrapper)
  await chmod(temporary, 0o755)
  await rename(temporary, executable)
  if (options.cliConfigFile === undefined) return { executable }
  await writeFile(options.cliConfigFile, cliConfigText(options.mirrorDir))
  return { executable, cliConfigFile: options.cliConfigFile }
}

const argsSchema = z.object({
  mirror: z.string().min(1, '--mirror needs a directory').optional(),
  'cli-config': z.string().min(1, '--cli-config needs a file path').optional(),
  node: z.string().min(1, '--node needs the path of a Node 24 binary').optional(),
}).strict()

async function main(argv: string[]): Promise<number> {
  const { values } = parseArgs({ args: argv, options: { mirror: { type: 'string' }, 'cli-config': { type: 'string' }, node: { type: 'string' } }, strict: true })
  const parsed = argsSchema.safeParse(values)
  if (!parsed.success) {
    process.stderr.write(`install-provider: ${parsed.error.issues.map((issue) => issue.message).join('; ')}\n`)
    return 2
  }
  const cache = process.env.CLUSTERLINK_CACHE ?? join(process.env.XDG_CACHE_HOME ?? join(homedir(), '.cache'), 'clusterlink')
  const mirrorDir = parsed.data.mirror ?? join(cache, 'terraform-mirror')
  const installed = await installProvider({
    mirrorDir,
    ...(parsed.data.node === undefined ? {} : { nodePath: parsed.data.node }),
    ...(parsed.data['cli-config'] === undefined ? {} : { cliConfigFile: resolve(parsed.data['cli-config']) }),
  })
  process.stdout.write(`installed ${PROVIDER_SOURCE} ${PROVIDER_VERSION} at ${installed.executable}\n`)
  if (installed.cliConfigFile) {
    process.stdout.write(`wrote ${installed.cliConfigFile}; run: export TF_CLI_CONFIG_FILE=${installed.cliConfigFile}\n`)
  } else {
    process.stdout.write(`add this to your Terraform CLI config (~/.terraformrc or TF_CLI_CONFIG_FILE):\n\n${cliConfigText(mirrorDir)}`)
  }
  return 0
}

if (import.meta.main) {
  main(process.argv.slice(2)).then((code) => { process.exitCode = code }, (error: unknown) => {
    process.stderr.write(`install-provider: ${error instanceof Error ? error.message : String(error)}\n`)
    process.exitCode = 1
  })
}
