// Version matrix: a Kafka 4.4.0 KRaft source mirrored into a Kafka 3.9.1 KRaft destination.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { describeVersionPair } from './version-matrix.ts'

describeVersionPair('v44to39', { version: '4.4.0' }, { version: '3.9.1', mode: 'kraft' }, (pair) => {
  test('the engine should fetch from a 4.4.0 source by topic id (Fetch v13) and produce to 3.9.1 with Produce v9', async () => {
    const { sourceAdmin, destinationAdmin } = pair()
    assert.equal(await sourceAdmin.withAdmin('versions', (c) => sourceAdmin.versionFor(c, 'Fetch', 13)), 13)
    assert.equal(await destinationAdmin.withAdmin('versions', (c) => destinationAdmin.versionFor(c, 'Produce')), 9)
    assert.equal(await destinationAdmin.checkBrokerVersions('destination'), undefined)
  })
})
