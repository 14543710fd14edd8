// Creates or adopts a runner's mirror topic: checks broker versions, records the source topic's identity, creates the
// topic (or checks an existing one can be adopted) and grows it to the source's partition count.
import type { Logger } from '../logging/index.ts'
import { EngineError, isEngineError } from '../errors.ts'
import {
  createPartitions, createTopic, describeTopicConfigs, identityOf, type KafkaClusterClient, type SourceTopicIdentity,
} from '../kafka/index.ts'
import type { MirrorTopicSpec } from './contract.ts'
import { checkAdoptableConfigs, mirrorTopicConfigs } from './mirror-topic-configs.ts'
import { sleep } from '../retry.ts'

export interface MirrorTopicSetup {
  readonly source: KafkaClusterClient
  readonly destination: KafkaClusterClient
  readonly spec: MirrorTopicSpec
  readonly log: Logger
  /** Called as soon as the source topic was described, before anything that may fail (a retry keeps the first identity). */
  readonly rememberSource: (topicId: string, identity: SourceTopicIdentity) => void
}

/** The source's partition count and the mirror topic's id, once the mirror topic exists with that many partitions. */
export async function prepareMirrorTopic(o: MirrorTopicSetup): Promise<{ sourcePartitions: number; mirrorTopicId: string }> {
  const spec = o.spec
  // A broker without an API version the engine needs: FAILED with "unsupported broker version" (not retried forever).
  const unsupported = (await o.source.checkBrokerVersions('source')) ?? (await o.destination.checkBrokerVersions('destination'))
  if (unsupported) throw unsupported
  const source = await o.source.describeTopic(spec.sourceTopic)
  if (!source) {
    throw new EngineError('NOT_FOUND', `source topic '${spec.sourceTopic}' does not exist`, { context: { topic: spec.sourceTopic } })
  }
  o.rememberSource(source.topicId, identityOf(source))
  const sourceConfigs = await describeTopicConfigs(o.source, spec.sourceTopic)
  const mirror = await o.destination.describeTopic(spec.mirrorTopic)
  const partitions = source.partitions.length
  if (!mirror) {
    const mirrorTopicId = await createTopic(o.destination, {
      name: spec.mirrorTopic, partitions, replicationFactor: spec.replicationFactor ?? -1,
      configs: mirrorTopicConfigs(sourceConfigs, spec.configs ?? {}),
    }).catch((error: unknown) => {
      // The controller has the topic but this broker's metadata does not list it yet (seen with 10,000 fresh partitions,
      // on a retry after "no leaders yet"): try again; the next attempt sees it and runs the adoption checks.
      if (isEngineError(error) && error.code === 'ALREADY_EXISTS') {
        throw new EngineError('DESTINATION_UNAVAILABLE', `mirror topic '${spec.mirrorTopic}' exists but is not in the metadata yet`,
          { retriable: true, cause: error })
      }
      throw error
    })
    o.log.info({ partitions }, 'mirror topic created')
    await waitForTopicLeaders(o.destination, spec.mirrorTopic, partitions)
    return { sourcePartitions: partitions, mirrorTopicId }
  }
  // Adopting an existing topic: its configs must keep batches as sent; each partition's last batch must carry this
  // mirror's producer identity (checked by PartitionWriter.open): that is how a foreign topic is told apart.
  checkAdoptableConfigs(spec.mirrorTopic, await describeTopicConfigs(o.destination, spec.mirrorTopic))
  if (mirror.partitions.length > partitions) {
    throw new EngineError('ALREADY_EXISTS', `topic '${spec.mirrorTopic}' exists with ${mirror.partitions.length} partitions, `
      + `more than the source's ${partitions}: not a mirror of '${spec.sourceTopic}'`)
  }
  if (mirror.partitions.length < partitions) {
    await createPartitions(o.destination, spec.mirrorTopic, partitions)
    await waitForTopicLeaders(o.destination, spec.mirrorTopic, partitions)
  }
  return { sourcePartitions: partitions, mirrorTopicId: mirror.topicId }
}

/** Waits (up to 30 s) until the topic has `partitions` partitions, each with a leader. */
export async function waitForTopicLeaders(destination: KafkaClusterClient, topic: string, partitions: number): Promise<void> {
  for (let i = 0; i < 300; i++) {
    const t = await destination.describeTopic(topic)
    if (t && t.partitions.length >= partitions && t.partitions.every((p) => p.leaderId >= 0)) return
    await sleep(100)
  }
  throw new EngineError('DESTINATION_UNAVAILABLE', `mirror topic '${topic}' has no leaders yet`, { retriable: true })
}
