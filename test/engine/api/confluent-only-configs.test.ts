// The Confluent-only link configs are accepted and ignored with a warning: a config the engine implements must never be
// on that list, or the engine would drop it silently (sasl.oauthbearer.token.endpoint.url once was).
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { CONFLUENT_ONLY_LINK_CONFIGS } from '../../../engine/api/confluent-compat.ts'
import { LINK_CONFIG_NAMES } from '../../../engine/link/index.ts'

test('no link config the engine implements should be on the Confluent-only list', () => {
  const implemented = [...CONFLUENT_ONLY_LINK_CONFIGS].filter((name) => LINK_CONFIG_NAMES.includes(name))
  assert.deepEqual(implemented, [])
})
