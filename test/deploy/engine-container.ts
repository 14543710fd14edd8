// Test helper: runs the engine image with podman the way the Kubernetes manifests configure it (env from the Deployment,
// the ConfigMap and Secret as read-only files), on the host network.
import { execFile } from 'node:child_process'
import { chmodSync, chownSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { promisify } from 'node:util'
import {
  buildEngineManifests,
  CONFIG_MOUNT_PATH,
  engineConfigFile,
  parseEngineManifestSettings,
  SECRET_MOUNT_PATH,
} from '../../provider/pulumi-engine/index.ts'
import { waitUntil } from '../wait-for.ts'

const run = promisify(execFile)
const root = join(import.meta.dirname, '..', '..')

/** podman with this machine's flags (runc, cgroupfs, no default ulimits), through the project script. */
export async function podman(args: readonly string[], options: { timeoutMs?: number } = {}): Promise<{ stdout: string; stderr: string }> {
  return run('bash', [join(root, 'scripts', 'build-image.sh'), 'podman', ...args], { timeout: options.timeoutMs ?? 120_000, maxBuffer: 16 << 20 })
}

/** Polls a condition until it holds; fails with the description after timeoutMs; a check that throws fails at once. */
export async function waitFor(check: () => Promise<boolean> | boolean, what: string, timeoutMs = 60_000, intervalMs = 200): Promise<void> {
  await waitUntil(what, check, { timeoutMs, intervalMs, retryErrors: false })
}

export interface EngineContainerOptions {
  readonly image: string
  readonly name: string
  readonly destinationBootstrap: string
  readonly port: number
  readonly apiToken: string
  readonly credentialsKey: string
  readonly stateTopic: string
}

export interface EngineContainer {
  readonly name: string
  readonly url: string
  /** Files the container mounts (config and secrets); removed by remove(). */
  readonly dir: string
  remove(): Promise<void>
}

/**
 * Starts one engine container detached. Secrets reach it only as files mounted read-only at the Secret's mount path
 * (mode 0440, group 1000, as Kubernetes does with fsGroup); the rest of the env comes from the rendered Deployment.
 */
export async function startEngineContainer(options: EngineContainerOptions): Promise<EngineContainer> {
  const settings = parseEngineManifestSettings({ image: options.image, destinationBootstrapServers: [options.destinationBootstrap], stateTopic: options.stateTopic, logLevel: 'info' })
  const manifests = buildEngineManifests(settings)
  const spec = manifests.deployment['spec'] as { template: { spec: { containers: Array<{ env: Array<{ name: string; value: string }> }> } } }
  const env = spec.template.spec.containers[0]?.env ?? []
  const dir = mkdtempSync(join(tmpdir(), 'clusterlink-container-'))
  chmodSync(dir, 0o755)
  const configDir = join(dir, 'config')
  const secretDir = join(dir, 'secrets')
  mkdirSync(configDir, { mode: 0o755 })
  mkdirSync(secretDir, { mode: 0o750 })
  chownSync(secretDir, 0, 1000)
  writeFileSync(join(configDir, 'engine.json'), JSON.stringify(engineConfigFile(settings)), { mode: 0o644 })
  for (const [file, text] of [[settings.apiTokensSecretKey, `${options.apiToken}\n`], [settings.credentialsKeySecretKey, options.credentialsKey]] as const) {
    writeFileSync(join(secretDir, file), text, { mode: 0o440 })
    chownSync(join(secretDir, file), 0, 1000)
  }
  // Host network (the test clusters listen on loopback): listen on loopback and a free port instead of 0.0.0.0:8090.
  const overrides = new Map([['CLUSTERLINK_HOST', '127.0.0.1'], ['CLUSTERLINK_PORT', String(options.port)]])
  const envArgs = env.flatMap(({ name, value }) => ['--env', `${name}=${overrides.get(name) ?? value}`])
  await podman([
    'run', '--detach', '--name', options.name, '--network', 'host',
    '--read-only', '--tmpfs', '/tmp:rw,size=64m,mode=1777', '--cap-drop', 'ALL', '--security-opt', 'no-new-privileges',
    '--volume', `${configDir}:${CONFIG_MOUNT_PATH}:ro`, '--volume', `${secretDir}:${SECRET_MOUNT_PATH}:ro`,
    ...envArgs, options.image,
  ])
  return {
    name: options.name,
    url: `http://127.0.0.1:${options.port}`,
    dir,
    async remove() {
      await podman(['rm', '--force', '--ignore', options.name]).catch(() => undefined)
      rmSync(dir, { recursive: true, force: true })
    },
  }
}
