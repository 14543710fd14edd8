// Cluster migration: mirror every topic from the old cluster, then promote them batch by batch (each promote waits for lag 0), one `pulumi up` per batch.
import type * as pulumi from '@pulumi/pulumi'
import { ClusterLink, MirrorTopic } from '../../../provider/pulumi/index.ts'

export interface MigrationOptions {
  readonly linkName: string
  /** Bootstrap servers of the cluster being migrated away from. */
  readonly oldClusterBootstrapServers: string
  /** Topics in cut-over order: batch 0 first. */
  readonly batches: readonly (readonly string[])[]
  /** How many batches, from the first, are PROMOTED (writable on the new cluster); raise it by one per cut-over. */
  readonly promotedBatches: number
  /** How long each promote may wait for lag 0, in ms; default 300000. */
  readonly promoteTimeoutMs?: number
}

export interface MigrationOutputs {
  readonly linkId: pulumi.Output<string>
  readonly topics: Record<string, { batch: number; status: pulumi.Output<string>; mirrorStatus: pulumi.Output<string>; totalLag: pulumi.Output<number> }>
}

/** Batch k's mirrors depend on batch k-1's, so when several batches are promoted in one `up` they still go in order. */
export function migration(options: MigrationOptions): MigrationOutputs {
  const link = new ClusterLink(options.linkName, {
    linkName: options.linkName,
    sourceBootstrapServers: options.oldClusterBootstrapServers,
  })
  const topics: MigrationOutputs['topics'] = {}
  let previousBatch: MirrorTopic[] = []
  options.batches.forEach((batch, index) => {
    const status = index < options.promotedBatches ? 'PROMOTED' : 'ACTIVE'
    const current = batch.map((topic) => new MirrorTopic(`${options.linkName}-${topic}`, {
      linkName: link.linkName,
      sourceTopicName: topic,
      status,
      ...(options.promoteTimeoutMs ? { promoteTimeoutMs: options.promoteTimeoutMs } : {}),
    }, { dependsOn: previousBatch }))
    current.forEach((mirror, i) => {
      topics[batch[i]!] = { batch: index, status: mirror.status, mirrorStatus: mirror.mirrorStatus, totalLag: mirror.totalLag }
    })
    previousBatch = current
  })
  return { linkId: link.linkId, topics }
}
