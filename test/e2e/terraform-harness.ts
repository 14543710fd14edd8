// Runs the real terraform (or OpenTofu) binary for end-to-end tests: finds (or builds) it, installs the clusterlink provider
// into a private filesystem mirror, and runs commands in a work directory with an isolated CLI configuration.
import { execFile } from 'node:child_process'
import { cp, mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { promisify } from 'node:util'
import { installProvider, PROVIDER_CONFIG_ENV } from '../../provider/terraform/install-provider.ts'

const execFileAsync = promisify(execFile)
const repoRoot = resolve(import.meta.dirname, '../..')

export interface TerraformResult {
  readonly code: number
  readonly stdout: string
  readonly stderr: string
}

/** Which binary the Terraform end-to-end tests drive, and the script that finds or builds it (outside the repository). */
export const TERRAFORM_TOOLS = {
  /** `terraform` from PATH (or $TERRAFORM_BINARY_NAME), else Terraform 1.5.7 built once. */
  terraform: 'scripts/build-terraform.sh',
  /** `tofu` from PATH, else OpenTofu built once from the Go module proxy. */
  opentofu: 'scripts/build-opentofu.sh',
  /** The newest Terraform the Go module proxy serves, built once (1.12+ sends the resource identity RPCs). */
  'terraform-newest': 'scripts/build-terraform-newest.sh',
} as const
export type TerraformTool = keyof typeof TERRAFORM_TOOLS

/** The tool a test file asked for in CLUSTERLINK_TERRAFORM_TOOL (set before it imports the shared test), default terraform. */
export function terraformTool(env: NodeJS.ProcessEnv = process.env): TerraformTool {
  const tool = env.CLUSTERLINK_TERRAFORM_TOOL ?? 'terraform'
  if (!Object.hasOwn(TERRAFORM_TOOLS, tool)) {
    throw new Error(`CLUSTERLINK_TERRAFORM_TOOL=${tool}: use one of ${Object.keys(TERRAFORM_TOOLS).join(', ')}`)
  }
  return tool as TerraformTool
}

/** The binary of `tool`: found on PATH or built once into the tools cache by its script. */
export async function resolveTerraform(tool: TerraformTool = terraformTool()): Promise<string> {
  try {
    const { stdout } = await execFileAsync('bash', [join(repoRoot, TERRAFORM_TOOLS[tool])], { maxBuffer: 1 << 20 })
    const path = stdout.trim().split('\n').at(-1) ?? ''
    if (!path) throw new Error(`${TERRAFORM_TOOLS[tool]} printed no path`)
    return path
  } catch (error) {
    const stderr = (error as { stderr?: string }).stderr ?? ''
    throw new Error(`no ${tool} binary: ${stderr.trim() || String(error)}`, { cause: error })
  }
}

export interface TerraformWorkspace {
  readonly dir: string
  readonly binary: string
  readonly env: NodeJS.ProcessEnv
  /** Runs terraform; never throws on a non-zero exit (tests assert the code). */
  run(args: readonly string[], extraEnv?: NodeJS.ProcessEnv): Promise<TerraformResult>
  /** Runs terraform and fails with its output unless it exits with one of `codes` (default 0). */
  mustRun(args: readonly string[], codes?: readonly number[], extraEnv?: NodeJS.ProcessEnv): Promise<TerraformResult>
  remove(): Promise<void>
}

export interface WorkspaceOptions {
  /** Directory whose files are copied into the work directory (an example). */
  readonly sourceDir?: string
  /** Writes the configuration itself (a CDKTF synth) under `root` and returns the directory terraform runs in. */
  readonly prepare?: (root: string, env: NodeJS.ProcessEnv) => Promise<string>
  /** Terraform variables, passed as TF_VAR_<name> (lists and maps as JSON). */
  readonly variables?: Readonly<Record<string, string | readonly string[]>>
  /** Which binary runs; default from CLUSTERLINK_TERRAFORM_TOOL (terraform). */
  readonly tool?: TerraformTool
}

export async function createTerraformWorkspace(options: WorkspaceOptions = {}): Promise<TerraformWorkspace> {
  const binary = await resolveTerraform(options.tool)
  const root = await mkdtemp(join(tmpdir(), 'clusterlink-tf-e2e-'))
  let dir = join(root, 'work')
  if (options.sourceDir) {
    await cp(options.sourceDir, dir, { recursive: true, filter: (source) => !/\.terraform|terraform\.tfstate|cdktf\.out/.test(source) })
  }
  const cliConfigFile = join(root, 'terraform.rc')
  const providerConfigFile = join(root, 'terraform-provider-clusterlink.env')
  await installProvider({ mirrorDir: join(root, 'mirror'), cliConfigFile, providerConfigFile })
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    TF_CLI_CONFIG_FILE: cliConfigFile,
    [PROVIDER_CONFIG_ENV]: providerConfigFile,
    CHECKPOINT_DISABLE: '1',
    TF_IN_AUTOMATION: '1',
    TF_INPUT: '0',
    TF_PLUGIN_CACHE_DIR: '',
    TERRAFORM_BINARY_NAME: binary,
  }
  for (const [name, value] of Object.entries(options.variables ?? {})) {
    env[`TF_VAR_${name}`] = typeof value === 'string' ? value : JSON.stringify(value)
  }
  if (options.prepare) dir = await options.prepare(root, env)
  const run = async (args: readonly string[], extraEnv: NodeJS.ProcessEnv = {}, cwd = dir): Promise<TerraformResult> => {
    try {
      const { stdout, stderr } = await execFileAsync(binary, [...args], { cwd, env: { ...env, ...extraEnv }, maxBuffer: 64 << 20 })
      return { code: 0, stdout, stderr }
    } catch (error) {
      const failure = error as { code?: number | string; stdout?: string; stderr?: string }
      if (typeof failure.code !== 'number') throw error
      return { code: failure.code, stdout: failure.stdout ?? '', stderr: failure.stderr ?? '' }
    }
  }
  return {
    dir,
    binary,
    env,
    run: (args, extraEnv) => run(args, extraEnv),
    async mustRun(args, codes = [0], extraEnv) {
      const result = await run(args, extraEnv)
      if (!codes.includes(result.code)) {
        throw new Error(`terraform ${args.join(' ')} exited ${result.code} (wanted ${codes.join(' or ')}):\n${result.stdout}\n${result.stderr}`)
      }
      return result
    },
    remove: () => rm(root, { recursive: true, force: true }),
  }
}

/** A resource change from `terraform show -json <plan>`. */
export interface PlannedChange {
  readonly address: string
  readonly type: string
  readonly actions: readonly string[]
  readonly before: Record<string, unknown> | null
  readonly after: Record<string, unknown> | null
}

/** Saves a plan and returns its resource changes other than no-ops (and the plan's exit code). */
export async function planChanges(
  workspace: TerraformWorkspace, extraArgs: readonly string[] = [],
): Promise<{ code: number; changes: PlannedChange[] }> {
  const planFile = join(workspace.dir, `plan-${Date.now()}.tfplan`)
  const plan = await workspace.mustRun(['plan', '-no-color', '-detailed-exitcode', `-out=${planFile}`, ...extraArgs], [0, 2])
  const shown = await workspace.mustRun(['show', '-json', '-no-color', planFile])
  await rm(planFile, { force: true })
  const parsed = JSON.parse(shown.stdout) as {
    resource_changes?: {
      address: string; type: string
      change: { actions: string[]; before: Record<string, unknown> | null; after: Record<string, unknown> | null }
    }[]
  }
  const changes = (parsed.resource_changes ?? [])
    .filter((change) => !(change.change.actions.length === 1 && (change.change.actions[0] === 'no-op' || change.change.actions[0] === 'read')))
    .map((change) => ({
      address: change.address, type: change.type, actions: change.change.actions, before: change.change.before, after: change.change.after,
    }))
  return { code: plan.code, changes }
}
