// The configs a mirror topic is created with, and the check that an existing topic can be adopted as a mirror.
import { EngineError } from '../errors.ts'

/** Long.MAX_VALUE: no timestamp window (4.1.1 defaults message.timestamp.after.max.ms to 1 h: observed X4). */
const NO_LIMIT = '9223372036854775807'
const DEFAULT_MAX_MESSAGE_BYTES = 1048588

/** Configs that keep batches as sent (LogValidator: in place only when the codec matches and timestamps are CreateTime). */
export const FORCED_MIRROR_CONFIGS: Readonly<Record<string, string>> = {
  'compression.type': 'producer',
  'message.timestamp.type': 'CreateTime',
  'message.timestamp.before.max.ms': NO_LIMIT,
  'message.timestamp.after.max.ms': NO_LIMIT,
}

/** Source configs copied to a new mirror topic (the rest is config sync's job in link/). */
const COPIED_FROM_SOURCE = ['cleanup.policy', 'retention.ms', 'retention.bytes', 'min.compaction.lag.ms', 'delete.retention.ms']

export function mirrorTopicConfigs(
  sourceConfigs: Readonly<Record<string, string>>, specConfigs: Readonly<Record<string, string>>,
): Record<string, string> {
  const out: Record<string, string> = {}
  for (const key of COPIED_FROM_SOURCE) if (sourceConfigs[key] !== undefined) out[key] = sourceConfigs[key]!
  Object.assign(out, specConfigs, FORCED_MIRROR_CONFIGS)
  const sourceMax = Number(sourceConfigs['max.message.bytes'] ?? DEFAULT_MAX_MESSAGE_BYTES)
  const specMax = Number(specConfigs['max.message.bytes'] ?? 0)
  out['max.message.bytes'] = String(Math.max(sourceMax, specMax, DEFAULT_MAX_MESSAGE_BYTES))
  return out
}

/** An existing topic is adoptable only with configs that keep batches byte for byte and timestamps as created. */
export function checkAdoptableConfigs(topic: string, configs: Readonly<Record<string, string>>): void {
  const wrong = ['compression.type', 'message.timestamp.type'].filter((k) => configs[k] !== undefined && configs[k] !== FORCED_MIRROR_CONFIGS[k])
  if (wrong.length > 0) {
    throw new EngineError('ALREADY_EXISTS', `topic '${topic}' exists and is not a mirror topic (${wrong.map((k) => `${k}=${configs[k]}`).join(', ')}); delete it or choose another mirror topic name`, { context: { topic } })
  }
}
