// ACL sync without I/O: acl.filters parsing and matching, the create/delete plan (never a foreign ACL), link config rules, and the job.
import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import {
  isAclSelected, parseAclFilters, toRecordedAclBindings, type AclBinding, type AclFilter,
} from '../../../engine/link/acl-sync-filters.ts'
import { planAclSync } from '../../../engine/link/acl-sync-plan.ts'
import { runAclSync, type AclSyncContext, type AclSyncStatus } from '../../../engine/link/acl-sync.ts'
import { EngineError } from '../../../engine/errors.ts'
import type { ClusterAdmin } from '../../../engine/link/kafka-admin.ts'
import { validateLinkConfigs } from '../../../engine/link/link-configs.ts'
import { runConsumerOffsetSync, runTopicConfigSync, runWriteProtection, type LinkJobContext } from '../../../engine/link/link-jobs.ts'
import type { MirrorController } from '../../../engine/link/mirror-controller.ts'
import { createLogger } from '../../../engine/logging/index.ts'
import { decodeRecord, encodeLink } from '../../../engine/state/index.ts'
import { FakeCluster } from './fakes.ts'

const acl = (over: Partial<AclBinding> = {}): AclBinding => ({
  resourceType: 'TOPIC', resourceName: 'orders', patternType: 'LITERAL', principal: 'User:alice', host: '*',
  operation: 'READ', permission: 'ALLOW', ...over,
})
const ANY_ACCESS = { operation: 'ANY', permissionType: 'ANY' }

function filters(json: unknown): AclFilter[] {
  const parsed = parseAclFilters(JSON.stringify(json))
  assert.ok('filters' in parsed, JSON.stringify(parsed))
  return parsed.filters
}

const topicsOf = (resourceName: string, patternType = 'MATCH') =>
  filters({ aclFilters: [{ resourceFilter: { resourceType: 'topic', name: resourceName, patternType }, accessFilter: ANY_ACCESS }] })

describe('parseAclFilters', () => {
  test('parseAclFilters should accept Confluent\'s shape in upper or lower case', () => {
    const parsed = filters({ aclFilters: [{
      resourceFilter: { resourceType: 'any', patternType: 'any' },
      accessFilter: { principal: 'User:alice', host: '*', operation: 'read', permissionType: 'ALLOW' },
    }] })
    assert.equal(parsed[0]?.resourceFilter.resourceType, 'ANY')
    assert.equal(parsed[0]?.accessFilter.operation, 'READ')
  })

  test('parseAclFilters should say what to fix for JSON that does not parse or does not fit', () => {
    const notJson = parseAclFilters('{"aclFilters": [')
    assert.ok('problem' in notJson && /is not JSON/.test(notJson.problem))
    const resourceFilter = { resourceType: 'TOPIC', patternType: 'LITERAL' }
    const badAccess = { operation: 'READZ', permissionType: 'ANY' }
    const badOp = parseAclFilters(JSON.stringify({ aclFilters: [{ resourceFilter, accessFilter: badAccess }] }))
    assert.ok('problem' in badOp && /aclFilters\.0\.accessFilter\.operation: must be one of/.test(badOp.problem), JSON.stringify(badOp))
    const noPattern = { resourceType: 'TOPIC' }
    const missing = parseAclFilters(JSON.stringify({ aclFilters: [{ resourceFilter: noPattern, accessFilter: ANY_ACCESS }] }))
    assert.ok('problem' in missing && /resourceFilter\.patternType/.test(missing.problem), JSON.stringify(missing))
    const extra = parseAclFilters(JSON.stringify({ topicFilters: [] }))
    assert.ok('problem' in extra)
    const empty = parseAclFilters('{"aclFilters":[]}')
    assert.ok('problem' in empty && /at least one filter/.test(empty.problem))
  })
})

describe('isAclSelected', () => {
  test('isAclSelected should follow Kafka\'s pattern filter rules (MATCH, LITERAL, PREFIXED, ANY)', () => {
    assert.ok(isAclSelected(topicsOf('orders'), acl()))
    assert.ok(isAclSelected(topicsOf('orders'), acl({ resourceName: '*' })), 'MATCH selects the wildcard literal')
    const prefix = acl({ resourceName: 'ord', patternType: 'PREFIXED' })
    assert.ok(isAclSelected(topicsOf('orders'), prefix), 'MATCH selects a prefix of the name')
    assert.ok(!isAclSelected(topicsOf('orders'), acl({ resourceName: 'payments' })))
    assert.ok(!isAclSelected(topicsOf('orders'), acl({ resourceType: 'GROUP' })))
    assert.ok(isAclSelected(topicsOf('ord', 'PREFIXED'), acl({ resourceName: 'ord', patternType: 'PREFIXED' })))
    const literal = acl({ resourceName: 'ord', patternType: 'LITERAL' })
    assert.ok(!isAclSelected(topicsOf('ord', 'PREFIXED'), literal), 'PREFIXED selects only prefixed patterns')
    assert.ok(isAclSelected(topicsOf('orders', 'ANY'), acl({ patternType: 'PREFIXED' })))
  })

  test('isAclSelected should match principal, host, operation and permission when the filter names them', () => {
    const only = filters({ aclFilters: [{
      resourceFilter: { resourceType: 'ANY', patternType: 'ANY' },
      accessFilter: { principal: 'User:alice', operation: 'READ', permissionType: 'ALLOW' },
    }] })
    assert.ok(isAclSelected(only, acl({ host: '10.0.0.1' })), 'no host in the filter: any host')
    assert.ok(!isAclSelected(only, acl({ principal: 'User:bob' })))
    assert.ok(!isAclSelected(only, acl({ operation: 'WRITE' })))
    assert.ok(!isAclSelected(only, acl({ permission: 'DENY' })))
  })
})

describe('planAclSync', () => {
  const all = filters({ aclFilters: [{ resourceFilter: { resourceType: 'ANY', patternType: 'ANY' }, accessFilter: ANY_ACCESS }] })

  test('planAclSync should create selected source ACLs missing on the destination and record them', () => {
    const plan = planAclSync({ source: [acl(), acl({ principal: 'User:bob' })], destination: [], created: [], filters: topicsOf('orders') })
    assert.deepEqual(plan.create.map((a) => a.principal), ['User:alice', 'User:bob'])
    assert.deepEqual(plan.delete, [])
    assert.equal(plan.created.length, 2)
  })

  test('planAclSync should not copy a filtered-out ACL', () => {
    const plan = planAclSync({ source: [acl({ resourceName: 'payments' })], destination: [], created: [], filters: topicsOf('orders') })
    assert.deepEqual(plan.create, [])
  })

  test('planAclSync should delete only copies the link recorded once the source drops them', () => {
    const mine = acl()
    const foreign = acl({ principal: 'User:carol' })
    const plan = planAclSync({ source: [], destination: [mine, foreign], created: [mine], filters: all })
    assert.deepEqual(plan.delete, [mine])
    assert.deepEqual(plan.created, [])
  })

  test('planAclSync should never delete or adopt a destination ACL that existed before the link copied the same binding', () => {
    const handMade = acl()
    const first = planAclSync({ source: [handMade], destination: [handMade], created: [], filters: all })
    assert.deepEqual(first.create, [], 'already present: nothing to create')
    assert.deepEqual(first.created, [], 'and not recorded as the link\'s own')
    const later = planAclSync({ source: [], destination: [handMade], created: first.created, filters: all })
    assert.deepEqual(later.delete, [], 'the source dropped it, the destination keeps its own')
  })

  test('planAclSync should forget a recorded copy someone removed by hand and re-create it only while still selected', () => {
    const copy = acl()
    const gone = planAclSync({ source: [], destination: [], created: [copy], filters: all })
    assert.deepEqual(gone, { create: [], delete: [], created: [] })
    const again = planAclSync({ source: [copy], destination: [], created: [copy], filters: all })
    assert.deepEqual(again.create, [copy])
    assert.deepEqual(again.created, [copy])
  })

  test('the link state record should keep the ACL sync record through the state topic encoding', () => {
    const configs = { 'bootstrap.servers': 'x:1' }
    const link = { linkName: 'a', linkId: 'id', sourceClusterId: null, configs, createdAtMs: 1, aclSyncCreated: [acl()] }
    const codec = { isSensitive: () => false }
    const decoded = decodeRecord(encodeLink(link, codec), codec)
    assert.equal(decoded.kind, 'link')
    assert.deepEqual(decoded.kind === 'link' ? toRecordedAclBindings(decoded.link.aclSyncCreated) : [], [acl()])
    const without = decodeRecord(encodeLink({ ...link, aclSyncCreated: [] }, codec), codec)
    assert.equal(without.kind === 'link' ? without.link.aclSyncCreated : 'x', undefined, 'no record, no field')
  })

  test('toRecordedAclBindings should drop records with names the engine does not know', () => {
    assert.deepEqual(toRecordedAclBindings([{ ...acl() }, { ...acl(), operation: 'FLY' }]), [acl()])
  })
})

describe('link configs for ACL sync', () => {
  const base = { 'bootstrap.servers': 'localhost:9092' }
  const topics = { resourceType: 'TOPIC', patternType: 'ANY' }
  const aclFilters = JSON.stringify({ aclFilters: [{ resourceFilter: topics, accessFilter: ANY_ACCESS }] })

  test('validateLinkConfigs should accept ACL sync with filters and refuse it without, with bad JSON or with a prefix', () => {
    assert.deepEqual(validateLinkConfigs({ ...base, 'acl.sync.enable': 'true', 'acl.filters': aclFilters, 'acl.sync.ms': '5000' }), [])
    assert.match(validateLinkConfigs({ ...base, 'acl.sync.enable': 'true' }).join(), /acl\.filters is empty/)
    assert.match(validateLinkConfigs({ ...base, 'acl.filters': '{"aclFilters":' }).join(), /^acl\.filters: is not JSON/)
    assert.match(validateLinkConfigs({ ...base, 'acl.sync.ms': '10' }).join(), /acl\.sync\.ms: must be a whole number/)
    const prefixed = validateLinkConfigs({ ...base, 'acl.sync.enable': 'true', 'acl.filters': aclFilters, 'cluster.link.prefix': 'dr.' })
    assert.match(prefixed.join(), /cannot be combined with cluster\.link\.prefix/)
  })

  test('validateLinkConfigs should refuse consumer.group.prefix.enable without cluster.link.prefix', () => {
    assert.match(validateLinkConfigs({ ...base, 'consumer.group.prefix.enable': 'true' }).join(), /has no cluster\.link\.prefix/)
    assert.deepEqual(validateLinkConfigs({ ...base, 'consumer.group.prefix.enable': 'true', 'cluster.link.prefix': 'dr.' }), [])
    assert.match(validateLinkConfigs({ ...base, 'consumer.group.prefix.enable': 'yes' }).join(), /must be true or false/)
  })
})

describe('runAclSync', () => {
  const orders = { resourceType: 'TOPIC', name: 'orders', patternType: 'MATCH' }
  const aclFilters = JSON.stringify({ aclFilters: [{ resourceFilter: orders, accessFilter: ANY_ACCESS }] })

  function side(acls: AclBinding[] | undefined): ClusterAdmin & { acls: AclBinding[] | undefined } {
    const fake = {
      acls,
      listAcls: async () => (fake.acls ? [...fake.acls] : undefined),
      createAcls: async (add: readonly AclBinding[]) => { fake.acls = [...(fake.acls ?? []), ...add] },
      deleteAcls: async (drop: readonly AclBinding[]) => {
        fake.acls = (fake.acls ?? []).filter((a) => !drop.some((d) => JSON.stringify(d) === JSON.stringify(a)))
      },
    }
    return fake as unknown as ClusterAdmin & { acls: AclBinding[] | undefined }
  }

  function context(source: ClusterAdmin, destination: ClusterAdmin) {
    const reports: AclSyncStatus[] = []
    let record: readonly AclBinding[] = []
    const ctx: AclSyncContext = {
      logger: createLogger({ level: 'silent' }),
      configs: () => ({ 'bootstrap.servers': 'x:1', 'acl.sync.enable': 'true', 'acl.filters': aclFilters }),
      linkState: () => 'ACTIVE', isCoordinator: () => true, source: () => source, destination,
      created: () => record, persistCreated: async (next) => { record = next },
      report: (status) => reports.push(status), countChanges: () => undefined,
    }
    return { ctx, reports, record: () => record }
  }

  test('runAclSync should copy, then remove its copy when the source drops it, leaving the destination\'s own ACL', async () => {
    const handMade = acl({ principal: 'User:ops' })
    const source = side([acl(), acl({ resourceName: 'payments' })])
    const destination = side([handMade])
    const { ctx, reports, record } = context(source, destination)
    await runAclSync(ctx)
    assert.deepEqual(destination.acls, [handMade, acl()])
    assert.deepEqual(record(), [acl()])
    source.acls = [handMade]
    await runAclSync(ctx)
    assert.deepEqual(destination.acls, [handMade], 'the copy went, the hand-made one stayed even though the source now has it too')
    assert.deepEqual(reports.at(-1), { ok: true, acls: 0 })
  })

  test('runAclSync should report AUTHORIZATION_ERROR when the engine may not list ACLs, and fail on other errors', async () => {
    const forbidden = side([])
    forbidden.listAcls = async () => { throw new EngineError('FORBIDDEN', 'describe acls not authorized') }
    const { ctx, reports } = context(side([acl()]), forbidden)
    await runAclSync(ctx)
    const last = reports.at(-1)
    assert.ok(last && !last.ok && last.errorCode === 'AUTHORIZATION_ERROR' && /principal on the destination/.test(last.message))
    forbidden.listAcls = async () => { throw new EngineError('KAFKA_ERROR', 'describe acls failed') }
    await assert.rejects(runAclSync(ctx), /describe acls failed/)
  })

  test('runAclSync should report SECURITY_DISABLED_ERROR, not fail, when a side has no authorizer', async () => {
    const { ctx, reports } = context(side(undefined), side([]))
    await runAclSync(ctx)
    const last = reports.at(-1)
    assert.ok(last && !last.ok && last.errorCode === 'SECURITY_DISABLED_ERROR' && /source cluster has no authorizer/.test(last.message))
  })
})

describe('consumer.group.prefix.enable', () => {
  function offsetSync(prefixGroups: boolean) {
    const source = new FakeCluster('src')
    const destination = new FakeCluster('dst')
    source.groups.set('billing', { members: 0, offsets: [{ topic: 'orders', partition: 0, offset: 7 }] })
    destination.topics.set('dr.orders', { partitions: 1, configs: {} })
    destination.logEnd.set('dr.orders:0', 10)
    destination.groups.set('billing', { members: 0, offsets: [{ topic: 'dr.orders', partition: 0, offset: 3 }] })
    const mirror = { state: { sourceTopicName: 'orders', mirrorTopicName: 'dr.orders' } } as unknown as MirrorController
    const configs = {
      'bootstrap.servers': 'x:1', 'cluster.link.prefix': 'dr.', 'consumer.offset.sync.enable': 'true',
      'consumer.offset.group.filters': '{"groupFilters":[{"name":"*"}]}', 'consumer.group.prefix.enable': String(prefixGroups),
    }
    const ctx = {
      linkName: 'dr', logger: createLogger({ level: 'silent' }), configs: () => configs, linkState: () => 'ACTIVE',
      source: () => source, destination, liveMirrors: () => [mirror], allMirrors: () => [mirror], isCoordinator: () => true,
      createMirror: async () => undefined, recordAvailability: () => undefined, recordOffsetSync: () => undefined,
    } satisfies LinkJobContext
    return { ctx, destination }
  }

  test('runConsumerOffsetSync should write groups under the link prefix when consumer.group.prefix.enable is true', async () => {
    const { ctx, destination } = offsetSync(true)
    await runConsumerOffsetSync(ctx)
    assert.deepEqual(destination.groups.get('dr.billing')?.offsets, [{ topic: 'dr.orders', partition: 0, offset: 7 }])
    const own = destination.groups.get('billing')?.offsets
    assert.deepEqual(own, [{ topic: 'dr.orders', partition: 0, offset: 3 }], 'DR\'s own group untouched')
  })

  test('runConsumerOffsetSync should write groups under their own name when consumer.group.prefix.enable is false', async () => {
    const { ctx, destination } = offsetSync(false)
    await runConsumerOffsetSync(ctx)
    assert.deepEqual(destination.groups.get('billing')?.offsets, [{ topic: 'dr.orders', partition: 0, offset: 7 }])
    assert.equal(destination.groups.has('dr.billing'), false)
  })
})

describe('MirrorWriteProtection reporting', () => {
  test('runWriteProtection should report a failing write guard once per run instead of failing; config sync does not depend on it', async () => {
    const source = new FakeCluster('src')
    const destination = new FakeCluster('dst')
    source.topics.set('orders', { partitions: 1, configs: { 'cleanup.policy': 'compact' } })
    destination.topics.set('orders', { partitions: 1, configs: { 'cleanup.policy': 'delete' } })
    let guardFails = true
    const mirror = {
      state: { sourceTopicName: 'orders', mirrorTopicName: 'orders' },
      protectWrites: async () => { if (guardFails) throw new Error('describe acls failed') },
      setKnownPartitions: () => undefined,
    } as unknown as MirrorController
    const reports: Array<string | null> = []
    const ctx = {
      linkName: 'a', logger: createLogger({ level: 'silent' }), configs: () => ({ 'bootstrap.servers': 'x:1' }), linkState: () => 'ACTIVE',
      source: () => source, destination, liveMirrors: () => [mirror], allMirrors: () => [mirror], isCoordinator: () => true,
      createMirror: async () => undefined, recordAvailability: () => undefined, recordOffsetSync: () => undefined,
      recordWriteGuard: (problem: string | null) => { reports.push(problem) },
    } satisfies LinkJobContext
    await runWriteProtection(ctx)
    assert.match(reports[0] ?? '', /orders: describe acls failed/)
    await runTopicConfigSync(ctx)
    assert.equal(destination.topics.get('orders')?.configs['cleanup.policy'], 'compact', 'config sync went on')
    assert.equal(reports.length, 1, 'config sync does not touch write denials')
    guardFails = false
    await runWriteProtection(ctx)
    assert.equal(reports[1], null, 'cleared once the guard works')
  })
})
