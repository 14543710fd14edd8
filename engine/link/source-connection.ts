// Turns a link's configs (bootstrap.servers, security.protocol, SASL, inline PEM) into the connection the data path and admin use.
import type { KafkaConnectionConfig } from '../mirror/contract.ts'
import { linkConfigValue, parseJaasCredentials } from './link-configs.ts'

export function toSourceConnection(linkName: string, configs: Readonly<Record<string, string>>): KafkaConnectionConfig {
  const bootstrapServers = linkConfigValue(configs, 'bootstrap.servers').split(',').map((s) => s.trim().replace(/^[A-Z_]+:\/\//, '')).filter((s) => s !== '')
  const protocol = linkConfigValue(configs, 'security.protocol')
  const connection: { -readonly [K in keyof KafkaConnectionConfig]: KafkaConnectionConfig[K] } = { bootstrapServers, clientId: `clusterlink-${linkName}` }
  if (protocol.startsWith('SASL_')) {
    const fromJaas = configs['sasl.jaas.config'] ? parseJaasCredentials(configs['sasl.jaas.config']) : undefined
    const username = fromJaas?.username ?? configs['sasl.username'] ?? ''
    const password = fromJaas?.password ?? configs['sasl.password'] ?? ''
    connection.sasl = { mechanism: linkConfigValue(configs, 'sasl.mechanism') as 'PLAIN' | 'SCRAM-SHA-256' | 'SCRAM-SHA-512', username, password }
  }
  if (protocol === 'SSL' || protocol === 'SASL_SSL') {
    connection.tls = {
      ...(configs['ssl.truststore.certificates'] ? { ca: configs['ssl.truststore.certificates'] } : {}),
      ...(configs['ssl.keystore.certificate.chain'] ? { cert: configs['ssl.keystore.certificate.chain'] } : {}),
      ...(configs['ssl.keystore.key'] ? { key: configs['ssl.keystore.key'] } : {}),
      rejectUnauthorized: true,
    }
  }
  return connection
}
