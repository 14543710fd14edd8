// Aggregation: several source clusters mirrored into one destination cluster, each link with its own prefix so topic names never collide.
import type * as pulumi from '@pulumi/pulumi'
import { ClusterLink, MirrorTopic } from '../../../provider/pulumi/index.ts'

export interface AggregationSource {
  /** Short name of the source (a region, a site); the link is `<name>-link` and the prefix `<name>.`. */
  readonly name: string
  readonly bootstrapServers: string
  readonly topics: readonly string[]
  /** Extra link configs for this source's link (topic.config.sync.ms, consumer.offset.sync.*, ...). */
  readonly linkConfigs?: Readonly<Record<string, string>>
}

export interface AggregationOptions {
  readonly sources: readonly AggregationSource[]
}

export interface AggregationOutputs {
  /** Mirror topic names on the destination, by source name. */
  readonly mirrorTopics: Record<string, pulumi.Output<string>[]>
  readonly linkStates: Record<string, pulumi.Output<string>>
}

/** Each source's topics land as `<name>.<topic>`: the link prefix names them, no mirrorTopicName needed. */
export function aggregation(options: AggregationOptions): AggregationOutputs {
  const mirrorTopics: AggregationOutputs['mirrorTopics'] = {}
  const linkStates: AggregationOutputs['linkStates'] = {}
  for (const source of options.sources) {
    const link = new ClusterLink(`${source.name}-link`, {
      linkName: `${source.name}-link`,
      sourceBootstrapServers: source.bootstrapServers,
      prefix: `${source.name}.`,
      configs: { ...source.linkConfigs },
    })
    linkStates[source.name] = link.linkState
    mirrorTopics[source.name] = source.topics.map((topic) => new MirrorTopic(`${source.name}-${topic}`, {
      linkName: link.linkName,
      sourceTopicName: topic,
      onDelete: 'DELETE_TOPIC',
    }).mirrorTopicName)
  }
  return { mirrorTopics, linkStates }
}
