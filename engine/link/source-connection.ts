// Turns a link's configs (bootstrap.servers, security.protocol, SASL, inline PEM) into the connection the data path and admin use.
import type { KafkaConnectionConfig, KafkaSaslConfig, SaslMechanism } from '../kafka/index.ts'
import { linkConfigValue, parseJaasCredentials, parseJaasKerberos, parseJaasOAuthCredentials } from './link-configs.ts'

/** SASL settings from validated link configs (validateLinkConfigs guarantees what each mechanism needs). */
function toSasl(configs: Readonly<Record<string, string>>): KafkaSaslConfig {
  const mechanism = linkConfigValue(configs, 'sasl.mechanism') as SaslMechanism
  const jaas = configs['sasl.jaas.config'] ?? ''
  if (mechanism === 'OAUTHBEARER') {
    const fromJaas = parseJaasOAuthCredentials(jaas)
    const clientId = configs['sasl.oauthbearer.client.credentials.client.id'] ?? fromJaas?.clientId ?? ''
    const clientSecret = configs['sasl.oauthbearer.client.credentials.client.secret'] ?? fromJaas?.clientSecret ?? ''
    const scope = configs['sasl.oauthbearer.scope'] ?? fromJaas?.scope
    const oauthBearer = { tokenEndpointUrl: linkConfigValue(configs, 'sasl.oauthbearer.token.endpoint.url'), clientId, clientSecret, ...(scope ? { scope } : {}) }
    // The client id names the engine: brokers usually map the token's subject (the client) to the principal.
    return { mechanism, username: clientId, password: '', oauthBearer }
  }
  if (mechanism === 'GSSAPI') {
    const fromJaas = parseJaasKerberos(jaas)
    const principal = configs['sasl.kerberos.principal'] ?? fromJaas?.principal ?? ''
    const keytabPath = configs['sasl.kerberos.keytab.location'] ?? fromJaas?.keyTab
    const kerberos = { principal, ...(keytabPath ? { keytabPath } : {}), serviceName: linkConfigValue(configs, 'sasl.kerberos.service.name') }
    return { mechanism, username: principal, password: '', kerberos }
  }
  const fromJaas = configs['sasl.jaas.config'] ? parseJaasCredentials(jaas) : undefined
  return { mechanism, username: fromJaas?.username ?? configs['sasl.username'] ?? '', password: fromJaas?.password ?? configs['sasl.password'] ?? '' }
}

export function toSourceConnection(linkName: string, configs: Readonly<Record<string, string>>): KafkaConnectionConfig {
  const bootstrapServers = linkConfigValue(configs, 'bootstrap.servers').split(',').map((s) => s.trim().replace(/^[A-Z_]+:\/\//, '')).filter((s) => s !== '')
  const protocol = linkConfigValue(configs, 'security.protocol')
  const connection: { -readonly [K in keyof KafkaConnectionConfig]: KafkaConnectionConfig[K] } = { bootstrapServers, clientId: `clusterlink-${linkName}` }
  if (protocol.startsWith('SASL_')) connection.sasl = toSasl(configs)
  if (protocol === 'SSL' || protocol === 'SASL_SSL') {
    connection.tls = {
      ...(configs['ssl.truststore.certificates'] ? { ca: configs['ssl.truststore.certificates'] } : {}),
      ...(configs['ssl.keystore.certificate.chain'] ? { cert: configs['ssl.keystore.certificate.chain'] } : {}),
      ...(configs['ssl.keystore.key'] ? { key: configs['ssl.keystore.key'] } : {}),
      rejectUnauthorized: true,
      // Kafka's default is https (verify the host name); an empty value skips only the name check, never the chain check.
      verifyHostname: linkConfigValue(configs, 'ssl.endpoint.identification.algorithm') === 'https',
    }
  }
  return connection
}
