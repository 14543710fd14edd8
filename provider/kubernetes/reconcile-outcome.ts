// What one reconcile of a custom resource did: the status read back from the engine and the Events to record.

/** One Kubernetes Event: Normal for what the controller changed, Warning for what it refused or could not do. */
export interface ReconcileEvent {
  readonly type: 'Normal' | 'Warning'
  readonly reason: string
  readonly message: string
}

export interface ReconcileOutcome {
  /** Status fields (conditions and observedGeneration are added by the controller). */
  readonly status: Record<string, unknown>
  readonly events: readonly ReconcileEvent[]
}

/**
 * A state the user has to change (a name taken on the engine, a delete that would lose mirrors): reported as the Ready
 * condition's reason and message and a Warning event, and tried again on the next resync.
 */
export class ReconcileRefusal extends Error {
  readonly reason: string

  constructor(reason: string, message: string) {
    super(message)
    this.name = 'ReconcileRefusal'
    this.reason = reason
  }
}
