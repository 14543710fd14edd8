// How the engine reaches one Kafka cluster (source or destination): addresses, SASL and TLS; secrets stay in memory only.

/** SASL mechanisms the engine speaks; GSSAPI needs an authenticator registered in sasl-mechanisms.ts. */
export const SASL_MECHANISMS = ['PLAIN', 'SCRAM-SHA-256', 'SCRAM-SHA-512', 'OAUTHBEARER', 'GSSAPI'] as const
export type SaslMechanism = (typeof SASL_MECHANISMS)[number]

/** OIDC client credentials (RFC 6749 section 4.4) for SASL/OAUTHBEARER: the engine asks the token endpoint for a token. */
export interface OAuthBearerConfig {
  readonly tokenEndpointUrl: string
  readonly clientId: string
  /** Secret: never logged. */
  readonly clientSecret: string
  /** Space-separated scopes; none when absent. */
  readonly scope?: string
  /** SASL extensions sent with the token (KIP-342), e.g. logicalCluster for Confluent Cloud. */
  readonly extensions?: Readonly<Record<string, string>>
}

/** Kerberos for SASL/GSSAPI: the principal and its keytab (a file on the engine host) or password. */
export interface KerberosConfig {
  readonly principal: string
  readonly keytabPath?: string
  /** Secret: never logged. */
  readonly password?: string
  /** The broker's service name (sasl.kerberos.service.name); default kafka. */
  readonly serviceName: string
}

export interface KafkaSaslConfig {
  readonly mechanism: SaslMechanism
  /** PLAIN and SCRAM; for OAUTHBEARER the client id, for GSSAPI the principal (they name the engine in ACLs). */
  readonly username: string
  /** PLAIN and SCRAM; '' for the others. */
  readonly password: string
  readonly oauthBearer?: OAuthBearerConfig
  readonly kerberos?: KerberosConfig
}

export interface KafkaTlsConfig {
  readonly ca?: string
  readonly cert?: string
  /** Secret: the client private key (mTLS). */
  readonly key?: string
  readonly rejectUnauthorized?: boolean
  /**
   * Whether the broker certificate must name the host the engine dials (ssl.endpoint.identification.algorithm https,
   * Kafka's default); default true. False keeps the chain check and skips only the name check.
   */
  readonly verifyHostname?: boolean
}

export interface KafkaConnectionConfig {
  readonly bootstrapServers: readonly string[]
  readonly clientId?: string
  readonly sasl?: KafkaSaslConfig
  /** TLS when present; PEM strings inline. */
  readonly tls?: KafkaTlsConfig
}
