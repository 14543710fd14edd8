// The OpenAPI v3 schemas of the ClusterLink and MirrorTopic `status` subresource: what the controller reads back from the engine.

type SchemaNode = { [key: string]: unknown }

const str = (description: string): SchemaNode => ({ type: 'string', description })
const int = (description: string): SchemaNode => ({ type: 'integer', format: 'int64', description })

/** Conditions in the usual Kubernetes shape (metav1.Condition). */
const conditions: SchemaNode = {
  type: 'array',
  description: 'Ready: True once the engine holds what the spec declares; False with the reason and message otherwise.',
  'x-kubernetes-list-type': 'map',
  'x-kubernetes-list-map-keys': ['type'],
  items: {
    type: 'object',
    required: ['type', 'status', 'lastTransitionTime', 'reason', 'message'],
    properties: {
      type: str('Condition type, such as Ready.'),
      status: { type: 'string', enum: ['True', 'False', 'Unknown'], description: 'True, False or Unknown.' },
      observedGeneration: int('The metadata.generation this condition was set for.'),
      lastTransitionTime: { type: 'string', format: 'date-time', description: 'When status last changed.' },
      reason: str('One CamelCase word: why.'),
      message: str('What happened, and what to fix.'),
    },
  },
}

const common = {
  observedGeneration: int('The metadata.generation the controller last reconciled.'),
  conditions,
}

export const clusterLinkStatusSchema: SchemaNode = {
  type: 'object',
  description: 'The link as the engine reports it.',
  properties: {
    ...common,
    linkName: str('The link on the engine this resource created or adopted.'),
    clusterId: str('Destination cluster id the link lives on.'),
    linkId: str("The engine's id of the link."),
    sourceClusterId: str('The source cluster id the engine reports.'),
    linkState: str('ACTIVE, PAUSED, UNAVAILABLE or FAILED, as the engine reports it.'),
    linkError: str('Why the link is not ACTIVE (NO_ERROR when it is).'),
    linkErrorMessage: str("The engine's message for linkError."),
    mirrorTopicNames: { type: 'array', items: { type: 'string' }, description: 'Mirror topics on the link.' },
  },
}

export const mirrorTopicStatusSchema: SchemaNode = {
  type: 'object',
  description: 'The mirror topic as the engine reports it.',
  properties: {
    ...common,
    mirrorTopicName: str('The mirror topic on the destination this resource created or adopted.'),
    clusterId: str('Destination cluster id.'),
    mirrorStatus: str('The engine mirror_status: ACTIVE, PAUSED, PENDING_MIRROR, PENDING_STOPPED, STOPPED, FAILED, SOURCE_UNAVAILABLE, ' +
      'LINK_FAILED.'),
    observedStatus: str('The declared status the engine state stands for (differs from spec.status while a change is on its way).'),
    direction: str('FORWARD, or REVERSE after a failback, as the engine reports it.'),
    lastFailback: {
      type: 'object',
      description: 'The last failback this controller ran: where truncate-and-restore kept the records it set aside.',
      properties: {
        action: str('reverse-and-start, reverse-and-pause or truncate-and-restore.'),
        messagesTruncated: int('Records set aside (0 for a reverse).'),
        truncatedRecordsTopic: str('The side topic that holds them, empty when none.'),
      },
    },
    mirrorTopicError: str('Why the mirror is not healthy (NO_ERROR when it is).'),
    partitionCount: int('Partitions of the mirror topic.'),
    totalLag: int('Lag summed over partitions, in records.'),
    mirrorLags: {
      type: 'array',
      description: 'Lag per partition: source high watermark minus destination log end offset.',
      'x-kubernetes-list-type': 'map',
      'x-kubernetes-list-map-keys': ['partition'],
      items: {
        type: 'object',
        required: ['partition'],
        properties: {
          partition: { type: 'integer', format: 'int32', description: 'Partition.' },
          lag: int('Lag in records.'),
          lastSourceFetchOffset: int('The last source offset fetched.'),
        },
      },
    },
  },
}
