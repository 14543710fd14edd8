// The fetch batcher's rules (pure logic: the broker is a function that records requests and answers them).
import assert from 'node:assert/strict'
import { test } from 'node:test'
import { FetchBatcher, type PartitionFetch, type SendFetch } from '../../../engine/kafka/fetch-batcher.ts'
import type { RawFetchPartitionResponse, RawFetchResponse } from '../../../engine/kafka/raw-fetch.ts'

const BROKER = { nodeId: 1, host: '127.0.0.1', port: 9092 }

function ask(topic: string, partition: number, options: Partial<PartitionFetch> = {}): PartitionFetch {
  return { topic, topicId: '', partition, fetchOffset: 0n, maxBytes: 1024, lastFetchedEpoch: -1, ...options }
}

function answer(partition: number, records: Buffer | null = null): RawFetchPartitionResponse {
  return {
    partition, errorCode: 0, highWatermark: 10n, lastStableOffset: 10n, logStartOffset: 0n, abortedTransactions: [],
    preferredReadReplica: -1, records, currentLeader: null,
  }
}

interface Sent { fetches: PartitionFetch[]; maxBytes: number; finish: (r?: RawFetchResponse | Error) => void }

/** A broker whose requests the test answers one by one (each answer defaults to every partition, without records). */
function fakeBroker(): { send: SendFetch; sent: Sent[]; next: () => Promise<Sent> } {
  const sent: Sent[] = []
  let wake: (() => void) | null = null
  const send: SendFetch = (_broker, _lane, request, fetches) => new Promise((resolve, reject) => {
    const byName = new Map<string, RawFetchPartitionResponse[]>()
    for (const f of fetches) byName.set(f.topic, [...(byName.get(f.topic) ?? []), answer(f.partition, Buffer.from('x'))])
    const topics = [...byName].map(([topic, partitions]) => ({ topic, partitions }))
    const whole: RawFetchResponse = { throttleTimeMs: 0, errorCode: 0, topics }
    sent.push({
      fetches: [...fetches], maxBytes: request.maxBytes,
      finish: (r) => (r instanceof Error ? reject(r) : resolve({ response: r ?? whole, byId: false })),
    })
    wake?.()
  })
  const next = async (): Promise<Sent> => {
    const seen = sent.length
    while (sent.length === seen) await new Promise<void>((r) => { wake = r })
    return sent[sent.length - 1] as Sent
  }
  return { send, sent, next }
}

test('partitions asked of one leader at once go out as one request, and each copier gets its own partition', async () => {
  const broker = fakeBroker()
  const batcher = new FetchBatcher(broker.send)
  const asked = [ask('a', 0), ask('a', 1), ask('b', 0)].map((f) => batcher.fetch(BROKER, 1, 500, f))
  const request = await broker.next()
  assert.deepEqual(request.fetches.map((f) => `${f.topic}-${f.partition}`), ['a-0', 'a-1', 'b-0'])
  assert.equal(request.maxBytes, 3 * 1024)
  request.finish()
  const got = await Promise.all(asked)
  assert.deepEqual(got.map((p) => p.partition), [0, 1, 0])
})

test('what is asked while a request is in flight waits for it, then goes out together; a partition twice waits a turn', async () => {
  const broker = fakeBroker()
  const batcher = new FetchBatcher(broker.send)
  const first = batcher.fetch(BROKER, 1, 500, ask('a', 0))
  const r1 = await broker.next()
  const later = [ask('a', 1), ask('a', 2), ask('a', 1, { fetchOffset: 5n })].map((f) => batcher.fetch(BROKER, 1, 500, f))
  await new Promise((r) => setImmediate(r))
  assert.equal(broker.sent.length, 1, 'no second request while the first is in flight')
  r1.finish()
  await first
  const r2 = await broker.next()
  assert.deepEqual(r2.fetches.map((f) => `${f.partition}@${f.fetchOffset}`), ['1@0', '2@0'])
  r2.finish()
  const r3 = await broker.next()
  assert.deepEqual(r3.fetches.map((f) => `${f.partition}@${f.fetchOffset}`), ['1@5'])
  r3.finish()
  assert.equal((await Promise.all(later)).length, 3)
})

test('a failed request fails each of its partitions; a partition missing from the answer fails alone', async () => {
  const broker = fakeBroker()
  const batcher = new FetchBatcher(broker.send)
  const failed = [ask('a', 0), ask('a', 1)].map((f) => batcher.fetch(BROKER, 1, 500, f))
  ;(await broker.next()).finish(new Error('connection cut'))
  for (const f of failed) await assert.rejects(f, /connection cut/)
  const asked = [ask('a', 0), ask('a', 1)].map((f) => batcher.fetch(BROKER, 1, 500, f))
  ;(await broker.next()).finish({ throttleTimeMs: 0, errorCode: 0, topics: [{ topic: 'a', partitions: [answer(1)] }] })
  await assert.rejects(asked[0] as Promise<unknown>, /no partition a-0/)
  assert.equal((await asked[1])?.partition, 1)
})

test('the response limit never starves a partition: the least recently served go first', async () => {
  const broker = fakeBroker()
  const batcher = new FetchBatcher(broker.send)
  const big = 40 << 20 // two of them pass the 64 MiB a request asks for: one request holds one
  const round = async (order: string[]): Promise<string[]> => {
    const asked = order.map((t) => batcher.fetch(BROKER, 1, 500, ask(t, 0, { maxBytes: big })))
    const served: string[] = []
    for (let i = 0; i < order.length; i++) {
      const r = await broker.next()
      served.push(...r.fetches.map((f) => f.topic))
      r.finish()
    }
    await Promise.all(asked)
    return served
  }
  assert.deepEqual(await round(['a', 'b']), ['a', 'b'])
  assert.deepEqual(await round(['b', 'a']), ['a', 'b'], 'a was served longest ago, so it goes first although asked last')
})

test('different leaders and isolation levels are different requests', async () => {
  const broker = fakeBroker()
  const batcher = new FetchBatcher(broker.send)
  const asked = [
    batcher.fetch(BROKER, 1, 500, ask('a', 0)),
    batcher.fetch({ nodeId: 2, host: '127.0.0.1', port: 9093 }, 1, 500, ask('a', 1)),
    batcher.fetch(BROKER, 0, 500, ask('a', 2)),
  ]
  await new Promise((r) => setImmediate(r))
  assert.equal(broker.sent.length, 3)
  for (const s of broker.sent) s.finish()
  assert.equal((await Promise.all(asked)).length, 3)
})
