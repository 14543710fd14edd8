// Compiles a user-supplied regular expression (mirror_topic_name_pattern) into a linear-time matcher for whole names.
//
// JavaScript's RegExp backtracks: `(.|.?)+#` takes seconds on 23 characters (issue 13, item 5). This module accepts the
// regular subset that topic selection needs (literals, `.`, classes, groups, `|`, `* + ? {n,m}`) and runs it as a
// Thompson NFA, following every alternative at once: time is O(name length × program size), whatever the pattern.
// Backreferences, lookaround and anchors inside the pattern are refused with a message (they are not regular, or
// meaningless when the whole name must match).

type CharTest = (c: string) => boolean
type Node =
  | { readonly kind: 'char'; readonly test: CharTest }
  | { readonly kind: 'seq'; readonly items: readonly Node[] }
  | { readonly kind: 'alt'; readonly options: readonly Node[] }
  | { readonly kind: 'repeat'; readonly node: Node; readonly min: number; readonly max: number }

type Instruction =
  | { op: 'char'; test: CharTest }
  | { op: 'split'; x: number; y: number }
  | { op: 'jmp'; to: number }
  | { op: 'match' }

/** Upper bound on compiled instructions: keeps the cost per name bounded (249 characters × this). */
export const MAX_PROGRAM_SIZE = 2000
const MAX_REPEAT = 100

export class NamePatternError extends Error {}

const META = new Set(['\\', '^', '$', '.', '|', '?', '*', '+', '(', ')', '[', ']', '{', '}'])
const isDigit: CharTest = (c) => c >= '0' && c <= '9'
const isWord: CharTest = (c) => /[A-Za-z0-9_]/.test(c)
const isSpace: CharTest = (c) => /\s/.test(c)

class Parser {
  #at = 0
  readonly #text: string

  constructor(text: string) {
    this.#text = text
  }

  parse(): Node {
    let text = this.#text
    // Anchors at the very ends are accepted (the whole name always has to match).
    if (text.startsWith('^')) this.#at = 1
    if (text.endsWith('$') && !text.endsWith('\\$')) text = text.slice(0, -1)
    const node = this.#alternation(text)
    if (this.#at < text.length) this.#fail(this.#text[this.#at] === ')' ? 'unbalanced )' : `unexpected '${this.#text[this.#at]}'`)
    return node
  }

  #fail(problem: string): never {
    throw new NamePatternError(`${problem} at position ${this.#at}`)
  }

  #alternation(text: string): Node {
    const options = [this.#sequence(text)]
    while (text[this.#at] === '|') {
      this.#at += 1
      options.push(this.#sequence(text))
    }
    return options.length === 1 ? options[0] as Node : { kind: 'alt', options }
  }

  #sequence(text: string): Node {
    const items: Node[] = []
    while (this.#at < text.length && text[this.#at] !== '|' && text[this.#at] !== ')') items.push(this.#quantified(text, this.#atom(text)))
    return { kind: 'seq', items }
  }

  #quantified(text: string, atom: Node): Node {
    let node = atom
    for (;;) {
      const c = text[this.#at]
      let min: number
      let max: number
      if (c === '*') [min, max] = [0, Infinity]
      else if (c === '+') [min, max] = [1, Infinity]
      else if (c === '?') [min, max] = [0, 1]
      else if (c === '{' && /^\{\d+(,\d*)?\}/.test(text.slice(this.#at))) {
        const [, low = '0', comma, high] = /^\{(\d+)(,(\d*))?\}/.exec(text.slice(this.#at)) ?? []
        min = Number(low)
        max = comma === undefined ? min : high === '' || high === undefined ? Infinity : Number(high)
        if (min > MAX_REPEAT || (max !== Infinity && max > MAX_REPEAT) || max < min) {
          this.#fail(`repetition {${low}${comma ?? ''}} must be within 0..${MAX_REPEAT} and min <= max`)
        }
        this.#at += text.slice(this.#at).indexOf('}')
      } else return node
      this.#at += 1
      if (text[this.#at] === '?') this.#at += 1 // lazy: the same set of whole-name matches
      node = { kind: 'repeat', node, min, max }
    }
  }

  #atom(text: string): Node {
    const c = text[this.#at] as string
    this.#at += 1
    if (c === '.') return { kind: 'char', test: () => true }
    if (c === '[') return this.#charClass(text)
    if (c === '\\') return { kind: 'char', test: this.#escape(text) }
    if (c === '(') {
      if (text.startsWith('?:', this.#at)) this.#at += 2
      else if (text[this.#at] === '?') this.#fail('lookaround and named groups are not supported')
      const inner = this.#alternation(text)
      if (text[this.#at] !== ')') this.#fail('missing )')
      this.#at += 1
      return inner
    }
    if (c === '^' || c === '$') this.#fail(`anchor '${c}' is only allowed at the start (^) or end ($)`)
    if (META.has(c)) this.#fail(`nothing to repeat or unbalanced '${c}'`)
    return { kind: 'char', test: (x) => x === c }
  }

  #escape(text: string): CharTest {
    const c = text[this.#at]
    this.#at += 1
    if (c === undefined) this.#fail('pattern ends with \\')
    const classes: Record<string, CharTest> = {
      d: isDigit, D: (x) => !isDigit(x), w: isWord, W: (x) => !isWord(x), s: isSpace, S: (x) => !isSpace(x),
    }
    const known = Object.hasOwn(classes, c) ? classes[c] : undefined
    if (known) return known
    if (/[A-Za-z0-9]/.test(c)) this.#fail(`escape \\${c} is not supported (use \\d, \\w, \\s or escape punctuation)`)
    return (x) => x === c
  }

  #charClass(text: string): Node {
    const negate = text[this.#at] === '^'
    if (negate) this.#at += 1
    const tests: CharTest[] = []
    // As in RegExp, [] matches nothing and [^] matches any character.
    while (text[this.#at] !== ']') {
      if (this.#at >= text.length) this.#fail('missing ]')
      let low: string | CharTest
      if (text[this.#at] === '\\') {
        this.#at += 1
        low = this.#escape(text)
      } else {
        low = text[this.#at] as string
        this.#at += 1
      }
      if (typeof low === 'string' && text[this.#at] === '-' && text[this.#at + 1] !== ']' && this.#at + 1 < text.length) {
        const high = text[this.#at + 1] === '\\' ? text[this.#at + 2] : text[this.#at + 1]
        this.#at += text[this.#at + 1] === '\\' ? 3 : 2
        if (high === undefined || high < low) this.#fail(`bad range ${low}-${high ?? ''}`)
        const from = low
        tests.push((x) => x >= from && x <= high)
      } else if (typeof low === 'string') {
        const literal = low
        tests.push((x) => x === literal)
      } else tests.push(low)
    }
    this.#at += 1
    return { kind: 'char', test: (x) => tests.some((t) => t(x)) !== negate }
  }
}

function emit(node: Node, program: Instruction[]): void {
  if (program.length > MAX_PROGRAM_SIZE) {
    throw new NamePatternError(`pattern is too large once repetitions are expanded (more than ${MAX_PROGRAM_SIZE} steps)`)
  }
  if (node.kind === 'char') program.push({ op: 'char', test: node.test })
  else if (node.kind === 'seq') for (const item of node.items) emit(item, program)
  else if (node.kind === 'alt') {
    const jumps: Array<{ op: 'jmp'; to: number }> = []
    node.options.forEach((option, index) => {
      const last = index === node.options.length - 1
      const split = { op: 'split' as const, x: program.length + 1, y: 0 }
      if (!last) program.push(split)
      emit(option, program)
      if (!last) {
        const jump = { op: 'jmp' as const, to: 0 }
        jumps.push(jump)
        program.push(jump)
        split.y = program.length
      }
    })
    for (const jump of jumps) jump.to = program.length
  } else {
    for (let i = 0; i < node.min; i += 1) emit(node.node, program)
    if (node.max === Infinity) {
      const split = { op: 'split' as const, x: program.length + 1, y: 0 }
      const loop = program.length
      program.push(split)
      emit(node.node, program)
      program.push({ op: 'jmp', to: loop })
      split.y = program.length
    } else {
      const splits: Array<{ op: 'split'; x: number; y: number }> = []
      for (let i = node.min; i < node.max; i += 1) {
        const split = { op: 'split' as const, x: program.length + 1, y: 0 }
        splits.push(split)
        program.push(split)
        emit(node.node, program)
      }
      for (const split of splits) split.y = program.length
    }
  }
}

/** Adds `pc` and every state reachable from it without reading a character (each state at most once per step). */
function addThread(program: readonly Instruction[], list: number[], seen: Uint8Array, pc: number): void {
  const stack = [pc]
  while (stack.length > 0) {
    const at = stack.pop() as number
    if (seen[at] === 1) continue
    seen[at] = 1
    const instruction = program[at] as Instruction
    if (instruction.op === 'jmp') stack.push(instruction.to)
    else if (instruction.op === 'split') stack.push(instruction.y, instruction.x)
    else list.push(at)
  }
}

/** A compiled pattern: `matches(name)` is true when the whole name matches. */
export interface NamePattern {
  matches(name: string): boolean
}

/** Compiles a pattern or throws NamePatternError with what to fix. */
export function compileNamePattern(pattern: string): NamePattern {
  const program: Instruction[] = []
  emit(new Parser(pattern).parse(), program)
  program.push({ op: 'match' })
  return {
    matches(name: string): boolean {
      let current: number[] = []
      addThread(program, current, new Uint8Array(program.length), 0)
      for (const c of name) {
        const next: number[] = []
        const seen = new Uint8Array(program.length)
        for (const pc of current) {
          const instruction = program[pc] as Instruction
          if (instruction.op === 'char' && instruction.test(c)) addThread(program, next, seen, pc + 1)
        }
        if (next.length === 0) return false
        current = next
      }
      return current.some((pc) => (program[pc] as Instruction).op === 'match')
    },
  }
}
