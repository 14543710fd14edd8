// Test helper: validates Kubernetes objects offline with kubernetes-validate (PyPI; ships the Kubernetes JSON schemas), strict mode, no cluster needed.
import { execFile } from 'node:child_process'
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { homedir, tmpdir } from 'node:os'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { toYaml } from '../../provider/pulumi-engine/index.ts'

const run = promisify(execFile)

/** Oldest and newest Kubernetes minor versions the manifests must fit (1.30: the oldest still widely run in 2026). */
export const KUBERNETES_VERSIONS = ['1.30.0', '1.37.0'] as const

/** Path of the kubernetes-validate command that scripts/fetch-kubernetes-validate.sh installs (tests install nothing). */
export function kubernetesValidateCommand(): string {
  const cache = process.env.CLUSTERLINK_CACHE ?? join(process.env.XDG_CACHE_HOME ?? join(homedir(), '.cache'), 'clusterlink')
  const command = join(cache, `kubernetes-validate-${process.env.KUBERNETES_VALIDATE_VERSION ?? '1.37.0'}`, 'bin', 'kubernetes-validate')
  if (!existsSync(command)) throw new Error(`kubernetes-validate is missing at ${command}: run scripts/fetch-kubernetes-validate.sh`)
  return command
}

export interface SchemaResult {
  readonly ok: boolean
  readonly output: string
}

/** Validates YAML files (strict: unknown fields are errors) against one Kubernetes version. */
export async function validateFiles(files: readonly string[], version: string): Promise<SchemaResult> {
  try {
    const { stdout, stderr } = await run(kubernetesValidateCommand(), ['--strict', '-k', version, ...files])
    return { ok: true, output: `${stdout}${stderr}` }
  } catch (error) {
    const failed = error as { stdout?: string; stderr?: string; code?: number }
    if (typeof failed.code !== 'number') throw error
    return { ok: false, output: `${failed.stdout ?? ''}${failed.stderr ?? ''}` }
  }
}

/** Writes each object to its own YAML file in a temporary folder and validates them all. */
export async function validateObjects(objects: readonly unknown[], version: string): Promise<SchemaResult> {
  const dir = mkdtempSync(join(tmpdir(), 'clusterlink-k8s-'))
  try {
    const files = objects.map((object, index) => {
      const file = join(dir, `${index}.yaml`)
      writeFileSync(file, toYaml([object]))
      return file
    })
    return await validateFiles(files, version)
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
}
