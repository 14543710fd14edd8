// Test helper: validates Kubernetes objects offline with kubernetes-validate (PyPI; ships the Kubernetes JSON schemas) in
// strict mode, and renders kustomizations with kustomize; no cluster needed.
import { execFile } from 'node:child_process'
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { homedir, tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { promisify } from 'node:util'
import { toYaml } from '../../provider/pulumi-engine/index.ts'

const run = promisify(execFile)

/** Oldest and newest Kubernetes minor versions the manifests must fit (1.30: the oldest still widely run in 2026). */
export const KUBERNETES_VERSIONS = ['1.30.0', '1.37.0'] as const

function toolPath(...path: string[]): string {
  const cache = process.env.CLUSTERLINK_CACHE ?? join(process.env.XDG_CACHE_HOME ?? join(homedir(), '.cache'), 'clusterlink')
  const command = join(cache, ...path)
  if (!existsSync(command)) throw new Error(`${command} is missing: run scripts/fetch-deploy-tools.sh`)
  return command
}

/** Path of the kubernetes-validate command that scripts/fetch-deploy-tools.sh installs (tests install nothing). */
export function kubernetesValidateCommand(): string {
  return toolPath(`kubernetes-validate-${process.env.KUBERNETES_VALIDATE_VERSION ?? '1.37.0'}`, 'bin', 'kubernetes-validate')
}

/** Renders a kustomization folder with the kustomize that scripts/fetch-deploy-tools.sh builds. */
export async function kustomizeBuild(dir: string): Promise<string> {
  const kustomize = toolPath(`kustomize-${process.env.KUSTOMIZE_VERSION ?? 'v5.7.1'}`, 'kustomize')
  return (await run(kustomize, ['build', dir], { maxBuffer: 16 << 20 })).stdout
}

/** Parses YAML documents with PyYAML from kubernetes-validate's venv (the project has no YAML parser of its own). */
export async function parseYamlDocuments(text: string): Promise<unknown[]> {
  const python = join(dirname(kubernetesValidateCommand()), 'python')
  const child = run(python, ['-c', 'import sys, json, yaml; json.dump([d for d in yaml.safe_load_all(sys.stdin) if d is not None], sys.stdout)'], { maxBuffer: 16 << 20 })
  child.child.stdin?.end(text)
  return JSON.parse((await child).stdout) as unknown[]
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

/** Writes each object (or YAML text) to its own file in a temporary folder and validates them all. */
export async function validateObjects(objects: readonly unknown[], version: string): Promise<SchemaResult> {
  const dir = mkdtempSync(join(tmpdir(), 'clusterlink-k8s-'))
  try {
    const files = objects.map((object, index) => {
      const file = join(dir, `${index}.yaml`)
      writeFileSync(file, typeof object === 'string' ? object : toYaml([object]))
      return file
    })
    return await validateFiles(files, version)
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
}
