// Renders a verify result as a human summary table plus the first differences.
import type { VerifyResult } from './verify-topics.ts'

export function formatVerifyResult(result: VerifyResult): string {
  const lines: string[] = []
  const verdict = result.outcome === 'IDENTICAL' ? 'IDENTICAL'
    : result.outcome === 'INCOMPLETE' ? 'INCOMPLETE (not every partition was read to its end offset before the timeout; nothing is proved)'
    : `${result.differenceCount} difference(s)`
  lines.push(`verify ${result.topic} -> ${result.mirrorTopic} (${result.isolation}): ${verdict}`)
  lines.push('')
  lines.push('partition  source-records  mirror-records  source-start  mirror-start  source-end  mirror-end  differences')
  for (const p of result.partitions) {
    lines.push([
      String(p.partition).padStart(9), String(p.sourceRecords).padStart(14), String(p.mirrorRecords).padStart(14),
      p.sourceLogStartOffset.padStart(12), p.mirrorLogStartOffset.padStart(12), p.sourceEndOffset.padStart(10),
      p.mirrorEndOffset.padStart(10), String(p.differences).padStart(11),
    ].join('  '))
  }
  if (result.incomplete.length > 0) {
    lines.push('')
    lines.push('stopped before the end offset:')
    for (const i of result.incomplete) lines.push(`  ${i.side} partition ${i.partition}: read up to offset ${i.position} of end offset ${i.endOffset}`)
  }
  if (result.firstDifferences.length > 0) {
    lines.push('')
    lines.push('first differences:')
    for (const d of result.firstDifferences) {
      const show = (x: unknown) => (x === undefined ? '-' : typeof x === 'string' ? x : JSON.stringify(x))
      lines.push(`  partition ${d.partition} offset ${d.offset}: ${d.kind} (source ${show(d.source)}, mirror ${show(d.mirror)})`)
    }
  }
  return lines.join('\n') + '\n'
}
