// Pure tests (fakes, no I/O) of how a link reports a source broker whose API versions the engine cannot use.
import { after, describe, test } from 'node:test'
import assert from 'node:assert/strict'
import type { EngineError } from '../../../engine/errors.ts'
import { unsupportedBrokerVersion } from '../../../engine/kafka/index.ts'
import { LinkRuntime } from '../../../engine/link/link-runtime.ts'
import { createLogger } from '../../../engine/logging/index.ts'
import { FakeCluster, waitFor } from './fakes.ts'

const runtimes: LinkRuntime[] = []
const counter = { inc: () => {} }

function runtime(check: () => Promise<EngineError | undefined>, states: string[]): LinkRuntime {
  const source = new FakeCluster('source-cluster')
  const r = new LinkRuntime({
    state: { linkName: 'old-source', linkId: 'id', sourceClusterId: 'source-cluster', configs: { 'bootstrap.servers': '127.0.0.1:1' }, createdAtMs: 0 },
    destination: new FakeCluster('destination-cluster'), createAdmin: () => source, mirrors: () => [], createMirror: async () => {},
    onLinkStateChange: (s) => states.push(s), jobRuns: counter, jobErrors: counter, jobIntervalScale: 0.0005,
    logger: createLogger({ level: 'silent' }), checkSourceVersions: check,
  })
  runtimes.push(r)
  return r
}

describe('link runtime and broker versions', () => {
  after(async () => { await Promise.all(runtimes.map((r) => r.close())) })

  test('a link whose source lacks an API version should be FAILED with UNSUPPORTED_BROKER_VERSION and the versions', async () => {
    const states: string[] = []
    const r = runtime(async () => unsupportedBrokerVersion('source', 'old:9092', 'Fetch', { min: 0, max: 3 }), states)
    r.startJobs()
    await waitFor(() => r.linkState() === 'FAILED', 'link FAILED')
    assert.equal(r.linkError, 'UNSUPPORTED_BROKER_VERSION')
    assert.equal(r.linkErrorMessage, 'unsupported broker version: the source broker old:9092 speaks Fetch v0-v3; the engine needs Fetch v4-v13')
    assert.deepEqual(states, ['FAILED'])
  })

  test('a link should leave FAILED once the source brokers speak the versions again, and stay ACTIVE when they always did', async () => {
    let unsupported = true
    const states: string[] = []
    const r = runtime(async () => (unsupported ? unsupportedBrokerVersion('source', 'b:1', 'Metadata', undefined) : undefined), states)
    r.startJobs()
    await waitFor(() => r.linkState() === 'FAILED', 'link FAILED')
    unsupported = false
    await waitFor(() => r.linkState() === 'ACTIVE', 'link ACTIVE again')
    assert.equal(r.linkError, 'NO_ERROR')
    assert.equal(r.linkErrorMessage, null)
    assert.deepEqual(states, ['FAILED', 'ACTIVE'])

    const fine: string[] = []
    let checks = 0
    const ok = runtime(async () => { checks++; return undefined }, fine)
    ok.startJobs()
    await waitFor(() => checks >= 2, 'two version checks')
    assert.equal(ok.linkState(), 'ACTIVE')
    assert.deepEqual(fine, [])
  })
})
