// End to end with the real terraform binary: the disaster-recovery drill as terraform apply runs that only change the
// mirror topic's declared status, direction and failback_method; plan shows the failback and refuses impossible ones.
import { after, before, describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { randomBytes } from 'node:crypto'
import { mkdir, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { startLocalStack, type LocalStack } from '../../cli/local/local-stack.ts'
import { EngineClient } from '../../provider/client/index.ts'
import { PROVIDER_SOURCE } from '../../provider/terraform/index.ts'
import { createTerraformWorkspace, planChanges, type TerraformWorkspace } from './terraform-harness.ts'
import { createTopics, waitFor } from './pulumi-harness.ts'
import { produceTagged, readValues, waitForIdentical } from './failback-drill-checks.ts'

const suffix = randomBytes(3).toString('hex')
const linkName = `tf-drill-${suffix}`
const topic = `tf-drill-orders-${suffix}`

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
variable "primary_bootstrap_servers" { type = string }
variable "status" { default = "ACTIVE" }
variable "direction" { default = "FORWARD" }
variable "failback_method" { default = "REVERSE" }
provider "clusterlink" {
  endpoint           = var.engine_endpoint
  token              = var.engine_token
  request_timeout_ms = 120000
}
resource "clusterlink_link" "dr" {
  link_name                = "${linkName}"
  source_bootstrap_servers = var.primary_bootstrap_servers
}
resource "clusterlink_mirror_topic" "orders" {
  link_name          = clusterlink_link.dr.link_name
  source_topic_name  = "${topic}"
  status             = var.status
  direction          = var.direction
  failback_method    = var.failback_method
  promote_timeout_ms = 120000
}
`

const declare = (status: string, direction = 'FORWARD', failbackMethod = 'REVERSE'): string[] =>
  ['-var', `status=${status}`, '-var', `direction=${direction}`, '-var', `failback_method=${failbackMethod}`]

describe('Terraform failback drill', { timeout: 900_000 }, () => {
  let stack: LocalStack | undefined
  let workspace: TerraformWorkspace | undefined
  let client: EngineClient
  let primary = ''
  let dr = ''
  const tf = (): TerraformWorkspace => {
    if (!workspace) throw new Error('the Terraform workspace was not set up (see the before hook error)')
    return workspace
  }
  const apply = (args: string[]) => tf().mustRun(['apply', '-no-color', '-auto-approve', ...args])
  const mirrorState = async (): Promise<Record<string, unknown>> => {
    const shown = JSON.parse((await tf().mustRun(['show', '-json', '-no-color'])).stdout) as {
      values?: { root_module?: { resources?: { address: string; values: Record<string, unknown> }[] } }
    }
    const resource = shown.values?.root_module?.resources?.find((r) => r.address === 'clusterlink_mirror_topic.orders')
    assert.ok(resource, 'the state holds the mirror topic')
    return resource.values
  }

  before(async () => {
    stack = await startLocalStack({ clusters: 2 })
    dr = stack.clusters[0]!.bootstrapServers
    primary = stack.clusters[1]!.bootstrapServers
    client = new EngineClient({ endpoint: stack.engine.url, token: stack.engine.token })
    await createTopics(primary, [topic])
    await produceTagged(primary, topic, 100, 'before-apply')
    workspace = await createTerraformWorkspace({
      prepare: async (root) => {
        const dir = join(root, 'work')
        await mkdir(dir, { recursive: true })
        await writeFile(join(dir, 'main.tf'), MAIN_TF)
        return dir
      },
      variables: { engine_endpoint: stack.engine.url, engine_token: stack.engine.token, primary_bootstrap_servers: primary },
    })
    await tf().mustRun(['init', '-no-color', '-input=false'])
  })

  after(async () => {
    await workspace?.run(['destroy', '-no-color', '-auto-approve']).catch(() => undefined)
    await workspace?.remove()
    await stack?.stop()
  })

  it('a drill of terraform apply runs should fail over, restore the old primary, and switch back with nothing lost', async () => {
    await apply(declare('ACTIVE'))
    await waitForIdentical(primary, dr, topic, 100)
    const early = await tf().run(['plan', '-no-color', ...declare('ACTIVE', 'REVERSE')])
    assert.equal(early.code, 1, 'a direction change on a running mirror is refused at plan')
    assert.match(early.stderr.replace(/[│╷╵]/g, ' ').replace(/\s+/g, ' '), /is ACTIVE: direction REVERSE needs a stopped mirror\. Declare status = "FAILED_OVER"/)

    // The primary takes records DR never receives, then is lost: fail over; producers write on DR.
    await client.alterMirror(linkName, 'pause', topic)
    await waitFor('the mirror to pause', async () => ((await client.getMirror(linkName, topic)).mirror_status === 'PAUSED' ? true : undefined))
    const lostTail = await produceTagged(primary, topic, 12, 'primary-only')
    await apply(declare('FAILED_OVER'))
    await produceTagged(dr, topic, 25, 'written-on-dr')

    // Plan refreshes first: a plain REVERSE is refused with what to declare, and nothing changes.
    const refused = await tf().run(['plan', '-no-color', ...declare('ACTIVE', 'REVERSE')])
    assert.equal(refused.code, 1)
    assert.match(refused.stderr.replace(/[│╷╵]/g, ' ').replace(/\s+/g, ' '), /would be refused: [\s\S]*failback_method = "TRUNCATE_AND_RESTORE" to set those 12 record/)
    assert.equal((await client.getMirror(linkName, topic)).mirror_status, 'STOPPED', 'plan changed nothing')

    // Plan shows the failback: which topic becomes the mirror and how many records are set aside.
    const { changes } = await planChanges(tf(), declare('ACTIVE', 'REVERSE', 'TRUNCATE_AND_RESTORE'))
    const planned = changes.find((c) => c.address === 'clusterlink_mirror_topic.orders')
    assert.deepEqual(planned?.actions, ['update'])
    assert.equal(planned?.before?.records_to_set_aside, 12)
    assert.match(String(planned?.after?.planned_failback), new RegExp(`^truncate-and-restore: ${topic} on the destination cluster is copied back into ${topic} on the source cluster.*\\(12 at the last refresh\\)`))

    await apply(declare('ACTIVE', 'REVERSE', 'TRUNCATE_AND_RESTORE'))
    const restored = await mirrorState()
    assert.equal(restored.direction, 'REVERSE')
    assert.equal(restored.messages_truncated, 12)
    const sideTopic = String(restored.truncated_records_topic)
    assert.match(sideTopic, new RegExp(`^${topic}\\.truncated-\\d+$`))
    await waitForIdentical(dr, primary, topic, 125)
    const setAside = await readValues(primary, sideTopic, 12)
    assert.deepEqual(setAside.map((r) => r.value).sort(), [...lostTail].sort(), 'the primary-only records are in the side topic, each once')

    // Planned switchover back: promote the reversed mirror, then reverse it; DR mirrors the primary again.
    await apply(declare('PROMOTED', 'REVERSE', 'TRUNCATE_AND_RESTORE'))
    assert.equal((await client.getMirror(linkName, topic)).mirror_status, 'STOPPED')
    await apply(declare('ACTIVE', 'FORWARD'))
    const back = await mirrorState()
    assert.equal(back.direction, 'FORWARD')
    assert.equal(back.truncated_records_topic, sideTopic, 'state still says where the set-aside records are')
    await produceTagged(primary, topic, 10, 'primary-again')
    await waitForIdentical(primary, dr, topic, 135)
    const again = await tf().run(['plan', '-no-color', '-detailed-exitcode', ...declare('ACTIVE', 'FORWARD')])
    assert.equal(again.code, 0, again.stdout)
  })
})
