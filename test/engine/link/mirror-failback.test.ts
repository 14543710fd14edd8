// Tests of the failback flow in the mirror controller with fakes: what is stored, guarded and started when a reverse succeeds or
// is refused.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { Writable } from 'node:stream'
import { MirrorController } from '../../../engine/link/mirror-controller.ts'
import { runFailbackSteps } from '../../../engine/link/mirror-failback.ts'
import { createLogger } from '../../../engine/logging/index.ts'
import type { MirrorState } from '../../../engine/state/index.ts'
import { fakeRunnerFactory, waitFor } from './fakes.ts'

const SOURCE = { bootstrapServers: ['source:9092'] }
const DESTINATION = { bootstrapServers: ['destination:9092'] }

function stoppedMirror(options: { failPersist?: boolean } = {}) {
  const stored: MirrorState[] = []
  const guards: string[] = []
  const factory = fakeRunnerFactory()
  const state: MirrorState = {
    linkName: 'dr', mirrorTopicName: 'orders', sourceTopicName: 'orders', replicationFactor: null, configs: {},
    desiredStatus: 'STOPPED', pendingPromote: false, stoppedBy: 'FAILOVER', createdAtMs: 1, statusChangedAtMs: 1,
  }
  const guard = (where: string) => ({
    protect: async (topic: string) => { guards.push(`protect ${where} ${topic}`) },
    release: async (topic: string) => { guards.push(`release ${where} ${topic}`) },
  })
  const controller = new MirrorController({
    state, createRunner: factory.create,
    persist: async (next) => { if (options.failPersist) throw new Error('state topic unreachable'); stored.push(next) },
    connections: () => ({ source: SOURCE, destination: DESTINATION }), startOffsetSpec: () => 'earliest',
    logger: createLogger({ level: 'silent', destination: new Writable({ write(_c, _e, done) { done() } }) }),
    promoteTimeoutMs: 1000, syncOffsetsNow: async () => undefined, writeGuard: guard('destination'), sourceWriteGuard: guard('source'),
  })
  return { controller, stored, guards, factory }
}

test('runFailbackSteps should store the flipped mirror with its verified offsets and start a runner with swapped connections', async () => {
  const { controller, stored, guards, factory } = stoppedMirror()
  const refused = await runFailbackSteps(controller, 'reverse-and-start', {
    'check-in-sync': async () => ({ event: { type: 'in-sync' }, change: { verifiedLogEndOffsets: [40, 12] } }),
  })
  assert.equal(refused, undefined)
  assert.equal(stored.length, 2)
  assert.deepEqual([stored[0]!.desiredStatus, stored[0]!.failback?.action, stored[0]!.failback?.step], ['STOPPED', 'reverse-and-start', 'check'],
    'the reverse is stored before the other side is guarded')
  assert.equal(stored[1]!.direction, 'REVERSE')
  assert.equal(stored[1]!.desiredStatus, 'ACTIVE')
  assert.equal(stored[1]!.failback, null)
  assert.deepEqual(stored[1]!.verifiedLogEndOffsets, [40, 12])
  assert.deepEqual(guards, ['protect source orders'], 'the source-cluster topic is guarded before the comparison')
  const runner = factory.runners.get('orders')
  assert.ok(runner, 'a runner was started')
  assert.deepEqual(runner.options.source, DESTINATION)
  assert.deepEqual(runner.options.destination, SOURCE)
  assert.deepEqual(runner.options.spec.verifiedLogEndOffsets, [40, 12])
  assert.equal(runner.options.spec.startOffsetSpec, 'earliest')
  assert.equal(controller.isStopped, true, 'link jobs leave a reversed mirror alone')
  assert.equal(controller.view('ACTIVE').direction, 'REVERSE')
})

test('runFailbackSteps should store the abandon, release the guard, then store STOPPED when the sides differ', async () => {
  const { controller, stored, guards, factory } = stoppedMirror()
  const refused = await runFailbackSteps(controller, 'reverse-and-pause', {
    'check-in-sync': async () => ({ event: { type: 'out-of-sync', reason: 'partition 0 differs; use mirrors:truncate-and-restore' } }),
  })
  assert.match(String(refused), /truncate-and-restore/)
  assert.deepEqual(stored.map((s) => [s.desiredStatus, s.direction ?? 'FORWARD', s.failback?.step ?? null]),
    [['STOPPED', 'FORWARD', 'check'], ['STOPPED', 'FORWARD', 'abandon'], ['STOPPED', 'FORWARD', null]])
  assert.match(String(stored[1]!.failback?.reason), /partition 0 differs/)
  // Released before STOPPED is stored (a crash in between resumes the abandon), then once more by the transition (a no-op).
  assert.deepEqual(guards, ['protect source orders', 'release source orders', 'release source orders'])
  assert.equal(factory.runners.size, 0)
  const view = controller.view('ACTIVE')
  assert.deepEqual([view.status, view.direction], ['STOPPED', 'FORWARD'])
  assert.equal(view.transitionErrors.at(-1)?.error_code, 'NOT_IN_SYNC')
})

test('runFailbackSteps should guard nothing and stay STOPPED when the reverse cannot be stored', async () => {
  const { controller, guards, factory } = stoppedMirror({ failPersist: true })
  await assert.rejects(runFailbackSteps(controller, 'reverse-and-start', {
    'check-in-sync': async () => ({ event: { type: 'in-sync' }, change: { verifiedLogEndOffsets: [1] } }),
  }), /state topic unreachable/)
  assert.equal(controller.machine.phase, 'STOPPED')
  assert.equal(controller.direction, 'FORWARD')
  assert.deepEqual(guards, [], 'nothing is written before the progress is stored')
  assert.equal(factory.runners.size, 0)
})

test('runFailbackSteps should refuse a reverse that is already in progress', async () => {
  const { controller } = stoppedMirror()
  let release!: () => void
  const gate = new Promise<void>((resolve) => { release = resolve })
  const first = runFailbackSteps(controller, 'reverse-and-start', {
    'check-in-sync': async () => { await gate; return { event: { type: 'in-sync' }, change: {} } },
  })
  await waitFor(() => controller.machine.phase === 'PENDING_SYNCHRONIZE', 'synchronizing')
  assert.equal(controller.view('ACTIVE').status, 'PENDING_SYNCHRONIZE')
  const second = await runFailbackSteps(controller, 'reverse-and-start', {})
  assert.match(String(second), /in progress/)
  release()
  assert.equal(await first, undefined)
  assert.equal(controller.direction, 'REVERSE')
})

test('runFailbackSteps should keep a truncate-and-restore in PENDING_RESTORE, stored, when the rebuild fails (never abandoned there)', async () => {
  const { controller, stored, guards } = stoppedMirror()
  const refused = await runFailbackSteps(controller, 'truncate-and-restore', {
    'set-aside-divergent': async () => ({ event: { type: 'set-aside-done' } }),
    'rebuild-other-side': async () => { throw new Error('delete topic timed out') },
  })
  assert.match(String(refused), /interrupted in PENDING_RESTORE \(delete topic timed out\); the engine retries it/)
  assert.equal(controller.machine.phase, 'PENDING_RESTORE')
  assert.deepEqual([stored.at(-1)?.desiredStatus, stored.at(-1)?.failback?.action], ['STOPPED', 'truncate-and-restore'], 'the progress stays stored')
  assert.deepEqual(guards, ['protect source orders'], 'the old topic stays write-denied')
  assert.equal(controller.view('ACTIVE').transitionErrors.at(-1)?.error_code, 'RESTORE_INTERRUPTED')
})
