// The README's main job, run as a user runs it: `clusterlink demo` must copy records at identical offsets and say so.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { execFile } from 'node:child_process'
import { resolve } from 'node:path'
import { promisify } from 'node:util'

const execFileAsync = promisify(execFile)
const main = resolve(import.meta.dirname, '../../cli/main.ts')

test('clusterlink demo should mirror a topic at identical offsets and exit 0', async () => {
  const { stdout } = await execFileAsync(process.execPath, [main, 'demo', '--records', '3000', '--partitions', '2'], { timeout: 300_000 })
    .catch((error: { stdout?: string; stderr?: string; message: string }) => {
      throw new Error(`demo failed: ${error.message}\n${error.stdout ?? ''}\n${error.stderr ?? ''}`)
    })
  assert.match(stdout, /IDENTICAL/)
  assert.match(stdout, /mirror ACTIVE, lag 0 on 2 partitions/)
  const rows = stdout.split('\n').filter((line) => /^\s+\d+\s+\d+\s+\d+/.test(line))
  assert.equal(rows.length, 2)
  for (const row of rows) {
    const [, sourceRecords, mirrorRecords, , , sourceEnd, mirrorEnd, differences] = row.trim().split(/\s+/)
    assert.equal(sourceRecords, '1500')
    assert.equal(mirrorRecords, sourceRecords)
    assert.equal(mirrorEnd, sourceEnd)
    assert.equal(differences, '0')
  }
})
