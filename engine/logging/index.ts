// Public surface of logging/.
export { createLogger, REDACTED_PATHS, type Logger, type CreateLoggerOptions } from './logger.ts'
