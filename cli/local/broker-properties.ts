// Builds the server.properties of one harness broker (KRaft or ZooKeeper mode, plain or SASL listeners); pure, no I/O.
import type { KafkaClusterMode } from './cluster-mode.ts'
import { replicationDefaults } from './cluster-mode.ts'

export type BrokerProperties = Record<string, string | number | boolean>

export interface ListenerSecurity {
  /** SASL_SSL also needs `tls`; SASL_PLAINTEXT has no TLS. */
  readonly protocol: 'SASL_SSL' | 'SASL_PLAINTEXT'
  /** OAUTHBEARER: Kafka's unsecured JWT validator (the default server callback): tokens with alg none and a sub claim. */
  readonly mechanism: 'PLAIN' | 'SCRAM-SHA-256' | 'SCRAM-SHA-512' | 'GSSAPI' | 'OAUTHBEARER'
  readonly users: Readonly<Record<string, string>>
  /** GSSAPI: the broker's service principal (service/host@REALM) and its keytab. */
  readonly kerberos?: { readonly principal: string; readonly keytab: string }
  /** PEM key+chain and CA files, for SASL_SSL. */
  readonly tls?: { readonly keystore: string; readonly truststore: string }
}

/** Ports of one node: the client listener, an internal PLAINTEXT listener (only with security), the KRaft controller. */
export interface NodePorts {
  readonly port: number
  readonly internalPort?: number
  readonly controllerPort?: number
}

export interface BrokerPropertiesInput {
  readonly mode: KafkaClusterMode
  readonly id: number
  readonly ports: NodePorts
  readonly logDir: string
  /** Number of brokers in the cluster, for replication defaults. */
  readonly brokers: number
  /** KRaft: `1@127.0.0.1:9093,2@...`, every node is a voter. */
  readonly quorumVoters?: string
  /** ZooKeeper mode: `127.0.0.1:2181`. */
  readonly zookeeperConnect?: string
  readonly security?: ListenerSecurity
  readonly authorizer?: { readonly superUsers: readonly string[] }
  /** A second PLAINTEXT client listener advertised at another port (a proxy's), for clients that must go through it. */
  readonly proxiedListener?: ProxiedListener
  /** Applied last. */
  readonly brokerConfig?: Readonly<BrokerProperties>
}

/** A listener named PROXIED on `port`, advertised as 127.0.0.1:`advertisedPort` (where a proxy forwards to `port`). */
export interface ProxiedListener {
  readonly port: number
  readonly advertisedPort: number
}

/**
 * The client listener (PLAINTEXT, or SASL with an internal PLAINTEXT listener that brokers and harness tools use),
 * plus the CONTROLLER listener in KRaft mode.
 */
export function listenerProperties(mode: KafkaClusterMode, ports: NodePorts, security: ListenerSecurity | undefined): BrokerProperties {
  const controller = mode === 'kraft' ? `,CONTROLLER://127.0.0.1:${requirePort(ports.controllerPort, 'controller')}` : ''
  const controllerMap = mode === 'kraft' ? 'CONTROLLER:PLAINTEXT,' : ''
  if (!security) {
    return {
      listeners: `PLAINTEXT://127.0.0.1:${ports.port}${controller}`,
      'advertised.listeners': `PLAINTEXT://127.0.0.1:${ports.port}`,
      'inter.broker.listener.name': 'PLAINTEXT',
      'listener.security.protocol.map': `${controllerMap}PLAINTEXT:PLAINTEXT`,
    }
  }
  const internal = `INTERNAL://127.0.0.1:${requirePort(ports.internalPort, 'internal')}`
  const name = security.protocol.toLowerCase()
  const mech = security.mechanism.toLowerCase()
  const jaas = security.mechanism === 'PLAIN'
    ? `org.apache.kafka.common.security.plain.PlainLoginModule required ${
      Object.entries(security.users).map(([u, p]) => `user_${u}="${p}"`).join(' ')};`
    : security.mechanism === 'GSSAPI' ? gssapiJaas(security)
      // The broker's own login (unused on a listener without inter-broker traffic); its validator is
      // OAuthBearerUnsecuredValidatorCallbackHandler.
      : security.mechanism === 'OAUTHBEARER' ? 'org.apache.kafka.common.security.oauthbearer.OAuthBearerLoginModule required unsecuredLoginStringClaim_sub="broker";'
        : 'org.apache.kafka.common.security.scram.ScramLoginModule required;'
  const props: BrokerProperties = {
    listeners: `${security.protocol}://127.0.0.1:${ports.port},${internal}${controller}`,
    'advertised.listeners': `${security.protocol}://127.0.0.1:${ports.port},${internal}`,
    'inter.broker.listener.name': 'INTERNAL',
    'listener.security.protocol.map': `${controllerMap}INTERNAL:PLAINTEXT,${security.protocol}:${security.protocol}`,
    'sasl.enabled.mechanisms': security.mechanism,
    [`listener.name.${name}.${mech}.sasl.jaas.config`]: jaas,
    ...(security.kerberos ? { 'sasl.kerberos.service.name': security.kerberos.principal.split('/')[0] ?? 'kafka' } : {}),
  }
  if (security.protocol === 'SASL_SSL') {
    if (!security.tls) throw new Error('SASL_SSL needs TLS key and CA files')
    Object.assign(props, {
      'ssl.keystore.type': 'PEM',
      'ssl.keystore.location': security.tls.keystore,
      'ssl.truststore.type': 'PEM',
      'ssl.truststore.location': security.tls.truststore,
      'ssl.client.auth': 'none',
    })
  }
  return props
}

/** Adds the PROXIED listener to the plain listener properties (clients follow the advertised address of the listener they reached). */
function proxiedListenerProperties(
  mode: KafkaClusterMode, ports: NodePorts, proxied: ProxiedListener, security: ListenerSecurity | undefined,
): BrokerProperties {
  if (security) throw new Error('a proxied listener is only available on PLAINTEXT clusters')
  const plain = listenerProperties(mode, ports, undefined)
  return {
    listeners: `${String(plain['listeners'])},PROXIED://127.0.0.1:${proxied.port}`,
    'advertised.listeners': `${String(plain['advertised.listeners'])},PROXIED://127.0.0.1:${proxied.advertisedPort}`,
    'listener.security.protocol.map': `${String(plain['listener.security.protocol.map'])},PROXIED:PLAINTEXT`,
  }
}

/** The broker logs in from its keytab (Krb5LoginModule); the JVM finds the KDC through -Djava.security.krb5.conf. */
function gssapiJaas(security: ListenerSecurity): string {
  if (!security.kerberos) throw new Error('a GSSAPI listener needs the broker principal and keytab')
  const { keytab, principal } = security.kerberos
  return `com.sun.security.auth.module.Krb5LoginModule required useKeyTab=true storeKey=true keyTab="${keytab}" principal="${principal}";`
}

function requirePort(port: number | undefined, what: string): number {
  if (port === undefined) throw new Error(`the ${what} listener needs a port`)
  return port
}

/** The whole server.properties of one node. */
export function brokerProperties(input: BrokerPropertiesInput): BrokerProperties {
  const { replicationFactor: rf, minInsyncReplicas: minIsr } = replicationDefaults(input.brokers)
  const metadata: BrokerProperties = input.mode === 'kraft'
    ? {
      'process.roles': 'broker,controller',
      'node.id': input.id,
      'controller.quorum.voters': input.quorumVoters ?? `${input.id}@127.0.0.1:${requirePort(input.ports.controllerPort, 'controller')}`,
      'controller.listener.names': 'CONTROLLER',
    }
    : {
      'broker.id': input.id,
      'zookeeper.connect': input.zookeeperConnect ?? '',
      'zookeeper.connection.timeout.ms': 30_000,
    }
  if (input.mode === 'zookeeper' && !input.zookeeperConnect) throw new Error('a ZooKeeper-mode broker needs zookeeper.connect')
  const authorizerClass = input.mode === 'kraft'
    ? 'org.apache.kafka.metadata.authorizer.StandardAuthorizer'
    : 'kafka.security.authorizer.AclAuthorizer'
  return {
    ...metadata,
    ...listenerProperties(input.mode, input.ports, input.security),
    ...(input.proxiedListener ? proxiedListenerProperties(input.mode, input.ports, input.proxiedListener, input.security) : {}),
    ...(input.authorizer ? {
      'authorizer.class.name': authorizerClass,
      // ANONYMOUS is the principal of the controller and internal PLAINTEXT listeners (loopback only).
      'super.users': ['ANONYMOUS', ...input.authorizer.superUsers].map((u) => `User:${u}`).join(';'),
      'allow.everyone.if.no.acl.found': false,
    } : {}),
    'log.dirs': input.logDir,
    'num.partitions': 1,
    'default.replication.factor': rf,
    'min.insync.replicas': minIsr,
    'offsets.topic.replication.factor': rf,
    'offsets.topic.num.partitions': 4,
    'transaction.state.log.replication.factor': rf,
    'transaction.state.log.min.isr': minIsr,
    'transaction.state.log.num.partitions': 4,
    ...(input.mode === 'kraft' ? {
      'share.coordinator.state.topic.replication.factor': rf,
      'share.coordinator.state.topic.min.isr': minIsr,
    } : {}),
    'group.initial.rebalance.delay.ms': 0,
    'auto.create.topics.enable': false,
    ...input.brokerConfig,
  }
}

export function renderProperties(props: BrokerProperties): string {
  return Object.entries(props).map(([k, v]) => `${k}=${String(v)}`).join('\n') + '\n'
}
