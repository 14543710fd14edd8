// Public surface of kafka/: the only code that imports @platformatic/kafka.
export { KafkaClusterClient, connectionOptionsFor, normalizeTopicId, type ActiveProducer, type BrokerAddress, type ClusterMetadata, type Isolation, type OffsetSpec, type PartitionMetadata, type TopicMetadata } from './kafka-cluster-client.ts'
export {
  API_KEYS, ENGINE_VERSIONS, REQUIRED_APIS, checkRequiredApis, chooseVersion, isUnsupportedBrokerVersion, unsupportedBrokerVersion,
  type ApiName, type BrokerApiVersions, type VersionRange,
} from './api-versions.ts'
export { checkTopicIdentity, identityOf, type IdentityCheck, type SourceTopicIdentity } from './topic-identity.ts'
export { createTopic, describeTopicConfigs, createPartitions, deleteTopic, type CreateTopicOptions } from './kafka-admin.ts'
export { kafkaError, kafkaErrorName, toEngineError, isRetriableKafkaError, KafkaErrorCodes, type ClusterSide } from './kafka-errors.ts'
export { ISOLATION_READ_COMMITTED, ISOLATION_READ_UNCOMMITTED, type RawFetchPartitionResponse, type RawProducePartitionResponse, type RawAbortedTransaction } from './raw-apis.ts'
export {
  ATTR_CODEC_MASK, ATTR_CONTROL, ATTR_LOG_APPEND_TIME, ATTR_TRANSACTIONAL, BATCH_OVERHEAD_BYTES, CODECS,
  computeBatchCrc, decodeBatchRecords, encodeFillerBatch, encodeRecordBatch, hasValidCrc, incrementSequence, isControlBatch,
  isDenseBatch, isTransactionalBatch, lastOffsetOf, readBatchHeader, rewriteBatchForAppend, splitRecordSet, zeroBaseOffset,
  type BatchRewrite, type CodecName, type DecodedRecord, type EncodableRecord, type RawRecordBatch, type RecordBatchHeader,
} from './record-batch.ts'
export { blockCodecs, type BlockCodec } from './compression-codecs.ts'
