// Keeps mirror topics read-only on a destination with an authorizer: DENY WRITE for every principal that may write, except the engine.
import type { Logger } from '../logging/index.ts'
import type { ClusterAdmin, TopicAcl } from './kafka-admin.ts'

/**
 * Invariant: while a mirror topic is not STOPPED, every principal other than the engine's that holds an ALLOW WRITE
 * (or ALL) matching the topic also holds a LITERAL DENY WRITE on it; DENY wins over ALLOW in Kafka's authorizer.
 * The guard owns every LITERAL DENY WRITE on a mirror topic's exact name and removes them when the mirror stops.
 * A wildcard principal (User:*) cannot be denied without denying the engine too: it is reported, not denied.
 */
export function planWriteDenials(
  acls: readonly TopicAcl[], topic: string, enginePrincipal: string,
): { deny: TopicAcl[]; unguarded: string[] } {
  const writers = new Set(acls.filter((a) => a.permission === 'ALLOW' && (a.operation === 'WRITE' || a.operation === 'ALL')).map((a) => a.principal))
  writers.delete(enginePrincipal)
  const denied = new Set(acls.filter((a) => isGuardAcl(a, topic)).map((a) => a.principal))
  const unguarded = [...writers].filter((p) => p === 'User:*')
  const deny = [...writers].filter((p) => p !== 'User:*' && !denied.has(p)).sort()
    .map((principal): TopicAcl => ({ topic, patternType: 'LITERAL', principal, host: '*', operation: 'WRITE', permission: 'DENY' }))
  return { deny, unguarded }
}

function isGuardAcl(acl: TopicAcl, topic: string): boolean {
  return acl.permission === 'DENY' && acl.operation === 'WRITE' && acl.patternType === 'LITERAL' && acl.topic === topic && acl.host === '*'
}

export class MirrorWriteGuard {
  readonly #admin: ClusterAdmin
  readonly #enginePrincipal: string
  readonly #log: Logger

  constructor(admin: ClusterAdmin, enginePrincipal: string, logger: Logger) {
    this.#admin = admin
    this.#enginePrincipal = enginePrincipal
    this.#log = logger.child({ component: 'mirror-write-guard' })
  }

  /** Adds the missing DENY WRITE entries; does nothing on a destination without an authorizer. */
  async protect(topic: string): Promise<void> {
    const acls = await this.#admin.topicAcls(topic)
    if (acls === undefined) return
    const { deny, unguarded } = planWriteDenials(acls, topic, this.#enginePrincipal)
    if (unguarded.length > 0) this.#log.warn({ topic, principals: unguarded }, 'mirror topic writable by a wildcard principal (cannot deny it without denying the engine)')
    if (deny.length === 0) return
    await this.#admin.createTopicAcls(deny)
    this.#log.info({ topic, principals: deny.map((a) => a.principal) }, 'mirror topic writes denied')
  }

  /** Removes the guard's DENY WRITE entries (promote, failover, delete): the topic becomes writable. */
  async release(topic: string): Promise<void> {
    const acls = await this.#admin.topicAcls(topic)
    if (acls === undefined) return
    const mine = acls.filter((a) => isGuardAcl(a, topic))
    if (mine.length === 0) return
    await this.#admin.deleteTopicAcls(mine)
    this.#log.info({ topic, principals: mine.map((a) => a.principal) }, 'mirror topic writes allowed again')
  }
}
