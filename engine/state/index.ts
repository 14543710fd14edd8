// Public surface of state/.
export { CredentialsCipher, type EncryptedBlob } from './credentials-cipher.ts'
export {
  decodeRecord, encodeLink, encodeMirror, encodeStatus, linkKey, mirrorKey, statusKey, MirrorStateSchema, MirrorStatusRecordSchema,
  type LinkState, type MirrorState, type MirrorDesiredStatus, type MirrorStatusRecord, type FailbackProgress, type GroupOffsetRecord,
} from './state-records.ts'
export { MemoryStateStore, type StateStore, type StateSnapshot, type StateChange } from './state-store.ts'
export { KafkaStateStore, type KafkaStateStoreOptions } from './kafka-state-store.ts'
