// Public surface of provider/client: the typed REST client for the engine, shared by the IaC providers and the CLI.
export { EngineClient, type EngineClientOptions } from './engine-client.ts'
export { EngineApiError, isEngineApiError, isNotFoundError, type EngineApiErrorDetails } from './engine-api-error.ts'
export { waitForMirror, describeMirror, totalLag, type WaitForMirrorOptions } from './wait-for-mirror.ts'
export {
  LinkSchema, LinkConfigSchema, MirrorSchema, MirrorLagSchema, AlterMirrorResultSchema, MIRROR_ACTIONS, FAILBACK_MIRROR_ACTIONS,
  type Link, type LinkConfig, type Mirror, type MirrorLag, type AlterMirrorResult, type CreateLinkBody, type CreateMirrorBody,
  type AlterConfigOperation, type MirrorAction, type MirrorSelection, type FailbackMirrorAction,
} from './engine-api-types.ts'
