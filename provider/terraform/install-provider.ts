// Installs terraform-provider-clusterlink into a local filesystem mirror (and optionally writes a Terraform CLI config
// that uses it), so `terraform init` finds the provider offline under a made-up registry host.
import { chmod, mkdir, rename, writeFile } from 'node:fs/promises'
import { homedir } from 'node:os'
import { dirname, join, resolve } from 'node:path'
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

/** Names the file that tells the wrapper which Node binary and provider entry to run (default: see `defaultProviderConfigFile`). */
export const PROVIDER_CONFIG_ENV = 'CLUSTERLINK_PROVIDER_CONFIG'

export interface InstallProviderOptions {
  /** Mirror root; the provider lands in `<mirror>/clusterlink.local/clusterlink/clusterlink/<version>/<os>_<arch>/`. */
  readonly mirrorDir: string
  /** Node 24 binary the wrapper runs; default the current one. */
  readonly nodePath?: string
  /** Provider entry file; default provider/terraform/main.ts of this checkout. */
  readonly entry?: string
  /**
   * Where Node's and the entry's paths are written; default `defaultProviderConfigFile()`. Terraform must see a non-default
   * one in CLUSTERLINK_PROVIDER_CONFIG.
   */
  readonly providerConfigFile?: string
  /** When set, a Terraform CLI config using the mirror is written there (point TF_CLI_CONFIG_FILE at it). */
  readonly cliConfigFile?: string
}

export interface InstalledProvider {
  readonly executable: string
  readonly providerConfigFile: string
  readonly cliConfigFile?: string
}

/**
 * `<cache>/terraform-provider-clusterlink-<version>.env`, cache being $CLUSTERLINK_CACHE, else $XDG_CACHE_HOME/clusterlink,
 * else ~/.cache/clusterlink.
 */
export function defaultProviderConfigFile(env: NodeJS.ProcessEnv = process.env): string {
  const cache = env.CLUSTERLINK_CACHE || join(env.XDG_CACHE_HOME || join(homedir(), '.cache'), 'clusterlink')
  return join(cache, `terraform-provider-${PROVIDER_TYPE}-${PROVIDER_VERSION}.env`)
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

/**
 * The executable Terraform runs. It holds no path of this machine, so the package directory, and the h1 hash Terraform
 * records for it in .terraform.lock.hcl, are the same on every machine and across reinstalls: the Node binary and the
 * provider entry come from the provider config file.
 */
export function providerWrapperScript(): string {
  const defaultConfig = `\${CLUSTERLINK_CACHE:-\${XDG_CACHE_HOME:-$HOME/.cache}/clusterlink}/terraform-provider-${PROVIDER_TYPE}-${PROVIDER_VERSION}.env`
  return [
    '#!/bin/sh',
    `# terraform-provider-clusterlink ${PROVIDER_VERSION}: the clusterlink Terraform provider (TypeScript), run by Node 24.`,
    '# The same on every machine; `clusterlink terraform install` writes the file naming Node and the entry.',
    `conf="\${${PROVIDER_CONFIG_ENV}:-${defaultConfig}}"`,
    'if [ ! -r "$conf" ]; then',
    '  echo "terraform-provider-clusterlink: $conf is missing; run: ./clusterlink terraform install" >&2',
    '  exit 1',
    'fi',
    '. "$conf"',
    '# Terraform starts the provider several times per command; Node\'s compile cache makes the later starts cheaper.',
    ': "${NODE_COMPILE_CACHE:=${XDG_CACHE_HOME:-$HOME/.cache}/clusterlink/node-compile-cache}"',
    'export NODE_COMPILE_CACHE',
    'exec "$CLUSTERLINK_NODE" --disable-warning=ExperimentalWarning "$CLUSTERLINK_PROVIDER_ENTRY" "$@"',
    '',
  ].join('\n')
}

/** Writes a file through a temporary name and a rename, so a Terraform running in parallel never reads it half-written. */
async function writeAtomically(path: string, text: string, mode: number): Promise<void> {
  const temporary = `${path}.${process.pid}.tmp`
  await writeFile(temporary, text)
  await chmod(temporary, mode)
  await rename(temporary, path)
}

export async function installProvider(options: InstallProviderOptions): Promise<InstalledProvider> {
  const dir = join(resolve(options.mirrorDir), PROVIDER_HOST, PROVIDER_NAMESPACE, PROVIDER_TYPE, PROVIDER_VERSION, terraformPlatform())
  await mkdir(dir, { recursive: true })
  const executable = join(dir, `terraform-provider-${PROVIDER_TYPE}_v${PROVIDER_VERSION}`)
  const providerConfigFile = resolve(options.providerConfigFile ?? defaultProviderConfigFile())
  await mkdir(dirname(providerConfigFile), { recursive: true })
  await writeAtomically(providerConfigFile, [
    '# Written by `clusterlink terraform install`: what terraform-provider-clusterlink runs.',
    `CLUSTERLINK_NODE=${shellQuote(options.nodePath ?? process.execPath)}`,
    `CLUSTERLINK_PROVIDER_ENTRY=${shellQuote(resolve(options.entry ?? DEFAULT_ENTRY))}`,
    '',
  ].join('\n'), 0o644)
  await writeAtomically(executable, providerWrapperScript(), 0o755)
  if (options.cliConfigFile === undefined) return { executable, providerConfigFile }
  // A CLI config in a folder that does not exist yet (a fresh ~/.cache/clusterlink) is the common first run.
  await mkdir(dirname(resolve(options.cliConfigFile)), { recursive: true })
  await writeAtomically(options.cliConfigFile, cliConfigText(options.mirrorDir), 0o644)
  return { executable, providerConfigFile, cliConfigFile: options.cliConfigFile }
}

const argsSchema = z.object({
  mirror: z.string().min(1, '--mirror needs a directory').optional(),
  'cli-config': z.string().min(1, '--cli-config needs a file path').optional(),
  node: z.string().min(1, '--node needs the path of a Node 24 binary').optional(),
}).strict()

/** `clusterlink terraform install [--mirror DIR] [--cli-config FILE] [--node PATH]`; returns the exit code. */
export async function runInstallProvider(argv: string[]): Promise<number> {
  let values: Record<string, unknown>
  try {
    ({ values } = parseArgs({ args: argv, options: { mirror: { type: 'string' }, 'cli-config': { type: 'string' }, node: { type: 'string' } }, strict: true }))
  } catch (error) {
    process.stderr.write(`clusterlink terraform install: ${error instanceof Error ? error.message : String(error)}\n`)
    return 2
  }
  const parsed = argsSchema.safeParse(values)
  if (!parsed.success) {
    process.stderr.write(`clusterlink terraform install: ${parsed.error.issues.map((issue) => issue.message).join('; ')}\n`)
    return 2
  }
  const mirrorDir = parsed.data.mirror ?? join(dirname(defaultProviderConfigFile()), 'terraform-mirror')
  const installed = await installProvider({
    mirrorDir,
    ...(parsed.data.node === undefined ? {} : { nodePath: parsed.data.node }),
    ...(parsed.data['cli-config'] === undefined ? {} : { cliConfigFile: resolve(parsed.data['cli-config']) }),
  })
  process.stdout.write(`installed ${PROVIDER_SOURCE} ${PROVIDER_VERSION} at ${installed.executable}\n`)
  process.stdout.write(`it runs ${parsed.data.node ?? process.execPath} on ${DEFAULT_ENTRY} (recorded in ${installed.providerConfigFile})\n`)
  if (installed.cliConfigFile) {
    process.stdout.write(`wrote ${installed.cliConfigFile}; run: export TF_CLI_CONFIG_FILE=${installed.cliConfigFile}\n`)
  } else {
    process.stdout.write(`add this to your Terraform CLI config (~/.terraformrc or TF_CLI_CONFIG_FILE):\n\n${cliConfigText(mirrorDir)}`)
  }
  return 0
}

if (import.meta.main) {
  runInstallProvider(process.argv.slice(2)).then((code) => { process.exitCode = code }, (error: unknown) => {
    process.stderr.write(`install-provider: ${error instanceof Error ? error.message : String(error)}\n`)
    process.exitCode = 1
  })
}
