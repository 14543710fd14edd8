// Tests of the pure rules for creating a mirror topic (engine/link/mirror-rules.ts).
import assert from 'node:assert/strict'
import { test } from 'node:test'
import { mirrorCreateProblems } from '../../../engine/link/mirror-rules.ts'

test('mirrorCreateProblems should name the mirror topic after the link prefix and the source topic', () => {
  assert.deepEqual(mirrorCreateProblems('dr.', { sourceTopicName: 'orders' }), { mirrorTopicName: 'dr.orders', problems: [] })
  const same = mirrorCreateProblems('', { sourceTopicName: 'orders', mirrorTopicName: 'orders' })
  assert.deepEqual(same, { mirrorTopicName: 'orders', problems: [] })
})

test('mirrorCreateProblems should refuse a mirror topic name that differs from prefix plus source topic name', () => {
  const withPrefix = mirrorCreateProblems('dr.', { sourceTopicName: 'orders', mirrorTopicName: 'orders' })
  assert.equal(withPrefix.problems.length, 1)
  assert.match(withPrefix.problems[0] ?? '', /link prefix plus the source topic name \('dr.orders'\), got 'orders'/)
  const withoutPrefix = mirrorCreateProblems('', { sourceTopicName: 'orders', mirrorTopicName: 'copy' })
  assert.match(withoutPrefix.problems[0] ?? '', /must equal source_topic_name \('orders'\) on a link without cluster.link.prefix/)
})

test('mirrorCreateProblems should list every problem at once', () => {
  const long = 'x'.repeat(250)
  const { problems } = mirrorCreateProblems('', { sourceTopicName: long, configs: { 'retention.ms': '1', 'compression.type': 'lz4' } })
  assert.equal(problems.length, 2)
  assert.match(problems[0] ?? '', /longer than 249 characters/)
  assert.match(problems[1] ?? '', /mirror topic configs compression.type cannot be set/)
})
