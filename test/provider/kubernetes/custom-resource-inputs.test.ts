// custom resource inputs: Secret references resolved through the reader, then the one spec's validation and messages.
import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import {
  clusterLinkInputsOf, describeFailures, mirrorTopicInputsOf, type CustomResource,
} from '../../../provider/kubernetes/custom-resource-inputs.ts'

const secrets: Record<string, Record<string, string>> = { 'source-sasl': { username: 'alice', password: 'p4ss' } }
const readSecret = async (namespace: string, name: string, key: string): Promise<string> => {
  const value = secrets[name]?.[key]
  if (value === undefined) throw new Error(`Secret ${name} has no key ${key} in ${namespace}`)
  return value
}
const resource = (kind: string, spec: Record<string, unknown>): CustomResource => ({
  apiVersion: 'clusterlink.io/v1alpha1', kind, spec, metadata: { name: 'x', namespace: 'ns', uid: 'u', resourceVersion: '1' },
})
const ref = (name: string, key: string) => ({ secretKeyRef: { name, key } })

describe('custom resource inputs', () => {
  it('clusterLinkInputsOf should resolve Secret references into the spec inputs', async () => {
    const result = await clusterLinkInputsOf(resource('ClusterLink', {
      linkName: 'dr', sourceBootstrapServers: 'source:9092', securityProtocol: 'SASL_PLAINTEXT',
      sourceCredentials: { username: ref('source-sasl', 'username'), password: ref('source-sasl', 'password') },
    }), readSecret)
    assert.ok(result.ok)
    assert.deepEqual(result.value.sourceCredentials, { username: 'alice', password: 'p4ss' })
    assert.equal(result.value.linkMode, 'DESTINATION')
  })

  it('clusterLinkInputsOf should name the input whose Secret cannot be read, without any value', async () => {
    const result = await clusterLinkInputsOf(resource('ClusterLink', {
      linkName: 'dr', sourceBootstrapServers: 'source:9092', securityProtocol: 'SASL_PLAINTEXT',
      sourceCredentials: { username: ref('source-sasl', 'username'), password: ref('source-sasl', 'secret') },
    }), readSecret)
    assert.equal(result.ok, false)
    const expected = 'spec.sourceCredentials.password: Secret source-sasl has no key secret in ns'
    assert.equal(describeFailures(result.ok ? [] : result.failures), expected)
  })

  it("clusterLinkInputsOf should refuse with the spec's own message", async () => {
    const spec = { linkName: 'dr', sourceBootstrapServers: 'source:9092', securityProtocol: 'SASL_SSL' }
    const result = await clusterLinkInputsOf(resource('ClusterLink', spec), readSecret)
    assert.equal(result.ok, false)
    const expected = /^spec\.sourceCredentials: securityProtocol SASL_SSL needs sourceCredentials/
    assert.match(describeFailures(result.ok ? [] : result.failures), expected)
  })

  it('mirrorTopicInputsOf should apply the spec defaults and resolve the engine token', async () => {
    secrets['engine'] = { token: 't0ken' }
    const spec = { linkName: 'dr', sourceTopicName: 'orders', token: ref('engine', 'token') }
    const result = await mirrorTopicInputsOf(resource('MirrorTopic', spec), readSecret)
    assert.ok(result.ok)
    assert.equal(result.value.status, 'ACTIVE')
    assert.equal(result.value.onDelete, 'STOP_AND_KEEP_TOPIC')
    assert.equal(result.value.token, 't0ken')
  })
})
