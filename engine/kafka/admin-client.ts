// Admin calls the control plane (link/, state/, replicas/) makes on a source or destination cluster, behind one small interface.
import {
  AclOperations, AclPermissionTypes, Admin, ConfigResourceTypes, ConfigSources, IncrementalAlterConfigOperationTypes, ResourcePatternTypes,
  ResourceTypes, type Acl,
} from '@platformatic/kafka'
import { EngineError } from '../errors.ts'
import { ACL_OPERATIONS, ACL_RESOURCE_TYPES, type AclBinding } from '../link/acl-sync-filters.ts'
import { clientOptionsFor } from './client-options.ts'
import type { KafkaConnectionConfig } from './connection-config.ts'
import { KafkaErrorCodes, kafkaErrorCodeOf, toEngineError, type ClusterSide } from './kafka-errors.ts'

export interface TopicConfigEntry {
  readonly value: string | null
  /** True when the topic sets it itself (not inherited from the broker or the default). */
  readonly isTopicOverride: boolean
}

export interface GroupOffset {
  readonly topic: string
  readonly partition: number
  readonly offset: number
}

/** A topic ACL entry (only the fields the write guard needs). */
export interface TopicAcl {
  readonly topic: string
  readonly patternType: 'LITERAL' | 'PREFIXED'
  readonly principal: string
  readonly host: string
  readonly operation: 'WRITE' | 'ALL' | 'OTHER'
  readonly permission: 'ALLOW' | 'DENY'
}

/** What link/ and state/ need from a cluster; `createClusterAdmin` implements it, tests pass fakes. */
export interface ClusterAdmin {
  clusterId(): Promise<string>
  brokerCount(): Promise<number>
  /** Topic names, internal topics excluded. */
  listTopics(): Promise<string[]>
  /** Partition count, or undefined when the topic does not exist. */
  partitionCount(topic: string): Promise<number | undefined>
  topicConfigs(topic: string): Promise<Record<string, TopicConfigEntry>>
  createTopic(topic: string, partitions: number, replicas: number | undefined, configs: Readonly<Record<string, string>>): Promise<void>
  deleteTopic(topic: string): Promise<void>
  alterTopicConfigs(topic: string, set: Readonly<Record<string, string>>): Promise<void>
  /** Earliest or latest offset per partition. */
  listOffsets(topic: string, partitions: readonly number[], which: 'earliest' | 'latest'): Promise<Map<number, number>>
  listGroups(): Promise<string[]>
  /** True when the group has members (a consumer is running), so its offsets must not be changed. */
  hasActiveMembers(group: string): Promise<boolean>
  groupOffsets(group: string): Promise<GroupOffset[]>
  alterGroupOffsets(group: string, offsets: readonly GroupOffset[]): Promise<void>
  /** Topic ACLs whose pattern matches the topic (literal, prefixed, wildcard); undefined when the cluster has no authorizer. */
  topicAcls(topic: string): Promise<TopicAcl[] | undefined>
  createTopicAcls(acls: readonly TopicAcl[]): Promise<void>
  deleteTopicAcls(acls: readonly TopicAcl[]): Promise<void>
  /** Every ACL binding of the cluster (ACL sync); undefined when the cluster has no authorizer. Optional: fakes may leave it out. */
  listAcls?(): Promise<AclBinding[] | undefined>
  createAcls?(acls: readonly AclBinding[]): Promise<void>
  /** Deletes exactly these bindings (each filter names one binding, no ANY or MATCH). */
  deleteAcls?(acls: readonly AclBinding[]): Promise<void>
  close(): Promise<void>
}

const OPERATION_CODES = { WRITE: AclOperations.WRITE, ALL: AclOperations.ALL, OTHER: AclOperations.ANY } as const

function toAcl(acl: TopicAcl): Acl {
  return {
    resourceType: ResourceTypes.TOPIC, resourceName: acl.topic,
    resourcePatternType: acl.patternType === 'LITERAL' ? ResourcePatternTypes.LITERAL : ResourcePatternTypes.PREFIXED,
    principal: acl.principal, host: acl.host, operation: OPERATION_CODES[acl.operation],
    permissionType: acl.permission === 'ALLOW' ? AclPermissionTypes.ALLOW : AclPermissionTypes.DENY,
  }
}

function fromAclBinding(acl: AclBinding): Acl {
  return {
    resourceType: ResourceTypes[acl.resourceType], resourceName: acl.resourceName,
    resourcePatternType: ResourcePatternTypes[acl.patternType], principal: acl.principal, host: acl.host,
    operation: AclOperations[acl.operation], permissionType: AclPermissionTypes[acl.permission],
  }
}

/** Bindings with a type, operation or pattern the engine does not know (a newer broker) are left out, never guessed. */
function toAclBindings(resources: Awaited<ReturnType<Admin['describeAcls']>>): AclBinding[] {
  const nameOf = <T extends string>(names: readonly T[], table: Record<string, number>, code: number): T | undefined =>
    names.find((name) => table[name] === code)
  const out: AclBinding[] = []
  for (const r of resources) {
    const resourceType = nameOf(ACL_RESOURCE_TYPES, ResourceTypes, r.resourceType)
    const patternType = nameOf(['LITERAL', 'PREFIXED'] as const, ResourcePatternTypes, r.resourcePatternType)
    for (const a of r.acls) {
      const operation = nameOf(ACL_OPERATIONS, AclOperations, a.operation)
      const permission = nameOf(['ALLOW', 'DENY'] as const, AclPermissionTypes, a.permissionType)
      if (!resourceType || !patternType || !operation || !permission) continue
      out.push({ resourceType, resourceName: r.resourceName, patternType, principal: a.principal, host: a.host, operation, permission })
    }
  }
  return out
}

/** DescribeAcls on a cluster without an authorizer answers SECURITY_DISABLED: there are no ACLs to read. */
function isSecurityDisabled(error: unknown): boolean {
  return kafkaErrorCodeOf(error) === KafkaErrorCodes.SECURITY_DISABLED
}

/** ACL calls the engine's principal may not make: FORBIDDEN (ACL sync reports it as a standing problem, not a failure). */
function toAclCallError(action: string, side: ClusterSide, error: unknown): EngineError {
  if (kafkaErrorCodeOf(error) === KafkaErrorCodes.CLUSTER_AUTHORIZATION_FAILED) {
    return new EngineError('FORBIDDEN', `${action} not authorized (the principal needs DESCRIBE and ALTER on the cluster)`, { cause: error })
  }
  return toEngineError(error, side, action)
}

/** A ClusterAdmin over the client's Admin; `side` names the cluster in errors (SOURCE_ or DESTINATION_UNAVAILABLE). */
export function createClusterAdmin(connection: KafkaConnectionConfig, clientId: string, side: ClusterSide = 'source'): ClusterAdmin {
  const admin = new Admin(clientOptionsFor(connection, clientId))
  const call = async <T>(action: string, fn: () => Promise<T>): Promise<T> => {
    try {
      return await fn()
    } catch (error) {
      throw toEngineError(error, side, action)
    }
  }
  return {
    clusterId: () => call('metadata', async () => (await admin.metadata({ topics: [], forceUpdate: true })).id),
    brokerCount: () => call('metadata', async () => (await admin.metadata({ topics: [] })).brokers.size),
    listTopics: () => call('list topics', async () => (await admin.listTopics({ includeInternals: false })).filter((t) => !t.startsWith('__'))),
    partitionCount: (topic) => call('describe topic', async () => {
      const topics = await admin.listTopics({ includeInternals: true })
      if (!topics.includes(topic)) return undefined
      const metadata = await admin.metadata({ topics: [topic], forceUpdate: true })
      return metadata.topics.get(topic)?.partitionsCount
    }),
    topicConfigs: (topic) => call('describe topic configs', async () => {
      const [description] = await admin.describeConfigs({ resources: [{ resourceType: ConfigResourceTypes.TOPIC, resourceName: topic }] })
      const out: Record<string, TopicConfigEntry> = {}
      for (const config of description?.configs ?? []) {
        out[config.name] = { value: config.value ?? null, isTopicOverride: config.configSource === ConfigSources.DYNAMIC_TOPIC_CONFIG }
      }
      return out
    }),
    createTopic: (topic, partitions, replicas, configs) => call('create topic', async () => {
      await admin.createTopics({
        topics: [topic], partitions, replicas: replicas ?? -1,
        configs: Object.entries(configs).map(([name, value]) => ({ name, value })),
      })
    }),
    deleteTopic: (topic) => call('delete topic', () => admin.deleteTopics({ topics: [topic] })),
    alterTopicConfigs: (topic, set) => call('alter topic configs', () => admin.incrementalAlterConfigs({
      resources: [{
        resourceType: ConfigResourceTypes.TOPIC, resourceName: topic,
        configs: Object.entries(set).map(([name, value]) => ({ name, value, configOperation: IncrementalAlterConfigOperationTypes.SET })),
      }],
    })),
    listOffsets: (topic, partitions, which) => call('list offsets', async () => {
      const timestamp = which === 'earliest' ? -2n : -1n
      const [result] = await admin.listOffsets({
        topics: [{ name: topic, partitions: partitions.map((partitionIndex) => ({ partitionIndex, timestamp })) }],
      })
      return new Map((result?.partitions ?? []).map((p) => [p.partitionIndex, Number(p.offset)]))
    }),
    listGroups: () => call('list groups', async () => [...(await admin.listGroups()).keys()]),
    hasActiveMembers: (group) => call('describe group', async () => {
      const described = (await admin.describeGroups({ groups: [group] })).get(group)
      return described !== undefined && described.members.size > 0
    }),
    groupOffsets: (group) => call('list group offsets', async () => {
      const [result] = await admin.listConsumerGroupOffsets({ groups: [group] })
      return (result?.topics ?? []).flatMap((t) => t.partitions
        .filter((p) => p.committedOffset >= 0n)
        .map((p) => ({ topic: t.name, partition: p.partitionIndex, offset: Number(p.committedOffset) })))
    }),
    alterGroupOffsets: (group, offsets) => call('alter group offsets', async () => {
      const byTopic = new Map<string, Array<{ partition: number; offset: bigint }>>()
      for (const o of offsets) byTopic.set(o.topic, [...(byTopic.get(o.topic) ?? []), { partition: o.partition, offset: BigInt(o.offset) }])
      await admin.alterConsumerGroupOffsets({
        groupId: group, topics: [...byTopic].map(([name, partitionOffsets]) => ({ name, partitionOffsets })),
      })
    }),
    topicAcls: async (topic) => {
      try {
        const resources = await admin.describeAcls({ filter: {
          resourceType: ResourceTypes.TOPIC, resourceName: topic, resourcePatternType: ResourcePatternTypes.MATCH,
          principal: null, host: null, operation: AclOperations.ANY, permissionType: AclPermissionTypes.ANY,
        } })
        return resources.flatMap((r) => r.acls.map((a): TopicAcl => ({
          topic: r.resourceName,
          patternType: r.resourcePatternType === ResourcePatternTypes.PREFIXED ? 'PREFIXED' : 'LITERAL',
          principal: a.principal, host: a.host,
          operation: a.operation === AclOperations.WRITE ? 'WRITE' : a.operation === AclOperations.ALL ? 'ALL' : 'OTHER',
          permission: a.permissionType === AclPermissionTypes.DENY ? 'DENY' : 'ALLOW',
        })))
      } catch (error) {
        if (isSecurityDisabled(error)) return undefined
        throw toEngineError(error, side, 'describe acls')
      }
    },
    createTopicAcls: (acls) => call('create acls', () => admin.createAcls({ creations: acls.map(toAcl) })),
    deleteTopicAcls: (acls) => call('delete acls', async () => { await admin.deleteAcls({ filters: acls.map(toAcl) }) }),
    listAcls: async () => {
      try {
        return toAclBindings(await admin.describeAcls({ filter: {
          resourceType: ResourceTypes.ANY, resourceName: null, resourcePatternType: ResourcePatternTypes.ANY,
          principal: null, host: null, operation: AclOperations.ANY, permissionType: AclPermissionTypes.ANY,
        } }))
      } catch (error) {
        if (isSecurityDisabled(error)) return undefined
        throw toAclCallError('describe acls', side, error)
      }
    },
    createAcls: (acls) => admin.createAcls({ creations: acls.map(fromAclBinding) })
      .then(() => undefined, (error: unknown) => { throw toAclCallError('create acls', side, error) }),
    deleteAcls: (acls) => admin.deleteAcls({ filters: acls.map(fromAclBinding) })
      .then(() => undefined, (error: unknown) => { throw toAclCallError('delete acls', side, error) }),
    close: () => admin.close(),
  }
}
