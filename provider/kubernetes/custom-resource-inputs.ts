// Turns a custom resource's spec into validated spec inputs: Secret references resolved, then the one spec's validation.
import {
  CLUSTER_LINK_SECRET_FIELDS, MIRROR_TOPIC_SECRET_FIELDS, validateClusterLinkInputs, validateMirrorTopicInputs,
  type ClusterLinkInputs, type InputFailure, type MirrorTopicInputs, type ValidationResult,
} from '../spec/index.ts'

/** The parts of a ClusterLink or MirrorTopic object the controller reads and writes. */
export interface CustomResource {
  readonly apiVersion: string
  readonly kind: string
  readonly metadata: {
    readonly name: string
    readonly namespace: string
    readonly uid: string
    readonly generation?: number
    readonly resourceVersion: string
    readonly deletionTimestamp?: string
    readonly finalizers?: readonly string[]
  }
  readonly spec?: Record<string, unknown>
  readonly status?: Record<string, unknown>
}

/** Reads one key of a Secret in a namespace; throws a message that names the Secret and key (never the value). */
export type SecretReader = (namespace: string, name: string, key: string) => Promise<string>

/** The failure of one input, named by its path in the resource (`spec.sourceCredentials.password`). */
class SecretFailure extends Error {
  readonly property: string

  constructor(property: string, message: string) {
    super(message)
    this.property = property
  }
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value)
}

async function resolveValue(value: unknown, path: string, namespace: string, readSecret: SecretReader): Promise<unknown> {
  if (!isPlainObject(value)) return value
  if ('secretKeyRef' in value) {
    const ref = value.secretKeyRef
    if (!isPlainObject(ref) || typeof ref.name !== 'string' || typeof ref.key !== 'string' || !ref.name || !ref.key) {
      throw new SecretFailure(path, 'secretKeyRef needs name and key')
    }
    try {
      return await readSecret(namespace, ref.name, ref.key)
    } catch (error) {
      throw new SecretFailure(path, (error as Error).message)
    }
  }
  const entries = await Promise.all(Object.entries(value)
    .map(async ([key, item]) => [key, await resolveValue(item, `${path}.${key}`, namespace, readSecret)]))
  return Object.fromEntries(entries)
}

/** The spec with every Secret reference inside a secret field replaced by the Secret's value. */
export async function resolveSecretReferences(
  resource: CustomResource, secretFields: readonly string[], readSecret: SecretReader,
): Promise<{ ok: true; value: Record<string, unknown> } | { ok: false; failures: InputFailure[] }> {
  const spec = { ...resource.spec }
  const failures: InputFailure[] = []
  for (const field of secretFields) {
    if (spec[field] === undefined) continue
    try {
      spec[field] = await resolveValue(spec[field], field, resource.metadata.namespace, readSecret)
    } catch (error) {
      if (!(error instanceof SecretFailure)) throw error
      failures.push({ property: error.property, reason: error.message })
    }
  }
  return failures.length > 0 ? { ok: false, failures } : { ok: true, value: spec }
}

async function toInputs<T>(
  resource: CustomResource, secretFields: readonly string[], readSecret: SecretReader, validate: (raw: unknown) => ValidationResult<T>,
): Promise<{ ok: true; value: T } | { ok: false; failures: readonly InputFailure[] }> {
  if (!isPlainObject(resource.spec)) return { ok: false, failures: [{ property: 'spec', reason: 'spec is required' }] }
  const resolved = await resolveSecretReferences(resource, secretFields, readSecret)
  if (!resolved.ok) return resolved
  const result = validate(resolved.value)
  return result.ok ? { ok: true, value: result.value } : { ok: false, failures: result.failures }
}

export function clusterLinkInputsOf(resource: CustomResource, readSecret: SecretReader) {
  return toInputs<ClusterLinkInputs>(resource, CLUSTER_LINK_SECRET_FIELDS, readSecret, validateClusterLinkInputs)
}

export function mirrorTopicInputsOf(resource: CustomResource, readSecret: SecretReader) {
  return toInputs<MirrorTopicInputs>(resource, MIRROR_TOPIC_SECRET_FIELDS, readSecret, (raw) => validateMirrorTopicInputs(raw))
}

/** One line for a condition message: every failure as `spec.<property>: <reason>`. */
export function describeFailures(failures: readonly InputFailure[]): string {
  return failures.map((failure) => `spec.${failure.property}: ${failure.reason}`).join('; ')
}
