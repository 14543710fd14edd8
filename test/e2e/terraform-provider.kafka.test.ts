// End to end: the real terraform binary drives the clusterlink provider against a real engine and real Kafka clusters
// through examples/terraform: init from the local mirror, plan, apply, no-change plan, drift, import, destroy.
import { after, before, describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { randomBytes } from 'node:crypto'
import { existsSync } from 'node:fs'
import { join, resolve } from 'node:path'
import kafkajs from 'kafkajs'
import { startLocalStack, type LocalStack } from '../../cli/local/local-stack.ts'
import { EngineClient } from '../../provider/client/index.ts'
import { PROVIDER_SOURCE } from '../../provider/terraform/index.ts'
import { createTerraformWorkspace, planChanges, type TerraformWorkspace } from './terraform-harness.ts'

const example = resolve(import.meta.dirname, '../../examples/terraform')
const suffix = randomBytes(3).toString('hex')
const linkName = `tf-link-${suffix}`
const topics = [`tf-orders-${suffix}`, `tf-payments-${suffix}`]

describe('clusterlink Terraform provider', { timeout: 600_000 }, () => {
  let stack: LocalStack | undefined
  let workspace: TerraformWorkspace | undefined
  let client: EngineClient

  const tf = (): TerraformWorkspace => {
    if (!workspace) throw new Error('the Terraform workspace was not set up (see the before hook error)')
    return workspace
  }

  before(async () => {
    try {
      stack = await startLocalStack({ clusters: 2 })
    } catch (error) {
      throw new Error(`cannot start the local stack (Kafka clusters + clusterlink engine) the Terraform end-to-end test needs: ${error instanceof Error ? error.message : String(error)}`, { cause: error })
    }
    const source = stack.clusters[1]
    assert.ok(source, 'the local stack has a source cluster')
    const admin = new kafkajs.Kafka({ brokers: [source.bootstrapServers], logLevel: kafkajs.logLevel.NOTHING }).admin()
    await admin.connect()
    await admin.createTopics({ topics: topics.map((topic) => ({ topic, numPartitions: 2 })), waitForLeaders: true })
    await admin.disconnect()
    client = new EngineClient({ endpoint: stack.engine.url, token: stack.engine.token })
    workspace = await createTerraformWorkspace({
      sourceDir: example,
      variables: {
        engine_endpoint: stack.engine.url,
        engine_token: stack.engine.token,
        source_bootstrap_servers: source.bootstrapServers,
        link_name: linkName,
        topics,
      },
    })
  })

  after(async () => {
    await workspace?.remove()
    await stack?.stop()
  })

  it('terraform init should install the provider from the local filesystem mirror', async () => {
    const init = await tf().mustRun(['init', '-no-color', '-input=false'])
    assert.match(init.stdout, new RegExp(`Installing ${PROVIDER_SOURCE.replaceAll('.', '\\.')} v0\\.1\\.0`))
    assert.ok(existsSync(join(tf().dir, '.terraform.lock.hcl')), 'init writes the lock file')
  })

  it('terraform plan should propose the link and one mirror topic per source topic', async () => {
    const { code, changes } = await planChanges(tf())
    assert.equal(code, 2)
    assert.deepEqual(changes.map((change) => [change.address, change.actions.join(',')]).sort(), [
      ['clusterlink_link.dr', 'create'],
      [`clusterlink_mirror_topic.mirror["${topics[0]}"]`, 'create'],
      [`clusterlink_mirror_topic.mirror["${topics[1]}"]`, 'create'],
    ])
    const link = changes.find((change) => change.type === 'clusterlink_link')
    assert.equal(link?.after?.link_mode, 'DESTINATION', 'defaults from the spec are planned')
  })

  it('terraform apply should create the link and the mirror topics on the engine', async () => {
    await tf().mustRun(['apply', '-no-color', '-auto-approve'])
    const link = await client.findLink(linkName)
    assert.equal(link?.link_name, linkName)
    const configs = await client.listLinkConfigs(linkName)
    assert.equal(configs.find((config) => config.name === 'topic.config.sync.ms')?.value, '10000')
    const mirrors = await client.listMirrors(linkName)
    assert.deepEqual(mirrors.map((mirror) => mirror.mirror_topic_name).sort(), [...topics].sort())
  })

  it('a second terraform plan should find no changes', async () => {
    const result = await tf().run(['plan', '-no-color', '-detailed-exitcode'])
    assert.equal(result.code, 0, result.stdout + result.stderr)
  })

  it('terraform plan -detailed-exitcode should exit 2 after changes made behind Terraform through the REST API', async () => {
    await client.alterLinkConfigs(linkName, [{ name: 'topic.config.sync.ms', value: '20000', operation: 'SET' }])
    await client.alterMirror(linkName, 'pause', topics[1] as string)
    const { code, changes } = await planChanges(tf())
    assert.equal(code, 2)
    const link = changes.find((change) => change.address === 'clusterlink_link.dr')
    assert.deepEqual(link?.actions, ['update'])
    assert.deepEqual(link?.before?.configs, { 'topic.config.sync.ms': '20000' })
    assert.deepEqual(link?.after?.configs, { 'topic.config.sync.ms': '10000' })
    const mirror = changes.find((change) => change.address === `clusterlink_mirror_topic.mirror["${topics[1]}"]`)
    assert.deepEqual(mirror?.actions, ['update'])
    assert.equal(mirror?.before?.status, 'PAUSED')
    assert.equal(mirror?.after?.status, 'ACTIVE')
  })

  it('terraform apply should repair the drift', async () => {
    await tf().mustRun(['apply', '-no-color', '-auto-approve'])
    const configs = await client.listLinkConfigs(linkName)
    assert.equal(configs.find((config) => config.name === 'topic.config.sync.ms')?.value, '10000')
    assert.notEqual((await client.getMirror(linkName, topics[1] as string)).mirror_status, 'PAUSED')
    const result = await tf().run(['plan', '-no-color', '-detailed-exitcode'])
    assert.equal(result.code, 0, result.stdout + result.stderr)
  })

  it('a status change should pause the mirror topic in place', async () => {
    const paused = JSON.stringify([topics[0]])
    const { changes } = await planChanges(tf(), ['-var', `paused_topics=${paused}`])
    assert.deepEqual(changes.map((change) => [change.address, change.actions.join(',')]), [[`clusterlink_mirror_topic.mirror["${topics[0]}"]`, 'update']])
    await tf().mustRun(['apply', '-no-color', '-auto-approve', '-var', `paused_topics=${paused}`])
    assert.equal((await client.getMirror(linkName, topics[0] as string)).mirror_status, 'PAUSED')
    await tf().mustRun(['apply', '-no-color', '-auto-approve'])
    assert.notEqual((await client.getMirror(linkName, topics[0] as string)).mirror_status, 'PAUSED')
  })

  it('a new link name should plan a replacement', async () => {
    const { changes } = await planChanges(tf(), ['-var', `link_name=${linkName}-b`])
    const link = changes.find((change) => change.address === 'clusterlink_link.dr')
    assert.deepEqual(link?.actions, ['delete', 'create'])
  })

  it('terraform import should adopt the existing link and mirror topic by id', async () => {
    const mirrorAddress = `clusterlink_mirror_topic.mirror["${topics[0]}"]`
    await tf().mustRun(['state', 'rm', '-no-color', 'clusterlink_link.dr', mirrorAddress])
    await tf().mustRun(['import', '-no-color', 'clusterlink_link.dr', linkName])
    await tf().mustRun(['import', '-no-color', mirrorAddress, `${linkName}/${topics[0]}`])
    // on_delete lives only in state (the engine cannot report it), so the import plan records it and nothing else.
    const { changes } = await planChanges(tf())
    assert.deepEqual(changes.map((change) => [change.address, change.actions.join(',')]), [[mirrorAddress, 'update']])
    const changed = Object.keys(changes[0]?.after ?? {}).filter((key) => JSON.stringify(changes[0]?.after?.[key]) !== JSON.stringify(changes[0]?.before?.[key]))
    assert.deepEqual(changed, ['on_delete'])
    await tf().mustRun(['apply', '-no-color', '-auto-approve'])
    const result = await tf().run(['plan', '-no-color', '-detailed-exitcode'])
    assert.equal(result.code, 0, result.stdout + result.stderr)
  })

  it('terraform destroy should leave no link and no mirror topic on the engine', async () => {
    await tf().mustRun(['destroy', '-no-color', '-auto-approve'])
    assert.equal(await client.findLink(linkName), undefined)
    assert.deepEqual((await client.listMirrors()).filter((mirror) => mirror.link_name === linkName), [])
  })
})
