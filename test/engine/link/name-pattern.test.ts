// Tests of the linear-time name pattern matcher: same answers as RegExp on the supported subset, clear refusals, no blow-up.
import assert from 'node:assert/strict'
import { test } from 'node:test'
import fc from 'fast-check'
import { compileNamePattern, MAX_PROGRAM_SIZE, NamePatternError } from '../../../engine/link/name-pattern.ts'

const PATTERNS = [
  'orders', 'orders.*', 'orders\\..*', '.*-eu', '(orders|payments)\\.v[0-9]+', '(?:a|b)*c', '[^.]+', '[a-c-]+x?', 'a{2}', 'a{1,3}b',
  'a{2,}', '\\d+\\w*', '(a*)*b', '(.|.?)+#', 'x|', '[^]b', 'a[]', 'a.+?b', '^orders$', '(a|ab)(c|bcd)(d*)', '',
]
const NAMES = ['orders', 'orders.eu', 'orders-eu', 'payments.v12', 'aaab', 'abc', 'c', 'aa', 'aaaa', 'a-b', 'x', '', '42abc', ']a', 'abcd', 'ab#']

test('compileNamePattern should match whole names exactly like RegExp on the supported subset', () => {
  for (const pattern of PATTERNS) {
    const regex = new RegExp(`^(?:${pattern.replace(/^\^/, '').replace(/\$$/, '')})$`)
    const compiled = compileNamePattern(pattern)
    for (const name of NAMES) assert.equal(compiled.matches(name), regex.test(name), `${pattern} on '${name}'`)
  }
})

test('compileNamePattern should agree with RegExp on generated patterns and names', () => {
  const atom = fc.constantFrom('a', 'b', '.', '[ab]', '(a|b)', '(a|ab)', '\\.', '[^a]')
  const quantifier = fc.constantFrom('', '*', '+', '?', '{1,2}')
  const patternArb = fc.array(fc.tuple(atom, quantifier).map(([a, q]) => a + q), { minLength: 1, maxLength: 5 }).map((parts) => parts.join(''))
  fc.assert(fc.property(patternArb, fc.stringMatching(/^[ab.c]{0,8}$/), (pattern, name) => {
    assert.equal(compileNamePattern(pattern).matches(name), new RegExp(`^(?:${pattern})$`).test(name))
  }), { numRuns: 500 })
})

test('compileNamePattern should refuse what is not regular or not supported, saying what', () => {
  const refused: Array<[string, RegExp]> = [
    ['(a)\\1', /escape \\1 is not supported/], ['(?=a)a', /lookaround/], ['a(?<n>b)', /lookaround and named groups/], ['a^b', /anchor/],
    ['(ab', /missing \)/], ['ab)', /unbalanced \)/], ['[ab', /missing \]/], ['*a', /nothing to repeat/], ['a{500}', /repetition/],
    ['(a{100}){100}', new RegExp(`more than ${MAX_PROGRAM_SIZE} steps`)], ['[z-a]', /bad range/], ['a\\', /ends with/],
  ]
  for (const [pattern, message] of refused)
    assert.throws(() => compileNamePattern(pattern), (e: unknown) => e instanceof NamePatternError && message.test(e.message), pattern)
})

test('compileNamePattern should answer the catastrophic-backtracking pattern on a 249-character name', () => {
  // RegExp needs seconds for (.|.?)+# on 23 characters and doubles with each one more; the NFA visits each state once per character.
  const compiled = compileNamePattern('(.|.?)+#')
  assert.equal(compiled.matches('a'.repeat(249)), false)
  assert.equal(compiled.matches(`${'a'.repeat(248)}#`), true)
  assert.equal(compileNamePattern('(a+)+b').matches('a'.repeat(249)), false)
})
