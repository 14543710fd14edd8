// Tests of the harness's server.properties: KRaft quorum voters, ZooKeeper connect, listeners, replication defaults and overrides.
import { describe, test } from 'node:test'
import assert from 'node:assert/strict'
import { brokerProperties } from '../../../cli/local/broker-properties.ts'

describe('brokerProperties', () => {
  test('brokerProperties should make every KRaft node a combined broker and controller voter', () => {
    const props = brokerProperties({
      mode: 'kraft', id: 2, ports: { port: 9092, controllerPort: 9093 }, logDir: '/d', brokers: 3,
      quorumVoters: '1@127.0.0.1:1,2@127.0.0.1:9093,3@127.0.0.1:3',
    })
    assert.equal(props['process.roles'], 'broker,controller')
    assert.equal(props['node.id'], 2)
    assert.equal(props['controller.quorum.voters'], '1@127.0.0.1:1,2@127.0.0.1:9093,3@127.0.0.1:3')
    assert.equal(props.listeners, 'PLAINTEXT://127.0.0.1:9092,CONTROLLER://127.0.0.1:9093')
    assert.equal(props['default.replication.factor'], 3)
    assert.equal(props['min.insync.replicas'], 2)
    assert.equal(props['transaction.state.log.min.isr'], 2)
    assert.equal(props['zookeeper.connect'], undefined)
  })

  test('brokerProperties should give a ZooKeeper-mode broker a broker.id, zookeeper.connect and no controller listener', () => {
    const props = brokerProperties({
      mode: 'zookeeper', id: 1, ports: { port: 9092, internalPort: 9094 }, logDir: '/d', brokers: 1, zookeeperConnect: '127.0.0.1:2181',
      security: { protocol: 'SASL_PLAINTEXT', mechanism: 'SCRAM-SHA-256', users: { a: 'b' } },
      authorizer: { superUsers: ['admin'] },
    })
    assert.equal(props['broker.id'], 1)
    assert.equal(props['zookeeper.connect'], '127.0.0.1:2181')
    assert.equal(props['process.roles'], undefined)
    assert.equal(props.listeners, 'SASL_PLAINTEXT://127.0.0.1:9092,INTERNAL://127.0.0.1:9094')
    assert.equal(props['listener.security.protocol.map'], 'INTERNAL:PLAINTEXT,SASL_PLAINTEXT:SASL_PLAINTEXT')
    assert.equal(props['authorizer.class.name'], 'kafka.security.authorizer.AclAuthorizer')
    assert.equal(props['offsets.topic.replication.factor'], 1)
  })

  test('brokerProperties should apply brokerConfig last, over the replication defaults', () => {
    const props = brokerProperties({
      mode: 'kraft', id: 1, ports: { port: 1, controllerPort: 2 }, logDir: '/d', brokers: 3, brokerConfig: { 'min.insync.replicas': 1 },
    })
    assert.equal(props['min.insync.replicas'], 1)
  })

  test('brokerProperties should add a PROXIED listener advertised at the proxy port beside the plain one', () => {
    const props = brokerProperties({
      mode: 'kraft', id: 1, ports: { port: 9092, controllerPort: 9093 }, logDir: '/d', brokers: 1,
      proxiedListener: { port: 9094, advertisedPort: 19094 },
    })
    assert.equal(props.listeners, 'PLAINTEXT://127.0.0.1:9092,CONTROLLER://127.0.0.1:9093,PROXIED://127.0.0.1:9094')
    assert.equal(props['advertised.listeners'], 'PLAINTEXT://127.0.0.1:9092,PROXIED://127.0.0.1:19094')
    assert.equal(props['listener.security.protocol.map'], 'CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT,PROXIED:PLAINTEXT')
    assert.equal(props['inter.broker.listener.name'], 'PLAINTEXT')
  })

  test('brokerProperties should refuse a proxied listener on a SASL cluster', () => {
    assert.throws(() => brokerProperties({
      mode: 'kraft', id: 1, ports: { port: 1, internalPort: 3, controllerPort: 2 }, logDir: '/d', brokers: 1,
      security: { protocol: 'SASL_PLAINTEXT', mechanism: 'PLAIN', users: { a: 'b' } }, proxiedListener: { port: 4, advertisedPort: 5 },
    }), /PLAINTEXT clusters/)
  })

  test('brokerProperties should refuse a ZooKeeper-mode broker without zookeeper.connect', () => {
    assert.throws(() => brokerProperties({ mode: 'zookeeper', id: 1, ports: { port: 1 }, logDir: '/d', brokers: 1 }), /zookeeper.connect/)
  })
})
