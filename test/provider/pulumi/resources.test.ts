// Tests of the resource wiring with Pulumi's mocks (no CLI): type tokens, defaults left to the provider, and secrets marked in
// inputs and outputs.
import { before, test } from 'node:test'
import assert from 'node:assert/strict'
import * as pulumi from '@pulumi/pulumi'
import type * as ProviderPulumi from '../../../provider/pulumi/index.ts'

type ProviderModule = typeof ProviderPulumi

interface Registered { type: string; name: string; inputs: Record<string, unknown> }
const registered: Registered[] = []

let resources: ProviderModule

before(async () => {
  await pulumi.runtime.setMocks({
    newResource: (args) => {
      registered.push({ type: args.type, name: args.name, inputs: args.inputs })
      return { id: `${args.name}-id`, state: { ...args.inputs, linkState: 'ACTIVE' } }
    },
    call: () => ({}),
  }, 'project', 'stack', false)
  resources = await import('../../../provider/pulumi/index.ts')
})

function outputValue<T>(output: pulumi.Output<T>): Promise<{ value: unknown; secret: boolean }> {
  return new Promise((resolve) => {
    pulumi.all([output, pulumi.isSecret(output)]).apply(([value, secret]) => resolve({ value, secret }))
  })
}

test('ClusterLink should register under its fixed type token and keep credentials secret', async () => {
  const link = new resources.ClusterLink('dr', {
    linkName: 'dr', sourceBootstrapServers: 'src:9092', securityProtocol: 'SASL_SSL', sourceCredentials: { username: 'u', password: 'p' }, token: 'tok',
  })
  const linkState = await outputValue(link.linkState)
  assert.equal(linkState.value, 'ACTIVE')
  assert.equal(linkState.secret, false)
  const token = await outputValue((link as unknown as { token: pulumi.Output<string> }).token)
  assert.equal(token.secret, true)
  const credentials = await outputValue((link as unknown as { sourceCredentials: pulumi.Output<unknown> }).sourceCredentials)
  assert.equal(credentials.secret, true)
  const entry = registered.find((r) => r.name === 'dr')!
  assert.equal(entry.type, 'pulumi-nodejs:dynamic/clusterlink:ClusterLink')
  assert.equal(typeof entry.inputs.__provider, 'string')
})

test('MirrorTopic should register under its fixed type token with its args', async () => {
  const mirror = new resources.MirrorTopic('orders', { linkName: 'dr', sourceTopicName: 'orders', status: 'PAUSED' })
  assert.equal((await outputValue(mirror.status)).value, 'PAUSED')
  const entry = registered.find((r) => r.name === 'orders')!
  assert.equal(entry.type, 'pulumi-nodejs:dynamic/clusterlink:MirrorTopic')
  assert.equal(entry.inputs.sourceTopicName, 'orders')
  assert.equal(entry.inputs.onDelete, undefined, 'defaults are applied by the provider check, not baked into the program')
  for (const output of [mirror.mirrorTopicName, mirror.mirrorStatus, mirror.partitionCount, mirror.mirrorLags, mirror.clusterId]) {
    assert.ok(pulumi.Output.isInstance(output), 'computed outputs exist even when the args leave them out')
  }
})
