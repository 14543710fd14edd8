// Runs pause, resume, promote or failover on each named mirror topic of a link and answers per topic, never all-or-nothing.
import type { Logger } from '../logging/index.ts'
import type { AlterResult } from './alter-result.ts'
import type { LinkRegistry } from './link-registry.ts'
import { checkMirrorAction, type MirrorAction } from './mirror-status.ts'

/** errorCode null on success, NOT_FOUND, INVALID_STATE (refused, the message says why) or DESTINATION_UNAVAILABLE (not stored). */
export async function alterMirrorTopics(
  registry: LinkRegistry, linkName: string, action: MirrorAction, names: readonly string[], validateOnly: boolean, log: Logger,
): Promise<AlterResult[]> {
  const link = registry.requireLink(linkName)
  const results: AlterResult[] = []
  for (const name of names) {
    const mirror = registry.mirrorOf(linkName, name)
    if (!mirror) {
      const errorMessage = `mirror topic '${name}' does not exist on link '${linkName}'`
      results.push({ mirrorTopicName: name, errorCode: 'NOT_FOUND', errorMessage, view: undefined })
      continue
    }
    const before = mirror.view(link.linkState())
    const problem = checkMirrorAction(action, before.status, before.mirrorTopicError)
    if (problem) {
      results.push({ mirrorTopicName: name, errorCode: 'INVALID_STATE', errorMessage: problem, view: before })
      continue
    }
    if (!validateOnly) {
      try {
        // The state machine has the last word (a resume of a FAILED mirror whose failure cannot be retried is refused there too).
        const refused = await mirror[action]()
        if (refused !== undefined) {
          results.push({ mirrorTopicName: name, errorCode: 'INVALID_STATE', errorMessage: refused, view: mirror.view(link.linkState()) })
          continue
        }
      } catch (error) {
        log.error({ err: error, link: linkName, topic: name, action }, 'mirror action failed')
        const errorMessage = `${action} could not be stored (the destination cluster did not answer); nothing changed, retry`
        results.push({ mirrorTopicName: name, errorCode: 'DESTINATION_UNAVAILABLE', errorMessage, view: mirror.view(link.linkState()) })
        continue
      }
    }
    results.push({ mirrorTopicName: name, errorCode: null, errorMessage: null, view: mirror.view(link.linkState()) })
  }
  return results
}
