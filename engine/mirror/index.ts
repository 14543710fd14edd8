// Public surface of mirror/: the data path that copies source partitions to mirror partitions at identical offsets.
import type { MirrorTopicRunner, MirrorTopicRunnerOptions } from './contract.ts'
import { DefaultMirrorTopicRunner, type MirrorDataPathLimits } from './mirror-topic-runner.ts'

export type * from './contract.ts'
export { DefaultMirrorTopicRunner, type MirrorDataPathLimits } from './mirror-topic-runner.ts'
export { MirrorPartitionCopier } from './mirror-partition-copier.ts'
export { ByteBudget, fetchBudgetForMemoryLimit, DEFAULT_FETCH_BUDGET_BYTES, type BudgetLease } from './byte-budget.ts'
export { readMemoryLimit } from './memory-limit.ts'
export { ClusterClientPool } from '../kafka/index.ts'
export { planBatches, coalesceSmallCopies, DEFAULT_COALESCE_BELOW_BYTES, type WriteAction } from './batch-plan.ts'
export { dataProducerId, fillerTransactionalId } from './writer-identity.ts'

/** Creates the runner for one mirror topic (called by link/ and the REST service). `limits` is an optional, additive field. */
export function createMirrorTopicRunner(options: MirrorTopicRunnerOptions & { readonly limits?: MirrorDataPathLimits }): MirrorTopicRunner {
  return new DefaultMirrorTopicRunner(options)
}
