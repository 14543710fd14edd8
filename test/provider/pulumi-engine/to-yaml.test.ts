// toYaml: every document it writes reads back (with PyYAML, the parser kubernetes-validate uses) as the same data.
import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { toYaml } from '../../../provider/pulumi-engine/index.ts'
import { parseYamlDocuments as readBack } from '../../deploy/kubernetes-validate.ts'

describe('toYaml', () => {
  it('toYaml should write strings that look like numbers, booleans or null so they read back as strings', async () => {
    const doc = { a: '0.0.0.0', b: '8090', c: 'true', d: 'no', e: 'null', f: '~', g: '', h: '250m', i: '-1', j: '1e3', k: 'yes' }
    assert.deepEqual(await readBack(toYaml([doc])), [doc])
  })

  it('toYaml should round-trip nesting, empty collections, special characters and multi-line text', async () => {
    const docs = [
      { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'x', labels: { 'app.kubernetes.io/name': 'x' } }, data: { 'engine.json': '{\n  "a": [1, 2]\n}\n', 'no-newline': 'a\nb' } },
      { list: [[1, 2], [], {}, { a: [{ b: null }] }, 'a: b', '#not a comment', '- dash', 'quote " and \\ backslash', 'tab\there', 'ünïcode'], n: 0, f: 1.5, t: true, neg: -3 },
      { ' leading space': 'x', 'key: with colon': 'y', '1starts': 'z', indented: '  two spaces\nline' },
    ]
    assert.deepEqual(await readBack(toYaml(docs)), docs)
  })
})
