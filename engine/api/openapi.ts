// Generates the OpenAPI 3.1 document from the route table's zod schemas (z.toJSONSchema), so docs and validation never drift.
import { z } from 'zod'
import { ErrorResponse } from './schemas.ts'
import type { RouteDef } from './route-table.ts'

function jsonSchema(schema: z.ZodType): Record<string, unknown> {
  return z.toJSONSchema(schema, { io: 'input', unrepresentable: 'any', target: 'draft-2020-12' }) as Record<string, unknown>
}

function parameters(schema: z.ZodType | undefined, where: 'path' | 'query'): unknown[] {
  if (!schema) return []
  const json = jsonSchema(schema) as { properties?: Record<string, Record<string, unknown>>; required?: string[] }
  return Object.entries(json.properties ?? {}).map(([name, property]) => ({
    name, in: where, required: where === 'path' || (json.required ?? []).includes(name),
    ...(typeof property['description'] === 'string' ? { description: property['description'] } : {}),
    schema: property,
  }))
}

export function buildOpenApi(routes: readonly RouteDef[], version: string): Record<string, unknown> {
  const paths: Record<string, Record<string, unknown>> = {}
  const error = { description: 'Error', content: { 'application/json': { schema: jsonSchema(ErrorResponse) } } }
  for (const route of routes) {
    const operation: Record<string, unknown> = {
      summary: route.summary,
      parameters: [...parameters(route.params, 'path'), ...parameters(route.query, 'query')],
      responses: {
        [String(route.status)]: route.status === 204 || !route.response
          ? { description: route.status === 204 ? 'No content' : 'OK' }
          : { description: 'OK', content: { 'application/json': { schema: jsonSchema(route.response) } } },
        400: error, 401: error, 404: error, 409: error, 503: error,
      },
    }
    if (route.body) operation['requestBody'] = { required: true, content: { 'application/json': { schema: jsonSchema(route.body) } } }
    paths[route.path] = { ...paths[route.path], [route.method.toLowerCase()]: operation }
  }
  return {
    openapi: '3.1.0',
    info: {
      title: 'clusterlink engine REST API (Confluent REST v3 cluster linking compatible)', version,
      description: 'Every path under /kafka/v3 (Confluent Cloud) is also served under /v3 (Confluent Platform). Writes that name Confluent link '
        + 'configs the engine does not implement succeed with a Warning header that lists them.',
    },
    components: { securitySchemes: { bearer: { type: 'http', scheme: 'bearer' }, basic: { type: 'http', scheme: 'basic' } } },
    security: [{ bearer: [] }, { basic: [] }],
    paths,
  }
}
