// Pure rules for creating a mirror topic: its name follows the link's prefix, and only settable topic configs are given.
import { CONFIGURABLE_TOPIC_CONFIGS } from './link-configs.ts'

export interface CreateMirrorInput {
  readonly sourceTopicName: string
  readonly mirrorTopicName?: string | undefined
  readonly replicationFactor?: number | undefined
  readonly configs?: Readonly<Record<string, string>> | undefined
}

/** The mirror topic name is the link prefix plus the source topic name; returns it and every problem with the input. */
export function mirrorCreateProblems(prefix: string, input: CreateMirrorInput): { mirrorTopicName: string; problems: string[] } {
  const expected = `${prefix}${input.sourceTopicName}`
  const mirrorTopicName = input.mirrorTopicName ?? expected
  const problems: string[] = []
  if (mirrorTopicName !== expected) {
    problems.push(prefix
      ? `mirror_topic_name must be the link prefix plus the source topic name ('${expected}'), got '${mirrorTopicName}'`
      : `mirror_topic_name must equal source_topic_name ('${expected}') on a link without cluster.link.prefix, got '${mirrorTopicName}'`)
  }
  if (mirrorTopicName.length > 249) problems.push(`mirror topic name '${mirrorTopicName.slice(0, 40)}...' is longer than 249 characters`)
  const settable: readonly string[] = CONFIGURABLE_TOPIC_CONFIGS
  const badConfigs = Object.keys(input.configs ?? {}).filter((name) => !settable.includes(name))
  if (badConfigs.length > 0) {
    problems.push(`mirror topic configs ${badConfigs.join(', ')} cannot be set; settable: ${CONFIGURABLE_TOPIC_CONFIGS.join(', ')}`)
  }
  return { mirrorTopicName, problems }
}
