// Tests of `clusterlink mirror reverse-and-start|reverse-and-pause|truncate-and-restore`: refusals, exit codes and usage (fake clusters).
import assert from 'node:assert/strict'
import { after, before, describe, test } from 'node:test'
import { runLink } from '../../cli/commands/link.ts'
import { runMirror } from '../../cli/commands/mirror.ts'
import { SOURCE_BOOTSTRAP, type TestApp } from '../engine/api/test-app.ts'
import { waitFor } from '../engine/link/fakes.ts'
import { runCli, startCliEngine } from './cli-harness.ts'

describe('clusterlink mirror failback', () => {
  let t: TestApp
  let url: string
  before(async () => {
    ({ t, url } = await startCliEngine())
    t.source.topics.set('ledger', { partitions: 1, configs: {} })
    assert.equal((await runCli(runLink, ['create', 'dr', '--source-bootstrap', SOURCE_BOOTSTRAP], url)).code, 0)
    assert.equal((await runCli(runMirror, ['create', 'ledger', '--link', 'dr'], url)).code, 0)
    await waitFor(() => t.runners.get('ledger')?.current.state === 'ACTIVE', 'ledger running')
  })
  after(async () => { await t.app.close() })

  test('mirror reverse-and-start and truncate-and-restore should refuse an ACTIVE mirror with exit 1 and say what to do', async () => {
    for (const sub of ['reverse-and-start', 'reverse-and-pause', 'truncate-and-restore']) {
      const out = await runCli(runMirror, [sub, 'ledger', '--link', 'dr'], url)
      assert.equal(out.code, 1, `${sub}: ${out.stderr}`)
      assert.match(out.stdout, /ledger\s+error 409: cannot .* ACTIVE mirror topic: only a STOPPED mirror topic can be reversed or restored; promote it/)
    }
    const json = await runCli(runMirror, ['reverse-and-start', 'ledger', '--link', 'dr', '-o', 'json'], url)
    assert.equal((JSON.parse(json.stdout) as Array<{ error_code: number }>)[0]?.error_code, 409)
    const described = await runCli(runMirror, ['describe', 'ledger', '--link', 'dr', '-o', 'json'], url)
    const mirror = JSON.parse(described.stdout) as { mirror_status: string; mirror_direction: string }
    assert.deepEqual([mirror.mirror_status, mirror.mirror_direction], ['ACTIVE', 'FORWARD'], 'nothing changed')
  })

  test('mirror reverse-and-start should need --link and exactly one of names or --pattern', async () => {
    assert.equal((await runCli(runMirror, ['reverse-and-start', 'ledger'], url)).code, 2)
    assert.equal((await runCli(runMirror, ['truncate-and-restore', 'ledger', '--pattern', 'l.*', '--link', 'dr'], url)).code, 2)
    const unknown = await runCli(runMirror, ['reverse-and-start', 'ghost', '--link', 'dr'], url)
    assert.equal(unknown.code, 1)
    assert.match(unknown.stdout, /ghost\s+error 404/)
  })
})
