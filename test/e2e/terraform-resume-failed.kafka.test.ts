// End to end with the real terraform binary: a mirror topic that FAILED for a cause that can be retried (the mirror topic's
// max.message.bytes lowered under a batch, then raised again) shows as drift at plan and runs again after terraform apply with
// status ACTIVE, record for record identical; one that diverged (a foreign write) makes apply fail, saying to use -replace.
import { after, before, describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { randomBytes } from 'node:crypto'
import { mkdir, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { startLocalStack, type LocalStack } from '../../cli/local/local-stack.ts'
import { EngineClient } from '../../provider/client/index.ts'
import { PROVIDER_SOURCE } from '../../provider/terraform/index.ts'
import { createTerraformWorkspace, planChanges, type TerraformWorkspace } from './terraform-harness.ts'
import { createTopics, kafkaOf, waitFor } from './pulumi-harness.ts'
import { produceTagged, setMaxMessageBytes, waitForIdentical } from './failback-drill-checks.ts'

const suffix = randomBytes(3).toString('hex')
const linkName = `tf-resume-${suffix}`
const resumable = `tf-resume-orders-${suffix}`
const diverged = `tf-resume-payments-${suffix}`

// Topic config sync would put max.message.bytes back from the source by itself; here the operator fixes it.
const MAIN_TF = `
terraform {
  required_providers {
    clusterlink = { source = "${PROVIDER_SOURCE}", version = "0.1.0" }
  }
}
variable "engine_endpoint" { type = string }
variable "engine_token" {
  type      = string
  sensitive = true
}
variable "source_bootstrap_servers" { type = string }
provider "clusterlink" {
  endpoint           = var.engine_endpoint
  token              = var.engine_token
  request_timeout_ms = 120000
}
resource "clusterlink_link" "dr" {
  link_name                = "${linkName}"
  source_bootstrap_servers = var.source_bootstrap_servers
  configs                  = { "topic.config.sync.ms" = "86400000" }
}
resource "clusterlink_mirror_topic" "orders" {
  link_name         = clusterlink_link.dr.link_name
  source_topic_name = "${resumable}"
  status            = "ACTIVE"
}
resource "clusterlink_mirror_topic" "payments" {
  link_name         = clusterlink_link.dr.link_name
  source_topic_name = "${diverged}"
  status            = "ACTIVE"
}
`

const oneLine = (text: string): string => text.replace(/[│╷╵]/g, ' ').replace(/\s+/g, ' ')

describe('Terraform resume of a FAILED mirror topic', { timeout: 900_000 }, () => {
  let stack: LocalStack | undefined
  let workspace: TerraformWorkspace | undefined
  let client: EngineClient
  let source = ''
  let destination = ''
  const tf = (): TerraformWorkspace => {
    if (!workspace) throw new Error('the Terraform workspace was not set up (see the before hook error)')
    return workspace
  }
  const statusOf = async (topic: string): Promise<string> => (await client.getMirror(linkName, topic)).mirror_status
  const waitForStatus = (topic: string, status: string) =>
    waitFor(`${topic} ${status}`, async () => ((await statusOf(topic)) === status ? true : undefined), 120_000)
  before(async () => {
    stack = await startLocalStack({ clusters: 2 })
    destination = stack.clusters[0]!.bootstrapServers
    source = stack.clusters[1]!.bootstrapServers
    client = new EngineClient({ endpoint: stack.engine.url, token: stack.engine.token })
    await createTopics(source, [resumable, diverged])
    await produceTagged(source, resumable, 40, 'before')
    await produceTagged(source, diverged, 40, 'before')
    workspace = await createTerraformWorkspace({
      prepare: async (root) => {
        const dir = join(root, 'work')
        await mkdir(dir, { recursive: true })
        await writeFile(join(dir, 'main.tf'), MAIN_TF)
        return dir
      },
      variables: { engine_endpoint: stack.engine.url, engine_token: stack.engine.token, source_bootstrap_servers: source },
    })
    await tf().mustRun(['init', '-no-color', '-input=false'])
    await tf().mustRun(['apply', '-no-color', '-auto-approve'])
    await waitForIdentical(source, destination, resumable, 40)
    await waitForIdentical(source, destination, diverged, 40)
  })

  after(async () => {
    await workspace?.run(['destroy', '-no-color', '-auto-approve']).catch(() => undefined)
    await workspace?.remove()
    await stack?.stop()
  })

  it('terraform plan should show a FAILED mirror declared ACTIVE as drift, and apply should resume it with identical records', async () => {
    // Someone lowered max.message.bytes on the mirror topic: the destination refuses the next (larger) batch for good.
    await setMaxMessageBytes(destination, resumable, '1024')
    const producer = kafkaOf(source).producer({ allowAutoTopicCreation: false })
    await producer.connect()
    await producer.send({ topic: resumable, acks: -1, messages: [{ key: 'big', value: 'x'.repeat(4000) }] }).finally(() => producer.disconnect())
    await waitForStatus(resumable, 'FAILED')
    await setMaxMessageBytes(destination, resumable, '1048588')
    await produceTagged(source, resumable, 20, 'while-failed')

    const { code, changes } = await planChanges(tf())
    assert.equal(code, 2, 'plan -detailed-exitcode reports the drift')
    assert.deepEqual(changes.map((c) => [c.address, c.actions]), [['clusterlink_mirror_topic.orders', ['update']]])
    assert.equal(changes[0]?.before?.status, 'FAILED')
    assert.equal(changes[0]?.before?.mirror_status, 'FAILED')
    assert.equal(changes[0]?.after?.status, 'ACTIVE')

    await tf().mustRun(['apply', '-no-color', '-auto-approve'])
    assert.notEqual(await statusOf(resumable), 'FAILED')
    await waitForIdentical(source, destination, resumable, 61)
    assert.equal((await client.getMirror(linkName, resumable)).mirror_topic_error, 'NO_ERROR')
    const again = await tf().run(['plan', '-no-color', '-detailed-exitcode'])
    assert.equal(again.code, 0, again.stdout)
  })

  it('terraform apply should refuse to resume a mirror topic that diverged, saying to replace it, and change nothing', async () => {
    // A foreign producer writes into the mirror topic (the local destination has no authorizer): the next copy detects it.
    const foreign = kafkaOf(destination).producer({ allowAutoTopicCreation: false })
    await foreign.connect()
    await foreign.send({ topic: diverged, acks: -1, messages: [{ partition: 0, value: 'foreign' }, { partition: 1, value: 'foreign' }] })
      .finally(() => foreign.disconnect())
    await produceTagged(source, diverged, 10, 'after-foreign')
    await waitForStatus(diverged, 'FAILED')

    const applied = await tf().run(['apply', '-no-color', '-auto-approve'])
    assert.equal(applied.code, 1, applied.stdout)
    assert.match(oneLine(applied.stderr), new RegExp(`mirror topic ${diverged} on link ${linkName} is FAILED and the engine cannot resume it `
      + '\\(.*recreate the mirror topic.*\\); recreate it: terraform apply -replace='))
    assert.equal(await statusOf(diverged), 'FAILED')
    assert.notEqual(await statusOf(resumable), 'FAILED')
  })
})
