// Tests of `clusterlink local up|down` as a user runs it: processes that outlive the command, JSON for scripts, a clean stop.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { execFile } from 'node:child_process'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { promisify } from 'node:util'
import kafkajs from 'kafkajs'
import { isPortOpen } from '../../../cli/local/kafka-cluster.ts'

const execFileAsync = promisify(execFile)
const main = resolve(import.meta.dirname, '../../../cli/main.ts')

interface UpJson {
  clusters: { name: string; bootstrapServers: string }[]
  engine: { url: string; token: string; clusterId: string }
}

test('clusterlink local up --json should start clusters and an engine that outlive it, and local down should stop them', async () => {
  const localDir = await mkdtemp(join(tmpdir(), 'clusterlink-local-test-'))
  const env = { ...process.env, CLUSTERLINK_LOCAL_DIR: localDir }
  const cli = (...args: string[]) => execFileAsync(process.execPath, [main, ...args], { env, timeout: 180_000 })
  try {
    const { stdout } = await cli('local', 'up', '--clusters', '2', '--json')
    const up = JSON.parse(stdout) as UpJson
    assert.deepEqual(up.clusters.map((c) => c.name), ['destination', 'source'])
    assert.match(up.engine.url, /^http:\/\/127\.0\.0\.1:\d+$/)

    // The command has exited; the clusters and the engine still answer.
    for (const cluster of up.clusters) {
      const admin = new kafkajs.Kafka({ brokers: [cluster.bootstrapServers], logLevel: kafkajs.logLevel.NOTHING }).admin()
      await admin.connect()
      assert.ok(Array.isArray(await admin.listTopics()))
      await admin.disconnect()
    }
    const unauthorized = await fetch(`${up.engine.url}/kafka/v3/clusters`)
    assert.equal(unauthorized.status, 401)
    const clusters = await fetch(`${up.engine.url}/kafka/v3/clusters`, { headers: { authorization: `Bearer ${up.engine.token}` } })
    assert.equal(clusters.status, 200)
    const body = await clusters.json() as { data: { cluster_id: string }[] }
    assert.deepEqual(body.data.map((c) => c.cluster_id), [up.engine.clusterId])

    // A second up reuses what runs.
    const again = JSON.parse((await cli('local', 'up', '--clusters', '2', '--json')).stdout) as UpJson
    assert.deepEqual(again, up)
    const human = (await cli('local', 'up', '--clusters', '2')).stdout.split('\n')
    assert.match(human[0] ?? '', new RegExp(`^destination +${up.clusters[0]?.bootstrapServers} .*engine runs against it`))
    assert.match(human[1] ?? '', new RegExp(`^source +${up.clusters[1]?.bootstrapServers} `))

    await cli('local', 'down')
    const enginePort = Number(new URL(up.engine.url).port)
    for (const port of [...up.clusters.map((c) => Number(c.bootstrapServers.split(':')[1])), enginePort]) {
      assert.equal(await isPortOpen(port), false, `port ${port} still open after local down`)
    }
  } finally {
    await cli('local', 'down').catch(() => undefined)
    await rm(localDir, { recursive: true, force: true })
  }
})

test('clusterlink local up should refuse a bad --clusters value with a message', async () => {
  await assert.rejects(execFileAsync(process.execPath, [main, 'local', 'up', '--clusters', 'many']), (error: { code?: number; stderr?: string }) => {
    assert.equal(error.code, 2)
    assert.match(error.stderr ?? '', /--clusters must be a whole number from 1 to 8/)
    return true
  })
})
