// Version matrix: a Kafka 3.9.1 ZooKeeper-mode source mirrored into a Kafka 4.4.0 KRaft destination.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { describeVersionPair } from './version-matrix.ts'

describeVersionPair('v39zkto44', { version: '3.9.1', mode: 'zookeeper' }, { version: '4.4.0' }, (pair) => {
  test('the engine should accept a 3.9.1 ZooKeeper source and fetch by topic id (Fetch v13)', async () => {
    const { sourceAdmin } = pair()
    assert.equal(await sourceAdmin.checkBrokerVersions('source'), undefined)
    assert.equal(await sourceAdmin.withAdmin('versions', (c) => sourceAdmin.versionFor(c, 'Fetch', 13)), 13)
  })
})
