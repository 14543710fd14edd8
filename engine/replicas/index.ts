// Public surface of replicas/: work sharing between engine replicas through group membership on the destination cluster.
export { assignWorkPartitions, loadSpread, shouldRebalance, workPartitionOf } from './work-assignment.ts'
export { ownEverything, WorkGroup, type WorkGroupOptions, type WorkOwnership } from './work-group.ts'
