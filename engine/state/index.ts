// Public surface of state/.
export { CredentialsCipher, type EncryptedBlob } from './credentials-cipher.ts'
export { decodeRecord, encodeLink, encodeMirror, linkKey, mirrorKey, MirrorStateSchema, type LinkState, type MirrorState, type MirrorDesiredStatus } from './state-records.ts'
export { MemoryStateStore, type StateStore, type StateSnapshot } from './state-store.ts'
export { KafkaStateStore, type KafkaStateStoreOptions } from './kafka-state-store.ts'
