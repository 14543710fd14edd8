// Version matrix: a Kafka 3.9.1 ZooKeeper-mode source mirrored into a Kafka 4.4.0 KRaft destination (transaction.version 2, KIP-890).
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { verifyTopics } from '../../../cli/verify/index.ts'
import { createTopic } from '../../../engine/kafka/index.ts'
import { fillerTransactionalId } from '../../../engine/mirror/writer-identity.ts'
import { kafkaFor, newRunner, sourceEnds, uniqueName, waitCaughtUp, waitFor } from '../mirror/mirror-harness.ts'
import { describeVersionPair } from './version-matrix.ts'

describeVersionPair('v39zkto44', { version: '3.9.1', mode: 'zookeeper' }, { version: '4.4.0' }, (pair) => {
  test('the engine should accept a 3.9.1 ZooKeeper source and fetch by topic id (Fetch v13)', async () => {
    const { sourceAdmin } = pair()
    assert.equal(await sourceAdmin.checkBrokerVersions('source'), undefined)
    assert.equal(await sourceAdmin.withAdmin('versions', (c) => sourceAdmin.versionFor(c, 'Fetch', 13)), 13)
  })

  test('under transaction.version 2 filler transactions should fill one offset each and the data producer keep one epoch and continuing sequences', async () => {
    const { source, destination, sourceAdmin, destinationAdmin } = pair()
    assert.equal((await destinationAdmin.finalizedFeatures()).get('transaction.version'), 2)
    const topic = uniqueName('kip890')
    await createTopic(sourceAdmin, { name: topic, partitions: 1 })
    const kafka = kafkaFor(source)
    const plain = kafka.producer({ idempotent: true, maxInFlightRequests: 1 })
    const txn = kafka.producer({ transactionalId: uniqueName('kip890-txn'), idempotent: true, maxInFlightRequests: 1 })
    await Promise.all([plain.connect(), txn.connect()])
    // 3 rounds of: 2 plain records, a committed record (1 data offset + 1 marker filler), an aborted record (2 fillers).
    for (let round = 0; round < 3; round++) {
      await plain.send({ topic, messages: [{ value: `plain-${round}-a` }, { value: `plain-${round}-b` }] })
      const committed = await txn.transaction()
      await committed.send({ topic, messages: [{ value: `committed-${round}` }] })
      await committed.commit()
      const aborted = await txn.transaction()
      await aborted.send({ topic, messages: [{ value: `aborted-${round}` }] })
      await aborted.abort()
    }
    await plain.send({ topic, messages: [{ value: 'plain-last' }] })
    await Promise.all([plain.disconnect(), txn.disconnect()])
    const runner = newRunner(source, destination, topic, topic)
    await runner.start()
    const ends = await sourceEnds(kafka, topic)
    assert.equal(ends.get(0), 19)
    await waitCaughtUp(runner, ends, 120_000)
    const result = await verifyTopics({
      sourceBootstrap: source.bootstrapServers, destinationBootstrap: destination.bootstrapServers, topic, timeoutMs: 300_000,
    })
    assert.equal(result.outcome, 'IDENTICAL', JSON.stringify({ differences: result.firstDifferences, incomplete: result.incomplete }))
    // 10 data records in 7 batches went out under the filler transactional.id's producer id: epoch 0 throughout,
    // sequences 0..9 without a gap (the filler markers in between kept the epoch).
    const mirrorTopic = await destinationAdmin.describeTopic(topic)
    const p = (await destinationAdmin.describeTransaction(fillerTransactionalId(mirrorTopic?.topicId ?? '', 0))).producerId
    const producers = await waitFor('producer state', () => destinationAdmin.describeProducers(topic, 0))
    const data = producers.find((x) => x.producerId === p)
    assert.deepEqual(data && { epoch: data.producerEpoch, lastSequence: data.lastSequence, openTxn: data.currentTxnStartOffset },
      { epoch: 0, lastSequence: 9, openTxn: -1n })
    // The filler writer's transactions all ended (no open transaction holds the mirror's last stable offset).
    assert.ok(producers.every((x) => x.currentTxnStartOffset === -1n), JSON.stringify(producers, (_k, v) => (typeof v === 'bigint' ? String(v) : v)))
    assert.equal(await destinationAdmin.listOffset(topic, 0, 'latest', 'read_committed'), 19n)
    await runner.stop()
  })
})
