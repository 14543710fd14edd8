// provider/kubernetes CRDs: deploy/crds equal the generator's output and carry the spec's fields, defaults, descriptions and rules.
import assert from 'node:assert/strict'
import { readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, it } from 'node:test'
import { z } from 'zod'
import {
  CLUSTER_LINK_KIND, CRD_DIR, CUSTOM_RESOURCE_KINDS, MIRROR_TOPIC_KIND, buildCustomResourceDefinition, immutableFields,
  renderCustomResourceDefinitions, specSchema,
} from '../../../provider/kubernetes/index.ts'
import { CLUSTER_LINK_SECRET_FIELDS } from '../../../provider/spec/index.ts'

type Node = { [key: string]: unknown }
const props = (node: Node): Record<string, Node> => node.properties as Record<string, Node>

/** Every string leaf inside a schema node (a secret field may keep booleans, never a string). */
function stringLeaves(node: Node, path: string): string[] {
  if (node.type === 'string') return [path]
  if (!node.properties) return []
  return Object.entries(props(node)).filter(([name]) => name !== 'secretKeyRef')
    .flatMap(([name, child]) => stringLeaves(child, `${path}.${name}`))
}

describe('provider/kubernetes custom resource definitions', () => {
  it('deploy/crds should hold exactly what generate-crds.ts renders', () => {
    const rendered = renderCustomResourceDefinitions()
    assert.deepEqual(readdirSync(CRD_DIR).sort(), [...rendered.keys(), 'kustomization.yaml'].sort())
    for (const [file, text] of rendered) {
      const stale = `deploy/crds/${file} is stale: run node provider/kubernetes/generate-crds.ts`
      assert.equal(readFileSync(join(CRD_DIR, file), 'utf8'), text, stale)
    }
  })

  it('spec schemas should carry every spec field with its default and description', () => {
    for (const kind of CUSTOM_RESOURCE_KINDS) {
      const fromSpec = props(z.toJSONSchema(kind.schema, { io: 'input', unrepresentable: 'any' }) as Node)
      const crd = props(specSchema(kind))
      assert.deepEqual(Object.keys(crd).sort(), Object.keys(fromSpec).sort(), kind.kind)
      for (const [name, field] of Object.entries(fromSpec)) {
        assert.deepEqual(crd[name]?.default, field.default, `${kind.kind}.${name} default`)
        // Kubernetes wording for the engine connection, secrets (from Secrets) and immutable fields; the others keep the spec's.
        if (name !== 'endpoint' && kind.fields[name]?.secret !== true && !immutableFields(kind).includes(name)) {
          assert.equal(crd[name]?.description, field.description, `${kind.kind}.${name} description`)
        }
      }
    }
    assert.equal(props(specSchema(MIRROR_TOPIC_KIND)).status?.default, 'ACTIVE')
    assert.deepEqual(props(specSchema(MIRROR_TOPIC_KIND)).onDelete?.enum, ['STOP_AND_KEEP_TOPIC', 'DELETE_TOPIC'])
    assert.deepEqual(specSchema(CLUSTER_LINK_KIND).required, ['linkName', 'sourceBootstrapServers'])
  })

  it('secret inputs should only be Secret references', () => {
    const link = props(specSchema(CLUSTER_LINK_KIND))
    for (const field of CLUSTER_LINK_SECRET_FIELDS) {
      assert.deepEqual(stringLeaves(link[field] as Node, field), [], `${field} must hold no inline string`)
    }
    assert.deepEqual(props(link.sourceCredentials as Node).password?.required, ['secretKeyRef'])
    assert.equal(props(link.sourceTls as Node).verifyHostname?.type, 'boolean')
    assert.deepEqual(props(props(specSchema(MIRROR_TOPIC_KIND)).token as Node).secretKeyRef?.required, ['name', 'key'])
  })

  it('immutable fields should be refused by CEL, and fields the controller replaces should not', () => {
    const rules = (kind: typeof CLUSTER_LINK_KIND, name: string) =>
      (props(specSchema(kind))[name]?.['x-kubernetes-validations'] as { rule: string }[] | undefined)?.map((r) => r.rule) ?? []
    assert.deepEqual(immutableFields(CLUSTER_LINK_KIND), ['linkName', 'clusterId'])
    assert.deepEqual(rules(CLUSTER_LINK_KIND, 'linkName'), ['self == oldSelf'])
    assert.deepEqual(rules(CLUSTER_LINK_KIND, 'prefix'), [])
    for (const name of ['linkName', 'sourceTopicName', 'mirrorTopicName', 'replicationFactor', 'configs', 'clusterId']) {
      assert.deepEqual(rules(MIRROR_TOPIC_KIND, name), ['self == oldSelf'], name)
    }
    const specRules = (specSchema(MIRROR_TOPIC_KIND)['x-kubernetes-validations'] as { rule: string }[]).map((r) => r.rule)
    assert.ok(specRules.includes('has(self.mirrorTopicName) == has(oldSelf.mirrorTopicName)'))
    // PROMOTED and FAILED_OVER are final in a direction; a direction change (failback) starts only from one of them.
    const final = "!(oldSelf.status in ['PROMOTED', 'FAILED_OVER'])"
    assert.ok(specRules.some((rule) => rule.startsWith(final) && rule.includes('self.direction != oldSelf.direction')))
    assert.ok(specRules.some((rule) => rule.startsWith('self.direction == oldSelf.direction ||')))
  })

  it('the CRDs should serve a status subresource and printer columns', () => {
    for (const kind of CUSTOM_RESOURCE_KINDS) {
      const crd = buildCustomResourceDefinition(kind) as { spec: { versions: Node[] } }
      const version = crd.spec.versions[0] as Node
      assert.deepEqual(version.subresources, { status: {} })
      assert.ok((version.additionalPrinterColumns as Node[]).some((c) => c.name === 'Ready'))
      const status = props(props((version.schema as Node).openAPIV3Schema as Node).status as Node)
      assert.ok(status.conditions && status.observedGeneration)
    }
  })
})
