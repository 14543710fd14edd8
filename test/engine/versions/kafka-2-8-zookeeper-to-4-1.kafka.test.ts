// Version matrix: a Kafka 2.8.2 ZooKeeper-mode source mirrored into a Kafka 4.1.1 KRaft destination (and 2.8.2 refused as a destination).
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { createTopic } from '../../../engine/kafka/index.ts'
import { createClusterAdmin } from '../../../engine/link/kafka-admin.ts'
import { kafkaFor, newRunner, uniqueName, waitFor } from '../mirror/mirror-harness.ts'
import { describeVersionPair } from './version-matrix.ts'

describeVersionPair('v28zkto41', { version: '2.8.2', mode: 'zookeeper' }, { version: '4.1.1' }, (pair) => {
  test('the engine should fetch from a 2.8.2 source by name (Fetch v12) and still see its topic ids (Metadata v11)', async () => {
    const { sourceAdmin } = pair()
    assert.equal(await sourceAdmin.checkBrokerVersions('source'), undefined)
    assert.equal(await sourceAdmin.withAdmin('versions', (c) => sourceAdmin.versionFor(c, 'Fetch', 13)), 12)
    assert.equal(await sourceAdmin.withAdmin('versions', (c) => sourceAdmin.versionFor(c, 'Metadata')), 11)
    const topic = uniqueName('ids')
    const id = await createTopic(sourceAdmin, { name: topic, partitions: 1 })
    assert.match(id, /^[0-9a-f-]{36}$/)
    assert.equal((await waitFor('topic metadata', () => sourceAdmin.describeTopic(topic)))?.topicId, id)
  })

  test('the link jobs\' admin calls should work against a 2.8.2 source (versions negotiated by @platformatic/kafka)', async () => {
    const { source, sourceAdmin } = pair()
    const topic = uniqueName('link-admin')
    const group = uniqueName('link-group')
    await createTopic(sourceAdmin, { name: topic, partitions: 2 })
    const kafka = kafkaFor(source)
    const admin = kafka.admin()
    await admin.connect()
    await admin.setOffsets({ groupId: group, topic, partitions: [{ partition: 1, offset: '0' }] })
    await admin.disconnect()
    const link = createClusterAdmin({ bootstrapServers: [source.bootstrapServers] }, 'versions-test')
    try {
      assert.equal(typeof await link.clusterId(), 'string')
      assert.ok((await link.listTopics()).includes(topic))
      assert.equal(await link.partitionCount(topic), 2)
      assert.equal((await link.topicConfigs(topic))['cleanup.policy']?.value, 'delete')
      assert.deepEqual([...(await link.listOffsets(topic, [0, 1], 'latest'))].sort(), [[0, 0], [1, 0]])
      assert.ok((await link.listGroups()).includes(group))
      assert.equal(await link.hasActiveMembers(group), false)
      assert.deepEqual(await link.groupOffsets(group), [{ topic, partition: 1, offset: 0 }])
      assert.equal(await link.topicAcls(topic), undefined)
    } finally {
      await link.close()
    }
  })

  test('a mirror into a 2.8.2 destination should fail with "unsupported broker version" naming the missing API', async () => {
    const { source, destination, destinationAdmin } = pair()
    const topic = uniqueName('old-dst')
    await createTopic(destinationAdmin, { name: topic, partitions: 1 })
    // Reversed roles: the 4.1.1 cluster is the source, the 2.8.2 cluster the destination (it lacks DescribeTransactions, Kafka 3.0).
    const runner = newRunner(destination, source, topic, `${topic}-mirror`)
    await runner.start().catch(() => undefined)
    const failed = await waitFor('runner FAILED', () => (runner.status().state === 'FAILED' ? runner.status() : undefined))
    assert.equal(failed.error?.code, 'UNSUPPORTED_BROKER_VERSION')
    assert.match(failed.error?.message ?? '', /^unsupported broker version: the destination broker \S+ does not support DescribeTransactions; the engine needs DescribeTransactions v0$/)
    await runner.stop()
  })
})
