// Builds the ClusterLink and MirrorTopic CustomResourceDefinitions from the one spec in provider/spec (zod → OpenAPI v3).
import { z } from 'zod'
import {
  CLUSTER_LINK_FIELDS, MIRROR_TOPIC_FIELDS, MIRROR_TOPIC_STATUSES, clusterLinkInputsSchema, mirrorTopicInputsSchema, type FieldRules,
} from '../spec/index.ts'
import { clusterLinkStatusSchema, mirrorTopicStatusSchema } from './custom-resource-status-schemas.ts'

export const GROUP = 'clusterlink.io'
export const VERSION = 'v1alpha1'
export const API_VERSION = `${GROUP}/${VERSION}`

/** A JSON Schema / OpenAPI v3 node, as zod writes it and as Kubernetes reads it. */
export type SchemaNode = { [key: string]: unknown }

/** What distinguishes the two kinds: names, the spec schema and rules, and what `kubectl get` shows. */
export interface CustomResourceKind {
  readonly kind: 'ClusterLink' | 'MirrorTopic'
  readonly plural: string
  readonly shortNames: readonly string[]
  readonly schema: z.ZodObject
  readonly fields: FieldRules<string>
  /** Fields the controller replaces on the engine (delete, then create) when they change; other `replace` fields are immutable. */
  readonly replacedByController: readonly string[]
  readonly status: SchemaNode
  readonly columns: readonly SchemaNode[]
}

const READY = '.status.conditions[?(@.type=="Ready")]'

export const CLUSTER_LINK_KIND: CustomResourceKind = {
  kind: 'ClusterLink',
  plural: 'clusterlinks',
  shortNames: ['clink'],
  schema: clusterLinkInputsSchema,
  fields: CLUSTER_LINK_FIELDS,
  replacedByController: ['sourceClusterId', 'linkMode', 'connectionMode', 'prefix'],
  status: clusterLinkStatusSchema,
  columns: [
    { name: 'Link', type: 'string', jsonPath: '.spec.linkName' },
    { name: 'Source', type: 'string', jsonPath: '.spec.sourceBootstrapServers', priority: 1 },
    { name: 'State', type: 'string', jsonPath: '.status.linkState' },
    { name: 'Ready', type: 'string', jsonPath: `${READY}.status` },
    { name: 'Reason', type: 'string', jsonPath: `${READY}.reason`, priority: 1 },
    { name: 'Age', type: 'date', jsonPath: '.metadata.creationTimestamp' },
  ],
}

export const MIRROR_TOPIC_KIND: CustomResourceKind = {
  kind: 'MirrorTopic',
  plural: 'mirrortopics',
  shortNames: ['mtopic'],
  schema: mirrorTopicInputsSchema,
  fields: MIRROR_TOPIC_FIELDS,
  // A replacement keeps the topic name, so it would delete the topic and its records first: refused by the API server instead.
  replacedByController: [],
  status: mirrorTopicStatusSchema,
  columns: [
    { name: 'Link', type: 'string', jsonPath: '.spec.linkName' },
    { name: 'Topic', type: 'string', jsonPath: '.status.mirrorTopicName' },
    { name: 'Declared', type: 'string', jsonPath: '.spec.status' },
    { name: 'Mirror', type: 'string', jsonPath: '.status.mirrorStatus' },
    { name: 'Lag', type: 'integer', jsonPath: '.status.totalLag' },
    { name: 'Ready', type: 'string', jsonPath: `${READY}.status` },
    { name: 'Age', type: 'date', jsonPath: '.metadata.creationTimestamp' },
  ],
}

export const CUSTOM_RESOURCE_KINDS: readonly CustomResourceKind[] = [CLUSTER_LINK_KIND, MIRROR_TOPIC_KIND]

/** Descriptions that differ on Kubernetes: the engine connection comes from the controller unless a resource names its own. */
const KUBERNETES_DESCRIPTIONS: Readonly<Record<string, string>> = {
  endpoint: "Engine URL. Default: the controller's --engine-url.",
  token: "Engine bearer token, from a Secret. Default: the controller's --engine-token-file.",
}

/** A reference to one key of a Kubernetes Secret in the resource's namespace: how every secret input is given. */
export const SECRET_KEY_REF_SCHEMA: SchemaNode = {
  type: 'object',
  required: ['secretKeyRef'],
  properties: {
    secretKeyRef: {
      type: 'object',
      description: 'A key of a Secret in the same namespace.',
      required: ['name', 'key'],
      properties: {
        name: { type: 'string', minLength: 1, description: 'Secret name.' },
        key: { type: 'string', minLength: 1, description: 'Key in the Secret.' },
      },
    },
  },
}

const mapProperties = (properties: unknown, map: (node: SchemaNode) => SchemaNode): Record<string, SchemaNode> =>
  Object.fromEntries(Object.entries(properties as Record<string, SchemaNode>).map(([name, child]) => [name, map(child)]))

/** Removes what a structural schema may not hold (closed objects are pruned by the API server instead of refused). */
function toStructural(node: SchemaNode): SchemaNode {
  const out: SchemaNode = {}
  for (const [key, value] of Object.entries(node)) {
    if (key === '$schema' || key === 'propertyNames') continue
    if (key === 'additionalProperties' && value === false) continue
    if (key === 'properties') {
      out.properties = mapProperties(value, toStructural)
    } else if (key === 'additionalProperties' || key === 'items') {
      out[key] = toStructural(value as SchemaNode)
    } else {
      out[key] = value
    }
  }
  return out
}

/** A secret input as Secret references: each string inside it becomes `{secretKeyRef: {name, key}}`; other leaves stay. */
function toSecretReferences(node: SchemaNode): SchemaNode {
  const description = typeof node.description === 'string' ? { description: node.description.replace(/,? inline PEM/, ', PEM') } : {}
  if (node.type === 'string') return { ...SECRET_KEY_REF_SCHEMA, ...description }
  if (node.type !== 'object' || !node.properties) return node
  const properties = mapProperties(node.properties, toSecretReferences)
  return { ...node, ...description, properties }
}

/** The fields the API server keeps as they were created (changing them would stand for another resource, or delete records). */
export function immutableFields(kind: CustomResourceKind): string[] {
  return Object.entries(kind.fields)
    .filter(([name, rule]) => rule.onChange === 'replace' && !kind.replacedByController.includes(name))
    .map(([name]) => name)
}

const STOPPED_STATUSES = MIRROR_TOPIC_STATUSES.filter((status) => status === 'PROMOTED' || status === 'FAILED_OVER')

/**
 * The declared status transitions of a MirrorTopic (provider/spec checkStatusTransition and planFailback): PROMOTED and
 * FAILED_OVER are final in a direction; direction changes (failback) only from one of them to ACTIVE or PAUSED.
 */
function statusRules(fields: readonly string[]): { rule: string; message: string }[] {
  const stopped = `[${STOPPED_STATUSES.map((s) => `'${s}'`).join(', ')}]`
  if (!fields.includes('direction')) {
    const message = 'status PROMOTED and FAILED_OVER are final (mirroring stopped, the topic is writable); ' +
      'to mirror again, declare a new MirrorTopic'
    return [{ rule: `!(oldSelf.status in ${stopped}) || self.status in ${stopped}`, message }]
  }
  return [
    {
      rule: `!(oldSelf.status in ${stopped}) || self.status in ${stopped} || self.direction != oldSelf.direction`,
      message: 'status PROMOTED and FAILED_OVER are final in a direction (mirroring stopped, the topic is writable): ' +
        'to mirror the other way (failback), change direction together with status ACTIVE or PAUSED; ' +
        'to mirror again the same way, declare a new MirrorTopic',
    },
    {
      rule: `self.direction == oldSelf.direction || (oldSelf.status in ${stopped} && !(self.status in ${stopped}))`,
      message: 'direction changes only from a stopped mirror: declare status FAILED_OVER (or PROMOTED) and let it apply first, ' +
        'then change direction together with status ACTIVE or PAUSED',
    },
  ]
}

/** The OpenAPI v3 schema of `spec`: the spec's fields, defaults, patterns and descriptions, secrets as references, immutability as CEL. */
export function specSchema(kind: CustomResourceKind): SchemaNode {
  const generated = toStructural(z.toJSONSchema(kind.schema, { io: 'input', unrepresentable: 'any', target: 'openapi-3.0' }) as SchemaNode)
  const properties = { ...(generated.properties as Record<string, SchemaNode>) }
  const required = (generated.required as string[] | undefined) ?? []
  const immutable = immutableFields(kind)
  for (const [name, rule] of Object.entries(kind.fields)) {
    const field = properties[name]
    if (!field) throw new Error(`${kind.kind}: field ${name} has a rule but no schema`)
    let next: SchemaNode = KUBERNETES_DESCRIPTIONS[name] ? { ...field, description: KUBERNETES_DESCRIPTIONS[name] } : field
    if (rule.secret === true) next = toSecretReferences(next)
    if (immutable.includes(name)) {
      const description = String(next.description ?? '').replace(/ Changing (it|them) replaces the [a-z ]+\./, '')
      next = {
        ...next,
        description: `${description} Immutable: declare a new ${kind.kind} to change it.`.trim(),
        'x-kubernetes-validations': [{ rule: 'self == oldSelf', message: `${name} is immutable: declare a new ${kind.kind} to change it` }],
      }
    }
    properties[name] = next
  }
  // A field-level rule only runs when the field is on both sides: adding or removing an optional immutable field is checked here.
  const presenceRules = immutable.filter((name) => !required.includes(name)).map((name) => ({
    rule: `has(self.${name}) == has(oldSelf.${name})`,
    message: `${name} is immutable: declare a new ${kind.kind} to set or remove it`,
  }))
  const rules = [...presenceRules, ...(kind.kind === 'MirrorTopic' ? statusRules(Object.keys(properties)) : [])]
  return {
    type: 'object',
    description: `The ${kind.kind} as declared; the same inputs, defaults and rules as the Pulumi and Terraform resources (provider/spec).`,
    required,
    properties,
    ...(rules.length > 0 ? { 'x-kubernetes-validations': rules } : {}),
  }
}

/** The CustomResourceDefinition object of one kind. */
export function buildCustomResourceDefinition(kind: CustomResourceKind): SchemaNode {
  return {
    apiVersion: 'apiextensions.k8s.io/v1',
    kind: 'CustomResourceDefinition',
    metadata: {
      name: `${kind.plural}.${GROUP}`,
      labels: { 'app.kubernetes.io/part-of': 'clusterlink', 'app.kubernetes.io/component': 'controller' },
    },
    spec: {
      group: GROUP,
      scope: 'Namespaced',
      names: {
        kind: kind.kind, listKind: `${kind.kind}List`, plural: kind.plural, singular: kind.kind.toLowerCase(),
        shortNames: [...kind.shortNames], categories: ['clusterlink'],
      },
      versions: [{
        name: VERSION,
        served: true,
        storage: true,
        subresources: { status: {} },
        additionalPrinterColumns: [...kind.columns],
        schema: {
          openAPIV3Schema: {
            type: 'object',
            description: kind.kind === 'ClusterLink'
              ? 'A cluster link on the clusterlink engine: its connection from the destination cluster to a source cluster.'
              : 'A mirror topic on the clusterlink engine: a read-only destination topic that copies one source topic at the same offsets.',
            required: ['spec'],
            properties: {
              apiVersion: { type: 'string' },
              kind: { type: 'string' },
              metadata: { type: 'object' },
              spec: specSchema(kind),
              status: kind.status,
            },
          },
        },
      }],
    },
  }
}

/** The committed files under deploy/crds and their objects. */
export function customResourceDefinitionFiles(): Map<string, SchemaNode> {
  return new Map(CUSTOM_RESOURCE_KINDS.map((kind) => [`${GROUP}_${kind.plural}.yaml`, buildCustomResourceDefinition(kind)]))
}
