// Tests of the harness's choice between KRaft and ZooKeeper mode per Kafka version, and its replication defaults.
import { describe, test } from 'node:test'
import assert from 'node:assert/strict'
import { replicationDefaults, resolveClusterMode } from '../../../cli/local/cluster-mode.ts'

describe('resolveClusterMode', () => {
  test('resolveClusterMode should default to KRaft where the version has it and ZooKeeper before 3.3', () => {
    assert.equal(resolveClusterMode('4.1.1'), 'kraft')
    assert.equal(resolveClusterMode('3.9.1'), 'kraft')
    assert.equal(resolveClusterMode('3.3.2'), 'kraft')
    assert.equal(resolveClusterMode('3.2.3'), 'zookeeper')
    assert.equal(resolveClusterMode('2.8.2'), 'zookeeper')
  })

  test('resolveClusterMode should honour an explicit mode the version has', () => {
    assert.equal(resolveClusterMode('3.9.1', 'zookeeper'), 'zookeeper')
    assert.equal(resolveClusterMode('3.9.1', 'kraft'), 'kraft')
  })

  test('resolveClusterMode should refuse a mode the version lacks, saying which to use', () => {
    assert.throws(() => resolveClusterMode('4.0.0', 'zookeeper'), /no ZooKeeper mode.*use mode 'kraft'/)
    assert.throws(() => resolveClusterMode('2.8.2', 'kraft'), /no production KRaft mode.*use mode 'zookeeper'/)
    assert.throws(() => resolveClusterMode('latest'), /not an Apache Kafka version/)
  })
})

describe('replicationDefaults', () => {
  test('replicationDefaults should give RF 3 and min.insync.replicas 2 from 3 brokers, and fit smaller clusters', () => {
    assert.deepEqual(replicationDefaults(1), { replicationFactor: 1, minInsyncReplicas: 1 })
    assert.deepEqual(replicationDefaults(2), { replicationFactor: 2, minInsyncReplicas: 1 })
    assert.deepEqual(replicationDefaults(3), { replicationFactor: 3, minInsyncReplicas: 2 })
    assert.deepEqual(replicationDefaults(5), { replicationFactor: 3, minInsyncReplicas: 2 })
  })
})
