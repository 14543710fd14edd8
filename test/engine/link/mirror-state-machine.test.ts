// Pure tests of the mirror state machine: every phase x event x health x link pause x direction, and the table's rows.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import {
  MIRROR_EVENTS, MIRROR_PHASES, machineOfRecord, phaseOfRecord, recordOfPhase, transition,
  type MirrorEventType, type MirrorHealth, type MirrorMachineState, type MirrorPhase,
} from '../../../engine/link/mirror-state-machine.ts'

const HEALTHS: MirrorHealth[] = ['OK', 'FAILED', 'SOURCE_UNAVAILABLE', 'LINK_FAILED']
const OPERATOR: MirrorEventType[] = ['pause', 'resume', 'promote', 'failover', 'reverse-and-start', 'reverse-and-pause', 'truncate-and-restore']

const state = (phase: MirrorPhase, extra: Partial<MirrorMachineState> = {}): MirrorMachineState =>
  ({ phase, direction: 'FORWARD', resumeTo: 'ACTIVE', linkPaused: false, health: 'OK', ...extra })

function* everyState(): Generator<MirrorMachineState> {
  for (const phase of MIRROR_PHASES) {
    for (const health of HEALTHS) {
      for (const linkPaused of [false, true]) {
        for (const direction of ['FORWARD', 'REVERSE'] as const) {
          for (const resumeTo of ['ACTIVE', 'PAUSED'] as const) yield { phase, health, linkPaused, direction, resumeTo }
        }
      }
    }
  }
}

/** The expected answer to each operator event, per phase (health OK): the next phase, or 'refused'. */
const OPERATOR_TABLE: Record<MirrorPhase, Record<string, MirrorPhase | 'refused'>> = {
  ACTIVE: { pause: 'PAUSED', resume: 'ACTIVE', promote: 'PENDING_PROMOTE', failover: 'PENDING_STOPPED', 'reverse-and-start': 'refused', 'reverse-and-pause': 'refused', 'truncate-and-restore': 'refused' },
  PAUSED: { pause: 'PAUSED', resume: 'ACTIVE', promote: 'PENDING_PROMOTE', failover: 'PENDING_STOPPED', 'reverse-and-start': 'refused', 'reverse-and-pause': 'refused', 'truncate-and-restore': 'refused' },
  PENDING_PROMOTE: { pause: 'refused', resume: 'refused', promote: 'PENDING_PROMOTE', failover: 'PENDING_STOPPED', 'reverse-and-start': 'refused', 'reverse-and-pause': 'refused', 'truncate-and-restore': 'refused' },
  PENDING_STOPPED: { pause: 'refused', resume: 'refused', promote: 'PENDING_STOPPED', failover: 'PENDING_STOPPED', 'reverse-and-start': 'refused', 'reverse-and-pause': 'refused', 'truncate-and-restore': 'refused' },
  STOPPED: { pause: 'refused', resume: 'refused', promote: 'STOPPED', failover: 'STOPPED', 'reverse-and-start': 'PENDING_SYNCHRONIZE', 'reverse-and-pause': 'PENDING_SYNCHRONIZE', 'truncate-and-restore': 'PENDING_SETUP_FOR_RESTORE' },
  PENDING_SYNCHRONIZE: { pause: 'refused', resume: 'refused', promote: 'refused', failover: 'refused', 'reverse-and-start': 'refused', 'reverse-and-pause': 'refused', 'truncate-and-restore': 'refused' },
  PENDING_SETUP_FOR_RESTORE: { pause: 'refused', resume: 'refused', promote: 'refused', failover: 'refused', 'reverse-and-start': 'refused', 'reverse-and-pause': 'refused', 'truncate-and-restore': 'refused' },
  PENDING_RESTORE: { pause: 'refused', resume: 'refused', promote: 'refused', failover: 'refused', 'reverse-and-start': 'refused', 'reverse-and-pause': 'refused', 'truncate-and-restore': 'refused' },
}

test('transition should answer every operator event in every phase as the table says, refusals with a reason', () => {
  for (const phase of MIRROR_PHASES) {
    for (const event of OPERATOR) {
      const result = transition(state(phase), { type: event })
      const expected = OPERATOR_TABLE[phase][event]
      if (expected === 'refused') {
        assert.equal(result.ok, false, `${phase} x ${event} should be refused`)
        if (!result.ok) assert.match(result.reason, /cannot|ignored/, `${phase} x ${event}: the reason says why`)
      } else {
        assert.ok(result.ok, `${phase} x ${event} should be allowed`)
        if (result.ok) assert.equal(result.state.phase, expected, `${phase} x ${event}`)
      }
    }
  }
})

test('transition should refuse every event with a reason or allow it with a known phase, in every state', () => {
  let pairs = 0
  for (const s of everyState()) {
    for (const type of MIRROR_EVENTS) {
      const result = transition(s, { type })
      pairs++
      if (!result.ok) {
        assert.ok(result.reason.length > 10, `${s.phase} x ${type}: a reason`)
        continue
      }
      assert.ok((MIRROR_PHASES as readonly string[]).includes(result.state.phase))
      // Persist comes before any action that depends on it; a refused event changes nothing (no actions at all).
      const persistAt = result.actions.findIndex((a) => a.type === 'persist')
      const runnerAt = result.actions.findIndex((a) => a.type === 'start-runner' || a.type === 'stop-runner')
      if (persistAt >= 0 && runnerAt >= 0) assert.ok(persistAt < runnerAt, `${s.phase} x ${type}: persist before the runner moves`)
      // A paused link never starts a runner.
      if (s.linkPaused && type !== 'link-resumed') assert.ok(!result.actions.some((a) => a.type === 'start-runner'), `${s.phase} x ${type}: runner started on a paused link`)
    }
  }
  assert.equal(pairs, MIRROR_PHASES.length * HEALTHS.length * 2 * 2 * 2 * MIRROR_EVENTS.length)
})

test('transition should refuse pause and resume of a FAILED mirror, and promote unless healthy, but always allow failover', () => {
  for (const phase of ['ACTIVE', 'PAUSED'] as const) {
    for (const health of HEALTHS) {
      const s = state(phase, { health })
      assert.equal(transition(s, { type: 'pause' }).ok, health !== 'FAILED', `${phase}/${health} pause`)
      assert.equal(transition(s, { type: 'resume' }).ok, health !== 'FAILED', `${phase}/${health} resume`)
      assert.equal(transition(s, { type: 'promote' }).ok, health === 'OK', `${phase}/${health} promote`)
      const failover = transition(s, { type: 'failover' })
      assert.ok(failover.ok && failover.state.phase === 'PENDING_STOPPED', `${phase}/${health} failover`)
    }
  }
  const refused = transition(state('ACTIVE', { health: 'SOURCE_UNAVAILABLE' }), { type: 'promote' })
  assert.ok(!refused.ok && /use failover/.test(refused.reason))
})

test('transition should stop after a promote only at lag zero, flushing offsets first, and go back on a timeout', () => {
  const promoting = transition(state('PAUSED'), { type: 'promote' })
  assert.ok(promoting.ok)
  assert.deepEqual(promoting.state, state('PENDING_PROMOTE', { resumeTo: 'PAUSED' }))
  assert.deepEqual(promoting.actions.map((a) => a.type), ['persist', 'wait-for-lag-zero'])
  const done = transition(promoting.state, { type: 'lag-zero' })
  assert.ok(done.ok)
  assert.equal(done.state.phase, 'PENDING_STOPPED')
  assert.deepEqual(done.actions, [{ type: 'sync-offsets' }, { type: 'persist', stoppedBy: 'PROMOTE' }, { type: 'stop-runner' }])
  const timedOut = transition(promoting.state, { type: 'promote-timeout', reason: 'lag is 5 records' })
  assert.ok(timedOut.ok)
  assert.equal(timedOut.state.phase, 'PAUSED')
  assert.deepEqual(timedOut.actions.map((a) => a.type), ['persist', 'record-error', 'pause-runner'])
  const stopped = transition(done.state, { type: 'runner-stopped' })
  assert.ok(stopped.ok)
  assert.equal(stopped.state.phase, 'STOPPED')
  assert.deepEqual(stopped.actions, [{ type: 'release-writes' }], 'writes are allowed only once the copiers stopped')
})

test('transition should flip the direction only when a reverse finds both sides in sync', () => {
  for (const [event, resumeTo] of [['reverse-and-start', 'ACTIVE'], ['reverse-and-pause', 'PAUSED']] as const) {
    for (const direction of ['FORWARD', 'REVERSE'] as const) {
      const asked = transition(state('STOPPED', { direction }), { type: event })
      assert.ok(asked.ok)
      assert.equal(asked.state.phase, 'PENDING_SYNCHRONIZE')
      assert.deepEqual(asked.actions.map((a) => a.type), ['persist', 'protect-other-side', 'check-in-sync'],
        'the reverse is stored, then the other side is guarded before it is compared')
      const inSync = transition(asked.state, { type: 'in-sync' })
      assert.ok(inSync.ok)
      assert.equal(inSync.state.phase, resumeTo)
      assert.equal(inSync.state.direction, direction === 'FORWARD' ? 'REVERSE' : 'FORWARD')
      assert.deepEqual(inSync.actions.map((a) => a.type), resumeTo === 'ACTIVE' ? ['persist', 'start-runner'] : ['persist'])
      const differ = transition(asked.state, { type: 'out-of-sync', reason: 'partition 0 differs' })
      assert.ok(differ.ok)
      assert.deepEqual(differ.state, state('STOPPED', { direction, resumeTo }), 'nothing changed')
      assert.deepEqual(differ.actions.map((a) => a.type), ['persist', 'release-other-side', 'record-error'])
    }
  }
})

test('transition should restore in two steps and go back to STOPPED when a step fails', () => {
  const asked = transition(state('STOPPED'), { type: 'truncate-and-restore' })
  assert.ok(asked.ok)
  assert.equal(asked.state.phase, 'PENDING_SETUP_FOR_RESTORE')
  const setAside = transition(asked.state, { type: 'set-aside-done' })
  assert.ok(setAside.ok)
  assert.equal(setAside.state.phase, 'PENDING_RESTORE')
  assert.deepEqual(setAside.actions, [{ type: 'rebuild-other-side' }])
  const restored = transition(setAside.state, { type: 'restore-done' })
  assert.ok(restored.ok)
  assert.deepEqual([restored.state.phase, restored.state.direction], ['ACTIVE', 'REVERSE'])
  for (const s of [asked.state, setAside.state]) {
    const failed = transition(s, { type: 'restore-failed', reason: 'x' })
    assert.ok(failed.ok && failed.state.phase === 'STOPPED' && failed.state.direction === 'FORWARD')
  }
})

test('transition should follow the link pause without touching stopped mirrors', () => {
  const paused = transition(state('ACTIVE'), { type: 'link-paused' })
  assert.ok(paused.ok && paused.state.linkPaused)
  assert.deepEqual(paused.actions, [{ type: 'pause-runner' }])
  const resumed = transition(paused.state, { type: 'link-resumed' })
  assert.ok(resumed.ok)
  assert.deepEqual(resumed.actions, [{ type: 'start-runner' }])
  const pausedMirror = transition(state('PAUSED', { linkPaused: true }), { type: 'link-resumed' })
  assert.ok(pausedMirror.ok)
  assert.deepEqual(pausedMirror.actions, [], 'an operator pause outlives the link pause')
  const stopped = transition(state('STOPPED'), { type: 'link-paused' })
  assert.ok(stopped.ok)
  assert.deepEqual(stopped.actions, [])
  const resumeOnPausedLink = transition(state('PAUSED', { linkPaused: true }), { type: 'resume' })
  assert.ok(resumeOnPausedLink.ok)
  assert.deepEqual(resumeOnPausedLink.actions.map((a) => a.type), ['persist'])
})

test('phaseOfRecord and recordOfPhase should round-trip every stored phase', () => {
  for (const desiredStatus of ['ACTIVE', 'PAUSED', 'STOPPED'] as const) {
    for (const pendingPromote of desiredStatus === 'STOPPED' ? [false] : [false, true]) {
      const phase = phaseOfRecord({ desiredStatus, pendingPromote })
      assert.deepEqual(recordOfPhase(state(phase, { resumeTo: desiredStatus === 'PAUSED' ? 'PAUSED' : 'ACTIVE' })), { desiredStatus, pendingPromote })
    }
  }
  assert.deepEqual(recordOfPhase(state('PENDING_SYNCHRONIZE')), { desiredStatus: 'STOPPED', pendingPromote: false }, 'a reverse in progress is STOPPED plus its progress')
})

test('machineOfRecord should resume a stored failback in its phase, and activate there should guard the other side and rerun its step', () => {
  const stopped = { desiredStatus: 'STOPPED', pendingPromote: false } as const
  const cases = [
    [{ action: 'reverse-and-pause', step: 'check' }, 'PENDING_SYNCHRONIZE', 'PAUSED', 'check-in-sync'],
    [{ action: 'reverse-and-start', step: 'abandon' }, 'PENDING_SYNCHRONIZE', 'ACTIVE', 'check-in-sync'],
    [{ action: 'truncate-and-restore', step: 'set-aside' }, 'PENDING_SETUP_FOR_RESTORE', 'ACTIVE', 'set-aside-divergent'],
    [{ action: 'truncate-and-restore', step: 'abandon' }, 'PENDING_SETUP_FOR_RESTORE', 'ACTIVE', 'set-aside-divergent'],
    [{ action: 'truncate-and-restore', step: 'rebuild' }, 'PENDING_RESTORE', 'ACTIVE', 'rebuild-other-side'],
  ] as const
  for (const [failback, phase, resumeTo, step] of cases) {
    const machine = machineOfRecord({ ...stopped, direction: 'REVERSE', failback }, false)
    assert.deepEqual([machine.phase, machine.resumeTo, machine.direction], [phase, resumeTo, 'REVERSE'], JSON.stringify(failback))
    const resumed = transition(machine, { type: 'activate' })
    assert.ok(resumed.ok)
    assert.equal(resumed.state.phase, phase)
    assert.deepEqual(resumed.actions.map((a) => a.type), ['protect-other-side', step])
  }
  assert.equal(machineOfRecord({ ...stopped, failback: null }, false).phase, 'STOPPED')
  const restore = transition(state('STOPPED'), { type: 'truncate-and-restore' })
  assert.ok(restore.ok)
  assert.deepEqual(restore.actions.map((a) => a.type), ['persist', 'protect-other-side', 'set-aside-divergent'], 'stored before the first write')
})
