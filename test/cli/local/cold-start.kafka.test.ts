// Cold start as a new user meets it: an empty tools cache, and tool installs started several times at once, must all work.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { execFile, spawn } from 'node:child_process'
import { existsSync } from 'node:fs'
import { mkdir, mkdtemp, open, readdir, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { promisify } from 'node:util'

const execFileAsync = promisify(execFile)
const repoRoot = resolve(import.meta.dirname, '../../..')
const clusterlink = join(repoRoot, 'clusterlink')

interface UpJson {
  clusters: { name: string; bootstrapServers: string }[]
  engine: { url: string; token: string; clusterId: string }
}

/** PATH without the cached Node 24, so `./clusterlink` meets the machine's own Node (and installs Node 24 when it is older). */
function machinePath(): string {
  return (process.env.PATH ?? '').split(':').filter((dir) => !dir.includes('/clusterlink/node24/')).join(':')
}

/** A jar is whole when its zip end-of-central-directory record is there: a truncated or half-copied one has none. */
async function isWholeJar(path: string): Promise<boolean> {
  const handle = await open(path, 'r')
  try {
    const { size } = await handle.stat()
    const length = Math.min(size, 65_557)
    const tail = Buffer.alloc(length)
    await handle.read(tail, 0, length, size - length)
    return tail.lastIndexOf(Buffer.from([0x50, 0x4b, 0x05, 0x06])) >= 0
  } finally {
    await handle.close()
  }
}

async function waitFor(condition: () => boolean, what: string, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`)
    await new Promise((r) => setTimeout(r, 20))
  }
}

test('clusterlink local up should succeed twice at once on an empty tools cache, then local down should stop both', async () => {
  const cache = await mkdtemp(join(tmpdir(), 'clusterlink-cold-cache-'))
  // Maven's own repository (~/.m2) stays warm: the next test makes the race itself happen every time.
  const env = { ...process.env, PATH: machinePath(), CLUSTERLINK_CACHE: cache }
  const cli = (stack: string, ...args: string[]) => execFileAsync(clusterlink, ['local', ...args], {
    env: { ...env, CLUSTERLINK_LOCAL_DIR: join(cache, stack) }, timeout: 900_000, maxBuffer: 16 << 20,
  })
  const fetchKafka = () => execFileAsync('bash', [join(repoRoot, 'scripts/fetch-kafka.sh')], { env, timeout: 900_000 })
  try {
    // Two stacks (each starts two clusters, so four Kafka fetches) and two more fetches the way the harness calls them.
    const started = [cli('a', 'up', '--json'), cli('b', 'up', '--json'), fetchKafka(), fetchKafka()]
    const [upA, upB, ...fetches] = await Promise.allSettled(started)
    for (const [i, result] of fetches.entries()) {
      if (result.status === 'rejected') assert.fail(`fetch-kafka.sh #${i} failed: ${(result.reason as { stderr?: string }).stderr ?? ''}`)
      assert.equal(result.value.stdout.trim(), join(cache, 'kafka-4.1.1', 'lib'))
    }
    const ups = [upA, upB].map((result, i) => {
      if (result?.status !== 'fulfilled') {
        const error = result?.reason as { message: string; stderr?: string }
        assert.fail(`local up #${i} failed: ${error.message}\n${error.stderr ?? ''}`)
      }
      return JSON.parse(result.value.stdout) as UpJson
    })
    const lib = join(cache, 'kafka-4.1.1', 'lib')
    const jars = (await readdir(lib)).filter((name) => name.endsWith('.jar'))
    assert.ok(jars.length > 50, `${jars.length} jars in ${lib}`)
    for (const jar of jars) assert.ok(await isWholeJar(join(lib, jar)), `${jar} is truncated`)
    for (const up of ups) {
      assert.deepEqual(up.clusters.map((c) => c.name), ['destination', 'source'])
      const health = await fetch(`${up.engine.url}/healthz`)
      assert.equal(health.status, 200)
    }
    const servers = ups.flatMap((up) => up.clusters.map((c) => c.bootstrapServers))
    assert.equal(new Set(servers).size, 4, `four distinct clusters, got ${servers.join(' ')}`)

    // Every tool landed whole, with its completion marker, and no temp folder is left behind.
    const entries = await readdir(cache)
    assert.deepEqual(entries.filter((name) => name.includes('.tmp.')), [])
    assert.ok(existsSync(join(cache, 'kafka-4.1.1', '.complete')), `kafka-4.1.1 complete in ${entries.join(' ')}`)
    if (entries.includes('node24')) assert.ok(existsSync(join(cache, 'node24', '.complete')))

    for (const stack of ['a', 'b']) await cli(stack, 'down')
    for (const up of ups) await assert.rejects(fetch(`${up.engine.url}/healthz`))
  } finally {
    for (const stack of ['a', 'b']) await cli(stack, 'down').catch(() => undefined)
    await rm(cache, { recursive: true, force: true })
  }
})

/**
 * A stand-in for `mvn` that copies the cached Kafka jars, and fails the way Maven's copy-dependencies did in the original
 * report ("Failed to copy full contents") whenever a second copy runs at the same time. It waits (at most 5 s) for a second
 * one to start, so two unlocked fetches race every time instead of now and then.
 */
const FAKE_MVN = `#!/usr/bin/env bash
out=""; for arg in "$@"; do case "$arg" in -DoutputDirectory=*) out="\${arg#*=}" ;; esac; done
echo "$$" >> "$FAKE_MVN_DIR/runs"
touch "$FAKE_MVN_DIR/running.$$"
running() { ls "$FAKE_MVN_DIR"/running.* | wc -l; }
for _ in $(seq 100); do [ "$(running)" -ge 2 ] && break; sleep 0.05; done
if [ "$(running)" -ge 2 ]; then echo "[ERROR] Failed to copy full contents: another copy into $out runs"; rm "$FAKE_MVN_DIR/running.$$"; exit 1; fi
mkdir -p "$out" && cp "$FAKE_MVN_JARS"/*.jar "$out"/
rm "$FAKE_MVN_DIR/running.$$"
`

test('fetch-kafka.sh should run one Maven copy when started twice at once, and both should get the whole jar folder', async () => {
  const cache = await mkdtemp(join(tmpdir(), 'clusterlink-cold-cache-'))
  try {
    const bin = join(cache, 'fake-bin')
    await mkdir(bin)
    await writeFile(join(bin, 'mvn'), FAKE_MVN, { mode: 0o755 })
    const { stdout: jars } = await execFileAsync('bash', [join(repoRoot, 'scripts/fetch-kafka.sh')])
    const env = { ...process.env, PATH: `${bin}:${process.env.PATH ?? ''}`, CLUSTERLINK_CACHE: cache, FAKE_MVN_DIR: cache, FAKE_MVN_JARS: jars.trim() }
    const fetch = () => execFileAsync('bash', [join(repoRoot, 'scripts/fetch-kafka.sh')], { env, timeout: 120_000 })
    const results = await Promise.allSettled([fetch(), fetch()])
    const lib = join(cache, 'kafka-4.1.1', 'lib')
    for (const result of results) {
      if (result.status === 'rejected') assert.fail(`a fetch failed: ${(result.reason as { stderr?: string }).stderr ?? ''}`)
      assert.equal(result.value.stdout.trim(), lib)
    }
    assert.equal((await readFile(join(cache, 'runs'), 'utf8')).trim().split('\n').length, 1, 'Maven ran once')
    const copied = (await readdir(lib)).filter((name) => name.endsWith('.jar'))
    assert.equal(copied.length, (await readdir(jars.trim())).filter((name) => name.endsWith('.jar')).length)
    for (const jar of copied) assert.ok(await isWholeJar(join(lib, jar)), `${jar} is truncated`)
  } finally {
    await rm(cache, { recursive: true, force: true })
  }
})

test('fetch-kafka.sh should fail and leave nothing in the cache for a version Maven Central does not have', async () => {
  const cache = await mkdtemp(join(tmpdir(), 'clusterlink-cold-cache-'))
  try {
    await assert.rejects(
      execFileAsync('bash', [join(repoRoot, 'scripts/fetch-kafka.sh'), '0.0.1'], { env: { ...process.env, CLUSTERLINK_CACHE: cache } }),
      (error: { code?: number; stdout?: string }) => {
        assert.equal(error.code, 1)
        assert.equal(error.stdout, '')
        return true
      },
    )
    assert.deepEqual((await readdir(cache)).filter((name) => name !== '.locks'), [])
  } finally {
    await rm(cache, { recursive: true, force: true })
  }
})

/** A tool install written with scripts/cache-lock.sh; it counts its builds, and with HANG it stops half-way until killed. */
const INSTALL = `
. scripts/cache-lock.sh
final="$CL_CACHE/tool"
cl_is_complete "$final" && { echo reused; exit 0; }
cl_lock tool
cl_is_complete "$final" && { echo reused; exit 0; }
tmp=$(cl_tmpdir "$final")
echo first-half > "$tmp/file"
if [ -n "\${HANG:-}" ]; then touch "$HANG"; exec sleep 600; fi
echo second-half >> "$tmp/file"
echo "$$" >> "$CL_CACHE/builds"
cl_publish "$tmp" "$final"
echo built
`

test('cache-lock.sh should never publish a killed install and should build once when started twice', async () => {
  const cache = await mkdtemp(join(tmpdir(), 'clusterlink-cache-lock-'))
  const env = { ...process.env, CLUSTERLINK_CACHE: cache }
  try {
    const hang = join(cache, 'hanging')
    const killed = spawn('bash', ['-c', INSTALL], { cwd: repoRoot, env: { ...env, HANG: hang }, stdio: 'ignore' })
    const exited = new Promise((r) => killed.once('exit', r))
    await waitFor(() => existsSync(hang), 'the first install to stop half-way')
    killed.kill('SIGKILL')
    await exited
    assert.equal(existsSync(join(cache, 'tool')), false)

    const runs = await Promise.all([1, 2].map(() => execFileAsync('bash', ['-c', INSTALL], { cwd: repoRoot, env })))
    assert.deepEqual(runs.map((r) => r.stdout.trim()).sort(), ['built', 'reused'])
    assert.equal((await readFile(join(cache, 'builds'), 'utf8')).trim().split('\n').length, 1)
    assert.equal(await readFile(join(cache, 'tool', 'file'), 'utf8'), 'first-half\nsecond-half\n')
    assert.deepEqual((await readdir(cache)).filter((name) => name.includes('.tmp.')), [])
  } finally {
    await rm(cache, { recursive: true, force: true })
  }
})
