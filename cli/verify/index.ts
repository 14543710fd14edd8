// Public surface of cli/verify: the record-by-record comparison of a source topic and its mirror.
export { verifyTopics, type VerifyTopicsOptions, type VerifyResult, type VerifyOutcome, type VerifyIncompletePartition, type VerifyPartitionSummary, type VerifyDifference, type VerifyIsolation, type VisibleRecord } from './verify-topics.ts'
export { formatVerifyResult } from './format-verify-result.ts'
export { registerKafkajsCodecs } from './kafkajs-codecs.ts'
