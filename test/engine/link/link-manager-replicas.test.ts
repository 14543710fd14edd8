// LinkManager with shared work on fakes: only owned mirror topics run, hand-over stops before it starts, other replicas' writes
// and the owner's status are applied.
import assert from 'node:assert/strict'
import { Writable } from 'node:stream'
import { test } from 'node:test'
import { LinkManager } from '../../../engine/link/index.ts'
import { createLogger } from '../../../engine/logging/index.ts'
import { MetricsRegistry } from '../../../engine/metrics/index.ts'
import type { WorkOwnership } from '../../../engine/replicas/index.ts'
import { MemoryStateStore, type MirrorState, type MirrorStatusRecord } from '../../../engine/state/index.ts'
import { FakeCluster, fakeRunnerFactory, waitFor } from './fakes.ts'

const SOURCE = 'source.example:9092'

/** Ownership a test moves by hand, as the work group would at a rebalance. */
class HandOwnership implements WorkOwnership {
  owned = new Set<string>()
  #reconcile: () => Promise<void> = async () => undefined
  isOwned(_link: string, topic: string): boolean { return this.owned.has(topic) }
  isLinkCoordinator(): boolean { return false }
  setReconciler(reconcile: () => Promise<void>): void { this.#reconcile = reconcile }
  async start(): Promise<void> {}
  async close(): Promise<void> {}
  describe() { return { memberId: 'member-1', generationId: 1, ownedWorkPartitions: [], workPartitions: 32 } }
  async move(owned: string[]): Promise<void> {
    this.owned = new Set(owned)
    await this.#reconcile()
  }
}

function setup() {
  const source = new FakeCluster('src-id')
  const destination = new FakeCluster('dst-id')
  const store = new MemoryStateStore()
  const runners = fakeRunnerFactory()
  const ownership = new HandOwnership()
  const manager = new LinkManager({
    store, destination: { bootstrapServers: ['destination.example:9092'] }, destinationAdmin: destination, destinationClusterId: 'dst-id',
    createAdmin: (connection) => (connection.bootstrapServers[0] === SOURCE ? source : destination),
    createRunner: runners.create, ownership, statusIntervalMs: 100,
    logger: createLogger({ level: 'silent', destination: new Writable({ write(_c, _e, done) { done() } }) }),
    metrics: new MetricsRegistry(), hasCredentialsKey: true, promoteTimeoutMs: 5000,
  })
  for (const t of ['t1', 't2']) source.topics.set(t, { partitions: 1, configs: {} })
  return { manager, source, destination, store, runners: runners.runners, ownership }
}

const mirrorState = (name: string, change: Partial<MirrorState> = {}): MirrorState => ({
  linkName: 'dr', mirrorTopicName: name, sourceTopicName: name, replicationFactor: null, configs: {},
  desiredStatus: 'ACTIVE', pendingPromote: false, stoppedBy: null, createdAtMs: 1, statusChangedAtMs: 1, ...change,
})

test('LinkManager should run only the mirror topics it owns and stop a lost one before another starts', async () => {
  const { manager, runners, ownership } = setup()
  await manager.start()
  await manager.createLink({ linkName: 'dr', configs: { 'bootstrap.servers': SOURCE } }, { validateOnly: false, validateLink: false })
  await manager.createMirror('dr', { sourceTopicName: 't1' }, { validateOnly: false })
  await manager.createMirror('dr', { sourceTopicName: 't2' }, { validateOnly: false })
  assert.equal(runners.size, 0, 'no runner before the group assigns work')
  await ownership.move(['t1'])
  await waitFor(() => runners.get('t1')?.current.state === 'ACTIVE', 't1 running')
  assert.equal(runners.has('t2'), false)
  await ownership.move([])
  // The reconcile resolves only once the lost runner stopped: the group rejoins after that.
  assert.deepEqual(runners.get('t1')?.calls, ['start', 'stop'])
  assert.deepEqual(manager.describeReplica().ownedMirrorTopics, [])
  await manager.close()
})

test('LinkManager should apply another replica\'s writes and serve the owner\'s published status', async () => {
  const { manager, store, runners, ownership } = setup()
  await manager.start()
  store.emit({ kind: 'mirror', linkName: 'dr', mirrorTopicName: 't1', mirror: mirrorState('t1') })
  store.emit({ kind: 'link', linkName: 'dr', link: { linkName: 'dr', linkId: 'id', sourceClusterId: null, configs: { 'bootstrap.servers': SOURCE }, createdAtMs: 1 } })
  assert.deepEqual(manager.listMirrors('dr').map((m) => m.mirrorTopicName), ['t1'], 'a mirror read before its link is kept until the link arrives')
  const status: MirrorStatusRecord = {
    linkName: 'dr', mirrorTopicName: 't1', owner: 'member-2', runState: 'ACTIVE', isStopping: false, stateTimeMs: 5, numPartitions: 1,
    partitions: [{ partition: 0, lagRecords: 7, lastSourceFetchOffset: 3, sourceHighWatermark: 10, destinationLogEndOffset: 3 }],
    error: null, transitionErrors: [], publishedAtMs: 6,
  }
  store.emit({ kind: 'status', linkName: 'dr', mirrorTopicName: 't1', status })
  const view = manager.describeMirror('dr', 't1')
  assert.equal(view.status, 'ACTIVE')
  assert.deepEqual(view.partitions.map((p) => p.lagRecords), [7])
  // A pause written by another replica shows once the owner's published status says it applied that record, not before.
  store.emit({ kind: 'mirror', linkName: 'dr', mirrorTopicName: 't1', mirror: mirrorState('t1', { desiredStatus: 'PAUSED', statusChangedAtMs: 2 }) })
  assert.equal(manager.describeMirror('dr', 't1').status, 'ACTIVE', 'the owner still copies')
  store.emit({ kind: 'status', linkName: 'dr', mirrorTopicName: 't1', status: { ...status, runState: 'PAUSED', appliedStatusChangedAtMs: 2 } })
  assert.equal(manager.describeMirror('dr', 't1').status, 'PAUSED')
  // Gaining the mirror: it starts paused as stored, and this replica publishes its own status.
  await ownership.move(['t1'])
  assert.equal(runners.has('t1'), false, 'a PAUSED mirror gets no runner')
  store.emit({ kind: 'mirror', linkName: 'dr', mirrorTopicName: 't1', mirror: mirrorState('t1', { statusChangedAtMs: 3 }) })
  await waitFor(() => runners.get('t1')?.current.state === 'ACTIVE', 'resumed by the other replica\'s write')
  await waitFor(() => store.statuses.get('dr:t1')?.owner === 'member-1', 'the new owner publishing its status')
  store.emit({ kind: 'mirror', linkName: 'dr', mirrorTopicName: 't1', mirror: null })
  assert.deepEqual(manager.listMirrors('dr'), [])
  await waitFor(() => runners.get('t1')?.calls.includes('stop') ?? false, 'runner stopped after the delete')
  await manager.close()
})

test('LinkManager should leave a promote asked on a non-owner to the owner, and show it PENDING_STOPPED meanwhile', async () => {
  const { manager, store, runners, ownership } = setup()
  await manager.start()
  await manager.createLink({ linkName: 'dr', configs: { 'bootstrap.servers': SOURCE } }, { validateOnly: false, validateLink: false })
  await manager.createMirror('dr', { sourceTopicName: 't1' }, { validateOnly: false })
  const [result] = await manager.alterMirrors('dr', 'promote', ['t1'], { validateOnly: false })
  assert.equal(result?.errorCode, null)
  assert.equal(manager.describeMirror('dr', 't1').status, 'PENDING_STOPPED')
  assert.equal(runners.size, 0, 'a non-owner starts no runner for a promote')
  await ownership.move(['t1'])
  await waitFor(() => store.mirrors.get('dr:t1')?.desiredStatus === 'STOPPED', 'the owner to finish the promote')
  await waitFor(() => manager.describeMirror('dr', 't1').status === 'STOPPED', 'STOPPED')
  assert.deepEqual(runners.get('t1')?.calls, ['start', 'stop'])
  await manager.close()
})

test('LinkManager should show a failover asked on a non-owner PENDING_STOPPED until the owner confirms it stopped', async () => {
  const { manager, store } = setup()
  await manager.start()
  await manager.createLink({ linkName: 'dr', configs: { 'bootstrap.servers': SOURCE } }, { validateOnly: false, validateLink: false })
  await manager.createMirror('dr', { sourceTopicName: 't1' }, { validateOnly: false })
  const running: MirrorStatusRecord = {
    linkName: 'dr', mirrorTopicName: 't1', owner: 'member-2', runState: 'ACTIVE', isStopping: false, stateTimeMs: 5, numPartitions: 1,
    partitions: [], error: null, transitionErrors: [], publishedAtMs: 6, appliedStatusChangedAtMs: store.mirrors.get('dr:t1')?.statusChangedAtMs ?? 0,
  }
  store.emit({ kind: 'status', linkName: 'dr', mirrorTopicName: 't1', status: running })
  const [result] = await manager.alterMirrors('dr', 'failover', ['t1'], { validateOnly: false })
  assert.equal(result?.errorCode, null)
  assert.equal(store.mirrors.get('dr:t1')?.desiredStatus, 'STOPPED', 'the stop is stored for the owner')
  assert.equal(result?.view?.status, 'PENDING_STOPPED', 'the answer never says STOPPED before the owner stopped')
  assert.equal(manager.describeMirror('dr', 't1').status, 'PENDING_STOPPED')
  const [refused] = await manager.alterMirrors('dr', 'resume', ['t1'], { validateOnly: false })
  assert.equal(refused?.errorCode, 'INVALID_STATE')
  // An older status of the owner (it has not read the stop yet) changes nothing; its confirmation of the stop does.
  store.emit({ kind: 'status', linkName: 'dr', mirrorTopicName: 't1', status: { ...running, publishedAtMs: 7 } })
  assert.equal(manager.describeMirror('dr', 't1').status, 'PENDING_STOPPED')
  const stopped = store.mirrors.get('dr:t1')?.statusChangedAtMs ?? 0
  store.emit({ kind: 'status', linkName: 'dr', mirrorTopicName: 't1', status: { ...running, runState: 'STOPPED', appliedStatusChangedAtMs: stopped, publishedAtMs: 8 } })
  assert.equal(manager.describeMirror('dr', 't1').status, 'STOPPED')
  await manager.close()
})

test('LinkManager should not delete a link nor release write denials through a non-owner before the owner confirmed it stopped', async () => {
  const { manager, store, destination } = setup()
  await manager.start()
  await manager.createLink({ linkName: 'dr', configs: { 'bootstrap.servers': SOURCE } }, { validateOnly: false, validateLink: false })
  await manager.createMirror('dr', { sourceTopicName: 't1' }, { validateOnly: false })
  // The owner (another replica) guards the mirror topic: a producer's ALLOW WRITE, and the guard's DENY WRITE.
  const acl = { topic: 't1', patternType: 'LITERAL', principal: 'User:app', host: '*', operation: 'WRITE' } as const
  destination.acls = [{ ...acl, permission: 'ALLOW' }, { ...acl, permission: 'DENY' }]
  const deleting = manager.deleteLink('dr', { force: true, validateOnly: false })
  await waitFor(() => store.mirrors.get('dr:t1')?.desiredStatus === 'STOPPED', 'the failover stored for the owner')
  assert.equal(manager.describeMirror('dr', 't1').status, 'PENDING_STOPPED')
  await new Promise((resolve) => setImmediate(resolve))
  assert.ok(store.links.has('dr') && store.mirrors.has('dr:t1'), 'nothing deleted while the owner may still write')
  assert.equal(destination.acls.filter((a) => a.permission === 'DENY').length, 1, 'the write denial stays while the owner may still write')
  const stopped = store.mirrors.get('dr:t1')?.statusChangedAtMs ?? 0
  store.emit({ kind: 'status', linkName: 'dr', mirrorTopicName: 't1', status: {
    linkName: 'dr', mirrorTopicName: 't1', owner: 'member-2', runState: 'STOPPED', isStopping: false, stateTimeMs: 5, numPartitions: 1,
    partitions: [], error: null, transitionErrors: [], publishedAtMs: 9, appliedStatusChangedAtMs: stopped,
  } })
  await deleting
  assert.deepEqual(destination.acls?.map((a) => a.permission), ['ALLOW'], 'the denial is gone once the owner stopped')
  assert.equal(store.links.has('dr'), false)
  assert.equal(store.mirrors.has('dr:t1'), false)
  await manager.close()
})
