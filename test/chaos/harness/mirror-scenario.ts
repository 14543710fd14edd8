// Steps every chaos test shares: a source topic, a link and a mirror created through the engine's REST API, and the final
// judgement (verify identical, plus zero lost, duplicated, misplaced and invented ids).
import assert from 'node:assert/strict'
import type kafkajs from 'kafkajs'
import { verifyTopics, type VerifyIsolation } from '../../../cli/verify/index.ts'
import type { ChaosEngine } from './chaos-engine.ts'
import type { IdProducer } from './id-producer.ts'
import { compareLedgers, readTopicLedger, type LedgerComparison } from './topic-ledger.ts'

export async function createSourceTopic(admin: kafkajs.Admin, topic: string, partitions: number): Promise<void> {
  await admin.createTopics({ topics: [{ topic, numPartitions: partitions }], waitForLeaders: true })
}

/** Creates the link (unless it exists) and the mirror topic through the REST API, as a user would. */
export async function createLinkAndMirror(engine: ChaosEngine, link: string, sourceBootstrap: string, topic: string): Promise<void> {
  if (!(await engine.client.findLink(link))) {
    await engine.client.createLink(link, { configs: [{ name: 'bootstrap.servers', value: sourceBootstrap }] })
  }
  await engine.client.createMirror(link, { source_topic_name: topic })
}

export interface JudgeOptions {
  readonly sourceBootstrap: string
  readonly destinationBootstrap: string
  readonly topic: string
  readonly producer: IdProducer
  readonly isolation?: VerifyIsolation
  /** Where the measured numbers go (t.diagnostic). */
  readonly report: (line: string) => void
}

/**
 * The judge: `clusterlink verify` (kafkajs, record by record, offsets included) must find the topics identical, and
 * the id ledgers must show zero lost, zero duplicated, zero misplaced, zero invented records, and every id the
 * producer was told is stored present on the mirror. Aborted transactional ids must stay invisible.
 */
export async function assertMirrorExact(o: JudgeOptions): Promise<LedgerComparison> {
  const isolation = o.isolation ?? 'read_committed'
  const verified = await verifyTopics({
    sourceBootstrap: o.sourceBootstrap, destinationBootstrap: o.destinationBootstrap, topic: o.topic, isolation,
  })
  const [source, mirror] = await Promise.all([
    readTopicLedger(o.sourceBootstrap, o.topic, { isolation }),
    readTopicLedger(o.destinationBootstrap, o.topic, { isolation }),
  ])
  const c = compareLedgers(source, mirror, o.producer.acked)
  o.report(`verify: identical=${verified.identical} differences=${verified.differenceCount} partitions=${JSON.stringify(verified.partitions.map((p) => [p.partition, p.sourceRecords, p.mirrorRecords, p.sourceEndOffset, p.mirrorEndOffset]))}`)
  o.report(`ledger: source=${c.sourceRecords} mirror=${c.mirrorRecords} acked=${o.producer.acked.size} uncertain=${o.producer.uncertain.size} aborted=${o.producer.aborted.size} lost=${c.lost} duplicated=${c.duplicated} misplaced=${c.misplaced} phantom=${c.phantom} ackedMissingOnSource=${c.ackedMissingOnSource} sourceDuplicated=${c.sourceDuplicated}`)
  assert.equal(verified.identical, true, `verify found ${verified.differenceCount} differences: ${JSON.stringify(verified.firstDifferences.slice(0, 5))}`)
  // The judge must have read everything: its per-partition record counts equal the ledger's (which reads to the end).
  for (const p of verified.partitions) {
    const expected = source.entries.filter((e) => e.partition === p.partition).length
    assert.deepEqual([p.sourceRecords, p.mirrorRecords], [expected, expected], `verify read every record of partition ${p.partition}`)
  }
  assert.equal(c.lost, 0, `records lost: ${c.examples.join('; ')}`)
  assert.equal(c.duplicated, 0, `records duplicated: ${c.examples.join('; ')}`)
  assert.equal(c.misplaced, 0, `records at another offset: ${c.examples.join('; ')}`)
  assert.equal(c.phantom, 0, `records on the mirror that the source does not show: ${c.examples.join('; ')}`)
  assert.equal(c.ackedMissingOnSource, 0, 'acknowledged ids missing on the source (the test producer or source broker lost them)')
  assert.equal(c.mirrorRecords, c.sourceRecords)
  assert.ok(c.sourceRecords >= o.producer.acked.size, 'the source holds every acknowledged record')
  const abortedVisible = mirror.entries.filter((e) => o.producer.aborted.has(e.id)).length
  if (isolation === 'read_committed') assert.equal(abortedVisible, 0, 'aborted transactional records are visible on the mirror')
  for (const [p, end] of source.endOffsets) assert.equal(mirror.endOffsets.get(p), end, `end offset of partition ${p}`)
  return c
}
