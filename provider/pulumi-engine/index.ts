// Public surface of provider/pulumi-engine: the ClusterLinkEngine component and the manifest builder behind it and deploy/base.
export { ClusterLinkEngine, CLUSTER_LINK_ENGINE_TYPE, type ClusterLinkEngineArgs, type ClusterLinkEngineResources } from './cluster-link-engine.ts'
export {
  buildEngineManifests,
  parseEngineManifestSettings,
  engineConfigFile,
  engineClusterUrl,
  EngineManifestSettingsSchema,
  ENGINE_PORT,
  ENGINE_REPLICA_COORDINATION,
  SECRET_MOUNT_PATH,
  TLS_MOUNT_PATH,
  CONFIG_MOUNT_PATH,
  type EngineManifests,
  type EngineManifestSettings,
  type EngineManifestSettingsInput,
  type KubernetesObject,
} from './engine-manifests.ts'
export { toYaml } from './to-yaml.ts'
export { renderKustomizeBase, BASE_FILES } from './render-kustomize-base.ts'
