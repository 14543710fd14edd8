// Tests of `clusterlink link`: tables and JSON, config updates, exit codes for refusals, usage errors and an unreachable engine.
import assert from 'node:assert/strict'
import { after, before, describe, test } from 'node:test'
import { runLink } from '../../cli/commands/link.ts'
import { SOURCE_BOOTSTRAP, type TestApp } from '../engine/api/test-app.ts'
import { runCli, startCliEngine } from './cli-harness.ts'

describe('clusterlink link', () => {
  let t: TestApp
  let url: string
  before(async () => { ({ t, url } = await startCliEngine()) })
  after(async () => { await t.app.close() })

  test('link create should create a link and link list should show it as a table and as JSON', async () => {
    const created = await runCli(runLink, ['create', 'dr', '--source-bootstrap', SOURCE_BOOTSTRAP, '--source-cluster-id', 'source-cluster-id', '--config', 'consumer.offset.sync.ms=5000'], url)
    assert.equal(created.code, 0, created.stderr)
    assert.match(created.stdout, /Created cluster link dr/)
    const table = await runCli(runLink, ['list'], url)
    assert.match(table.stdout, /^NAME\s+STATE\s+SOURCE CLUSTER\s+MIRRORS\s+ERROR\ndr\s+ACTIVE\s+source-cluster-id\s+0/)
    const json = await runCli(runLink, ['list', '--output', 'json'], url)
    assert.deepEqual((JSON.parse(json.stdout) as Array<{ link_name: string }>).map((l) => l.link_name), ['dr'])
  })

  test('link create should create both halves of a source-initiated link, neither with --source-bootstrap', async () => {
    const inbound = await runCli(runLink, ['create', 'si', '--source-cluster-id', 'source-cluster-id', '--config', 'connection.mode=INBOUND'], url)
    assert.equal(inbound.code, 0, inbound.stderr)
    const source = await runCli(runLink, ['create', 'si', '--config', 'link.mode=SOURCE', '--config', `local.bootstrap.servers=${SOURCE_BOOTSTRAP}`], url)
    assert.equal(source.code, 0, source.stderr)
    const json = await runCli(runLink, ['list', '--output', 'json'], url)
    const link = (JSON.parse(json.stdout) as Array<{ link_name: string; link_state: string }>).find((l) => l.link_name === 'si')
    assert.equal(link?.link_state, 'ACTIVE')
    const missing = await runCli(runLink, ['create', 'nowhere'], url)
    assert.equal(missing.code, 2, 'a DESTINATION link without an address is still a usage error')
  })

  test('link describe should show tasks and configs without sensitive values', async () => {
    await runCli(runLink, ['update', 'dr', '--config', 'security.protocol=SASL_PLAINTEXT', '--config', 'sasl.username=u', '--config', 'sasl.password=cli-secret-pw'], url)
    const out = await runCli(runLink, ['describe', 'dr'], url)
    assert.equal(out.code, 0, out.stderr)
    assert.match(out.stdout, /consumer\.offset\.sync\.ms\s+5000\s+set/)
    assert.match(out.stdout, /sasl\.password\s+\(sensitive\)/)
    assert.ok(!out.stdout.includes('cli-secret-pw'))
    assert.match(out.stdout, /AvailabilityCheck/)
  })

  test('link update should reset configs and exit 1 with the engine message on a refusal', async () => {
    const reset = await runCli(runLink, ['update', 'dr', '--reset', 'consumer.offset.sync.ms'], url)
    assert.equal(reset.code, 0, reset.stderr)
    const bad = await runCli(runLink, ['update', 'dr', '--config', 'no.such=1'], url)
    assert.equal(bad.code, 1)
    assert.match(bad.stderr, /unknown link config 'no.such'/)
  })

  test('link commands should exit 2 on usage errors and 3 when the engine is unreachable', async () => {
    assert.equal((await runCli(runLink, ['create'], url)).code, 2)
    assert.equal((await runCli(runLink, ['list', '--bogus'], url)).code, 2)
    assert.equal((await runCli(runLink, ['list', '--output', 'yaml'], url)).code, 2)
    const down = await runCli(runLink, ['list'], 'http://127.0.0.1:1')
    assert.equal(down.code, 3, down.stderr)
  })

  test('link list should authenticate with an API key and secret', async () => {
    const out = await runCli(runLink, ['list', '--api-key', 'api-key', '--api-secret', 'api-secret-123'], url, { CLUSTERLINK_TOKEN: undefined })
    assert.equal(out.code, 0, out.stderr)
    const denied = await runCli(runLink, ['list'], url, { CLUSTERLINK_TOKEN: undefined })
    assert.equal(denied.code, 1)
    assert.match(denied.stderr, /authentication required/)
  })

  test('link delete should delete a link without mirrors', async () => {
    const out = await runCli(runLink, ['delete', 'dr'], url)
    assert.equal(out.code, 0, out.stderr)
    assert.equal((await runCli(runLink, ['describe', 'dr'], url)).code, 1)
  })
})
