// Pure tests of resuming a FAILED mirror topic: the state machine's rows for FAILED and FAILED_RESUMABLE, the error code
// classification, the REST action check, and how a non-owner follows the owner's confirmation; then a LinkManager on fakes.
import assert from 'node:assert/strict'
import { Writable } from 'node:stream'
import { test } from 'node:test'
import { ERROR_CODES, EngineError } from '../../../engine/errors.ts'
import { LinkManager } from '../../../engine/link/index.ts'
import { failureCodes, failureRecovery } from '../../../engine/link/mirror-failure.ts'
import { followerMachine, followerTarget, ownerConfirmed, shownDesiredStatus } from '../../../engine/link/mirror-follower.ts'
import { eventBetween, transition, type MirrorMachineState, type MirrorPhase } from '../../../engine/link/mirror-state-machine.ts'
import { checkMirrorAction } from '../../../engine/link/mirror-status.ts'
import { createLogger } from '../../../engine/logging/index.ts'
import { MetricsRegistry } from '../../../engine/metrics/index.ts'
import { MemoryStateStore, type MirrorState, type MirrorStatusRecord } from '../../../engine/state/index.ts'
import { FakeCluster, fakeRunnerFactory, waitFor } from './fakes.ts'

const state = (phase: MirrorPhase, extra: Partial<MirrorMachineState> = {}): MirrorMachineState =>
  ({ phase, direction: 'FORWARD', resumeTo: 'ACTIVE', linkPaused: false, health: 'OK', ...extra })

test('transition should resume a FAILED_RESUMABLE mirror with a new runner, storing the record again, and refuse its pause', () => {
  for (const phase of ['ACTIVE', 'PAUSED'] as const) {
    for (const linkPaused of [false, true]) {
      const resumed = transition(state(phase, { health: 'FAILED_RESUMABLE', linkPaused }), { type: 'resume' })
      assert.ok(resumed.ok, `${phase} resume`)
      assert.equal(resumed.state.phase, 'ACTIVE')
      assert.deepEqual(resumed.actions.map((a) => a.type), ['persist', 'restart-runner'], 'stored again even from ACTIVE: the owner hears it')
    }
    const paused = transition(state(phase, { health: 'FAILED_RESUMABLE' }), { type: 'pause' })
    assert.ok(!paused.ok && /resume it/.test(paused.reason))
    assert.equal(transition(state(phase, { health: 'FAILED_RESUMABLE' }), { type: 'promote' }).ok, false, 'promote needs a healthy mirror')
    const failover = transition(state(phase, { health: 'FAILED_RESUMABLE' }), { type: 'failover' })
    assert.ok(failover.ok && failover.state.phase === 'PENDING_STOPPED')
  }
  for (const phase of ['PENDING_PROMOTE', 'PENDING_STOPPED', 'STOPPED'] as const) {
    assert.equal(transition(state(phase, { health: 'FAILED_RESUMABLE' }), { type: 'resume' }).ok, false, `${phase} is not resumed`)
  }
})

test('transition should refuse to resume a FAILED mirror whose failure cannot be retried, saying to recreate it', () => {
  for (const phase of ['ACTIVE', 'PAUSED'] as const) {
    for (const action of ['pause', 'resume'] as const) {
      const refused = transition(state(phase, { health: 'FAILED' }), { type: action })
      assert.ok(!refused.ok && /recreate the mirror topic/.test(refused.reason), `${phase} ${action}`)
    }
  }
})

test('eventBetween should read the same ACTIVE phase stored again as a resume, and nothing else', () => {
  assert.equal(eventBetween('ACTIVE', 'ACTIVE', true), 'resume')
  assert.equal(eventBetween('ACTIVE', 'ACTIVE', false), undefined)
  assert.equal(eventBetween('PAUSED', 'PAUSED', true), undefined)
  assert.equal(eventBetween('STOPPED', 'STOPPED', true), undefined)
  assert.equal(eventBetween('PAUSED', 'ACTIVE', true), 'resume')
})

test('failureRecovery should classify every engine error code, and recreate for divergences and unknown codes', () => {
  for (const code of ERROR_CODES) assert.ok(['resume', 'recreate'].includes(failureRecovery(code)), code)
  for (const code of ['OFFSET_DIVERGENCE', 'SOURCE_DIVERGED', 'DUPLICATE_FILLER_MARKER', 'SOURCE_TOPIC_ID_CHANGED', 'SOURCE_TOPIC_MAY_BE_DELETED']) {
    assert.equal(failureRecovery(code), 'recreate', code)
  }
  for (const code of ['DESTINATION_UNAVAILABLE', 'SOURCE_UNAVAILABLE', 'KAFKA_ERROR', 'TIMEOUT', 'FORBIDDEN', 'UNAUTHORIZED', 'UNSUPPORTED_BROKER_VERSION']) {
    assert.equal(failureRecovery(code), 'resume', code)
  }
  assert.equal(failureRecovery('SOMETHING_NEW'), 'recreate')
  assert.equal(failureRecovery(undefined), 'recreate')
  assert.equal(failureRecovery('toString'), 'recreate', 'no inherited property passes for a code')
  assert.deepEqual([...failureCodes('resume'), ...failureCodes('recreate')].sort(), [...new Set([...failureCodes('resume'), ...failureCodes('recreate')])].sort())
})

test('checkMirrorAction should let resume through for a FAILED mirror only when its error code can be retried', () => {
  assert.equal(checkMirrorAction('resume', 'FAILED', 'KAFKA_ERROR'), undefined)
  assert.match(checkMirrorAction('resume', 'FAILED', 'OFFSET_DIVERGENCE') ?? '', /OFFSET_DIVERGENCE.*recreate the mirror topic/)
  assert.match(checkMirrorAction('resume', 'FAILED') ?? '', /recreate the mirror topic/)
  assert.match(checkMirrorAction('pause', 'FAILED', 'KAFKA_ERROR') ?? '', /resume it/)
  assert.equal(checkMirrorAction('failover', 'FAILED', 'OFFSET_DIVERGENCE'), undefined)
})

const record = (change: Partial<MirrorState> = {}): MirrorState => ({
  linkName: 'dr', mirrorTopicName: 't', sourceTopicName: 't', replicationFactor: null, configs: {},
  desiredStatus: 'ACTIVE', pendingPromote: false, stoppedBy: null, createdAtMs: 1, statusChangedAtMs: 10, ...change,
})
const published = (change: Partial<MirrorStatusRecord> = {}): MirrorStatusRecord => ({
  linkName: 'dr', mirrorTopicName: 't', owner: 'o', runState: 'ACTIVE', isStopping: false, stateTimeMs: 1, numPartitions: 1,
  partitions: [], error: null, transitionErrors: [], publishedAtMs: 1, ...change,
})

test('a non-owner should show a stored stop or pause only once the owner published that it applied that very record', () => {
  const stopped = record({ desiredStatus: 'STOPPED', statusChangedAtMs: 20 })
  assert.equal(ownerConfirmed(published({ appliedStatusChangedAtMs: 10 }), stopped), false)
  assert.equal(ownerConfirmed(published(), stopped), false, 'an owner that says nothing confirms nothing')
  assert.equal(ownerConfirmed(published({ appliedStatusChangedAtMs: 20 }), stopped), true)
  assert.equal(followerTarget(state('STOPPED'), state('ACTIVE'), published({ appliedStatusChangedAtMs: 10 }), stopped).phase, 'PENDING_STOPPED')
  assert.equal(followerTarget(state('STOPPED'), state('ACTIVE'), published({ appliedStatusChangedAtMs: 20 }), stopped).phase, 'STOPPED')
  assert.equal(followerTarget(state('STOPPED'), state('STOPPED'), published(), stopped).phase, 'STOPPED', 'a stop is final')
  assert.equal(followerMachine(state('PENDING_STOPPED'), published({ appliedStatusChangedAtMs: 10 }), stopped).phase, 'PENDING_STOPPED')
  assert.equal(followerMachine(state('PENDING_STOPPED'), published({ appliedStatusChangedAtMs: 20 }), stopped).phase, 'STOPPED')
  assert.equal(followerMachine(state('STOPPED'), published(), stopped).phase, 'STOPPED', 'a new owner that has not published yet changes nothing')
  assert.equal(followerMachine(state('ACTIVE'), undefined, record()).phase, 'ACTIVE')
  const paused = record({ desiredStatus: 'PAUSED', statusChangedAtMs: 20 })
  assert.equal(shownDesiredStatus(paused, published({ appliedStatusChangedAtMs: 10 })), 'ACTIVE', 'the owner still copies')
  assert.equal(shownDesiredStatus(paused, published({ runState: 'PAUSED', appliedStatusChangedAtMs: 20 })), 'PAUSED')
  assert.equal(shownDesiredStatus(record({ statusChangedAtMs: 20 }), published({ runState: 'PAUSED', appliedStatusChangedAtMs: 10 })), 'PAUSED',
    'a resume shows once the owner resumed')
})

function manager(behaviour: { failStart?: Error }) {
  const source = new FakeCluster('src-id')
  const destination = new FakeCluster('dst-id')
  const store = new MemoryStateStore()
  const runners = fakeRunnerFactory(behaviour)
  const linkManager = new LinkManager({
    store, destination: { bootstrapServers: ['destination.example:9092'] }, destinationAdmin: destination, destinationClusterId: 'dst-id',
    createAdmin: (connection) => (connection.bootstrapServers[0] === 'source.example:9092' ? source : destination),
    createRunner: runners.create, statusIntervalMs: 100,
    logger: createLogger({ level: 'silent', destination: new Writable({ write(_c, _e, done) { done() } }) }),
    metrics: new MetricsRegistry(), hasCredentialsKey: true, promoteTimeoutMs: 5000,
  })
  source.topics.set('t', { partitions: 1, configs: {} })
  return { manager: linkManager, store, runners: runners.runners }
}

async function failedMirror(error: EngineError) {
  const behaviour: { failStart?: Error } = { failStart: error }
  const m = manager(behaviour)
  await m.manager.start()
  await m.manager.createLink({ linkName: 'dr', configs: { 'bootstrap.servers': 'source.example:9092' } }, { validateOnly: false, validateLink: false })
  await m.manager.createMirror('dr', { sourceTopicName: 't' }, { validateOnly: false })
  await waitFor(() => m.manager.describeMirror('dr', 't').status === 'FAILED', 'FAILED')
  return { ...m, behaviour }
}

test('LinkManager should resume a FAILED mirror whose failure can be retried with a new runner, once the cause is gone', async () => {
  const { manager: m, runners, behaviour, store } = await failedMirror(new EngineError('KAFKA_ERROR', 'the destination kept refusing'))
  const first = runners.get('t')
  behaviour.failStart = undefined
  const storedAt = store.mirrors.get('dr:t')?.statusChangedAtMs ?? 0
  const [result] = await m.alterMirrors('dr', 'resume', ['t'], { validateOnly: false })
  assert.equal(result?.errorCode, null, result?.errorMessage ?? '')
  assert.ok((store.mirrors.get('dr:t')?.statusChangedAtMs ?? 0) > storedAt, 'the resume is stored (other replicas hear it)')
  await waitFor(() => m.describeMirror('dr', 't').status === 'ACTIVE', 'ACTIVE again')
  assert.notEqual(runners.get('t'), first, 'a new runner took the partitions over')
  assert.deepEqual(first?.calls, ['start', 'stop'])
  assert.equal(m.describeMirror('dr', 't').mirrorTopicError, 'NO_ERROR')
  await m.close()
})

test('LinkManager should refuse to resume a mirror that diverged and change nothing', async () => {
  const divergence = new EngineError('OFFSET_DIVERGENCE', 'a batch for offset 5 landed at 6')
  const { manager: m, runners, store } = await failedMirror(divergence)
  const before = JSON.stringify(store.mirrors.get('dr:t'))
  const [result] = await m.alterMirrors('dr', 'resume', ['t'], { validateOnly: false })
  assert.equal(result?.errorCode, 'INVALID_STATE')
  assert.match(result?.errorMessage ?? '', /OFFSET_DIVERGENCE.*recreate the mirror topic/)
  assert.equal(JSON.stringify(store.mirrors.get('dr:t')), before, 'nothing stored')
  assert.deepEqual(runners.get('t')?.calls, ['start'], 'no new runner, the failed one untouched')
  assert.equal(m.describeMirror('dr', 't').status, 'FAILED')
  await m.close()
})
