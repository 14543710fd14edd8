// Quick start: one cluster link from the local source cluster and one mirror topic, against `clusterlink local up`.
import type * as pulumi from '@pulumi/pulumi'
import { ClusterLink, MirrorTopic, type MirrorTopicArgs } from '../../../provider/pulumi/index.ts'

export interface QuickStartOptions {
  readonly sourceBootstrapServers: string
  readonly topic: string
  readonly status?: MirrorTopicArgs['status']
}

export function quickStart(options: QuickStartOptions): { linkState: pulumi.Output<string>; mirrorStatus: pulumi.Output<string>; totalLag: pulumi.Output<number> } {
  const link = new ClusterLink('quick-start', { linkName: 'quick-start', sourceBootstrapServers: options.sourceBootstrapServers })
  const mirror = new MirrorTopic(`quick-start-${options.topic}`, { linkName: link.linkName, sourceTopicName: options.topic, status: options.status ?? 'ACTIVE' })
  return { linkState: link.linkState, mirrorStatus: mirror.mirrorStatus, totalLag: mirror.totalLag }
}
