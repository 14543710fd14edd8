// examples/pulumi-engine under Pulumi's mocks: the engine is declared first, the link and the mirror reach it through its URL
// with a secret token, in that order.
import assert from 'node:assert/strict'
import { before, describe, it } from 'node:test'
import * as pulumi from '@pulumi/pulumi'
import type { deployEngineAndMirrors as Deploy } from '../../../examples/pulumi-engine/program.ts'

interface Declared { readonly type: string; readonly name: string; readonly inputs: Record<string, unknown> }
const declared: Declared[] = []
let deployEngineAndMirrors: typeof Deploy
const TOKEN = 'example-token-0123456789abcdef'

function settled<T>(output: pulumi.Output<T>): Promise<T> {
  return new Promise((resolve) => output.apply((value) => { resolve(value); return value }))
}

describe('examples/pulumi-engine', () => {
  before(async () => {
    await pulumi.runtime.setMocks({
      newResource: (args) => {
        declared.push({ type: args.type, name: args.name, inputs: args.inputs as Record<string, unknown> })
        // The dynamic resources echo their inputs plus the outputs the real provider computes.
        const extra = args.type.endsWith(':ClusterLink') ? { linkState: 'ACTIVE', linkId: 'l1' } : args.type.endsWith(':MirrorTopic') ? { mirrorStatus: 'ACTIVE' } : {}
        return { id: `${args.name}-id`, state: { ...(args.inputs as Record<string, unknown>), ...extra } }
      },
      call: (args) => args.inputs as Record<string, unknown>,
    }, 'clusterlink', 'example', false)
    ;({ deployEngineAndMirrors } = await import('../../../examples/pulumi-engine/program.ts'))
  })

  it('the example should declare the engine, then the link against its URL, then the mirror on that link', async () => {
    const { engine, link, mirror } = deployEngineAndMirrors({
      image: 'registry.example.com/clusterlink-engine:0.1.0', namespace: 'clusterlink', destinationBootstrapServers: ['kafka-destination.kafka:9092'],
      sourceBootstrapServers: 'kafka-source.example.com:9092', topic: 'orders', engineToken: pulumi.secret(TOKEN), credentialsKey: pulumi.secret('example-credentials-key-0123'),
    })
    await Promise.all([settled(mirror.urn), settled(link.urn), settled(engine.url)])
    const index = (suffix: string): number => declared.findIndex((d) => d.type.endsWith(suffix))
    assert.ok(index(':Deployment') >= 0 && index(':ClusterLink') > index(':Deployment'), declared.map((d) => d.type).join(', '))
    assert.ok(index(':MirrorTopic') > index(':ClusterLink'))
    const linkInputs = declared[index(':ClusterLink')]?.inputs ?? {}
    assert.equal(linkInputs['endpoint'], 'http://clusterlink-engine.clusterlink.svc.cluster.local:8090')
    assert.equal(linkInputs['sourceBootstrapServers'], 'kafka-source.example.com:9092')
    // The token reaches the link and the mirror only as a Pulumi secret.
    for (const suffix of [':ClusterLink', ':MirrorTopic']) {
      assert.deepEqual(declared[index(suffix)]?.inputs['token'], { [pulumi.runtime.specialSigKey]: pulumi.runtime.specialSecretSig, value: TOKEN })
    }
    assert.equal(declared[index(':MirrorTopic')]?.inputs['linkName'], 'source-link')
    assert.equal(await settled(engine.url), 'http://clusterlink-engine.clusterlink.svc.cluster.local:8090')
  })
})
