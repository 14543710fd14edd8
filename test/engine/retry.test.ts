// Unit tests of the retry helper: backoff bounds, which errors are retried, attempts, abort, and withTimeout's timer.
import assert from 'node:assert/strict'
import { describe, it, mock } from 'node:test'
import { EngineError } from '../../engine/errors.ts'
import { backoffMs, isRetriable, retry, sleep, withTimeout } from '../../engine/retry.ts'

const retriable = () => new EngineError('KAFKA_ERROR', 'leader moved', { retriable: true })
const noWait = async () => undefined

describe('backoffMs', () => {
  it('backoffMs should double from the base and stop at the cap, keeping at least half of the step', () => {
    assert.equal(backoffMs(0, 50, 5_000, () => 0), 25)
    assert.equal(backoffMs(0, 50, 5_000, () => 0.999_999), 50)
    assert.equal(backoffMs(3, 50, 5_000, () => 0), 200)
    assert.equal(backoffMs(20, 50, 5_000, () => 0), 2_500)
    assert.equal(backoffMs(20, 50, 5_000, () => 0.999_999), 5_000)
    assert.equal(backoffMs(1_000, 50, 5_000, () => 0.5), 3_750)
  })

  it('backoffMs should treat a negative attempt as the first retry', () => {
    assert.equal(backoffMs(-3, 100, 1_000, () => 0), 50)
  })
})

describe('isRetriable', () => {
  it('isRetriable should accept only an EngineError marked retriable', () => {
    assert.equal(isRetriable(retriable()), true)
    assert.equal(isRetriable(new EngineError('INVALID_INPUT', 'bad')), false)
    assert.equal(isRetriable(new TypeError('x is undefined')), false)
    assert.equal(isRetriable('text'), false)
  })
})

describe('retry', () => {
  it('retry should call again after a retriable error and return the first success', async () => {
    const delays: number[] = []
    let calls = 0
    const value = await retry(async () => {
      calls++
      if (calls < 3) throw retriable()
      return 'ok'
    }, { wait: async (ms) => { delays.push(ms) }, baseMs: 100, capMs: 150, random: () => 0 })
    assert.equal(value, 'ok')
    assert.equal(calls, 3)
    assert.deepEqual(delays, [50, 75])
  })

  it('retry should throw a non-retriable error at once', async () => {
    let calls = 0
    const bug = new TypeError('programming error')
    await assert.rejects(retry(async () => { calls++; throw bug }, { wait: noWait }), (e) => e === bug)
    assert.equal(calls, 1)
  })

  it('retry should throw the last error once the attempts are used up', async () => {
    let calls = 0
    const errors: EngineError[] = []
    await assert.rejects(retry(async () => {
      calls++
      const e = retriable()
      errors.push(e)
      throw e
    }, { attempts: 4, wait: noWait }), (e) => e === errors[3])
    assert.equal(calls, 4)
  })

  it('retry should follow shouldRetry instead of EngineError.retriable when given', async () => {
    let calls = 0
    const value = await retry(async (attempt) => {
      calls++
      if (attempt === 1) throw new Error('connection refused')
      return attempt
    }, { shouldRetry: () => true, wait: noWait })
    assert.equal(value, 2)
    assert.equal(calls, 2)
  })

  it('retry should report each retry with its attempt and delay', async () => {
    const seen: Array<[number, number]> = []
    await retry(async (attempt) => {
      if (attempt < 3) throw retriable()
    }, { wait: noWait, baseMs: 10, random: () => 0, onRetry: (_e, attempt, delayMs) => seen.push([attempt, delayMs]) })
    assert.deepEqual(seen, [[1, 5], [2, 10]])
  })

  it('retry should stop waiting and throw the last error when its signal aborts', async () => {
    const controller = new AbortController()
    let calls = 0
    const last = retriable()
    const running = retry(async () => { calls++; throw last }, { signal: controller.signal, baseMs: 60_000, capMs: 60_000 })
    await new Promise((resolve) => setImmediate(resolve))
    controller.abort()
    await assert.rejects(running, (e) => e === last)
    assert.equal(calls, 1)
  })

  it('retry should not call again once its signal has aborted', async () => {
    const controller = new AbortController()
    controller.abort()
    let calls = 0
    await assert.rejects(retry(async () => { calls++; throw retriable() }, { signal: controller.signal, wait: noWait }))
    assert.equal(calls, 1)
  })
})

describe('sleep', () => {
  it('sleep should resolve after its time with fake timers', async () => {
    mock.timers.enable({ apis: ['setTimeout'] })
    try {
      let done = false
      const sleeping = sleep(1_000).then(() => { done = true })
      mock.timers.tick(999)
      await Promise.resolve()
      assert.equal(done, false)
      mock.timers.tick(1)
      await sleeping
      assert.equal(done, true)
    } finally {
      mock.timers.reset()
    }
  })

  it('sleep should resolve at once when its signal aborts', async () => {
    const controller = new AbortController()
    const sleeping = sleep(60_000, controller.signal)
    controller.abort()
    await sleeping
    const aborted = AbortSignal.abort()
    await sleep(60_000, aborted)
  })
})

describe('withTimeout', () => {
  it('withTimeout should pass the value through and clear the timer it started', async () => {
    const started = mock.method(globalThis, 'setTimeout')
    const cleared = mock.method(globalThis, 'clearTimeout')
    try {
      assert.equal(await withTimeout(Promise.resolve(7), 60_000), 7)
      assert.equal(started.mock.callCount(), 1)
      assert.deepEqual(cleared.mock.calls.map((c) => c.arguments[0]), [started.mock.calls[0]?.result])
    } finally {
      mock.restoreAll()
    }
  })

  it('withTimeout should reject with a retriable TIMEOUT when the promise does not settle in time', async () => {
    mock.timers.enable({ apis: ['setTimeout'] })
    try {
      const pending = withTimeout(new Promise<never>(() => undefined), 500)
      mock.timers.tick(500)
      await assert.rejects(pending, (e) => e instanceof EngineError && e.code === 'TIMEOUT' && e.retriable)
    } finally {
      mock.timers.reset()
    }
  })

  it('withTimeout should reject with the error onTimeout builds', async () => {
    mock.timers.enable({ apis: ['setTimeout'] })
    try {
      const mine = new Error('the source did not answer')
      const pending = withTimeout(new Promise<never>(() => undefined), 10, () => mine)
      mock.timers.tick(10)
      await assert.rejects(pending, (e) => e === mine)
    } finally {
      mock.timers.reset()
    }
  })

  it('withTimeout should pass a rejection through unchanged', async () => {
    const failure = retriable()
    await assert.rejects(withTimeout(Promise.reject(failure), 1_000), (e) => e === failure)
  })
})
