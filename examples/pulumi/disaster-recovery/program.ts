// Disaster-recovery pair: one cluster link from the primary (source) to the DR cluster, mirror topics with consumer offset sync, failover by changing status.
import type * as pulumi from '@pulumi/pulumi'
import { ClusterLink, MirrorTopic } from '../../../provider/pulumi/index.ts'
import type { MirrorDeleteMode, MirrorTopicStatus } from '../../../provider/spec/index.ts'

export interface DisasterRecoveryOptions {
  /** Name of the cluster link on the engine (which runs next to the DR cluster). */
  readonly linkName: string
  /** Bootstrap servers of the primary cluster. */
  readonly primaryBootstrapServers: string
  /** Topics to protect; each gets a mirror topic of the same name on the DR cluster. */
  readonly topics: readonly string[]
  /** ACTIVE in normal times; FAILED_OVER (stop now) or PROMOTED (after lag 0) to move producers and consumers to the DR cluster. */
  readonly status?: MirrorTopicStatus
  /** How often committed consumer offsets are copied, in ms; default 5000. */
  readonly offsetSyncMs?: number
  /** Extra link configs. */
  readonly linkConfigs?: Readonly<Record<string, string>>
  /** What destroying a mirror topic does; default STOP_AND_KEEP_TOPIC. */
  readonly onDelete?: MirrorDeleteMode
}

export interface DisasterRecoveryOutputs {
  readonly linkId: pulumi.Output<string>
  readonly linkState: pulumi.Output<string>
  readonly mirrors: Record<string, { status: pulumi.Output<string>; mirrorStatus: pulumi.Output<string>; totalLag: pulumi.Output<number>; partitionCount: pulumi.Output<number> }>
}

/** Declares the DR pair; consumer groups' committed offsets follow the mirrors, so consumers resume on the DR cluster where they left off. */
export function disasterRecovery(options: DisasterRecoveryOptions): DisasterRecoveryOutputs {
  const link = new ClusterLink(options.linkName, {
    linkName: options.linkName,
    sourceBootstrapServers: options.primaryBootstrapServers,
    configs: {
      'consumer.offset.sync.enable': 'true',
      'consumer.offset.sync.ms': String(options.offsetSyncMs ?? 5000),
      'consumer.offset.group.filters': JSON.stringify({ groupFilters: [{ name: '*', patternType: 'LITERAL', filterType: 'INCLUDE' }] }),
      ...options.linkConfigs,
    },
  })
  const mirrors: DisasterRecoveryOutputs['mirrors'] = {}
  for (const topic of options.topics) {
    const mirror = new MirrorTopic(`${options.linkName}-${topic}`, {
      linkName: link.linkName,
      sourceTopicName: topic,
      status: options.status ?? 'ACTIVE',
      onDelete: options.onDelete ?? 'STOP_AND_KEEP_TOPIC',
    })
    mirrors[topic] = { status: mirror.status, mirrorStatus: mirror.mirrorStatus, totalLag: mirror.totalLag, partitionCount: mirror.partitionCount }
  }
  return { linkId: link.linkId, linkState: link.linkState, mirrors }
}
