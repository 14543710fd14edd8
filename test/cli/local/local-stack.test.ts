// Tests of the local stack's pure parts: the names and order of its clusters, which `local up --json` scripts rely on.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { localClusterName } from '../../../cli/local/local-stack.ts'

test('localClusterName should name index 0 destination, 1 source and further clusters local-N', () => {
  assert.deepEqual([0, 1, 2, 3].map(localClusterName), ['destination', 'source', 'local-2', 'local-3'])
})
