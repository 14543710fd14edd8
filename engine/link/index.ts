// Public surface of link/.
export { LinkManager, type LinkManagerOptions, type LinkView, type ConfigChange, type CreateMirrorInput, type AlterResult } from './link-manager.ts'
export { LINK_CONFIGS, LINK_CONFIG_NAMES, CONFIGURABLE_TOPIC_CONFIGS, ALWAYS_SYNCED_TOPIC_CONFIGS, isSensitiveLinkConfig, linkConfigValue, validateLinkConfigs, type LinkConfigDefinition } from './link-configs.ts'
export { MIRROR_STATUSES, LINK_STATES, toMirrorStatus, toLinkState, checkMirrorAction, type MirrorStatus, type LinkStateName, type MirrorAction } from './mirror-status.ts'
export { createClusterAdmin, toClientOptions, type ClusterAdmin, type GroupOffset, type TopicAcl, type TopicConfigEntry } from './kafka-admin.ts'
export { isNameSelected, parseNameFilters, type NameFilter } from './name-filters.ts'
export type { MirrorView, RunnerFactory, TransitionError } from './mirror-controller.ts'
export type { LinkTask } from './link-runtime.ts'
export { MirrorWriteGuard, planWriteDenials } from './mirror-write-guard.ts'
