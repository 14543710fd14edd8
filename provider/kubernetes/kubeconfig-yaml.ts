// Reads the block-style YAML that kubeconfig files are written in (mappings, sequences, plain and quoted scalars), or JSON.

interface Line {
  readonly indent: number
  readonly text: string
  readonly number: number
}

const isItem = (line: Line): boolean => line.text === '-' || line.text.startsWith('- ')
const KEY = /^("[^"]*"|'[^']*'|[^:#'"][^:]*?):(?:\s+(.*))?$/

function fail(line: Line | undefined, reason: string): never {
  throw new Error(`kubeconfig line ${line?.number ?? 'end'}: ${reason}`)
}

function scalar(text: string, line: Line): unknown {
  const value = text.replace(/\s+#.*$/, '').trim()
  if (value.startsWith('"')) return JSON.parse(value) as unknown
  if (value.startsWith("'")) {
    if (!value.endsWith("'") || value.length < 2) fail(line, 'unterminated quoted string')
    return value.slice(1, -1).replaceAll("''", "'")
  }
  if (value === '|' || value === '>' || value.startsWith('|') || value.startsWith('>')) fail(line, 'block scalars are not supported')
  if (value === '{}') return {}
  if (value === '[]') return []
  if (value === '' || value === 'null' || value === '~') return null
  if (value === 'true' || value === 'false') return value === 'true'
  return value
}

function parseNode(lines: Line[], pos: number, indent: number): [unknown, number] {
  const line = lines[pos]
  if (!line) return [null, pos]
  return isItem(line) ? parseSequence(lines, pos, indent) : parseMapping(lines, pos, indent)
}

function parseMapping(lines: Line[], start: number, indent: number): [Record<string, unknown>, number] {
  const out: Record<string, unknown> = {}
  let pos = start
  for (let line = lines[pos]; line && line.indent === indent && !isItem(line); line = lines[pos]) {
    const match = KEY.exec(line.text)
    if (!match) fail(line, `expected "key: value", found ${JSON.stringify(line.text.slice(0, 40))}`)
    const key = String(scalar(match[1] ?? '', line))
    pos += 1
    const rest = match[2]?.trim()
    if (rest !== undefined && rest !== '' && !rest.startsWith('#')) {
      out[key] = scalar(rest, line)
      continue
    }
    const next = lines[pos]
    if (next && (next.indent > indent || (next.indent === indent && isItem(next)))) {
      [out[key], pos] = parseNode(lines, pos, next.indent)
    } else {
      out[key] = null
    }
  }
  const after = lines[pos]
  if (after && after.indent > indent) fail(after, 'unexpected indentation')
  return [out, pos]
}

function parseSequence(lines: Line[], start: number, indent: number): [unknown[], number] {
  const out: unknown[] = []
  let pos = start
  for (let line = lines[pos]; line && line.indent === indent && isItem(line); line = lines[pos]) {
    const rest = line.text.slice(1).trimStart()
    if (rest === '') {
      const next = lines[pos + 1]
      if (next && next.indent > indent) {
        let value: unknown
        ;[value, pos] = parseNode(lines, pos + 1, next.indent)
        out.push(value)
      } else {
        out.push(null)
        pos += 1
      }
    } else if (KEY.test(rest)) {
      // "- key: value" opens a mapping whose keys sit where "key" starts.
      const inner = indent + (line.text.length - rest.length)
      lines[pos] = { indent: inner, text: rest, number: line.number }
      let value: unknown
      ;[value, pos] = parseMapping(lines, pos, inner)
      out.push(value)
    } else {
      out.push(scalar(rest, line))
      pos += 1
    }
  }
  return [out, pos]
}

/** Parses a kubeconfig file's text; the error names the line it cannot read. */
export function parseKubeconfigYaml(text: string): unknown {
  if (text.trimStart().startsWith('{')) return JSON.parse(text) as unknown
  const lines: Line[] = []
  text.split(/\r?\n/).forEach((raw, index) => {
    if (raw.includes('\t') && /^\s*\t/.test(raw)) fail({ indent: 0, text: raw, number: index + 1 }, 'tabs are not allowed for indentation')
    const text = raw.trimEnd()
    const trimmed = text.trimStart()
    if (trimmed === '' || trimmed.startsWith('#') || trimmed === '---') return
    lines.push({ indent: text.length - trimmed.length, text: trimmed, number: index + 1 })
  })
  if (lines.length === 0) return {}
  const [value, pos] = parseNode(lines, 0, lines[0]?.indent ?? 0)
  if (pos < lines.length) fail(lines[pos], 'unexpected content')
  return value
}
