// A minimal Pulumi LanguageRuntime gRPC service for Node.js programs: Run launches @pulumi/pulumi's own program runner
// (cmd/run) the way Pulumi's pulumi-language-nodejs does; the other calls the CLI makes during up, preview, destroy and
// about get small, honest answers. Stubs come from the proto code @pulumi/pulumi ships (proto/language_grpc_pb.js).
import { spawn, type ChildProcess } from 'node:child_process'
import { existsSync, readFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { dirname, join } from 'node:path'
import type * as Grpc from '@grpc/grpc-js'
import type * as LanguageGrpc from '@pulumi/pulumi/proto/language_grpc_pb.js'
import type * as LanguagePb from '@pulumi/pulumi/proto/language_pb.js'
import type * as PluginPb from '@pulumi/pulumi/proto/plugin_pb.js'
import { programCommand, runOutcome, type ProgramRunRequest } from './program-command.ts'

// The generated stubs are CommonJS that Node's ESM loader cannot see named exports in (goog.object.extend), so require them.
const require = createRequire(import.meta.url)
const grpc = require('@grpc/grpc-js') as typeof Grpc
const languageGrpc = require('@pulumi/pulumi/proto/language_grpc_pb.js') as typeof LanguageGrpc
const languagePb = require('@pulumi/pulumi/proto/language_pb.js') as typeof LanguagePb
const pluginPb = require('@pulumi/pulumi/proto/plugin_pb.js') as typeof PluginPb

const RUNNER_MODULE = '@pulumi/pulumi/cmd/run'
const SDK_MISSING = 'It looks like the Pulumi SDK has not been installed. Have you run npm install or yarn install?'

export interface LanguageHostOptions {
  /** The CLI's engine address (the host's positional argument, or from Handshake). */
  engineAddress: string | undefined
  /** Version this host reports in GetPluginInfo. */
  readonly version: string
  /** The host's environment, handed on to the program (plus PULUMI_CONFIG and friends). */
  readonly env: NodeJS.ProcessEnv
  /** Node binary that runs programs; default the one running the host (Node 24: TypeScript runs by type stripping). */
  readonly nodePath?: string
}

export interface LanguageHost {
  readonly port: number
  /** Stops every running program and the server. */
  close(): Promise<void>
}

/** Where @pulumi/pulumi's runner resolves from the program directory (PULUMI_LANGUAGE_NODEJS_RUN_PATH overrides it). */
export function locateRunner(programDirectory: string, env: NodeJS.ProcessEnv): string | undefined {
  const override = env.PULUMI_LANGUAGE_NODEJS_RUN_PATH
  try {
    return createRequire(join(programDirectory, 'noop.js')).resolve(override || RUNNER_MODULE)
  } catch {
    return undefined
  }
}

function runRequestOf(request: LanguagePb.RunRequest, engineAddress: string | undefined): ProgramRunRequest {
  const info = request.getInfo()
  const options = info?.getOptions()?.toJavaScript() ?? {}
  return {
    monitorAddress: request.getMonitorAddress(),
    engineAddress,
    organization: request.getOrganization(),
    project: request.getProject(),
    stack: request.getStack(),
    rootDirectory: info?.getRootDirectory() ?? '',
    programDirectory: info?.getProgramDirectory() || request.getPwd(),
    entryPoint: info?.getEntryPoint() || request.getProgram() || '.',
    dryRun: request.getDryrun(),
    parallel: request.getParallel(),
    args: request.getArgsList(),
    config: Object.fromEntries(request.getConfigMap().toArray()),
    configSecretKeys: request.getConfigsecretkeysList(),
    nodeArgs: typeof options.nodeargs === 'string' ? options.nodeargs : '',
  }
}

/** The nearest package.json at or above `directory`, parsed, with the directory it sits in. */
function nearestPackage(directory: string): { dir: string; json: Record<string, unknown> } | undefined {
  for (let dir = directory; ; dir = dirname(dir)) {
    const file = join(dir, 'package.json')
    if (existsSync(file)) return { dir, json: JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown> }
    if (dirname(dir) === dir) return undefined
  }
}

/** Installed version of `name` as Node would find it from `directory`, or the range package.json asks for. */
function installedVersion(directory: string, name: string, range: string): string {
  for (let dir = directory; ; dir = dirname(dir)) {
    const file = join(dir, 'node_modules', name, 'package.json')
    if (existsSync(file)) return String((JSON.parse(readFileSync(file, 'utf8')) as { version?: unknown }).version ?? range)
    if (dirname(dir) === dir) return range
  }
}

function programDependencies(programDirectory: string): LanguagePb.DependencyInfo[] {
  const found = nearestPackage(programDirectory)
  if (!found) return []
  type Declared = Record<string, string> | undefined
  const declared = { ...(found.json.devDependencies as Declared), ...(found.json.dependencies as Declared) }
  return Object.entries(declared).sort(([a], [b]) => a.localeCompare(b)).map(([name, range]) =>
    new languagePb.DependencyInfo().setName(name).setVersion(installedVersion(found.dir, name, range)))
}

/**
 * The service implementation. Calls it leaves out (Template, RunPlugin, GenerateProgram/Project/Package, Pack, Link,
 * Cancel) get UNIMPLEMENTED from grpc-js, which the CLI handles where `up`, `preview` and `destroy` could meet them.
 */
export function createLanguageRuntime(
  options: LanguageHostOptions,
  running: Set<ChildProcess>,
): Partial<LanguageGrpc.ILanguageRuntimeServer> {
  const nodePath = options.nodePath ?? process.execPath
  const unary = <Req, Res>(answer: (request: Req) => Res | Promise<Res>): Grpc.handleUnaryCall<Req, Res> => (call, callback) => {
    Promise.resolve().then(() => answer(call.request)).then((response) => callback(null, response), (error: unknown) =>
      callback({ code: grpc.status.INTERNAL, details: error instanceof Error ? error.message : String(error) }))
  }

  const run = (request: LanguagePb.RunRequest): Promise<LanguagePb.RunResponse> => {
    const runRequest = runRequestOf(request, options.engineAddress)
    const runPath = locateRunner(runRequest.programDirectory, options.env)
    if (!runPath) return Promise.resolve(new languagePb.RunResponse().setError(SDK_MISSING))
    const command = programCommand(runRequest, runPath)
    return new Promise((resolve) => {
      // The program writes to the host's own stdout and stderr, which the CLI shows as the program's output.
      const child = spawn(nodePath, command.args, {
        cwd: runRequest.programDirectory,
        env: { ...options.env, ...command.env },
        stdio: ['ignore', 'inherit', 'inherit'],
      })
      running.add(child)
      child.once('error', (error) => {
        running.delete(child)
        resolve(new languagePb.RunResponse().setError(`Problem executing program (could not run language executor): ${error.message}`))
      })
      child.once('exit', (code, signal) => {
        running.delete(child)
        const outcome = runOutcome(code, signal)
        resolve(new languagePb.RunResponse().setError(outcome.error).setBail(outcome.bail))
      })
    })
  }

  return {
    handshake: unary((request: LanguagePb.LanguageHandshakeRequest) => {
      options.engineAddress = request.getEngineAddress() || options.engineAddress
      return new languagePb.LanguageHandshakeResponse()
    }),
    // No plugin discovery from node_modules: plugins are loaded when a resource needs them (dynamic providers run as
    // pulumi-resource-pulumi-nodejs), and nothing is downloaded.
    getRequiredPlugins: unary(() => new languagePb.GetRequiredPluginsResponse()),
    getRequiredPackages: unary(() => new languagePb.GetRequiredPackagesResponse()),
    run: unary(run),
    getPluginInfo: unary(() => new pluginPb.PluginInfo().setVersion(options.version)),
    installDependencies: (call: Grpc.ServerWritableStream<LanguagePb.InstallDependenciesRequest, unknown>) => {
      const note = 'This language host installs nothing: run `npm ci` in the project.\n'
      call.write(new languagePb.InstallDependenciesResponse().setStdout(Buffer.from(note)))
      call.end()
    },
    runtimeOptionsPrompts: unary(() => new languagePb.RuntimeOptionsResponse()),
    about: unary(() => new languagePb.AboutResponse().setExecutable(nodePath).setVersion(process.version)),
    getProgramDependencies: unary((request: LanguagePb.GetProgramDependenciesRequest) =>
      new languagePb.GetProgramDependenciesResponse()
        .setDependenciesList(programDependencies(request.getInfo()?.getProgramDirectory() ?? '.'))),
  }
}

/** Serves the LanguageRuntime on a loopback port the kernel picks. */
export async function startLanguageHost(options: LanguageHostOptions): Promise<LanguageHost> {
  const running = new Set<ChildProcess>()
  const server = new grpc.Server({ 'grpc.max_receive_message_length': 400 * 1024 * 1024 })
  server.addService(languageGrpc.LanguageRuntimeService, createLanguageRuntime(options, running) as Grpc.UntypedServiceImplementation)
  const port = await new Promise<number>((resolve, reject) => {
    server.bindAsync('127.0.0.1:0', grpc.ServerCredentials.createInsecure(), (error, bound) => (error ? reject(error) : resolve(bound)))
  })
  return {
    port,
    async close() {
      for (const child of running) child.kill('SIGTERM')
      await new Promise<void>((resolve) => server.tryShutdown(() => resolve()))
    },
  }
}
