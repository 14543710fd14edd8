// Unit tests of the start-up wait for the destination cluster, with a fake admin and a fake clock.
import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { EngineError } from '../../engine/errors.ts'
import type { ClusterAdmin } from '../../engine/link/index.ts'
import { waitForDestination } from '../../engine/wait-for-destination.ts'

function fakeAdmin(answers: Array<string | Error>): { admin: ClusterAdmin; calls: () => number } {
  let calls = 0
  const admin = {
    clusterId: async () => {
      const answer = answers[Math.min(calls++, answers.length - 1)]
      if (answer instanceof Error) throw answer
      return answer
    },
  } as unknown as ClusterAdmin
  return { admin, calls: () => calls }
}

describe('waitForDestination', () => {
  it('waitForDestination should retry any error until the destination answers', async () => {
    const { admin, calls } = fakeAdmin([new Error('connect ECONNREFUSED'), 'cluster-1'])
    assert.equal(await waitForDestination(admin, 60_000), 'cluster-1')
    assert.equal(calls(), 2)
  })

  it('waitForDestination should fail with DESTINATION_UNAVAILABLE once the deadline passed', async () => {
    const { admin, calls } = fakeAdmin([new Error('connect ECONNREFUSED')])
    let clock = 0
    const now = () => (clock += 1_000)
    await assert.rejects(waitForDestination(admin, 500, now), (e) => e instanceof EngineError && e.code === 'DESTINATION_UNAVAILABLE'
      && e.cause instanceof Error && e.cause.message === 'connect ECONNREFUSED')
    assert.equal(calls(), 1)
  })

  it('waitForDestination should name the last engine error, which says what to fix', async () => {
    const refused = new EngineError('UNAUTHORIZED', 'GSSAPI login of engine@R failed: wrong password or key')
    const { admin } = fakeAdmin([refused])
    let clock = 0
    await assert.rejects(waitForDestination(admin, 500, () => (clock += 1_000)), (e) => e instanceof EngineError
      && e.code === 'DESTINATION_UNAVAILABLE' && e.message.includes(`(last error: ${refused.message})`) && e.cause === refused)
  })

  it('waitForDestination should stop at once on a refusal that only a config change fixes (a refused TLS client certificate)', async () => {
    const refused = new EngineError('CONFIG_ERROR', "clusterId: the destination broker refused the engine's TLS client certificate")
    const { admin, calls } = fakeAdmin([refused, 'cluster-1'])
    await assert.rejects(waitForDestination(admin, 60_000), (e) => e instanceof EngineError && e.code === 'DESTINATION_UNAVAILABLE'
      && e.message.includes(`(last error: ${refused.message})`) && e.cause === refused)
    assert.equal(calls(), 1)
  })
})
