// Tests of the pure link mode rules: which mode combinations a link may have, the source half's configs, and the remote mirror reader.
import assert from 'node:assert/strict'
import { test } from 'node:test'
import type { ClusterAdmin } from '../../../engine/link/kafka-admin.ts'
import { validateLinkConfigs } from '../../../engine/link/link-configs.ts'
import { awaitsSourceHalf, linkCreateModeProblems, sourceHalfConfigs } from '../../../engine/link/link-modes.ts'
import { mirrorTopicOfKey, PeerMirrorTracker } from '../../../engine/link/peer-mirrors.ts'

const HOME = 'home-cluster'
const modes = (linkMode: string, connectionMode: string, extra: Record<string, string> = {}) =>
  ({ 'link.mode': linkMode, 'connection.mode': connectionMode, ...extra })

test('linkCreateModeProblems should accept the combinations the engine runs', () => {
  assert.deepEqual(linkCreateModeProblems(modes('DESTINATION', 'OUTBOUND', { 'bootstrap.servers': 's:9092' }), {}, HOME), [])
  assert.deepEqual(linkCreateModeProblems(modes('DESTINATION', 'INBOUND'), { sourceClusterId: 'src' }, HOME), [])
  assert.deepEqual(linkCreateModeProblems(modes('SOURCE', 'OUTBOUND'), { destinationClusterId: HOME }, HOME), [])
  assert.deepEqual(linkCreateModeProblems(modes('BIDIRECTIONAL', 'OUTBOUND'), { remoteClusterId: 'other' }, HOME), [])
})

test('linkCreateModeProblems should refuse unknown and unrun combinations with what to do', () => {
  const one = (configs: Record<string, string>, ids = {}) => linkCreateModeProblems(configs, ids, HOME).join('\n')
  assert.match(one(modes('SIDEWAYS', 'OUTBOUND')), /link\.mode: must be one of DESTINATION, SOURCE, BIDIRECTIONAL/)
  assert.match(one(modes('DESTINATION', 'UPWARDS')), /connection\.mode: must be one of OUTBOUND, INBOUND/)
  assert.match(one(modes('SOURCE', 'INBOUND')), /SOURCE needs connection\.mode OUTBOUND.*DESTINATION with connection\.mode INBOUND/)
  assert.match(one(modes('BIDIRECTIONAL', 'INBOUND')), /set connection\.mode OUTBOUND on both sides/)
  assert.match(one(modes('DESTINATION', 'INBOUND', { 'bootstrap.servers': 's:9092' })), /INBOUND takes no bootstrap\.servers/)
  assert.match(one(modes('DESTINATION', 'OUTBOUND'), { destinationClusterId: 'elsewhere' }), /'elsewhere' is not this engine's cluster/)
  assert.match(one(modes('DESTINATION', 'OUTBOUND'), { remoteClusterId: 'r' }), /remote_cluster_id is for link\.mode BIDIRECTIONAL/)
  assert.match(one(modes('BIDIRECTIONAL', 'OUTBOUND'), { remoteClusterId: 'r', sourceClusterId: 's' }), /name different clusters/)
})

test('an INBOUND link needs no bootstrap.servers and waits for its source half; other links need one', () => {
  assert.deepEqual(validateLinkConfigs(modes('DESTINATION', 'INBOUND')), [])
  assert.equal(awaitsSourceHalf(modes('DESTINATION', 'INBOUND')), true)
  assert.equal(awaitsSourceHalf(modes('DESTINATION', 'INBOUND', { 'bootstrap.servers': 's:9092' })), false)
  assert.match(validateLinkConfigs(modes('BIDIRECTIONAL', 'OUTBOUND')).join(), /bootstrap\.servers: required/)
  const groupPrefix = { 'bootstrap.servers': 's:9092', 'cluster.link.prefix': 'a.', 'consumer.group.prefix.enable': 'true' }
  assert.match(validateLinkConfigs(modes('BIDIRECTIONAL', 'OUTBOUND', groupPrefix)).join(), /consumer\.group\.prefix\.enable cannot be true/)
})

test('sourceHalfConfigs should turn local.* into the source connection, keep the destination connection out, refuse the rest', () => {
  const half = sourceHalfConfigs('dr', {
    ...modes('SOURCE', 'OUTBOUND'), 'bootstrap.servers': 'cloud:9092', 'security.protocol': 'SASL_SSL',
    'sasl.jaas.config': 'x required username="cloud" password="secret";', 'local.bootstrap.servers': 'onprem:9092',
    'local.security.protocol': 'SASL_PLAINTEXT', 'local.sasl.mechanism': 'PLAIN', 'local.listener': 'INTERNAL',
  })
  assert.deepEqual(half.problems, [])
  assert.deepEqual(half.sourceConnection, { 'bootstrap.servers': 'onprem:9092', 'security.protocol': 'SASL_PLAINTEXT', 'sasl.mechanism': 'PLAIN' })
  assert.deepEqual(half.notStored.sort(), ['bootstrap.servers', 'local.listener', 'sasl.jaas.config', 'security.protocol'])
  const bad = sourceHalfConfigs('dr', { ...modes('SOURCE', 'OUTBOUND'), 'consumer.offset.sync.enable': 'true' })
  assert.match(bad.problems.join('\n'), /consumer\.offset\.sync\.enable is not a config of the source half; set it on link 'dr'/)
  assert.match(bad.problems.join('\n'), /local\.bootstrap\.servers: required/)
})

test('mirrorTopicOfKey should read mirror keys only', () => {
  assert.equal(mirrorTopicOfKey('mirror:dr:orders'), 'orders')
  assert.equal(mirrorTopicOfKey('mirror:a:b:orders.eu'), 'orders.eu')
  assert.equal(mirrorTopicOfKey('status:dr:orders'), undefined)
  assert.equal(mirrorTopicOfKey('link:dr'), undefined)
})

/** A remote state topic held in memory: records by offset, the admin answering its offsets. */
function remoteState(records: Array<{ key: string; value: string | null }>, exists = true) {
  const admin = {
    partitionCount: async () => (exists ? 1 : undefined),
    listOffsets: async (_t: string, _p: readonly number[], which: string) => new Map([[0, which === 'earliest' ? 0 : records.length]]),
  } as unknown as ClusterAdmin
  const reads: number[] = []
  const openLog = () => ({
    read: async (offset: number) => {
      reads.push(offset)
      const slice = records.slice(offset, offset + 2)
      return {
        records: slice.map((r, i) => ({
          offset: offset + i, key: Buffer.from(r.key), value: r.value === null ? null : Buffer.from(r.value),
        })),
        next: offset + slice.length,
      }
    },
    close: async () => undefined,
  })
  return { tracker: new PeerMirrorTracker({ admin, stateTopic: '_clusterlink-state', openLog }), records, reads }
}

test('PeerMirrorTracker should follow mirror records and tombstones incrementally', async () => {
  const { tracker, records, reads } = remoteState([
    { key: 'link:dr', value: '{}' }, { key: 'mirror:dr:orders', value: '{}' }, { key: 'mirror:dr:payments', value: '{}' },
    { key: 'status:dr:orders', value: '{}' },
  ])
  assert.deepEqual([...await tracker.mirrorTopics()].sort(), ['orders', 'payments'])
  records.push({ key: 'mirror:dr:payments', value: null }, { key: 'mirror:other:stock', value: '{}' })
  assert.deepEqual([...await tracker.mirrorTopics()].sort(), ['orders', 'stock'])
  assert.deepEqual(reads, [0, 2, 4], 'the second call reads only the new records')
})

test('PeerMirrorTracker should report no mirror topics when the remote has no engine state topic', async () => {
  const { tracker, reads } = remoteState([{ key: 'mirror:dr:orders', value: '{}' }], false)
  assert.deepEqual([...await tracker.mirrorTopics()], [])
  assert.deepEqual(reads, [])
})
