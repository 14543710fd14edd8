// Public surface of provider/pulumi: the ClusterLink and MirrorTopic resources and the provider pieces tests drive directly.
export { ClusterLink, CLUSTER_LINK_TYPE, type ClusterLinkArgs } from './cluster-link.ts'
export { MirrorTopic, MIRROR_TOPIC_TYPE, type MirrorTopicArgs, type MirrorPartitionLag } from './mirror-topic.ts'
export { createDynamicProvider, HANDLERS_PACKAGE_SPECIFIER, type ResourceKind } from './dynamic-provider.ts'
export { createClusterLinkProvider } from './cluster-link-provider.ts'
export { planLinkConfigChanges as planConfigChanges } from '../lifecycle/index.ts'
export { createMirrorTopicProvider } from './mirror-topic-provider.ts'
export { providerFor, handle, CONFIG_KEYS } from './provider-handlers.ts'
export type { EngineApi, ProviderContext, ResourceProviderMethods } from './engine-api.ts'
