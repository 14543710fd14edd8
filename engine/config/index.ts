// Public surface of config/.
export { EngineConfigSchema, ReplicasSchema, isLoopbackHost, type EngineConfig, type DestinationConfig } from './engine-config.ts'
export { loadEngineConfig, engineUsage, formatIssues, ENGINE_FLAGS, type LoadEngineConfigOptions } from './load-engine-config.ts'
