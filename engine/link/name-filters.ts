// Include/exclude filters with LITERAL and PREFIXED patterns, as auto-create (topicFilters) and consumer offset sync (groupFilters) use.
import { z } from 'zod'

export const NameFilterSchema = z.strictObject({
  name: z.string().min(1, 'filter name must not be empty ("*" matches everything)'),
  patternType: z.enum(['LITERAL', 'PREFIXED']).default('LITERAL'),
  filterType: z.enum(['INCLUDE', 'EXCLUDE']).default('INCLUDE'),
})

export type NameFilter = z.infer<typeof NameFilterSchema>

export const TopicFiltersSchema = z.strictObject({ topicFilters: z.array(NameFilterSchema) })
export const GroupFiltersSchema = z.strictObject({ groupFilters: z.array(NameFilterSchema) })

/** Parses a filter JSON document; returns the filters or a message that says what to fix. */
export function parseNameFilters(text: string, kind: 'topicFilters' | 'groupFilters'): { filters: NameFilter[] } | { problem: string } {
  if (text.trim() === '') return { filters: [] }
  let json: unknown
  try {
    json = JSON.parse(text)
  } catch {
    return { problem: `must be JSON like {"${kind}":[{"name":"*","patternType":"LITERAL","filterType":"INCLUDE"}]}` }
  }
  const schema = kind === 'topicFilters' ? TopicFiltersSchema : GroupFiltersSchema
  const result = schema.safeParse(json)
  if (!result.success) {
    const first = result.error.issues[0]
    return { problem: `invalid ${kind} (${first ? `${first.path.join('.')}: ${first.message}` : 'unknown problem'})` }
  }
  return { filters: 'topicFilters' in result.data ? result.data.topicFilters : result.data.groupFilters }
}

function matches(filter: NameFilter, name: string): boolean {
  if (filter.patternType === 'LITERAL') return filter.name === '*' || filter.name === name
  return name.startsWith(filter.name)
}

/** A name is selected when some INCLUDE filter matches it and no EXCLUDE filter does. */
export function isNameSelected(filters: readonly NameFilter[], name: string): boolean {
  let included = false
  for (const filter of filters) {
    if (!matches(filter, name)) continue
    if (filter.filterType === 'EXCLUDE') return false
    included = true
  }
  return included
}
