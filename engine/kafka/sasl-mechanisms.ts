// The extension point for SASL mechanisms the Kafka client has no built-in authenticator for (GSSAPI).
import type { SASLCustomAuthenticator } from '@platformatic/kafka'
import type { KerberosConfig } from './connection-config.ts'

/** The client's custom SASL authenticator: runs the mechanism's exchange over SaslAuthenticate on one connection. */
export type SaslAuthenticator = SASLCustomAuthenticator

/**
 * Authenticator factories by mechanism. engine/kafka/gssapi/ registers GSSAPI with `registerSaslMechanism('GSSAPI', …)`
 * (called from its index.ts, imported by kafka/index.ts); until then a GSSAPI connection fails with a clear error.
 */
export interface SaslMechanismRegistry {
  GSSAPI?: (config: KerberosConfig) => SaslAuthenticator
}

const registry: SaslMechanismRegistry = {}

export function registerSaslMechanism<M extends keyof SaslMechanismRegistry>(
  mechanism: M, factory: NonNullable<SaslMechanismRegistry[M]>,
): void {
  registry[mechanism] = factory
}

/** The GSSAPI authenticator for a Kerberos config, or undefined when no implementation is registered. */
export function gssapiAuthenticator(config: KerberosConfig): SaslAuthenticator | undefined {
  return registry.GSSAPI?.(config)
}
