// Tests of `clusterlink mirror`: create, list, describe, pause/resume, promote with progress, failover and exit codes.
import assert from 'node:assert/strict'
import { after, before, describe, test } from 'node:test'
import { runLink } from '../../cli/commands/link.ts'
import { runMirror } from '../../cli/commands/mirror.ts'
import { SOURCE_BOOTSTRAP, type TestApp } from '../engine/api/test-app.ts'
import { waitFor } from '../engine/link/fakes.ts'
import { runCli, startCliEngine } from './cli-harness.ts'

describe('clusterlink mirror', () => {
  let t: TestApp
  let url: string
  before(async () => {
    ({ t, url } = await startCliEngine())
    t.source.topics.set('orders', { partitions: 2, configs: {} })
    t.source.topics.set('payments', { partitions: 1, configs: {} })
    assert.equal((await runCli(runLink, ['create', 'dr', '--source-bootstrap', SOURCE_BOOTSTRAP], url)).code, 0)
  })
  after(async () => { await t.app.close() })

  test('mirror create, list and describe should show the mirror topic', async () => {
    for (const topic of ['orders', 'payments']) assert.equal((await runCli(runMirror, ['create', topic, '--link', 'dr'], url)).code, 0)
    await waitFor(() => t.runners.get('orders')?.current.state === 'ACTIVE', 'orders running')
    const list = await runCli(runMirror, ['list', '--link', 'dr'], url)
    assert.match(list.stdout, /dr\s+orders\s+orders\s+ACTIVE\s+1\s+0/)
    const json = await runCli(runMirror, ['describe', 'orders', '--link', 'dr', '-o', 'json'], url)
    assert.equal((JSON.parse(json.stdout) as { mirror_status: string }).mirror_status, 'ACTIVE')
    const described = await runCli(runMirror, ['describe', 'orders', '--link', 'dr'], url)
    assert.match(described.stdout, /PARTITION\s+LAG\s+LAST SOURCE FETCH OFFSET/)
  })

  test('mirror pause and resume should answer per topic and exit 1 when a topic fails', async () => {
    const paused = await runCli(runMirror, ['pause', 'orders', '--link', 'dr'], url)
    assert.equal(paused.code, 0, paused.stderr)
    assert.match(paused.stdout, /orders\s+accepted/)
    assert.equal((await runCli(runMirror, ['list', '--status', 'paused'], url)).stdout.includes('orders'), true)
    const mixed = await runCli(runMirror, ['resume', 'orders', 'ghost', '--link', 'dr'], url)
    assert.equal(mixed.code, 1)
    assert.match(mixed.stdout, /ghost\s+error 404/)
  })

  test('mirror promote should wait for lag zero with progress and end STOPPED', async () => {
    t.runners.get('orders')?.setLag(3)
    const promoting = runCli(runMirror, ['promote', 'orders', '--link', 'dr'], url)
    await waitFor(async () => (await t.request('GET', `${t.base}/links/dr/mirrors/orders`)).body.includes('PENDING_STOPPED'), 'pending')
    t.runners.get('orders')?.setLag(0)
    const out = await promoting
    assert.equal(out.code, 0, out.stderr)
    assert.match(out.stderr, /orders: PENDING_STOPPED, lag \d+ record\(s\)/)
    assert.match(out.stderr, /orders: STOPPED \(writable\)/)
  })

  test('mirror failover should stop at once and later actions should be refused', async () => {
    t.runners.get('payments')?.setLag(50)
    const out = await runCli(runMirror, ['failover', '--pattern', 'pay.*', '--link', 'dr', '-o', 'json'], url)
    assert.equal(out.code, 0, out.stderr)
    assert.equal((JSON.parse(out.stdout) as Array<{ error_code: number | null }>)[0]?.error_code, null)
    const again = await runCli(runMirror, ['pause', 'payments', '--link', 'dr'], url)
    assert.equal(again.code, 1)
  })

  test('mirror commands should exit 2 on usage errors', async () => {
    assert.equal((await runCli(runMirror, ['pause', '--link', 'dr'], url)).code, 2)
    assert.equal((await runCli(runMirror, ['create', 'orders'], url)).code, 2)
    assert.equal((await runCli(runMirror, ['describe', 'x', '--link', 'dr', '--timeout-ms', 'abc', '--what'], url)).code, 2)
  })
})
