// Public surface of provider/terraform: the clusterlink Terraform provider (plugin protocol 6) and its installer.
export { createClusterlinkProvider, PROVIDER_SCHEMA, validateProviderConfig, type ProviderEnvironment } from './clusterlink-provider.ts'
export {
  installProvider, cliConfigText, terraformPlatform, PROVIDER_SOURCE, PROVIDER_VERSION, PROVIDER_HOST, PROVIDER_NAMESPACE, PROVIDER_TYPE,
  type InstallProviderOptions, type InstalledProvider,
} from './install-provider.ts'
export { linkResource, LINK_RESOURCE_SCHEMA } from './link-resource.ts'
export { mirrorTopicResource, MIRROR_TOPIC_RESOURCE_SCHEMA } from './mirror-topic-resource.ts'
export { linkDataSource, mirrorTopicDataSource, LINK_DATA_SOURCE_SCHEMA, MIRROR_TOPIC_DATA_SOURCE_SCHEMA } from './data-sources.ts'
export { ProviderRpcHandlers } from './provider-rpc-handlers.ts'
export { serveProvider } from './serve-provider.ts'
export { UNKNOWN, isUnknown, decodeDynamicValue, encodeDynamicValue, type TerraformValue, type TerraformObject } from './terraform-value.ts'
export type { AttributeSchema, BlockSchema, TerraformType } from './terraform-schema.ts'
export type { TerraformResourceType, TerraformDataSourceType, TerraformProviderDefinition } from './resource-type.ts'
