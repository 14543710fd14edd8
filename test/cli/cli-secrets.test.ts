// Tests that CLI secrets can stay out of argv: the bearer token and basic secret from files or env, and link credentials from files.
import assert from 'node:assert/strict'
import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, before, describe, test } from 'node:test'
import { runLink } from '../../cli/commands/link.ts'
import { SOURCE_BOOTSTRAP, TOKEN, type TestApp } from '../engine/api/test-app.ts'
import { runCli, startCliEngine } from './cli-harness.ts'

describe('CLI secrets', () => {
  let t: TestApp
  let url: string
  const dir = mkdtempSync(join(tmpdir(), 'cli-secrets-'))
  const tokenFile = join(dir, 'token')
  const secretFile = join(dir, 'api-secret')
  const passwordFile = join(dir, 'password')
  before(async () => {
    ({ t, url } = await startCliEngine())
    writeFileSync(tokenFile, `${TOKEN}\n`)
    writeFileSync(secretFile, 'api-secret-123\n')
    writeFileSync(passwordFile, 'file-password-42\n')
  })
  after(async () => { await t.app.close() })

  test('CLI should read the bearer token from --token-file and CLUSTERLINK_TOKEN_FILE', async () => {
    const flag = await runCli(runLink, ['list', '--token-file', tokenFile], url, { CLUSTERLINK_TOKEN: undefined })
    assert.equal(flag.code, 0, flag.stderr)
    const env = await runCli(runLink, ['list'], url, { CLUSTERLINK_TOKEN: undefined, CLUSTERLINK_TOKEN_FILE: tokenFile })
    assert.equal(env.code, 0, env.stderr)
    const missing = await runCli(runLink, ['list', '--token-file', join(dir, 'absent')], url, { CLUSTERLINK_TOKEN: undefined })
    assert.equal(missing.code, 2)
    assert.match(missing.stderr, /--token-file: cannot read/)
  })

  test('CLI should read the HTTP basic secret from --api-secret-file and CLUSTERLINK_API_SECRET_FILE', async () => {
    const flag = await runCli(runLink, ['list', '--api-key', 'api-key', '--api-secret-file', secretFile], url, { CLUSTERLINK_TOKEN: undefined })
    assert.equal(flag.code, 0, flag.stderr)
    const env = await runCli(runLink, ['list'], url, { CLUSTERLINK_TOKEN: undefined, CLUSTERLINK_API_KEY: 'api-key', CLUSTERLINK_API_SECRET_FILE: secretFile })
    assert.equal(env.code, 0, env.stderr)
  })

  test('link update should send the source password from a file together with a new address', async () => {
    const create = await runCli(runLink, ['create', 'sec', '--source-bootstrap', SOURCE_BOOTSTRAP, '--source-security-protocol', 'SASL_PLAINTEXT', '--source-username', 'u', '--source-password-file', passwordFile], url)
    assert.equal(create.code, 0, create.stderr)
    const refused = await runCli(runLink, ['update', 'sec', '--config', 'bootstrap.servers=other.example:9092'], url)
    assert.equal(refused.code, 1)
    assert.match(refused.stderr, /needs the credentials again/)
    const moved = await runCli(runLink, ['update', 'sec', '--config', 'bootstrap.servers=other.example:9092', '--source-password-file', passwordFile], url)
    assert.equal(moved.code, 0, moved.stderr)
    assert.equal(t.store.links.get('sec')?.configs['sasl.password'], 'file-password-42')
  })
})
