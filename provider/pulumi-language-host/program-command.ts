// Builds the command line and environment that start @pulumi/pulumi's own program runner for one Run request, and turns
// the runner's exit into the Run answer: the contract of Pulumi's Node language host
// (pulumi/pulumi sdk/nodejs/cmd/pulumi-language-nodejs/main.go, constructArguments, constructConfig and execNodejs).

/** The runner's exit code when it already showed the user an actionable message (cmd/run/index.js). */
export const EXIT_AFTER_USER_ACTIONABLE_MESSAGE = 32

export interface ProgramRunRequest {
  readonly monitorAddress: string
  readonly engineAddress: string | undefined
  readonly organization: string
  readonly project: string
  readonly stack: string
  readonly rootDirectory: string
  /** Where the program runs (the runner changes to it): the directory of `main`, or the project directory. */
  readonly programDirectory: string
  /** `main` relative to the program directory, or "." for the directory's package entry point. */
  readonly entryPoint: string
  readonly dryRun: boolean
  readonly parallel: number
  readonly args: readonly string[]
  /** Stack config as the CLI sends it: keys `<namespace>:<name>`, values as strings (secrets decrypted). */
  readonly config: Readonly<Record<string, string>>
  readonly configSecretKeys: readonly string[]
  /** Pulumi.yaml `runtime.options.nodeargs`: extra Node flags, split on whitespace. */
  readonly nodeArgs: string
}

export interface ProgramCommand {
  readonly args: readonly string[]
  /** Variables added to the host's own environment. */
  readonly env: Readonly<Record<string, string>>
}

/**
 * The runner reads config from PULUMI_CONFIG as a JSON object with keys in the old `<namespace>:config:<name>` form
 * (newer SDKs accept both, older ones only that), and the secret keys from PULUMI_CONFIG_SECRET_KEYS as a JSON array.
 */
export function runnerConfigKey(key: string): string {
  const colon = key.indexOf(':')
  if (colon < 0) throw new Error(`config key "${key}" has no namespace (expected <namespace>:<name>)`)
  return `${key.slice(0, colon)}:config:${key.slice(colon + 1)}`
}

export function programCommand(request: ProgramRunRequest, runPath: string): ProgramCommand {
  const args: string[] = request.nodeArgs.split(/\s+/).filter((arg) => arg !== '')
  args.push(runPath)
  const flag = (name: string, value: string | undefined): void => {
    if (value) args.push(`--${name}`, value)
  }
  flag('monitor', request.monitorAddress)
  flag('engine', request.engineAddress)
  flag('organization', request.organization)
  flag('project', request.project)
  flag('stack', request.stack)
  flag('root-directory', request.rootDirectory)
  flag('pwd', request.programDirectory)
  if (request.dryRun) args.push('--dry-run')
  flag('parallel', String(request.parallel))
  args.push(request.entryPoint || '.', ...request.args)
  const config = Object.fromEntries(Object.entries(request.config).map(([key, value]) => [runnerConfigKey(key), value]))
  return {
    args,
    env: { PULUMI_CONFIG: JSON.stringify(config), PULUMI_CONFIG_SECRET_KEYS: JSON.stringify(request.configSecretKeys) },
  }
}

export interface RunOutcome {
  /** Empty when the program succeeded or already told the user what went wrong. */
  readonly error: string
  /** True when the CLI should stop without printing more (the runner already showed the error). */
  readonly bail: boolean
}

export function runOutcome(exitCode: number | null, signal: string | null): RunOutcome {
  if (exitCode === 0) return { error: '', bail: false }
  if (exitCode === EXIT_AFTER_USER_ACTIONABLE_MESSAGE) return { error: '', bail: true }
  if (exitCode === null) return { error: `Program exited unexpectedly (signal ${signal ?? 'unknown'})`, bail: false }
  return { error: `Program exited with non-zero exit code: ${exitCode}`, bail: false }
}
