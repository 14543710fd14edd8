// LinkManager tests on fakes: write-first changes, recovery from the state store, availability, link pause, jobs and promote bounds.
import assert from 'node:assert/strict'
import { Writable } from 'node:stream'
import { test } from 'node:test'
import { LinkManager } from '../../../engine/link/index.ts'
import { createLogger } from '../../../engine/logging/index.ts'
import { MetricsRegistry } from '../../../engine/metrics/index.ts'
import { MemoryStateStore } from '../../../engine/state/index.ts'
import { FakeCluster, fakeRunnerFactory, waitFor } from './fakes.ts'

const SOURCE = 'source.example:9092'

function setup(options: {
  store?: MemoryStateStore; source?: FakeCluster; destination?: FakeCluster; promoteTimeoutMs?: number
  hasCredentialsKey?: boolean; failStart?: Error
} = {}) {
  const source = options.source ?? new FakeCluster('src-id')
  const destination = options.destination ?? new FakeCluster('dst-id')
  const store = options.store ?? new MemoryStateStore()
  const runners = fakeRunnerFactory(options.failStart ? { failStart: options.failStart } : {})
  const logs: string[] = []
  const metrics = new MetricsRegistry()
  const manager = new LinkManager({
    store, destination: { bootstrapServers: ['destination.example:9092'] }, destinationAdmin: destination, destinationClusterId: 'dst-id',
    createAdmin: (connection) => (connection.bootstrapServers[0] === SOURCE ? source : destination),
    createRunner: runners.create,
    logger: createLogger({ level: 'debug', destination: new Writable({ write(c, _e, done) { logs.push(String(c)); done() } }) }),
    metrics, hasCredentialsKey: options.hasCredentialsKey ?? true, promoteTimeoutMs: options.promoteTimeoutMs ?? 5000,
  })
  return { manager, source, destination, store, runners: runners.runners, logs, metrics }
}

const linkConfigs = (extra: Record<string, string> = {}) => ({ 'bootstrap.servers': SOURCE, ...extra })
const noValidation = { validateOnly: false, validateLink: false }

test('LinkManager should leave nothing behind when the state write fails', async () => {
  const { manager, store, source, runners } = setup()
  await manager.start()
  store.failNextWrite = new Error('broker down')
  await assert.rejects(manager.createLink({ linkName: 'a', configs: linkConfigs() }, noValidation), /broker down/)
  assert.throws(() => manager.getLink('a'), /does not exist/)
  await manager.createLink({ linkName: 'a', configs: linkConfigs() }, noValidation)
  source.topics.set('t', { partitions: 1, configs: {} })
  store.failNextWrite = new Error('broker down')
  await assert.rejects(manager.createMirror('a', { sourceTopicName: 't' }, { validateOnly: false }))
  assert.deepEqual(manager.listMirrors('a'), [])
  assert.equal(runners.size, 0)
  await manager.close()
})

test('LinkManager should refuse link credentials without a credentialsKey', async () => {
  const { manager, store } = setup({ hasCredentialsKey: false })
  await manager.start()
  await assert.rejects(manager.createLink({ linkName: 'a', configs: linkConfigs({ 'security.protocol': 'SASL_SSL', 'sasl.username': 'u', 'sasl.password': 'p' }) }, noValidation), /no credentialsKey/)
  assert.equal(store.links.size, 0)
  await manager.close()
})

test('LinkManager should recover links and mirrors with their desired status after a restart', async () => {
  const first = setup()
  await first.manager.start()
  for (const t of ['a1', 'p1', 's1']) first.source.topics.set(t, { partitions: 2, configs: {} })
  await first.manager.createLink({ linkName: 'dr', configs: linkConfigs() }, noValidation)
  for (const t of ['a1', 'p1', 's1']) await first.manager.createMirror('dr', { sourceTopicName: t }, { validateOnly: false })
  await first.manager.alterMirrors('dr', 'pause', ['p1'], { validateOnly: false })
  await first.manager.alterMirrors('dr', 'failover', ['s1'], { validateOnly: false })
  await first.manager.close()

  const second = setup({ store: first.store, source: first.source, destination: first.destination })
  await second.manager.start()
  const statuses = Object.fromEntries(second.manager.listMirrors('dr').map((m) => [m.mirrorTopicName, m.status]))
  await waitFor(() => second.runners.get('a1')?.current.state === 'ACTIVE', 'a1 restarted')
  assert.equal(second.manager.describeMirror('dr', 'a1').status, 'ACTIVE')
  assert.equal(statuses['p1'], 'PAUSED')
  assert.equal(statuses['s1'], 'STOPPED')
  assert.equal(second.runners.has('s1'), false, 'a STOPPED mirror must never copy again')
  assert.equal(second.runners.has('p1'), false)
  await second.manager.close()
})

test('LinkManager should mark the link UNAVAILABLE after the threshold and recover by itself', async () => {
  const { manager, source } = setup()
  await manager.start()
  source.topics.set('t', { partitions: 1, configs: {} })
  await manager.createLink({ linkName: 'a', configs: linkConfigs({ 'availability.check.ms': '100', 'availability.check.consecutive.failure.threshold': '2' }) }, noValidation)
  await manager.createMirror('a', { sourceTopicName: 't' }, { validateOnly: false })
  source.reachable = false
  await waitFor(() => manager.getLink('a').linkState === 'UNAVAILABLE', 'link UNAVAILABLE')
  assert.equal(manager.describeMirror('a', 't').status, 'SOURCE_UNAVAILABLE')
  assert.equal(manager.getLink('a').linkError, 'BOOTSTRAP_TCP_CONNECTION_FAILED_ERROR')
  source.reachable = true
  await waitFor(() => manager.getLink('a').linkState === 'ACTIVE', 'link ACTIVE again')
  assert.equal(manager.describeMirror('a', 't').status, 'ACTIVE')
  await manager.close()
})

test('LinkManager should pause every mirror with cluster.link.paused and resume them', async () => {
  const { manager, source, runners } = setup()
  await manager.start()
  source.topics.set('t', { partitions: 1, configs: {} })
  await manager.createLink({ linkName: 'a', configs: linkConfigs() }, noValidation)
  await manager.createMirror('a', { sourceTopicName: 't' }, { validateOnly: false })
  await waitFor(() => runners.get('t')?.current.state === 'ACTIVE', 'running')
  await manager.alterLinkConfigs('a', [{ name: 'cluster.link.paused', value: 'true', operation: 'SET' }], { validateOnly: false })
  assert.equal(manager.getLink('a').linkState, 'PAUSED')
  assert.equal(manager.describeMirror('a', 't').status, 'LINK_PAUSED')
  await waitFor(() => runners.get('t')?.calls.includes('pause') ?? false, 'runner paused')
  await manager.alterLinkConfigs('a', [{ name: 'cluster.link.paused', operation: 'DELETE' }], { validateOnly: false })
  await waitFor(() => manager.describeMirror('a', 't').status === 'ACTIVE', 'ACTIVE again')
  await manager.close()
})

test('LinkManager should hand the link mirror.coalesce.below.bytes to each mirror it starts', async () => {
  const { manager, source, runners } = setup()
  await manager.start()
  source.topics.set('c1', { partitions: 1, configs: {} })
  source.topics.set('c2', { partitions: 1, configs: {} })
  await manager.createLink({ linkName: 'plain', configs: linkConfigs({ 'mirror.coalesce.below.bytes': '0' }) }, noValidation)
  await manager.createLink({ linkName: 'defaults', configs: linkConfigs() }, noValidation)
  await manager.createMirror('plain', { sourceTopicName: 'c1' }, { validateOnly: false })
  await manager.createMirror('defaults', { sourceTopicName: 'c2' }, { validateOnly: false })
  await waitFor(() => runners.has('c1') && runners.has('c2'), 'both runners created')
  assert.equal(runners.get('c1')?.options.spec.coalesceBelowBytes, 0)
  assert.equal(runners.get('c2')?.options.spec.coalesceBelowBytes, 1024)
  await manager.close()
})

test('LinkManager should auto-create mirror topics selected by the filters, with the link prefix', async () => {
  const { manager, source } = setup()
  await manager.start()
  for (const t of ['auto.a', 'auto.secret', 'other']) source.topics.set(t, { partitions: 1, configs: {} })
  await manager.createLink({ linkName: 'a', configs: linkConfigs({
    'cluster.link.prefix': 'dr.', 'topic.config.sync.ms': '1000', 'auto.create.mirror.topics.enable': 'true',
    'auto.create.mirror.topics.filters': JSON.stringify({ topicFilters: [{ name: 'auto.', patternType: 'PREFIXED', filterType: 'INCLUDE' }, { name: 'auto.secret', patternType: 'LITERAL', filterType: 'EXCLUDE' }] }),
  }) }, noValidation)
  await waitFor(() => manager.listMirrors('a').length === 1, 'auto-created')
  assert.equal(manager.listMirrors('a')[0]?.mirrorTopicName, 'dr.auto.a')
  await assert.rejects(manager.createMirror('a', { sourceTopicName: 'other', mirrorTopicName: 'other' }, { validateOnly: false }), /prefix plus the source topic name \('dr.other'\)/)
  await manager.close()
})

test('LinkManager should sync offsets clamped to the destination, skipping groups with active members', async () => {
  const { manager, source, destination } = setup()
  await manager.start()
  source.topics.set('orders', { partitions: 1, configs: {} })
  source.groups.set('g1', { members: 1, offsets: [{ topic: 'orders', partition: 0, offset: 50 }] })
  source.groups.set('g2', { members: 0, offsets: [{ topic: 'orders', partition: 0, offset: 10 }] })
  source.groups.set('other', { members: 0, offsets: [{ topic: 'orders', partition: 0, offset: 10 }] })
  destination.groups.set('g2', { members: 1, offsets: [{ topic: 'orders', partition: 0, offset: 3 }] })
  destination.logEnd.set('orders:0', 30)
  await manager.createLink({ linkName: 'a', configs: linkConfigs({
    'consumer.offset.sync.enable': 'true', 'consumer.offset.sync.ms': '1000',
    'consumer.offset.group.filters': JSON.stringify({ groupFilters: [{ name: 'g', patternType: 'PREFIXED', filterType: 'INCLUDE' }] }),
  }) }, noValidation)
  await manager.createMirror('a', { sourceTopicName: 'orders' }, { validateOnly: false })
  await manager.linkRuntimes()[0]?.syncOffsetsNow()
  assert.deepEqual(destination.groups.get('g1')?.offsets, [{ topic: 'orders', partition: 0, offset: 30 }])
  assert.deepEqual(destination.groups.get('g2')?.offsets, [{ topic: 'orders', partition: 0, offset: 3 }], 'a group with members was changed')
  assert.equal(destination.groups.has('other'), false)
  await manager.close()
})

test('LinkManager should sync topic configs from the source and leave partition growth to the mirror\'s runner', async () => {
  const { manager, source, destination } = setup()
  await manager.start()
  source.topics.set('t', { partitions: 3, configs: { 'cleanup.policy': 'compact', 'retention.ms': '1000', 'segment.ms': '5000' } })
  await manager.createLink({ linkName: 'a', configs: linkConfigs({ 'topic.config.sync.ms': '1000', 'topic.config.sync.include': 'retention.ms' }) }, noValidation)
  await manager.createMirror('a', { sourceTopicName: 't' }, { validateOnly: false })
  destination.topics.set('t', { partitions: 2, configs: { 'cleanup.policy': 'delete' } })
  await waitFor(() => destination.topics.get('t')?.configs['cleanup.policy'] === 'compact', 'configs synced')
  assert.equal(destination.topics.get('t')?.configs['retention.ms'], '1000')
  assert.equal(destination.topics.get('t')?.configs['segment.ms'], undefined, 'a config outside the include list was synced')
  // The runner's source-topic-watch job is the one owner of partition growth (the fake runner grows nothing).
  assert.equal(destination.topics.get('t')?.partitions, 2)
  await manager.close()
})

test('LinkManager should give up a promote after its bound and record a transition error', async () => {
  const { manager, source, runners } = setup({ promoteTimeoutMs: 300 })
  await manager.start()
  source.topics.set('t', { partitions: 1, configs: {} })
  await manager.createLink({ linkName: 'a', configs: linkConfigs() }, noValidation)
  await manager.createMirror('a', { sourceTopicName: 't' }, { validateOnly: false })
  await waitFor(() => runners.get('t')?.current.state === 'ACTIVE', 'running')
  runners.get('t')?.setLag(7)
  await manager.alterMirrors('a', 'promote', ['t'], { validateOnly: false })
  assert.equal(manager.describeMirror('a', 't').status, 'PENDING_STOPPED')
  await assert.rejects(manager.deleteLink('a', { force: true, validateOnly: false }), /PENDING_STOPPED/)
  await waitFor(() => manager.describeMirror('a', 't').status === 'ACTIVE', 'back to ACTIVE')
  const errors = manager.describeMirror('a', 't').transitionErrors
  assert.match(errors.at(-1)?.error_message ?? '', /promote timed out after 300 ms: lag is 7 records/)
  assert.equal(runners.get('t')?.calls.includes('stop'), false)
  await manager.close()
})

test('LinkManager should report a runner that fails to start as FAILED and still allow failover', async () => {
  const { manager, source } = setup({ failStart: new Error('source topic id changed') })
  await manager.start()
  source.topics.set('t', { partitions: 1, configs: {} })
  await manager.createLink({ linkName: 'a', configs: linkConfigs() }, noValidation)
  await manager.createMirror('a', { sourceTopicName: 't' }, { validateOnly: false })
  await waitFor(() => manager.describeMirror('a', 't').status === 'FAILED', 'FAILED')
  assert.match(manager.describeMirror('a', 't').mirrorTopicErrorMessage ?? '', /source topic id changed/)
  const [pause] = await manager.alterMirrors('a', 'pause', ['t'], { validateOnly: false })
  assert.equal(pause?.errorCode, 'INVALID_STATE')
  const [result] = await manager.alterMirrors('a', 'failover', ['t'], { validateOnly: false })
  assert.equal(result?.errorCode, null)
  await waitFor(() => manager.describeMirror('a', 't').status === 'STOPPED', 'STOPPED')
  await manager.close()
})

test('LinkManager should deny writes to a live mirror topic and allow them again after failover', async () => {
  const { manager, source, destination } = setup()
  destination.acls = [{ topic: 'orders', patternType: 'PREFIXED', principal: 'User:alice', host: '*', operation: 'WRITE', permission: 'ALLOW' }]
  await manager.start()
  source.topics.set('orders', { partitions: 1, configs: {} })
  await manager.createLink({ linkName: 'a', configs: linkConfigs() }, noValidation)
  await manager.createMirror('a', { sourceTopicName: 'orders' }, { validateOnly: false })
  const denied = () => (destination.acls ?? []).some((a) => a.permission === 'DENY' && a.principal === 'User:alice' && a.topic === 'orders')
  await waitFor(denied, 'DENY WRITE for alice')
  await manager.alterMirrors('a', 'failover', ['orders'], { validateOnly: false })
  await waitFor(() => manager.describeMirror('a', 'orders').status === 'STOPPED', 'STOPPED')
  assert.equal(denied(), false, 'STOPPED reported while writes were still denied')
  await manager.close()
})

test('LinkManager should count failed job runs, show them as task errors and log them with the job name', async () => {
  const { manager, source, metrics, logs } = setup()
  await manager.start()
  source.topics.set('t', { partitions: 1, configs: {} })
  await manager.createLink({ linkName: 'a', configs: linkConfigs({ 'topic.config.sync.ms': '1000', 'availability.check.consecutive.failure.threshold': '1000' }) }, noValidation)
  await manager.createMirror('a', { sourceTopicName: 't' }, { validateOnly: false })
  source.reachable = false
  await manager.alterLinkConfigs('a', [{ name: 'topic.config.sync.ms', value: '1001', operation: 'SET' }], { validateOnly: false })
  await waitFor(() => /clusterlink_link_job_errors_total\{link="a",job="TopicConfigSync"\} [1-9]/.test(metrics.render()), 'job error counted')
  const task = manager.getLink('a').tasks.find((t) => t.task_name === 'TopicConfigSync')
  assert.equal(task?.state, 'IN_ERROR')
  assert.match(task?.errors[0]?.error_message ?? '', /ECONNREFUSED/)
  assert.ok(logs.some((line) => line.includes('"job":"TopicConfigSync"') && line.includes('link job failed')))
  await manager.close()
})

test('LinkManager should expose the consumer offset sync age as a metric', async () => {
  const { manager, source, metrics } = setup()
  await manager.start()
  source.topics.set('t', { partitions: 1, configs: {} })
  await manager.createLink({ linkName: 'a', configs: linkConfigs({ 'consumer.offset.sync.enable': 'true', 'consumer.offset.group.filters': '{"groupFilters":[{"name":"*"}]}' }) }, noValidation)
  await manager.createMirror('a', { sourceTopicName: 't' }, { validateOnly: false })
  await manager.linkRuntimes()[0]?.syncOffsetsNow()
  assert.match(metrics.render(), /clusterlink_consumer_offset_sync_age_seconds\{link="a"\} \d/)
  await manager.close()
})

test('LinkManager should report lag per partition in records and seconds without offsets as labels', async () => {
  const { manager, source, metrics, runners } = setup()
  await manager.start()
  source.topics.set('t', { partitions: 1, configs: {} })
  await manager.createLink({ linkName: 'a', configs: linkConfigs() }, noValidation)
  await manager.createMirror('a', { sourceTopicName: 't' }, { validateOnly: false })
  await waitFor(() => runners.get('t')?.current.state === 'ACTIVE', 'running')
  runners.get('t')?.setLag(4)
  const text = metrics.render()
  assert.match(text, /clusterlink_mirror_partition_lag_records\{link="a",topic="t",partition="0"\} 4/)
  assert.match(text, /clusterlink_mirror_partition_lag_seconds\{link="a",topic="t",partition="0"\} \d/)
  assert.match(text, /clusterlink_mirror_topics\{link="a",state="ACTIVE"\} 1/)
  assert.match(text, /clusterlink_links\{state="ACTIVE"\} 1/)
  assert.ok(!/offset="/.test(text), 'an offset is used as a label')
  await manager.close()
})

test('LinkManager should resume a promote that was waiting for lag zero when the engine restarted', async () => {
  const first = setup({ promoteTimeoutMs: 60_000 })
  await first.manager.start()
  first.source.topics.set('t', { partitions: 1, configs: {} })
  await first.manager.createLink({ linkName: 'a', configs: linkConfigs() }, noValidation)
  await first.manager.createMirror('a', { sourceTopicName: 't' }, { validateOnly: false })
  await waitFor(() => first.runners.get('t')?.current.state === 'ACTIVE', 'running')
  first.runners.get('t')?.setLag(9)
  await first.manager.alterMirrors('a', 'promote', ['t'], { validateOnly: false })
  await first.manager.close()

  const second = setup({ store: first.store, source: first.source, destination: first.destination, promoteTimeoutMs: 60_000 })
  await second.manager.start()
  assert.equal(second.manager.describeMirror('a', 't').status, 'PENDING_STOPPED')
  await waitFor(() => second.runners.get('t')?.current.state === 'ACTIVE', 'copying again to catch up')
  second.runners.get('t')?.setLag(0)
  await waitFor(() => second.manager.describeMirror('a', 't').status === 'STOPPED', 'promoted after restart')
  assert.equal(first.store.mirrors.get('a:t')?.stoppedBy, 'PROMOTE')
  await second.manager.close()
})

test('LinkManager should promote a PAUSED mirror by letting it catch up first', async () => {
  const { manager, source, runners } = setup()
  await manager.start()
  source.topics.set('t', { partitions: 1, configs: {} })
  await manager.createLink({ linkName: 'a', configs: linkConfigs() }, noValidation)
  await manager.createMirror('a', { sourceTopicName: 't' }, { validateOnly: false })
  await waitFor(() => runners.get('t')?.current.state === 'ACTIVE', 'running')
  await manager.alterMirrors('a', 'pause', ['t'], { validateOnly: false })
  assert.equal(manager.describeMirror('a', 't').status, 'PAUSED')
  await manager.alterMirrors('a', 'promote', ['t'], { validateOnly: false })
  await waitFor(() => manager.describeMirror('a', 't').status === 'STOPPED', 'STOPPED')
  assert.deepEqual(runners.get('t')?.calls, ['start', 'pause', 'resume', 'stop'])
  await manager.close()
})
