// Public surface of provider/spec: the one definition of ClusterLink and MirrorTopic inputs that every IaC front end adapts.
export {
  UNKNOWN_VALUE, containsUnknown, isSameValue, diffFields, secretFields,
  type ChangeKind, type FieldRule, type FieldRules, type InputDiff,
} from './field-rules.ts'
export { validateInputs, issuesToFailures, type InputFailure, type ValidationResult } from './validate-inputs.ts'
export { engineConnectionShape, resolveEngineConnection, type EngineConnection } from './engine-connection-spec.ts'
export {
  NAME_PATTERN, LINK_NAME_PATTERN, TYPED_LINK_CONFIGS, SETTABLE_LINK_CONFIGS, CLUSTER_LINK_FIELDS, CLUSTER_LINK_SECRET_FIELDS,
  clusterLinkInputsSchema, validateClusterLinkInputs, diffClusterLinkInputs, toLinkConfigs, fromLinkConfigs, UNREADABLE_SECRET,
  type ClusterLinkInputs, type ClusterLinkInputsArgs, type ObservedLinkConfig,
} from './cluster-link-spec.ts'
export {
  MIRROR_TOPIC_STATUSES, MIRROR_DELETE_MODES, FAILOVER_FROM_FAILURE, MIRROR_TOPIC_FIELDS, MIRROR_TOPIC_SECRET_FIELDS,
  mirrorTopicInputsSchema, validateMirrorTopicInputs, diffMirrorTopicInputs, checkStatusTransition, effectiveMirrorTopicName,
  observedMirrorStatus, STOPPED_MIRROR_STATES,
  type MirrorTopicInputs, type MirrorTopicInputsArgs, type MirrorTopicStatus, type MirrorDeleteMode,
} from './mirror-topic-spec.ts'
export {
  MIRROR_DIRECTIONS, FAILBACK_METHODS, mirrorFailbackShape, planFailback, describeDirection, checkCreateDirection,
  type MirrorDirection, type FailbackMethod, type FailbackAction, type FailbackCheck, type FailbackPlan,
} from './mirror-failback-spec.ts'
