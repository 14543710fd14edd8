// Public surface of provider/kubernetes: the CustomResourceDefinitions built from the spec, and the controller that reconciles them.
export {
  API_VERSION, GROUP, VERSION, CLUSTER_LINK_KIND, MIRROR_TOPIC_KIND, CUSTOM_RESOURCE_KINDS, buildCustomResourceDefinition,
  customResourceDefinitionFiles, immutableFields, specSchema, type CustomResourceKind,
} from './custom-resource-definitions.ts'
export { CRD_DIR, renderCustomResourceDefinitions } from './generate-crds.ts'
export { CustomResourceController, type CustomResourceControllerOptions } from './custom-resource-controller.ts'
export { KubeClient, KubeApiError, isKubeNotFound, type WatchEvent } from './kube-client.ts'
export { loadKubeconfig, inClusterConnection, type KubeConnection } from './kube-connection.ts'
export { KubeResources, FINALIZER, collectionPath, itemPath } from './kube-resources.ts'
export { parseKubeconfigYaml } from './kubeconfig-yaml.ts'
export { CONTROLLER_USAGE, parseControllerOptions, runController } from './controller-command.ts'
