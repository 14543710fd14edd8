// End to end: the real terraform binary drives the clusterlink provider against a real engine and real Kafka clusters
// through examples/terraform: init from the local mirror, plan, apply, no-change plan, drift and its repair, pause,
// import, failover, promote, replacement, destroy.
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
const orders = `tf-orders-${suffix}`
const payments = `tf-payments-${suffix}`
const topics = [orders, payments]
const statuses = (map: Record<string, string>): string[] => ['-var', `statuses=${JSON.stringify(map)}`]
/** Where the test ends: orders promoted (migration), payments failed over (disaster recovery). */
const finalStatuses = statuses({ [orders]: 'PROMOTED', [payments]: 'FAILED_OVER' })

describe('clusterlink Terraform provider', { timeout: 600_000 }, () => {
  let stack: LocalStack | undefined
  let workspace: TerraformWorkspace | undefined
  let client: EngineClient

  const destination = (): string => stack?.clusters[0]?.bootstrapServers ?? ''
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
    const producer = new kafkajs.Kafka({ brokers: [source.bootstrapServers], logLevel: kafkajs.logLevel.NOTHING }).producer()
    await producer.connect()
    await producer.send({ topic: orders, messages: Array.from({ length: 20 }, (_, index) => ({ key: `k${index % 4}`, value: `order ${index}` })) })
    await producer.disconnect()
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
    await client.alterMirror(linkName, 'pause', payments)
    const { code, changes } = await planChanges(tf())
    assert.equal(code, 2)
    const link = changes.find((change) => change.address === 'clusterlink_link.dr')
    assert.deepEqual(link?.actions, ['update'])
    assert.deepEqual(link?.before?.configs, { 'topic.config.sync.ms': '20000' })
    assert.deepEqual(link?.after?.configs, { 'topic.config.sync.ms': '10000' })
    const mirror = changes.find((change) => change.address === `clusterlink_mirror_topic.mirror["${payments}"]`)
    assert.deepEqual(mirror?.actions, ['update'])
    assert.equal(mirror?.before?.status, 'PAUSED')
    assert.equal(mirror?.after?.status, 'ACTIVE')
  })

  it('terraform apply should repair the drift', async () => {
    await tf().mustRun(['apply', '-no-color', '-auto-approve'])
    const configs = await client.listLinkConfigs(linkName)
    assert.equal(configs.find((config) => config.name === 'topic.config.sync.ms')?.value, '10000')
    assert.notEqual((await client.getMirror(linkName, payments)).mirror_status, 'PAUSED')
    const result = await tf().run(['plan', '-no-color', '-detailed-exitcode'])
    assert.equal(result.code, 0, result.stdout + result.stderr)
  })

  it('a status change should pause the mirror topic in place, and resume it', async () => {
    const paused = statuses({ [orders]: 'PAUSED' })
    const { changes } = await planChanges(tf(), paused)
    assert.deepEqual(changes.map((change) => [change.address, change.actions.join(',')]), [[`clusterlink_mirror_topic.mirror["${orders}"]`, 'update']])
    await tf().mustRun(['apply', '-no-color', '-auto-approve', ...paused])
    assert.equal((await client.getMirror(linkName, orders)).mirror_status, 'PAUSED')
    await tf().mustRun(['apply', '-no-color', '-auto-approve'])
    assert.notEqual((await client.getMirror(linkName, orders)).mirror_status, 'PAUSED')
  })

  it('terraform import should adopt the existing link and mirror topic by id', async () => {
    const mirrorAddress = `clusterlink_mirror_topic.mirror["${orders}"]`
    await tf().mustRun(['state', 'rm', '-no-color', 'clusterlink_link.dr', mirrorAddress])
    await tf().mustRun(['import', '-no-color', 'clusterlink_link.dr', linkName])
    await tf().mustRun(['import', '-no-color', mirrorAddress, `${linkName}/${orders}`])
    // on_delete lives only in state (the engine cannot report it), so the import plan records it and nothing else.
    const { changes } = await planChanges(tf())
    assert.deepEqual(changes.map((change) => [change.address, change.actions.join(',')]), [[mirrorAddress, 'update']])
    const changed = Object.keys(changes[0]?.after ?? {})
      .filter((key) => JSON.stringify(changes[0]?.after?.[key]) !== JSON.stringify(changes[0]?.before?.[key]))
    assert.deepEqual(changed, ['on_delete'])
    await tf().mustRun(['apply', '-no-color', '-auto-approve'])
    const result = await tf().run(['plan', '-no-color', '-detailed-exitcode'])
    assert.equal(result.code, 0, result.stdout + result.stderr)
  })

  it('FAILED_OVER should stop the mirror topic now, and going back to ACTIVE should be refused at plan time', async () => {
    await tf().mustRun(['apply', '-no-color', '-auto-approve', ...statuses({ [payments]: 'FAILED_OVER' })])
    assert.equal((await client.getMirror(linkName, payments)).mirror_status, 'STOPPED')
    const back = await tf().run(['plan', '-no-color'])
    assert.equal(back.code, 1)
    assert.match(back.stderr, /Impossible status change/)
    const stay = await tf().run(['plan', '-no-color', '-detailed-exitcode', ...statuses({ [payments]: 'FAILED_OVER' })])
    assert.equal(stay.code, 0, stay.stdout + stay.stderr)
  })

  it('PROMOTED should stop the mirror topic once lag is zero and leave a topic that accepts producers', async () => {
    await tf().mustRun(['apply', '-no-color', '-auto-approve', ...finalStatuses])
    const mirror = await client.getMirror(linkName, orders)
    assert.equal(mirror.mirror_status, 'STOPPED')
    assert.deepEqual((mirror.mirror_lags ?? []).map((lag) => lag.lag), [0, 0])
    const producer = new kafkajs.Kafka({ brokers: [destination()], logLevel: kafkajs.logLevel.NOTHING }).producer()
    await producer.connect()
    const [written] = await producer.send({ topic: orders, messages: [{ value: 'after promote' }] })
    await producer.disconnect()
    assert.equal(written?.errorCode, 0)
    const result = await tf().run(['plan', '-no-color', '-detailed-exitcode', ...finalStatuses])
    assert.equal(result.code, 0, result.stdout + result.stderr)
  })

  it('a new link name should plan a replacement', async () => {
    const { changes } = await planChanges(tf(), ['-var', `link_name=${linkName}-b`, ...finalStatuses])
    const link = changes.find((change) => change.address === 'clusterlink_link.dr')
    assert.deepEqual(link?.actions, ['delete', 'create'])
  })

  it('terraform destroy should leave no link and no mirror topic on the engine', async () => {
    await tf().mustRun(['destroy', '-no-color', '-auto-approve', ...finalStatuses])
    assert.equal(await client.findLink(linkName), undefined)
    assert.deepEqual((await client.listMirrors()).filter((mirror) => mirror.link_name === linkName), [])
  })
})
