// Tests of the provider's Terraform schemas: valid flags everywhere, wire form, spec-derived defaults and sensitivity.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { LINK_DATA_SOURCE_SCHEMA, MIRROR_TOPIC_DATA_SOURCE_SCHEMA } from '../../../provider/terraform/data-sources.ts'
import { LINK_RESOURCE_SCHEMA } from '../../../provider/terraform/link-resource.ts'
import { MIRROR_TOPIC_RESOURCE_SCHEMA } from '../../../provider/terraform/mirror-topic-resource.ts'
import { PROVIDER_SCHEMA } from '../../../provider/terraform/clusterlink-provider.ts'
import { checkBlockSchema, conformToBlock, toProtoSchema, type BlockSchema } from '../../../provider/terraform/terraform-schema.ts'
import { clusterLinkInputsSchema, mirrorTopicInputsSchema } from '../../../provider/spec/index.ts'

const schemas: Record<string, BlockSchema> = {
  provider: PROVIDER_SCHEMA,
  clusterlink_link: LINK_RESOURCE_SCHEMA,
  clusterlink_mirror_topic: MIRROR_TOPIC_RESOURCE_SCHEMA,
  'data clusterlink_link': LINK_DATA_SOURCE_SCHEMA,
  'data clusterlink_mirror_topic': MIRROR_TOPIC_DATA_SOURCE_SCHEMA,
}

const attribute = (schema: BlockSchema, name: string) => schema.attributes.find((item) => item.name === name)

test('checkBlockSchema should find no problem in any schema of the provider', () => {
  for (const [name, schema] of Object.entries(schemas)) assert.deepEqual(checkBlockSchema(schema), [], name)
})

test('checkBlockSchema should report conflicting flags', () => {
  const problems = checkBlockSchema({ version: 0, description: '', attributes: [
    { name: 'a', type: 'string', description: '', required: true, computed: true },
    { name: 'b', type: 'string', description: '' },
    { name: 'c', type: 'string', description: '', optional: true, default: 'x' },
  ] })
  assert.equal(problems.length, 3)
})

test('every attribute should carry a description', () => {
  for (const [name, schema] of Object.entries(schemas)) {
    for (const item of schema.attributes) assert.ok(item.description.length > 10, `${name}.${item.name}`)
  }
})

test('toProtoSchema should encode types as JSON bytes and nested attributes as a single nested object', () => {
  type Nested = { nesting: string; attributes: { name: string; sensitive: boolean }[] }
  const proto = toProtoSchema(LINK_RESOURCE_SCHEMA) as {
    block: { attributes: { name: string; type?: Buffer; nested_type?: Nested; sensitive: boolean }[] }
  }
  const configs = proto.block.attributes.find((item) => item.name === 'configs')
  assert.deepEqual(JSON.parse(String(configs?.type)), ['map', 'string'])
  const credentials = proto.block.attributes.find((item) => item.name === 'source_credentials')
  assert.equal(credentials?.nested_type?.nesting, 'SINGLE')
  assert.equal(credentials?.sensitive, true)
  assert.equal(credentials?.nested_type?.attributes.find((item) => item.name === 'password')?.sensitive, true)
  const adopt = proto.block.attributes.find((item) => item.name === 'adopt')
  assert.equal(JSON.parse(String(adopt?.type)), 'bool')
})

test('link schema should take defaults, replacement and secrets from the shared spec', () => {
  assert.equal(attribute(LINK_RESOURCE_SCHEMA, 'link_mode')?.default, clusterLinkInputsSchema.shape.linkMode.parse(undefined))
  assert.equal(attribute(LINK_RESOURCE_SCHEMA, 'security_protocol')?.default, 'PLAINTEXT')
  assert.equal(attribute(LINK_RESOURCE_SCHEMA, 'link_name')?.forceNew, true)
  assert.equal(attribute(LINK_RESOURCE_SCHEMA, 'prefix')?.forceNew, true)
  assert.equal(attribute(LINK_RESOURCE_SCHEMA, 'source_bootstrap_servers')?.forceNew, undefined)
  assert.equal(attribute(LINK_RESOURCE_SCHEMA, 'source_tls')?.sensitive, true)
  assert.equal(attribute(LINK_RESOURCE_SCHEMA, 'force_delete')?.stateOnly, true)
  assert.equal(attribute(PROVIDER_SCHEMA, 'token')?.sensitive, true)
})

test('mirror topic schema should take defaults and replacement from the shared spec', () => {
  assert.equal(attribute(MIRROR_TOPIC_RESOURCE_SCHEMA, 'status')?.default, mirrorTopicInputsSchema.shape.status.parse(undefined))
  assert.equal(attribute(MIRROR_TOPIC_RESOURCE_SCHEMA, 'promote_timeout_ms')?.default, 300_000)
  assert.equal(attribute(MIRROR_TOPIC_RESOURCE_SCHEMA, 'promote_timeout_ms')?.type, 'number')
  assert.equal(attribute(MIRROR_TOPIC_RESOURCE_SCHEMA, 'source_topic_name')?.forceNew, true)
  assert.equal(attribute(MIRROR_TOPIC_RESOURCE_SCHEMA, 'status')?.forceNew, undefined)
  assert.equal(attribute(MIRROR_TOPIC_RESOURCE_SCHEMA, 'mirror_lags')?.volatile, true)
})

test('data source schemas should expose no credential and compute everything but the names', () => {
  assert.equal(attribute(LINK_DATA_SOURCE_SCHEMA, 'source_credentials'), undefined)
  assert.equal(attribute(LINK_DATA_SOURCE_SCHEMA, 'source_tls'), undefined)
  for (const item of LINK_DATA_SOURCE_SCHEMA.attributes) assert.equal(item.name === 'link_name' ? item.required : item.computed, true, item.name)
})

test('conformToBlock should fill every attribute, nested ones too, with null', () => {
  const state = conformToBlock(LINK_RESOURCE_SCHEMA, { link_name: 'a', source_tls: { ca_certificates: 'pem' } })
  assert.equal(Object.keys(state).length, LINK_RESOURCE_SCHEMA.attributes.length)
  assert.deepEqual(state.source_tls, { ca_certificates: 'pem', certificate_chain: null, private_key: null, verify_hostname: null })
  assert.equal(state.prefix, null)
})
