// Writes plain JSON-like data as block-style YAML documents (enough for Kubernetes manifests; no anchors, tags or flow style).

type Value = string | number | boolean | null | undefined | readonly Value[] | { readonly [key: string]: Value }

const PLAIN = /^[A-Za-z_/][A-Za-z0-9_./@-]*( [A-Za-z0-9_./@()-]+)*$/
const RESERVED = /^(true|false|yes|no|on|off|y|n|null|~)$/i

/** A scalar string as YAML: plain when unambiguous, a `|` block when multi-line, else double-quoted JSON. */
function scalar(text: string, indent: string): string {
  if (text.includes('\n') && !/[^\S\n]\n/.test(text) && !text.startsWith(' ')) {
    const chomp = text.endsWith('\n') ? '' : '-'
    const body = (text.endsWith('\n') ? text.slice(0, -1) : text).split('\n').map((line) => (line === '' ? '' : `${indent}  ${line}`))
    return `|${chomp}\n${body.join('\n')}`
  }
  return PLAIN.test(text) && !RESERVED.test(text) && !/^[0-9.+-]/.test(text) ? text : JSON.stringify(text)
}

function key(name: string): string {
  return /^[A-Za-z0-9_./-]+$/.test(name) && !RESERVED.test(name) && !/^[0-9]/.test(name) ? name : JSON.stringify(name)
}

function isComposite(value: Value): value is readonly Value[] | { readonly [key: string]: Value } {
  return typeof value === 'object' && value !== null
}

function isEmpty(value: readonly Value[] | { readonly [key: string]: Value }): boolean {
  return Array.isArray(value) ? value.length === 0 : Object.keys(value).length === 0
}

function inline(value: Value, indent: string): string {
  if (value === null || value === undefined) return 'null'
  if (typeof value === 'string') return scalar(value, indent)
  if (typeof value === 'number' || typeof value === 'boolean') return String(value)
  return Array.isArray(value) ? '[]' : '{}'
}

function lines(value: Value, indent: string): string[] {
  if (Array.isArray(value)) {
    return value.flatMap((item: Value) => {
      if (isComposite(item) && !isEmpty(item)) {
        const [first = '', ...rest] = lines(item, `${indent}  `)
        return [`${indent}- ${first.slice(indent.length + 2)}`, ...rest]
      }
      return [`${indent}- ${inline(item, indent)}`]
    })
  }
  const entries = Object.entries(value as { readonly [key: string]: Value }).filter(([, item]) => item !== undefined)
  return entries.flatMap(([name, item]) => {
    if (isComposite(item) && !isEmpty(item)) {
      // Sequences sit at their key's indentation (the kubectl style); mappings one level deeper.
      return [`${indent}${key(name)}:`, ...lines(item, Array.isArray(item) ? indent : `${indent}  `)]
    }
    return [`${indent}${key(name)}: ${inline(item, indent)}`]
  })
}

/** Serializes each object as one YAML document, separated by `---`. */
export function toYaml(documents: readonly unknown[]): string {
  return documents.map((document) => `${lines(document as Value, '').join('\n')}\n`).join('---\n')
}
