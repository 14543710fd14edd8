// Public surface of the engine service.
export { createEngineApp, toDestinationConnection, type EngineApp, type EngineDeps } from './app.ts'
export { runEngine, type RunEngineOptions } from './main.ts'
export { loadEngineConfig, EngineConfigSchema, type EngineConfig } from './config/index.ts'
export { LinkManager } from './link/index.ts'
export { MemoryStateStore, KafkaStateStore } from './state/index.ts'
