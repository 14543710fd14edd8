// SASL/GSSAPI against a real MIT KDC and a real broker: the engine's pure TypeScript Kerberos client logs in with a keytab
// and with a password, and a wrong password or an unknown principal fails with the KRB-ERROR name.
import assert from 'node:assert/strict'
import { randomBytes, randomUUID } from 'node:crypto'
import { after, before, describe, test } from 'node:test'
import { Admin } from '@platformatic/kafka'
import { startKafkaCluster, type KafkaCluster } from '../../../cli/local/kafka-cluster.ts'
import { gssapiAuthenticator, type GssapiConfig } from '../../../engine/kafka/gssapi/index.ts'
import { messagesOf, startKerberosRealm, type KerberosRealm } from './auth-harness.ts'

describe('SASL/GSSAPI with an MIT KDC', { timeout: 300_000 }, () => {
  let realm: KerberosRealm
  let cluster: KafkaCluster
  let engineKeytab = ''
  const run = randomUUID().slice(0, 8)
  const alicePassword = randomBytes(12).toString('hex')

  before(async () => {
    realm = await startKerberosRealm()
    engineKeytab = await realm.kdc.addKeytabPrincipal('engine')
    await realm.kdc.addPasswordPrincipal('alice', alicePassword)
    cluster = await startKafkaCluster({ name: `gssapi-${run}`, security: realm.brokerSecurity })
  })

  after(async () => {
    await cluster?.stop()
    await realm?.stop()
  })

  function adminFor(config: Omit<GssapiConfig, 'krb5'>): Admin {
    return new Admin({
      clientId: `gssapi-test-${run}`,
      bootstrapBrokers: [cluster.bootstrapServers],
      retries: 0,
      sasl: { mechanism: 'GSSAPI', authenticate: gssapiAuthenticator({ ...config, krb5: { realm: realm.kdc.realm, kdc: realm.kdc.kdc } }) },
    })
  }

  test('gssapiAuthenticator should log in from a keytab, create a topic and list it', async () => {
    const admin = adminFor({ principal: `engine@${realm.kdc.realm}`, keytabPath: engineKeytab })
    const topic = `gssapi-keytab-${run}`
    try {
      await admin.createTopics({ topics: [topic], partitions: 1, replicas: 1 })
      assert.ok((await admin.listTopics()).includes(topic))
      await admin.deleteTopics({ topics: [topic] })
    } finally {
      await admin.close()
    }
  })

  test('gssapiAuthenticator should log in with a password (pre-authentication with the KDC salt) and list topics', async () => {
    const admin = adminFor({ principal: `alice@${realm.kdc.realm}`, password: alicePassword })
    const topic = `gssapi-password-${run}`
    try {
      await admin.createTopics({ topics: [topic], partitions: 1, replicas: 1 })
      assert.ok((await admin.listTopics()).includes(topic))
      await admin.deleteTopics({ topics: [topic] })
    } finally {
      await admin.close()
    }
  })

  test('gssapiAuthenticator should fail a wrong password with KDC_ERR_PREAUTH_FAILED and never show the password', async () => {
    const wrong = `wrong-${randomBytes(8).toString('hex')}`
    const admin = adminFor({ principal: `alice@${realm.kdc.realm}`, password: wrong })
    try {
      const error = await admin.listTopics().then(() => undefined, (failure: unknown) => failure)
      const messages = messagesOf(error)
      assert.match(messages, /KDC_ERR_PREAUTH_FAILED \(24\): wrong password or key/)
      assert.ok(!messages.includes(wrong) && !messages.includes(alicePassword))
    } finally {
      await admin.close()
    }
  })

  test('gssapiAuthenticator should fail an unknown principal with KDC_ERR_C_PRINCIPAL_UNKNOWN', async () => {
    const admin = adminFor({ principal: `nobody-${run}@${realm.kdc.realm}`, password: 'irrelevant' })
    try {
      const error = await admin.listTopics().then(() => undefined, (failure: unknown) => failure)
      assert.match(messagesOf(error), /KDC_ERR_C_PRINCIPAL_UNKNOWN/)
    } finally {
      await admin.close()
    }
  })
})
