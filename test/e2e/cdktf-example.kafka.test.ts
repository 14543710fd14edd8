// End to end: synthesizes examples/cdktf (a CDKTF app using the clusterlink constructs), checks the output with the
// CDKTF testing helper, then applies and destroys it with the real terraform binary against a real engine.
import { after, before, describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { execFile } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { existsSync, readFileSync } from 'node:fs'
import { join, resolve } from 'node:path'
import { promisify } from 'node:util'
import { Testing } from 'cdktf'
import kafkajs from 'kafkajs'
import { startLocalStack, type LocalStack } from '../../cli/local/local-stack.ts'
import { EngineClient } from '../../provider/client/index.ts'
import { PROVIDER_CONFIG_ENV } from '../../provider/terraform/install-provider.ts'
import { createTerraformWorkspace, type TerraformWorkspace } from './terraform-harness.ts'

const execFileAsync = promisify(execFile)
const exampleApp = resolve(import.meta.dirname, '../../examples/cdktf/main.ts')
const suffix = randomBytes(3).toString('hex')
const linkName = `cdktf-link-${suffix}`
const topics = [`cdktf-orders-${suffix}`]
const stackName = 'clusterlink-dr'

describe('clusterlink CDKTF example', { timeout: 600_000 }, () => {
  let stack: LocalStack | undefined
  let workspace: TerraformWorkspace | undefined
  let client: EngineClient

  const tf = (): TerraformWorkspace => {
    if (!workspace) throw new Error('the synthesized workspace was not set up (see the before hook error)')
    return workspace
  }

  before(async () => {
    try {
      stack = await startLocalStack({ clusters: 2 })
    } catch (error) {
      throw new Error(`cannot start the local stack (Kafka clusters + clusterlink engine) the CDKTF end-to-end test needs: ${error instanceof Error ? error.message : String(error)}`, { cause: error })
    }
    const source = stack.clusters[1]
    assert.ok(source, 'the local stack has a source cluster')
    const admin = new kafkajs.Kafka({ brokers: [source.bootstrapServers], logLevel: kafkajs.logLevel.NOTHING }).admin()
    await admin.connect()
    await admin.createTopics({ topics: topics.map((topic) => ({ topic, numPartitions: 1 })), waitForLeaders: true })
    await admin.disconnect()
    client = new EngineClient({ endpoint: stack.engine.url, token: stack.engine.token })
    workspace = await createTerraformWorkspace({
      variables: { engine_endpoint: stack.engine.url, engine_token: stack.engine.token, source_bootstrap_servers: source.bootstrapServers },
      // What `cdktf synth` does: run the app from cdktf.json with the output directory and context in the environment.
      prepare: async (root) => {
        const outdir = join(root, 'cdktf.out')
        await execFileAsync(process.execPath, [exampleApp], {
          cwd: root,
          env: { ...process.env, CDKTF_OUTDIR: outdir, CDKTF_CONTEXT_JSON: JSON.stringify({ linkName, topics }) },
        })
        return join(outdir, 'stacks', stackName)
      },
    })
  })

  after(async () => {
    await workspace?.remove()
    await stack?.stop()
  })

  it('cdktf synth should write a Terraform JSON configuration using the clusterlink provider and no secret', () => {
    const file = join(tf().dir, 'cdk.tf.json')
    assert.ok(existsSync(file), 'the stack directory holds cdk.tf.json')
    const synthesized = readFileSync(file, 'utf8')
    assert.ok(Testing.toHaveResourceWithProperties(synthesized, 'clusterlink_link', { link_name: linkName }))
    assert.ok(Testing.toHaveResourceWithProperties(synthesized, 'clusterlink_mirror_topic', { source_topic_name: topics[0], on_delete: 'DELETE_TOPIC' }))
    assert.ok(Testing.toHaveProviderWithProperties(synthesized, 'clusterlink', { token: '${var.engine_token}' }))
    assert.equal(synthesized.includes(stack?.engine.token ?? '\u0000'), false, 'the engine token is not in the synthesized configuration')
  })

  it('Testing.toBeValidTerraform should accept the synthesized stack (init from the local mirror, validate)', () => {
    // The helper runs terraform with this process's environment.
    const names = ['TF_CLI_CONFIG_FILE', 'TERRAFORM_BINARY_NAME', PROVIDER_CONFIG_ENV]
    const saved = Object.fromEntries(names.map((name) => [name, process.env[name]]))
    for (const name of names) process.env[name] = tf().env[name]
    try {
      assert.equal(Testing.toBeValidTerraform(resolve(tf().dir, '../..')), true)
    } finally {
      for (const [key, value] of Object.entries(saved)) {
        if (value === undefined) delete process.env[key]
        else process.env[key] = value
      }
    }
  })

  it('terraform apply in the synth output should create the link and the mirror topic', async () => {
    await tf().mustRun(['init', '-no-color', '-input=false'])
    await tf().mustRun(['apply', '-no-color', '-auto-approve'])
    assert.equal((await client.findLink(linkName))?.link_name, linkName)
    assert.deepEqual((await client.listMirrors(linkName)).map((mirror) => mirror.mirror_topic_name), topics)
    const plan = await tf().run(['plan', '-no-color', '-detailed-exitcode'])
    assert.equal(plan.code, 0, plan.stdout + plan.stderr)
  })

  it('terraform destroy in the synth output should leave nothing on the engine', async () => {
    await tf().mustRun(['destroy', '-no-color', '-auto-approve'])
    assert.equal(await client.findLink(linkName), undefined)
    assert.deepEqual((await client.listMirrors()).filter((mirror) => mirror.link_name === linkName), [])
  })
})
