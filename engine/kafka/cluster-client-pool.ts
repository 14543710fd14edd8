// One KafkaClusterClient per cluster connection, shared by every mirror topic that uses it: the mirror topics of a link
// share its source client, and every mirror topic of the engine shares the destination client. Connections, leader
// caches and fetch batches are then per cluster, not per mirror topic.
import { createHash } from 'node:crypto'
import type { KafkaConnectionConfig } from './connection-config.ts'
import type { ClusterSide } from './kafka-errors.ts'
import { KafkaClusterClient } from './kafka-cluster-client.ts'

/** A shared client and the hold one user has on it. */
export interface ClusterClientLease {
  readonly client: KafkaClusterClient
  /** Ends this hold; the last one closes the client. Idempotent. */
  release(): Promise<void>
}

export class ClusterClientPool {
  readonly #entries = new Map<string, { client: KafkaClusterClient; users: number }>()

  /**
   * The client for `config` on `side`, made on first use. Keyed by a digest of the whole config (secrets included, so
   * that changed credentials get a new client; the digest stays in memory).
   */
  acquire(config: KafkaConnectionConfig, side: ClusterSide): ClusterClientLease {
    const key = createHash('sha256').update(side).update('\0').update(JSON.stringify(config)).digest('hex')
    let entry = this.#entries.get(key)
    if (!entry) {
      entry = { client: new KafkaClusterClient(config, { side }), users: 0 }
      this.#entries.set(key, entry)
    }
    entry.users++
    const held = entry
    let released = false
    return {
      client: held.client,
      release: async () => {
        if (released) return
        released = true
        if (--held.users > 0) return
        if (this.#entries.get(key) === held) this.#entries.delete(key)
        await held.client.close()
      },
    }
  }
}
