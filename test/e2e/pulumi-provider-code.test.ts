// End to end with the real Pulumi CLI (no engine needed): the provider code stored in state loads the current handler module, so
// a fix reaches refresh and delete of existing stacks.
import { after, before, test } from 'node:test'
import assert from 'node:assert/strict'
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises'
import { join, resolve } from 'node:path'
import { pathToFileURL } from 'node:url'
import * as pulumi from '@pulumi/pulumi'
import { createDynamicProvider } from '../../provider/pulumi/index.ts'
import { createTestStack, type TestStack } from './pulumi-harness.ts'

const dir = resolve(import.meta.dirname, '../../.pulumi-work', `provider-code-${Date.now().toString(36)}-${process.pid}`)
const handlers = join(dir, 'handlers.ts')
const deleted = join(dir, 'deleted-by')

/** A handler module of a given version; its delete writes which version ran it. */
function handlerSource(version: string): string {
  return `// A versioned stand-in handler module written by the provider-code test.
import { writeFileSync } from 'node:fs'
export async function handle(kind: string, method: string, _config: unknown, args: unknown[]): Promise<unknown> {
  const version = ${JSON.stringify(version)}
  if (method === 'check') return { inputs: args[1] }
  if (method === 'diff') return { changes: false }
  if (method === 'create') return { id: 'thing', outs: { ...(args[0] as object), version } }
  if (method === 'read') return { id: args[0], props: { ...(args[1] as object), version } }
  if (method === 'update') return { outs: { ...(args[2] as object), version } }
  if (method === 'delete') { writeFileSync(${JSON.stringify(deleted)}, version); return undefined }
  throw new Error(kind + ': unknown method ' + method)
}
`
}

let testStack: TestStack

class Thing extends pulumi.dynamic.Resource {
  declare readonly version: pulumi.Output<string>
}

before(async () => {
  await mkdir(dir, { recursive: true })
  await writeFile(handlers, handlerSource('v1'))
  const url = pathToFileURL(handlers).href
  testStack = await createTestStack({
    projectName: 'clusterlink-provider-code',
    engine: { url: 'http://127.0.0.1:9', token: 'unused' },
    program: async () => {
      const thing = new Thing(createDynamicProvider('ClusterLink', url), 'thing', { name: 'a', version: undefined }, {}, 'clusterlink', 'ClusterLink')
      return { version: thing.version }
    },
  })
})

after(async () => {
  await testStack?.dispose({ destroy: true })
  await rm(dir, { recursive: true, force: true })
})

test('the stored provider should run the current handler code on refresh and delete, with no diff after an upgrade', async () => {
  const up = await testStack.stack.up()
  assert.equal(up.outputs.version?.value, 'v1')
  await writeFile(handlers, handlerSource('v2'))
  await testStack.stack.refresh()
  assert.equal((await testStack.stack.outputs()).version?.value, 'v1', 'stack outputs change only on up')
  const state = await testStack.stack.exportStack()
  const thing = (state.deployment as { resources: { type: string; outputs?: { version?: string } }[] }).resources.find((r) => r.type === 'pulumi-nodejs:dynamic/clusterlink:ClusterLink')
  assert.equal(thing?.outputs?.version, 'v2', 'refresh ran the new code although the state holds the provider from v1')
  await testStack.stack.preview({ expectNoChanges: true })
  await testStack.stack.destroy()
  assert.equal(await readFile(deleted, 'utf8'), 'v2', 'delete ran the new code')
})

test('the stored provider should find the handler module through the installed package when its stored path is gone', async () => {
  const moved = join(dir, 'moved')
  await mkdir(moved, { recursive: true })
  await writeFile(join(moved, 'handlers.ts'), handlerSource('moved-v1'))
  const stack = await createTestStack({
    projectName: 'clusterlink-provider-moved',
    engine: { url: 'http://127.0.0.1:9', token: 'unused' },
    program: async () => {
      const thing = new Thing(createDynamicProvider('ClusterLink', pathToFileURL(join(moved, 'handlers.ts')).href, 'clusterlink-test-handlers/handlers'), 'moved', { name: 'b', version: undefined }, {}, 'clusterlink', 'ClusterLink')
      return { version: thing.version }
    },
  })
  try {
    assert.equal((await stack.stack.up()).outputs.version?.value, 'moved-v1')
    await rm(moved, { recursive: true, force: true })
    // what an npm installation in the program's directory provides: compiled JavaScript under node_modules
    const installed = join(stack.workDir, 'node_modules', 'clusterlink-test-handlers')
    await mkdir(installed, { recursive: true })
    await writeFile(join(installed, 'package.json'), JSON.stringify({ name: 'clusterlink-test-handlers', type: 'module', exports: { './handlers': './handlers.js' } }))
    await writeFile(join(installed, 'handlers.js'), handlerSource('installed').replace(/: (string|unknown\[\]|unknown|Promise<unknown>)/g, '').replace(/ as object/g, '').replace('_config', 'config'))
    await stack.stack.refresh()
    const state = await stack.stack.exportStack()
    const thing = (state.deployment as { resources: { type: string; outputs?: { version?: string } }[] }).resources.find((r) => r.type === 'pulumi-nodejs:dynamic/clusterlink:ClusterLink')
    assert.equal(thing?.outputs?.version, 'installed')
    await stack.stack.destroy()
    assert.equal(await readFile(deleted, 'utf8'), 'installed')
  } finally {
    await stack.dispose()
  }
})
