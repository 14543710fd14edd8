// Runs the real Pulumi CLI on a Pulumi.yaml folder the way a user types it: the pulumi binary, the project's minimal Node
// language host and the dynamic-provider plugin on PATH, a local file backend (what `pulumi login --local` sets up) in a
// private temp folder, and a passphrase for the stack's secrets.
import { execFile } from 'node:child_process'
import { mkdir, mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { delimiter, dirname, join } from 'node:path'
import { pulumiToolRoot } from './pulumi-harness.ts'

export interface PulumiResult {
  readonly code: number
  readonly stdout: string
  readonly stderr: string
}

export interface PulumiCli {
  readonly env: NodeJS.ProcessEnv
  /** Runs `pulumi <args>` in `cwd`; never throws on a non-zero exit (tests assert the code). */
  run(cwd: string, args: readonly string[]): Promise<PulumiResult>
  /** Runs `pulumi <args>` and fails with its output unless it exits with one of `codes` (default 0). */
  mustRun(cwd: string, args: readonly string[], codes?: readonly number[]): Promise<PulumiResult>
  /** Removes the backend, PULUMI_HOME and every `Pulumi.<stack>.yaml` that `stack init` wrote into a folder. */
  dispose(): Promise<void>
}

/** `extraEnv` adds to the CLI's environment (such as KUBECONFIG for Pulumi's Kubernetes provider). */
export async function createPulumiCli(extraEnv: NodeJS.ProcessEnv = {}): Promise<PulumiCli> {
  const root = await pulumiToolRoot()
  const home = await mkdtemp(join(tmpdir(), 'clusterlink-pulumi-cli-'))
  await mkdir(join(home, 'backend'))
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    // The CLI finds pulumi-language-nodejs and pulumi-resource-pulumi-nodejs on PATH; node there must be Node 24.
    PATH: [join(root, 'bin'), dirname(process.execPath), process.env.PATH ?? ''].join(delimiter),
    PULUMI_HOME: join(home, 'home'),
    PULUMI_BACKEND_URL: `file://${join(home, 'backend')}`,
    PULUMI_CONFIG_PASSPHRASE: 'e2e-only',
    PULUMI_SKIP_UPDATE_CHECK: 'true',
    PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION: 'true',
    PULUMI_SKIP_CONFIRMATIONS: 'true',
    NO_COLOR: '1',
    ...extraEnv,
  }
  const written = new Set<string>()
  const run = (cwd: string, args: readonly string[]): Promise<PulumiResult> => new Promise((resolve, reject) => {
    const stackInit = args[0] === 'stack' && args[1] === 'init' ? args[2] : undefined
    if (stackInit) written.add(join(cwd, `Pulumi.${stackInit}.yaml`))
    const options = { cwd, env, maxBuffer: 64 << 20, timeout: 600_000, killSignal: 'SIGKILL' as const }
    execFile(join(root, 'bin', 'pulumi'), [...args], options, (error, stdout, stderr) => {
      if (!error) return resolve({ code: 0, stdout, stderr })
      const code = (error as { code?: unknown }).code
      if (typeof code !== 'number') return reject(error)
      resolve({ code, stdout, stderr })
    })
  })
  return {
    env,
    run,
    async mustRun(cwd, args, codes = [0]) {
      const result = await run(cwd, args)
      if (!codes.includes(result.code)) {
        const wanted = codes.join(' or ')
        throw new Error(`pulumi ${args.join(' ')} (in ${cwd}) exited ${result.code}, wanted ${wanted}:\n${result.stdout}\n${result.stderr}`)
      }
      return result
    },
    async dispose() {
      await Promise.all([...written].map((file) => rm(file, { force: true })))
      await rm(home, { recursive: true, force: true })
    },
  }
}
