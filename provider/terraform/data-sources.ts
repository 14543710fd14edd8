// Data sources clusterlink_link and clusterlink_mirror_topic: read a link or a mirror topic that exists on the engine
// (declared elsewhere or auto-created) with its state, lag and errors; credentials are never exposed.
import type { EngineClient } from '../client/index.ts'
import { NAME_PATTERN } from '../spec/index.ts'
import { errorDiagnostic, type Diagnostic } from './diagnostics.ts'
import { LINK_RESOURCE_SCHEMA, missingLinkDiagnostic, readLink } from './link-resource.ts'
import { MIRROR_TOPIC_OUTPUT_ATTRIBUTES, readMirrorTopic } from './mirror-topic-resource.ts'
import type { TerraformDataSourceType } from './resource-type.ts'
import type { AttributeSchema, BlockSchema } from './terraform-schema.ts'
import { isUnknown, type TerraformObject } from './terraform-value.ts'

const SECRET_ATTRIBUTES = new Set(['source_credentials', 'source_tls', 'adopt', 'force_delete'])

function computedCopy(attribute: AttributeSchema): AttributeSchema {
  const { required: _required, optional: _optional, default: _default, forceNew: _forceNew, ...rest } = attribute
  return { ...rest, computed: true }
}

export const LINK_DATA_SOURCE_SCHEMA: BlockSchema = {
  version: 0,
  description: 'Reads a cluster link from the engine: its link configs, modes, state and errors (credentials are never exposed).',
  attributes: [
    { name: 'link_name', type: 'string', required: true, description: 'Name of the cluster link on the engine.' },
    ...LINK_RESOURCE_SCHEMA.attributes.filter((attribute) => attribute.name !== 'link_name' && !SECRET_ATTRIBUTES.has(attribute.name)).map(computedCopy),
  ],
}

export const MIRROR_TOPIC_DATA_SOURCE_SCHEMA: BlockSchema = {
  version: 0,
  description: 'Reads a mirror topic from the engine: its source topic, status, per-partition lag and errors.',
  attributes: [
    { name: 'link_name', type: 'string', required: true, description: 'The cluster link that mirrors the topic.' },
    { name: 'mirror_topic_name', type: 'string', required: true, description: 'The mirror topic on the destination cluster.' },
    { name: 'source_topic_name', type: 'string', computed: true, description: 'The topic on the source cluster.' },
    { name: 'status', type: 'string', computed: true, description: 'ACTIVE, PAUSED, or FAILED_OVER for a stopped mirror (the engine reports STOPPED for promoted and failed-over mirrors alike).' },
    ...MIRROR_TOPIC_OUTPUT_ATTRIBUTES.map(computedCopy),
  ],
}

function checkName(config: TerraformObject, attribute: string): Diagnostic[] {
  const value = config[attribute] ?? null
  if (value === null || isUnknown(value)) return []
  return typeof value === 'string' && NAME_PATTERN.test(value)
    ? []
    : [errorDiagnostic(`Invalid ${attribute}`, `${attribute} must be 1 to 249 characters from a-z, A-Z, 0-9, ".", "_" and "-"`, [attribute])]
}

function pick(state: TerraformObject, schema: BlockSchema): TerraformObject {
  return Object.fromEntries(schema.attributes.map((attribute) => [attribute.name, state[attribute.name] ?? null]))
}

export const linkDataSource: TerraformDataSourceType<EngineClient> = {
  typeName: 'clusterlink_link',
  schema: LINK_DATA_SOURCE_SCHEMA,
  validate: (config) => checkName(config, 'link_name'),
  async read(config, context) {
    const linkName = String(config.link_name)
    const state = await readLink(context.client, { link_name: linkName })
    if (!state) throw new Error(missingLinkDiagnostic(linkName).detail)
    return pick(state, LINK_DATA_SOURCE_SCHEMA)
  },
}

export const mirrorTopicDataSource: TerraformDataSourceType<EngineClient> = {
  typeName: 'clusterlink_mirror_topic',
  schema: MIRROR_TOPIC_DATA_SOURCE_SCHEMA,
  validate: (config) => [...checkName(config, 'link_name'), ...checkName(config, 'mirror_topic_name')],
  async read(config, context) {
    const names = { link_name: config.link_name ?? null, mirror_topic_name: config.mirror_topic_name ?? null }
    const state = await readMirrorTopic(context.client, names)
    if (!state) throw new Error(`the engine has no mirror topic ${String(config.mirror_topic_name)} on link ${String(config.link_name)}; check both names`)
    return pick(state, MIRROR_TOPIC_DATA_SOURCE_SCHEMA)
  },
}
