// Runs every ```bash block of README.md and the examples' READMEs the way it is written, or checks that it says why not.
//
// A block runs when the line above it is `<!-- readme-test: run -->`; `<!-- readme-test: not run: REASON -->` lists it as
// not run, with the reason. Blocks run from the repository root as a new user's shell would: a fresh HOME (its tools cache
// seeded with links to the cached Node 24 and Kafka jars, so nothing is downloaded again) and the machine's own PATH.
import { after, before, test } from 'node:test'
import assert from 'node:assert/strict'
import { execFile } from 'node:child_process'
import { existsSync } from 'node:fs'
import { mkdir, mkdtemp, readdir, readFile, rm, symlink } from 'node:fs/promises'
import { homedir, tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { promisify } from 'node:util'

const execFileAsync = promisify(execFile)
const repoRoot = resolve(import.meta.dirname, '../..')
const MARKER = /^<!-- readme-test: (run|not run: (.+)) -->$/

interface CommandBlock {
  readonly file: string
  /** 1-based line of the opening fence. */
  readonly line: number
  readonly text: string
  /** `run`, the reason it is not run, or undefined when unmarked. */
  readonly mark: { readonly run: true } | { readonly run: false; readonly reason: string } | undefined
}

function commandBlocks(file: string, markdown: string): CommandBlock[] {
  const lines = markdown.split('\n')
  const blocks: CommandBlock[] = []
  for (let i = 0; i < lines.length; i++) {
    if (lines[i]?.trim() !== '```bash') continue
    const end = lines.findIndex((line, j) => j > i && line.trim() === '```')
    assert.ok(end > i, `${file}:${i + 1}: unclosed bash block`)
    let above = i - 1
    while (above >= 0 && lines[above]?.trim() === '') above--
    const marker = MARKER.exec(lines[above]?.trim() ?? '')
    const mark = !marker ? undefined : marker[1] === 'run' ? { run: true as const } : { run: false as const, reason: marker[2] ?? '' }
    blocks.push({ file, line: i + 1, text: lines.slice(i + 1, end).join('\n'), mark })
    i = end
  }
  return blocks
}

async function readmes(): Promise<string[]> {
  const examples = (await readdir(join(repoRoot, 'examples'), { recursive: true }))
    .filter((path) => path.endsWith('README.md'))
    .map((path) => join('examples', path))
  return ['README.md', ...examples.sort()]
}

const blocks: CommandBlock[] = []
let home = ''
let env: NodeJS.ProcessEnv = {}

before(async () => {
  for (const file of await readmes()) blocks.push(...commandBlocks(file, await readFile(join(repoRoot, file), 'utf8')))
  home = await mkdtemp(join(tmpdir(), 'clusterlink-readme-home-'))
  const cache = process.env.CLUSTERLINK_CACHE || join(process.env.XDG_CACHE_HOME || join(homedir(), '.cache'), 'clusterlink')
  const seeded = join(home, '.cache', 'clusterlink')
  await mkdir(seeded, { recursive: true })
  for (const tool of ['node24', 'kafka-4.1.1']) {
    if (existsSync(join(cache, tool))) await symlink(join(cache, tool), join(seeded, tool))
  }
  const path = (process.env.PATH ?? '').split(':').filter((dir) => !dir.includes('/clusterlink/node24/')).join(':')
  env = { ...process.env, HOME: home, PATH: path }
  for (const name of ['CLUSTERLINK_CACHE', 'CLUSTERLINK_LOCAL_DIR', 'XDG_CACHE_HOME', 'TF_CLI_CONFIG_FILE']) delete env[name]
})

after(async () => {
  // A block that failed half-way may have left local clusters running.
  await execFileAsync(join(repoRoot, 'clusterlink'), ['local', 'down'], { cwd: repoRoot, env }).catch(() => undefined)
  await rm(home, { recursive: true, force: true })
})

test('README command blocks should each be marked run, or not run with a reason', (t) => {
  assert.ok(blocks.length > 0, 'no bash blocks found')
  const unmarked = blocks.filter((b) => !b.mark).map((b) => `${b.file}:${b.line}`)
  assert.deepEqual(unmarked, [], 'mark each with <!-- readme-test: run --> or <!-- readme-test: not run: REASON -->')
  for (const b of blocks) {
    if (b.mark && !b.mark.run) {
      assert.ok(b.mark.reason.trim().length > 10, `${b.file}:${b.line}: give a reason`)
      t.diagnostic(`not run: ${b.file}:${b.line}: ${b.mark.reason}`)
    }
  }
  assert.ok(blocks.some((b) => b.mark?.run), 'no block is marked to run')
})

test('README command blocks marked run should succeed as written', async (t) => {
  for (const block of blocks.filter((b) => b.mark?.run)) {
    await t.test(`${block.file}:${block.line}`, async () => {
      const options = { cwd: repoRoot, env, timeout: 300_000, maxBuffer: 16 << 20 }
      const run = execFileAsync('bash', ['-e', '-o', 'pipefail', '-c', block.text], options)
      await run.catch((error: { message: string; stdout?: string; stderr?: string }) => {
        assert.fail(`${block.file}:${block.line} failed: ${error.message}\n${error.stdout ?? ''}\n${error.stderr ?? ''}`)
      })
    })
  }
  // The Terraform install blocks wrote their CLI config where the README says, in a folder that did not exist before.
  assert.ok(existsSync(join(home, '.cache', 'clusterlink', 'terraform.rc')), 'terraform.rc in ~/.cache/clusterlink')
})
