// Public surface of kafka/: the only code that imports @platformatic/kafka (eslint.config.js forbids it elsewhere in engine/).
export { CONTROL_TIMEOUTS, DATA_TIMEOUTS, clientOptionsFor, connectionOptionsFor, parseBootstrapServers, type ClientTimeouts } from './client-options.ts'
export {
  SASL_MECHANISMS, type KafkaConnectionConfig, type KafkaSaslConfig, type KafkaTlsConfig, type KerberosConfig, type OAuthBearerConfig,
  type SaslMechanism,
} from './connection-config.ts'
export { OAuthTokenSource, OAuthTokenSources } from './oauth-token-source.ts'
export { gssapiAuthenticator, registerSaslMechanism, type SaslAuthenticator, type SaslMechanismRegistry } from './sasl-mechanisms.ts'
// Registers the pure TypeScript Kerberos authenticator for SASL/GSSAPI with the registry above.
import './gssapi/index.ts'
// Installs the guard against a Connection's repeated 'error' events (an unhandled one would end the process).
import './connection-error-guard.ts'
export { GroupMember, type GroupMemberOptions, type MemberAssignment } from './group-client.ts'
export { PartitionLogClient, type LogAppend, type LogRecord } from './log-client.ts'
export { createClusterAdmin, type ClusterAdmin, type GroupOffset, type TopicAcl, type TopicConfigEntry } from './admin-client.ts'
export { ClusterClientPool, type ClusterClientLease } from './cluster-client-pool.ts'
export { KafkaClusterClient, normalizeTopicId, type ActiveProducer, type BrokerAddress, type ClusterMetadata, type Isolation, type OffsetSpec, type PartitionMetadata, type TopicMetadata } from './kafka-cluster-client.ts'
export {
  API_KEYS, ENGINE_VERSIONS, REQUIRED_APIS, checkRequiredApis, chooseVersion, isUnsupportedBrokerVersion, unsupportedBrokerVersion,
  type ApiName, type BrokerApiVersions, type VersionRange,
} from './api-versions.ts'
export { checkTopicIdentity, identityOf, type IdentityCheck, type SourceTopicIdentity } from './topic-identity.ts'
export { createTopic, describeTopicConfigs, createPartitions, deleteTopic, type CreateTopicOptions } from './kafka-admin.ts'
export {
  kafkaError, kafkaErrorCodeOf, kafkaErrorName, toEngineError, isRetriableKafkaError, isTlsClientCertificateRefusal, KafkaErrorCodes,
  type ClusterSide,
} from './kafka-errors.ts'
export { ISOLATION_READ_COMMITTED, ISOLATION_READ_UNCOMMITTED, type RawFetchPartitionResponse, type RawProducePartitionResponse, type RawAbortedTransaction } from './raw-apis.ts'
export {
  ATTR_CODEC_MASK, ATTR_CONTROL, ATTR_LOG_APPEND_TIME, ATTR_TRANSACTIONAL, BATCH_OVERHEAD_BYTES, CODECS,
  computeBatchCrc, decodeBatchRecords, hasValidCrc, incrementSequence, isControlBatch,
  isDenseBatch, isTransactionalBatch, lastOffsetOf, readBatchHeader, rewriteBatchForAppend, splitRecordSet, zeroBaseOffset,
  type BatchRewrite, type CodecName, type DecodedRecord, type RawRecordBatch, type RecordBatchHeader,
} from './record-batch.ts'
export { encodeFillerBatch, encodeRecordBatch, type EncodableRecord, type EncodeBatchOptions } from './record-encoder.ts'
export { blockCodecs, type BlockCodec } from './compression-codecs.ts'
