// The root pino logger and the redaction rules that keep secrets out of every log line.
import { pino, type Logger, type LoggerOptions } from 'pino'

export type { Logger }

/** Paths whose values never reach a log line (credentials travel in link configs and request headers). */
export const REDACTED_PATHS = [
  'password',
  '*.password',
  'token',
  '*.token',
  'secret',
  '*.secret',
  'authorization',
  '*.authorization',
  'headers.authorization',
  'req.headers.authorization',
  '*["sasl.jaas.config"]',
  '*["sasl.password"]',
  '*["ssl.key.password"]',
  '*["ssl.keystore.key"]',
  '*["ssl.key.pem"]',
  'configs[*].value',
]

export interface CreateLoggerOptions {
  readonly level?: string
  readonly destination?: pino.DestinationStream
}

export function createLogger(options: CreateLoggerOptions = {}): Logger {
  const config: LoggerOptions = {
    level: options.level ?? 'info',
    base: { service: 'clusterlink' },
    redact: { paths: REDACTED_PATHS, censor: '[redacted]' },
    serializers: { err: pino.stdSerializers.err },
  }
  return options.destination ? pino(config, options.destination) : pino(config)
}
