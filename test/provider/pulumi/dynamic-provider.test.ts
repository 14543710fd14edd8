// Tests of the serialized provider stub: it holds no logic, forwards every method to the handler module, and passes the stack
// config it was configured with.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import * as pulumi from '@pulumi/pulumi'
import { createDynamicProvider } from '../../../provider/pulumi/index.ts'

const recorderUrl = new URL('./recording-handlers.ts', import.meta.url).href

test('createDynamicProvider should forward each method with its arguments and the configured stack config', async () => {
  const provider = createDynamicProvider('MirrorTopic', recorderUrl)
  const config = { get: (key: string) => (key === 'clusterlink:endpoint' ? 'http://engine.test' : undefined) }
  await provider.configure!({ config } as never)
  const calls = [
    await provider.check!({ a: 1 }, { b: 2 }),
    await provider.diff!('id1', { a: 1 }, { b: 2 }),
    await provider.create({ c: 3 }),
    await provider.read!('id1', { d: 4 }),
    await provider.update!('id1', { a: 1 }, { e: 5 }),
  ] as unknown as { kind: string; method: string; endpoint: string; args: unknown[] }[]
  assert.deepEqual(calls.map((c) => c.method), ['check', 'diff', 'create', 'read', 'update'])
  assert.ok(calls.every((c) => c.kind === 'MirrorTopic' && c.endpoint === 'http://engine.test'))
  assert.deepEqual(calls[1]!.args, ['id1', { a: 1 }, { b: 2 }])
  await provider.delete!('id1', { f: 6 })
})

test('createDynamicProvider should serialize into a small text free of provider logic that names the handler module', async () => {
  const provider = createDynamicProvider('ClusterLink', recorderUrl)
  const { text } = await pulumi.runtime.serializeFunction(() => provider)
  assert.match(text, /import\(handlersUrl\)/)
  assert.ok(text.includes(JSON.stringify(recorderUrl)))
  assert.doesNotMatch(text, /fetch|EngineClient|alterLinkConfigs|require\(/)
  assert.ok(text.length < 8000, `serialized provider is ${text.length} characters`)
})
