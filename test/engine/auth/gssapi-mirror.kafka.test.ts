// Mirrors between SASL/GSSAPI clusters: the engine logs in to the destination with its own keytab (engine config) and to
// the source with the keytab named in the link configs (consumer offsets synced through it), against a real MIT KDC found
// through MIT's KRB5_CONFIG; a wrong keytab for the destination stops the start with an error that names the principal and
// what is wrong.
import assert from 'node:assert/strict'
import { randomUUID } from 'node:crypto'
import { readFile } from 'node:fs/promises'
import { after, before, describe, test } from 'node:test'
import { startKafkaCluster, type KafkaCluster } from '../../../cli/local/kafka-cluster.ts'
import { isEngineError } from '../../../engine/errors.ts'
import { krb5ConfPathOf } from '../../../engine/kafka/gssapi/index.ts'
import { waitFor } from '../link/fakes.ts'
import {
  clusterIdOf, createTopicWithRecords, startKerberosRealm, startTestEngine, toolAdmin, verifyMirror, waitForMirrorCaughtUp,
  type KerberosRealm, type TestEngine,
} from './auth-harness.ts'

test('krb5ConfPathOf should take the config, then the first KRB5_CONFIG file, then /etc/krb5.conf', () => {
  assert.equal(krb5ConfPathOf('/a/krb5.conf', { KRB5_CONFIG: '/b' }), '/a/krb5.conf')
  assert.equal(krb5ConfPathOf(undefined, { KRB5_CONFIG: '/b/krb5.conf:/c/krb5.conf' }), '/b/krb5.conf')
  assert.equal(krb5ConfPathOf(undefined, {}), '/etc/krb5.conf')
})

describe('engine with a GSSAPI source and a GSSAPI destination', { timeout: 600_000 }, () => {
  let realm: KerberosRealm
  let source: KafkaCluster
  let destination: KafkaCluster
  let engine: TestEngine | undefined
  let engineKeytab = ''
  let linkKeytab = ''
  const run = randomUUID().slice(0, 8)
  const destinationWith = (principal: string, keytabLocation: string) => ({
    bootstrapServers: [destination.bootstrapServers], sasl: { mechanism: 'GSSAPI', kerberos: { principal, keytabLocation } },
  })

  before(async () => {
    realm = await startKerberosRealm()
    engineKeytab = await realm.kdc.addKeytabPrincipal('clusterlink-engine')
    linkKeytab = await realm.kdc.addKeytabPrincipal('linker')
    ;[source, destination] = await Promise.all([
      startKafkaCluster({ name: `gssapi-src-${run}`, security: realm.brokerSecurity }),
      startKafkaCluster({ name: `gssapi-dst-${run}`, security: realm.brokerSecurity }),
    ])
    engine = await startTestEngine({ run, destination: destinationWith(`clusterlink-engine@${realm.kdc.realm}`, engineKeytab) })
  })

  after(async () => {
    await engine?.close().catch(() => undefined)
    await Promise.allSettled([source?.stop(), destination?.stop()])
    await realm?.stop()
  })

  test('engine should mirror a GSSAPI source to a GSSAPI destination at identical offsets and sync offsets, keytab logins', async (t) => {
    const e = engine!
    const topic = `orders-${run}`
    const group = `billing-${run}`
    await createTopicWithRecords(source, topic, 2, 120)
    // The group commits through the source's PLAINTEXT tool listener; the engine reads it with its Kerberos login.
    const [sourceAdmin, destinationAdmin] = await Promise.all([toolAdmin(source), toolAdmin(destination)])
    t.after(() => Promise.allSettled([sourceAdmin.disconnect(), destinationAdmin.disconnect()]))
    await sourceAdmin.setOffsets({ groupId: group, topic, partitions: [{ partition: 0, offset: '31' }, { partition: 1, offset: '5' }] })
    const groupFilters = [{ name: group, patternType: 'LITERAL', filterType: 'INCLUDE' }]
    const link = await e.call('POST', '/links?link_name=kerberos', {
      source_cluster_id: await clusterIdOf(source),
      configs: [
        { name: 'bootstrap.servers', value: source.bootstrapServers }, { name: 'security.protocol', value: 'SASL_PLAINTEXT' },
        { name: 'sasl.mechanism', value: 'GSSAPI' }, { name: 'sasl.kerberos.principal', value: `linker@${realm.kdc.realm}` },
        { name: 'sasl.kerberos.keytab.location', value: linkKeytab },
        { name: 'consumer.offset.sync.enable', value: 'true' }, { name: 'consumer.offset.sync.ms', value: '1000' },
        { name: 'consumer.offset.group.filters', value: JSON.stringify({ groupFilters }) },
      ],
    })
    assert.equal(link.status, 204, link.text)
    assert.equal((await e.call('POST', '/links/kerberos/mirrors', { source_topic_name: topic })).status, 204)
    await waitForMirrorCaughtUp(e, 'kerberos', topic, 2, 60)
    const result = await verifyMirror(source, destination, topic)
    assert.equal(result.identical, true, JSON.stringify(result.firstDifferences))
    await waitFor(async () => {
      const offsets = await destinationAdmin.fetchOffsets({ groupId: group, topics: [topic] })
      const byPartition = new Map(offsets[0]?.partitions.map((p) => [p.partition, p.offset]))
      return byPartition.get(0) === '31' && byPartition.get(1) === '5'
    }, 'group offsets synced to the destination', 60_000)
    // The keytab paths are configs like any other; the keys in them never reach a log line.
    const keys = (await readFile(engineKeytab)).subarray(-16).toString('hex')
    assert.ok(!e.logs.join('').includes(keys), 'keytab bytes in the logs')
  })

  test('engine should refuse to start with a destination keytab of another principal, naming the principal and the keytab', async () => {
    const principal = `clusterlink-engine@${realm.kdc.realm}`
    const destination = destinationWith(principal, linkKeytab)
    const failure = await startTestEngine({ run: `${run}-wrong`, destination, destinationWaitMs: 3_000 })
      .then(async (started) => {
        await started.close()
        return undefined
      }, (error: unknown) => error)
    assert.ok(isEngineError(failure) && failure.code === 'DESTINATION_UNAVAILABLE', String(failure))
    assert.ok(failure.message.includes(`GSSAPI login of ${principal} failed: the keytab ${linkKeytab} has no `
      + `aes256/aes128-cts-hmac-sha1-96 key for ${principal}`), failure.message)
  })
})
