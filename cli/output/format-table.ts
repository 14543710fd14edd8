// Renders rows as an aligned text table for humans (scripts use --output json).
export function formatTable(headers: readonly string[], rows: ReadonlyArray<ReadonlyArray<string | number | null | undefined>>): string {
  const cells = rows.map((row) => headers.map((_, i) => {
    const value = row[i]
    return value === null || value === undefined || value === '' ? '-' : String(value)
  }))
  const widths = headers.map((header, i) => Math.max(header.length, ...cells.map((row) => row[i]?.length ?? 0)))
  const line = (values: readonly string[]) => values.map((value, i) => value.padEnd(widths[i] ?? 0)).join('  ').trimEnd()
  return `${[line(headers), ...cells.map(line)].join('\n')}\n`
}
