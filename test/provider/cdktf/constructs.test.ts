// Synth tests of the clusterlink CDKTF constructs with the CDKTF testing helpers, once on cdktf 0.21 and once on cdktn.
import { describe, it } from 'node:test'
import assert from 'node:assert/strict'
import * as cdktf from 'cdktf'
import * as cdktn from 'cdktn'
import type { Construct } from 'constructs'
import * as onCdktf from '../../../provider/cdktf/index.ts'
import * as onCdktn from '../../../provider/cdktf/cdktn.ts'

interface Flavour {
  readonly name: string
  readonly TerraformResource: abstract new (...args: never[]) => object
  readonly Testing: typeof cdktf.Testing
  readonly TerraformVariable: typeof cdktf.TerraformVariable
  readonly TerraformStack: typeof cdktf.TerraformStack
  readonly constructs: typeof onCdktf
}

const flavours: readonly Flavour[] = [
  { name: 'cdktf', TerraformResource: cdktf.TerraformResource, Testing: cdktf.Testing, TerraformVariable: cdktf.TerraformVariable, TerraformStack: cdktf.TerraformStack, constructs: onCdktf },
  { name: 'cdktn', TerraformResource: cdktn.TerraformResource, Testing: cdktn.Testing as unknown as typeof cdktf.Testing, TerraformVariable: cdktn.TerraformVariable as unknown as typeof cdktf.TerraformVariable, TerraformStack: cdktn.TerraformStack as unknown as typeof cdktf.TerraformStack, constructs: onCdktn as unknown as typeof onCdktf },
]

for (const flavour of flavours) {
  const { Testing, constructs } = flavour
  const { ClusterlinkProvider, ClusterLink, MirrorTopic } = constructs

  describe(`clusterlink constructs on ${flavour.name}`, () => {
    it('constructs should build on the library\'s own base classes', () => {
      assert.ok(ClusterLink.prototype instanceof flavour.TerraformResource)
      assert.ok(MirrorTopic.prototype instanceof flavour.TerraformResource)
      const other = flavour.name === 'cdktf' ? cdktn.TerraformResource : cdktf.TerraformResource
      assert.equal(ClusterLink.prototype instanceof other, false)
    })

    it('ClusterlinkProvider should synthesize the provider block and the required provider source', () => {
      const synthesized = Testing.synthScope((scope: Construct) => {
        new ClusterlinkProvider(scope, 'clusterlink', { endpoint: 'http://127.0.0.1:8090', token: 'secret-token', requestTimeoutMs: 5000 })
      })
      assert.ok(Testing.toHaveProviderWithProperties(synthesized, ClusterlinkProvider.tfResourceType, { endpoint: 'http://127.0.0.1:8090', token: 'secret-token', request_timeout_ms: 5000 }))
      const parsed = JSON.parse(synthesized) as { terraform: { required_providers: Record<string, { source: string; version: string }> } }
      assert.deepEqual(parsed.terraform.required_providers.clusterlink, { source: 'clusterlink.local/clusterlink/clusterlink', version: '0.1.0' })
    })

    it('ClusterLink should synthesize snake_case attributes, nested credentials and configs keys as written', () => {
      const synthesized = Testing.synthScope((scope: Construct) => {
        new ClusterLink(scope, 'dr', {
          linkName: 'dr-link',
          sourceBootstrapServers: 'source:9092',
          securityProtocol: 'SASL_SSL',
          saslMechanism: 'SCRAM-SHA-512',
          sourceCredentials: { username: 'mirror', password: 'p4ss' },
          sourceTls: { caCertificates: '-----BEGIN CERTIFICATE-----\nabc\n-----END CERTIFICATE-----\n', verifyHostname: false },
          configs: { 'topic.config.sync.ms': '10000' },
        })
      })
      assert.ok(Testing.toHaveResourceWithProperties(synthesized, ClusterLink.tfResourceType, {
        link_name: 'dr-link',
        source_bootstrap_servers: 'source:9092',
        security_protocol: 'SASL_SSL',
        sasl_mechanism: 'SCRAM-SHA-512',
        source_credentials: { username: 'mirror', password: 'p4ss' },
        source_tls: { ca_certificates: '-----BEGIN CERTIFICATE-----\nabc\n-----END CERTIFICATE-----\n', verify_hostname: false },
        configs: { 'topic.config.sync.ms': '10000' },
      }))
    })

    it('ClusterLink should leave defaults to the provider by not writing absent props', () => {
      const synthesized = Testing.synthScope((scope: Construct) => {
        new ClusterLink(scope, 'dr', { linkName: 'dr-link', sourceBootstrapServers: 'source:9092' })
      })
      type Synthesized = { resource: Record<string, Record<string, Record<string, unknown>>> }
      const resource = (JSON.parse(synthesized) as Synthesized).resource.clusterlink_link?.dr
      assert.deepEqual(Object.keys(resource ?? {}).filter((key) => key !== '//').sort(), ['link_name', 'source_bootstrap_servers'])
    })

    it('MirrorTopic should synthesize a reference to the link and its status', () => {
      const synthesized = Testing.synthScope((scope: Construct) => {
        const link = new ClusterLink(scope, 'dr', { linkName: 'dr-link', sourceBootstrapServers: 'source:9092' })
        new MirrorTopic(scope, 'orders', { linkName: link.linkName, sourceTopicName: 'orders', status: 'PAUSED', onDelete: 'DELETE_TOPIC', promoteTimeoutMs: 60_000 })
      })
      assert.ok(Testing.toHaveResourceWithProperties(synthesized, MirrorTopic.tfResourceType, {
        link_name: '${clusterlink_link.dr.link_name}',
        source_topic_name: 'orders',
        status: 'PAUSED',
        on_delete: 'DELETE_TOPIC',
        promote_timeout_ms: 60_000,
      }))
    })

    it('ClusterLink should accept values known only at apply (Terraform variables)', () => {
      const synthesized = Testing.synthScope((scope: Construct) => {
        const servers = new flavour.TerraformVariable(scope, 'servers', { type: 'string' })
        new ClusterLink(scope, 'dr', { linkName: 'dr-link', sourceBootstrapServers: servers.stringValue })
      })
      assert.ok(Testing.toHaveResourceWithProperties(synthesized, ClusterLink.tfResourceType, { source_bootstrap_servers: '${var.servers}' }))
    })

    it('ClusterLink should refuse invalid props at construction with messages naming each prop', () => {
      assert.throws(() => Testing.synthScope((scope: Construct) => {
        new ClusterLink(scope, 'bad', {
          linkName: 'no spaces allowed',
          sourceBootstrapServers: 'source:9092',
          configs: { 'no.such.config': 'x' },
        })
      }), (error: Error) => {
        assert.match(error.message, /ClusterLink 'bad' has invalid props/)
        assert.match(error.message, /linkName/)
        return true
      })
      assert.throws(() => Testing.synthScope((scope: Construct) => {
        new ClusterLink(scope, 'bad', { linkName: 'ok', sourceBootstrapServers: 'source:9092', configs: { 'no.such.config': 'x' } })
      }), /unknown link config 'no.such.config'/)
      assert.throws(() => Testing.synthScope((scope: Construct) => {
        new ClusterLink(scope, 'bad', { linkName: 'ok', sourceBootstrapServers: 'source:9092', securityProtocol: 'SASL_SSL' })
      }), /needs sourceCredentials/)
    })

    it('constructs should synthesize HCL as well as JSON', () => {
      const stack = new flavour.TerraformStack(Testing.app(), 'hcl')
      new ClusterlinkProvider(stack, 'clusterlink', { endpoint: 'http://127.0.0.1:8090' })
      const link = new ClusterLink(stack, 'dr', { linkName: 'dr-link', sourceBootstrapServers: 'source:9092', configs: { 'topic.config.sync.ms': '10000' } })
      new MirrorTopic(stack, 'orders', { linkName: link.linkName, sourceTopicName: 'orders', adopt: true })
      const hcl = String(Testing.synthHcl(stack))
      assert.match(hcl, /resource "clusterlink_link" "dr" \{\nlink_name = "dr-link"/)
      assert.match(hcl, /"topic\.config\.sync\.ms" = /)
      assert.match(hcl, /link_name = "\$\{clusterlink_link\.dr\.link_name\}"/)
      assert.match(hcl, /adopt = true/)
      assert.match(hcl, /provider "clusterlink" \{\nendpoint = "http:\/\/127\.0\.0\.1:8090"/)
    })

    it('MirrorTopic should refuse an unknown status', () => {
      assert.throws(() => Testing.synthScope((scope: Construct) => {
        new MirrorTopic(scope, 'bad', { linkName: 'dr-link', sourceTopicName: 'orders', status: 'STOPPED' as 'ACTIVE' })
      }), /status must be one of ACTIVE, PAUSED, PROMOTED, FAILED_OVER/)
    })
  })
}
