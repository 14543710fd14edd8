// REST calls to one engine replica of a local stack, for the multi-replica tests.
import type { LocalEngine } from '../../../cli/local/local-stack.ts'

export type Json = Record<string, unknown> & { data?: Array<Record<string, unknown>> }

/** One REST call: paths under /clusterlink go to the engine root, the others under its Kafka REST v3 cluster. */
export async function callReplica(
  engine: LocalEngine, token: string, method: string, path: string, body?: unknown,
): Promise<{ status: number; json: Json }> {
  const url = path.startsWith('/clusterlink') ? `${engine.url}${path}` : `${engine.url}/kafka/v3/clusters/${engine.clusterId}${path}`
  const response = await fetch(url, {
    method, headers: { authorization: `Bearer ${token}`, ...(body ? { 'content-type': 'application/json' } : {}) },
    ...(body ? { body: JSON.stringify(body) } : {}),
  })
  const text = await response.text()
  return { status: response.status, json: (text ? JSON.parse(text) : {}) as Json }
}

/** The mirror topics a replica owns (its /clusterlink/v1/replica answer). */
export async function ownedMirrorTopics(engine: LocalEngine, token: string): Promise<string[]> {
  const replica = (await callReplica(engine, token, 'GET', '/clusterlink/v1/replica')).json
  return ((replica['owned_mirror_topics'] as Array<{ mirror_topic_name: string }> | undefined) ?? []).map((m) => m.mirror_topic_name)
}
