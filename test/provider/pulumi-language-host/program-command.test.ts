// Pure tests of the language host's Run contract: the runner's command line and environment, and the Run answer.
import { describe, it } from 'node:test'
import assert from 'node:assert/strict'
import {
  EXIT_AFTER_USER_ACTIONABLE_MESSAGE, engineAddressOf, programCommand, runOutcome, runnerConfigKey, type ProgramRunRequest,
} from '../../../provider/pulumi-language-host/index.ts'

const request: ProgramRunRequest = {
  monitorAddress: '127.0.0.1:4000',
  engineAddress: '127.0.0.1:5000',
  organization: 'organization',
  project: 'clusterlink-quick-start',
  stack: 'dev',
  rootDirectory: '/repo',
  programDirectory: '/repo/examples/pulumi/quick-start',
  entryPoint: 'index.ts',
  dryRun: true,
  parallel: 16,
  args: ['extra'],
  config: { 'clusterlink:endpoint': 'http://127.0.0.1:8090', 'clusterlink-quick-start:topic': 'orders' },
  configSecretKeys: ['clusterlink:token'],
  nodeArgs: '',
}

describe('programCommand', () => {
  it('programCommand should pass every Run field to the runner as its flags, then the entry point and the program arguments', () => {
    const { args } = programCommand(request, '/repo/node_modules/@pulumi/pulumi/cmd/run/index.js')
    assert.deepEqual(args, [
      '/repo/node_modules/@pulumi/pulumi/cmd/run/index.js',
      '--monitor', '127.0.0.1:4000', '--engine', '127.0.0.1:5000', '--organization', 'organization',
      '--project', 'clusterlink-quick-start', '--stack', 'dev', '--root-directory', '/repo',
      '--pwd', '/repo/examples/pulumi/quick-start', '--dry-run', '--parallel', '16', 'index.ts', 'extra',
    ])
  })

  it('programCommand should leave out empty flags and --dry-run for an update, and run "." when there is no entry point', () => {
    const update = { ...request, engineAddress: undefined, organization: '', dryRun: false, entryPoint: '', args: [] }
    const { args } = programCommand(update, 'run.js')
    assert.deepEqual(args, ['run.js', '--monitor', '127.0.0.1:4000', '--project', 'clusterlink-quick-start', '--stack', 'dev',
      '--root-directory', '/repo', '--pwd', '/repo/examples/pulumi/quick-start', '--parallel', '16', '.'])
  })

  it('programCommand should put runtime nodeargs before the runner', () => {
    const { args } = programCommand({ ...request, nodeArgs: ' --max-old-space-size=512  --enable-source-maps ' }, 'run.js')
    assert.deepEqual(args.slice(0, 3), ['--max-old-space-size=512', '--enable-source-maps', 'run.js'])
  })

  it('programCommand should hand config over in the runner\'s <namespace>:config:<name> form with the secret keys as JSON', () => {
    const { env } = programCommand(request, 'run.js')
    assert.deepEqual(JSON.parse(env.PULUMI_CONFIG ?? ''), {
      'clusterlink:config:endpoint': 'http://127.0.0.1:8090',
      'clusterlink-quick-start:config:topic': 'orders',
    })
    assert.deepEqual(JSON.parse(env.PULUMI_CONFIG_SECRET_KEYS ?? ''), ['clusterlink:token'])
  })

  it('runnerConfigKey should split at the first colon only and refuse a key without a namespace', () => {
    assert.equal(runnerConfigKey('aws:assumeRole:arn'), 'aws:config:assumeRole:arn')
    assert.throws(() => runnerConfigKey('topic'), /no namespace/)
  })
})

describe('runOutcome', () => {
  it('runOutcome should report success, a bail after a shown error, a plain exit code, and a signal', () => {
    assert.deepEqual(runOutcome(0, null), { error: '', bail: false })
    assert.deepEqual(runOutcome(EXIT_AFTER_USER_ACTIONABLE_MESSAGE, null), { error: '', bail: true })
    assert.deepEqual(runOutcome(1, null), { error: 'Program exited with non-zero exit code: 1', bail: false })
    assert.match(runOutcome(null, 'SIGKILL').error, /SIGKILL/)
  })
})

describe('engineAddressOf', () => {
  it('engineAddressOf should take the last argument, past the logging and tracing flags the CLI adds', () => {
    assert.equal(engineAddressOf(['--logtostderr', '-v=9', '127.0.0.1:5000']), '127.0.0.1:5000')
    assert.equal(engineAddressOf(['--tracing', 'http://zipkin', '127.0.0.1:5000']), '127.0.0.1:5000')
    assert.equal(engineAddressOf(['--tracing', 'http://zipkin']), undefined)
    assert.equal(engineAddressOf([]), undefined)
  })
})
