// The MirrorTopic Pulumi resource: a read-only destination topic that copies one source topic over a cluster link, with
// status, lag and partitions as outputs.
import * as pulumi from '@pulumi/pulumi'
import {
  MIRROR_TOPIC_SECRET_FIELDS, mirrorTopicInputsSchema, type FailbackCheck, type FailbackMethod, type MirrorDeleteMode, type MirrorDirection,
  type MirrorTopicStatus,
} from '../spec/index.ts'
import type { FailbackOutcome } from '../lifecycle/index.ts'
import { createDynamicProvider } from './dynamic-provider.ts'
import { handlersUrl } from './handlers-url.ts'

/** Type token (API: never changes): pulumi-nodejs:dynamic/clusterlink:MirrorTopic. */
export const MIRROR_TOPIC_TYPE = 'MirrorTopic'

export interface MirrorTopicArgs {
  /** The cluster link that mirrors the topic (pass `link.linkName` so the link is created first). Replaces on change. */
  readonly linkName: pulumi.Input<string>
  /** The topic on the source cluster. Replaces on change. */
  readonly sourceTopicName: pulumi.Input<string>
  /** The mirror topic on the destination. Default: the link's prefix + sourceTopicName. Replaces on change. */
  readonly mirrorTopicName?: pulumi.Input<string>
  /** Replication factor of the mirror topic. Default: the destination's default. Replaces on change. */
  readonly replicationFactor?: pulumi.Input<number>
  /** Topic config overrides set when the mirror topic is created. Default none. Replaces on change. */
  readonly configs?: pulumi.Input<Record<string, pulumi.Input<string>>>
  /**
   * ACTIVE (default): mirroring. PAUSED: stopped fetching, topic kept read-only. PROMOTED: waits (up to
   * promoteTimeoutMs) for lag 0, then stops mirroring; the topic becomes writable. FAILED_OVER: stops now, whatever
   * the lag (also from FAILED or SOURCE_UNAVAILABLE); the topic becomes writable. PROMOTED and FAILED_OVER are final.
   */
  readonly status?: pulumi.Input<MirrorTopicStatus>
  /** How long PROMOTED waits for lag 0 and for the mirror to stop, in ms. Default 300000. */
  readonly promoteTimeoutMs?: pulumi.Input<number>
  /**
   * What deleting this resource does. STOP_AND_KEEP_TOPIC (default): fail the mirror over (stop now) and keep the
   * topic with its records, writable. DELETE_TOPIC: also delete the topic and its records.
   */
  readonly onDelete?: pulumi.Input<MirrorDeleteMode>
  /**
   * Which side is the mirror. FORWARD (default): the source topic is copied into the destination topic. REVERSE
   * (failback): the destination topic is copied back into the source-cluster topic. Change it only from a stopped mirror
   * (status PROMOTED or FAILED_OVER applied), together with status ACTIVE or PAUSED; preview refuses anything else.
   */
  readonly direction?: pulumi.Input<MirrorDirection>
  /**
   * How a change of direction happens. REVERSE (default): reverse-and-start (or -pause), refused when the side that
   * becomes the mirror holds records the other lacks. TRUNCATE_AND_RESTORE: those records move to a side topic
   * (output lastFailback.truncatedRecordsTopic), then that side is rebuilt as a mirror.
   */
  readonly failbackMethod?: pulumi.Input<FailbackMethod>
  /** Engine URL. Default: stack config clusterlink:endpoint. */
  readonly endpoint?: pulumi.Input<string>
  /** Engine bearer token (secret). Default: secret stack config clusterlink:token. */
  readonly token?: pulumi.Input<string>
  /** Destination cluster id. Default: the one cluster the engine serves (or stack config clusterlink:clusterId). */
  readonly clusterId?: pulumi.Input<string>
  /** Take over this mirror topic when it already exists on the engine. Default false. */
  readonly adopt?: pulumi.Input<boolean>
}

export interface MirrorPartitionLag {
  readonly partition: number
  /** Source high watermark minus destination log end offset, in records. */
  readonly lag: number
  /** Every source offset below this one has been copied. */
  readonly lastSourceFetchOffset: number
}

/** Every property the resource outputs (inputs read back included), seeded as undefined so Pulumi exposes each one as an Output. */
const OUTPUTS = Object.fromEntries([...Object.keys(mirrorTopicInputsSchema.shape), 'mirrorStatus', 'mirrorTopicError', 'partitionCount', 'mirrorLags', 'totalLag',
  'failbackCheck', 'lastFailback']
  .map((key) => [key, undefined]))

/** A mirror topic: a read-only destination topic holding the source topic's records at identical offsets. */
export class MirrorTopic extends pulumi.dynamic.Resource {
  declare readonly linkName: pulumi.Output<string>
  declare readonly sourceTopicName: pulumi.Output<string>
  declare readonly mirrorTopicName: pulumi.Output<string>
  declare readonly status: pulumi.Output<MirrorTopicStatus>
  declare readonly clusterId: pulumi.Output<string>
  /** The engine's mirror_status (ACTIVE, PAUSED, PENDING_STOPPED, STOPPED, FAILED, SOURCE_UNAVAILABLE, LINK_PAUSED, ...). */
  declare readonly mirrorStatus: pulumi.Output<string>
  declare readonly mirrorTopicError: pulumi.Output<string>
  declare readonly partitionCount: pulumi.Output<number>
  /** Lag per mirror partition, as of the last up or refresh. */
  declare readonly mirrorLags: pulumi.Output<MirrorPartitionLag[]>
  declare readonly totalLag: pulumi.Output<number>
  /** FORWARD, or REVERSE after a failback (as the engine reports it). */
  declare readonly direction: pulumi.Output<MirrorDirection>
  /**
   * For a STOPPED mirror, at the last up or refresh: whether a REVERSE would be refused, and how many records
   * TRUNCATE_AND_RESTORE would set aside.
   */
  declare readonly failbackCheck: pulumi.Output<FailbackCheck | null>
  /** What the last failback did: the action, records set aside and the side topic that holds them. */
  declare readonly lastFailback: pulumi.Output<FailbackOutcome | null>

  constructor(name: string, args: MirrorTopicArgs, opts: pulumi.CustomResourceOptions = {}) {
    const props = { ...OUTPUTS, ...args, token: args.token === undefined ? undefined : pulumi.secret(args.token) }
    const additionalSecretOutputs = [...new Set([...(opts.additionalSecretOutputs ?? []), ...MIRROR_TOPIC_SECRET_FIELDS])]
    super(createDynamicProvider('MirrorTopic', handlersUrl()), name, props, { ...opts, additionalSecretOutputs }, 'clusterlink', MIRROR_TOPIC_TYPE)
  }
}
