// End to end as users type it: the real Pulumi CLI runs `pulumi up`, `pulumi preview --refresh --expect-no-changes` and
// `pulumi destroy` on the root Pulumi.yaml (quick start) and on every examples/pulumi/* folder, through the project's
// minimal Node language host, against one local stack (two Kafka clusters and an engine) shared by all folders.
import { after, before, describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { randomBytes } from 'node:crypto'
import { join, resolve } from 'node:path'
import { startLocalStack, type LocalStack } from '../../cli/local/local-stack.ts'
import type { EngineClient } from '../../provider/client/index.ts'
import { createPulumiCli, type PulumiCli } from './pulumi-cli.ts'
import { createTopics, engineClientOf, waitFor } from './pulumi-harness.ts'

const repoRoot = resolve(import.meta.dirname, '../..')
const examples = join(repoRoot, 'examples/pulumi')
const id = randomBytes(3).toString('hex')
const stackName = `e2e-${id}`
const topics = { quickStart: `qs-orders-${id}`, dr: `dr-orders-${id}`, migration: `mig-billing-${id}`, aggregation: `agg-events-${id}` }

describe('pulumi CLI on the Pulumi.yaml folders', { timeout: 1_800_000 }, () => {
  let local: LocalStack | undefined
  let cli: PulumiCli | undefined
  let client: EngineClient
  let source = ''

  const pulumi = (): PulumiCli => {
    if (!cli) throw new Error('the Pulumi CLI was not set up (see the before hook error)')
    return cli
  }
  const mirrorStatus = async (linkName: string, mirrorTopicName: string): Promise<string | undefined> =>
    (await client.findMirror(linkName, mirrorTopicName))?.mirror_status
  /** `pulumi stack init`, then the engine endpoint and token as the README sets them (`--`: a token may start with a dash). */
  const initStack = async (cwd: string): Promise<void> => {
    await pulumi().mustRun(cwd, ['stack', 'init', stackName])
    await pulumi().mustRun(cwd, ['config', 'set', 'clusterlink:endpoint', local!.engine.url])
    await pulumi().mustRun(cwd, ['config', 'set', '--secret', 'clusterlink:token', '--', local!.engine.token])
  }
  /** up, then the README's drift check passes, then destroy leaves nothing on the engine and the stack is removed. */
  const upCheckDestroy = async (cwd: string, linkName: string, mirrorTopicName: string): Promise<void> => {
    await pulumi().mustRun(cwd, ['up', '--yes'])
    assert.equal((await client.findLink(linkName))?.link_name, linkName, `pulumi up created link ${linkName}`)
    assert.equal(await mirrorStatus(linkName, mirrorTopicName), 'ACTIVE', `pulumi up created mirror topic ${mirrorTopicName}`)
    await pulumi().mustRun(cwd, ['preview', '--refresh', '--expect-no-changes'])
    await pulumi().mustRun(cwd, ['destroy', '--yes'])
    assert.equal(await client.findLink(linkName), undefined, `pulumi destroy deleted link ${linkName}`)
    await pulumi().mustRun(cwd, ['stack', 'rm', '--yes'])
  }

  before(async () => {
    try {
      local = await startLocalStack({ clusters: 2 })
    } catch (error) {
      const reason = (error as Error).message
      throw new Error(`cannot start the local stack (Kafka clusters + clusterlink engine) the Pulumi CLI test needs: ${reason}`, { cause: error })
    }
    client = engineClientOf(local)
    source = local.clusters[1]!.bootstrapServers
    await createTopics(source, Object.values(topics), 1)
    cli = await createPulumiCli()
  })

  after(async () => {
    await cli?.dispose()
    await local?.stop()
  })

  it('pulumi up, preview --refresh --expect-no-changes and destroy should run the root Pulumi.yaml quick start and see drift', async () => {
    await initStack(repoRoot)
    await pulumi().mustRun(repoRoot, ['config', 'set', 'sourceBootstrapServers', source])
    await pulumi().mustRun(repoRoot, ['config', 'set', 'topic', topics.quickStart])
    await pulumi().mustRun(repoRoot, ['up', '--yes'])
    assert.equal(await mirrorStatus('quick-start', topics.quickStart), 'ACTIVE')
    const outputs = JSON.parse((await pulumi().mustRun(repoRoot, ['stack', 'output', '--json'])).stdout) as Record<string, unknown>
    assert.equal(outputs.mirrorStatus, 'ACTIVE', 'the program\'s exports are the stack outputs')
    await pulumi().mustRun(repoRoot, ['preview', '--refresh', '--expect-no-changes'])
    // Drift behind Pulumi's back: the README's CI check must fail, and `up --refresh` must put it back.
    await client.alterMirror('quick-start', 'pause', topics.quickStart)
    const isPaused = async (): Promise<true | undefined> => (await mirrorStatus('quick-start', topics.quickStart)) === 'PAUSED' || undefined
    await waitFor('the mirror paused out of band', isPaused)
    const drift = await pulumi().run(repoRoot, ['preview', '--refresh', '--expect-no-changes'])
    assert.notEqual(drift.code, 0, 'preview --expect-no-changes fails after an out-of-band pause')
    await pulumi().mustRun(repoRoot, ['up', '--refresh', '--yes'])
    assert.equal(await mirrorStatus('quick-start', topics.quickStart), 'ACTIVE')
    await pulumi().mustRun(repoRoot, ['destroy', '--yes'])
    assert.equal(await client.findLink('quick-start'), undefined)
    await pulumi().mustRun(repoRoot, ['stack', 'rm', '--yes'])
  })

  it('pulumi up, preview and destroy should run examples/pulumi/disaster-recovery', async () => {
    const cwd = join(examples, 'disaster-recovery')
    const linkName = `dr-${id}`
    await initStack(cwd)
    await pulumi().mustRun(cwd, ['config', 'set', 'linkName', linkName])
    await pulumi().mustRun(cwd, ['config', 'set', 'primaryBootstrapServers', source])
    await pulumi().mustRun(cwd, ['config', 'set', '--path', 'topics[0]', topics.dr])
    await upCheckDestroy(cwd, linkName, topics.dr)
  })

  it('pulumi up, preview and destroy should run examples/pulumi/migration', async () => {
    const cwd = join(examples, 'migration')
    const linkName = `migration-${id}`
    await initStack(cwd)
    await pulumi().mustRun(cwd, ['config', 'set', 'linkName', linkName])
    await pulumi().mustRun(cwd, ['config', 'set', 'oldClusterBootstrapServers', source])
    await pulumi().mustRun(cwd, ['config', 'set', '--path', 'batches[0][0]', topics.migration])
    await upCheckDestroy(cwd, linkName, topics.migration)
  })

  it('pulumi up, preview and destroy should run examples/pulumi/aggregation', async () => {
    const cwd = join(examples, 'aggregation')
    const name = `east${id}`
    await initStack(cwd)
    await pulumi().mustRun(cwd, ['config', 'set', '--path', 'sources[0].name', name])
    await pulumi().mustRun(cwd, ['config', 'set', '--path', 'sources[0].bootstrapServers', source])
    await pulumi().mustRun(cwd, ['config', 'set', '--path', 'sources[0].topics[0]', topics.aggregation])
    await upCheckDestroy(cwd, `${name}-link`, `${name}.${topics.aggregation}`)
  })
})
