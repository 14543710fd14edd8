// parseKubeconfigYaml: the block YAML kubeconfig files are written in, and clear errors for what it does not read.
import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { parseKubeconfigYaml } from '../../../provider/kubernetes/index.ts'

const KUBECONFIG = `# written by a tool
apiVersion: v1
kind: Config
clusters:
- cluster:
    certificate-authority-data: QUJD
    server: https://127.0.0.1:6443
  name: test
contexts:
  - name: "admin@test"
    context:
      cluster: test
      user: admin
      namespace: 'team-a'
current-context: admin@test
preferences: {}
users:
- name: admin
  user:
    token: abc:def # a comment
`

describe('parseKubeconfigYaml', () => {
  it('parseKubeconfigYaml should read mappings, both sequence indentations, quotes and comments', () => {
    assert.deepEqual(parseKubeconfigYaml(KUBECONFIG), {
      apiVersion: 'v1',
      kind: 'Config',
      clusters: [{ cluster: { 'certificate-authority-data': 'QUJD', server: 'https://127.0.0.1:6443' }, name: 'test' }],
      contexts: [{ name: 'admin@test', context: { cluster: 'test', user: 'admin', namespace: 'team-a' } }],
      'current-context': 'admin@test',
      preferences: {},
      users: [{ name: 'admin', user: { token: 'abc:def' } }],
    })
  })

  it('parseKubeconfigYaml should read JSON too', () => {
    assert.deepEqual(parseKubeconfigYaml('{"clusters": []}'), { clusters: [] })
  })

  it('parseKubeconfigYaml should name the line it cannot read', () => {
    const blockScalar = 'users:\n- name: a\n  user:\n    token: |\n      x\n'
    assert.throws(() => parseKubeconfigYaml(blockScalar), /line 4: block scalars are not supported/)
    assert.throws(() => parseKubeconfigYaml('a: 1\n  b: 2\n'), /line 2: unexpected indentation/)
  })
})
