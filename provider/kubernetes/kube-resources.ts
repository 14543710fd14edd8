// The API calls the controller makes on its custom resources, Secrets and Events, over one KubeClient.
import { randomBytes } from 'node:crypto'
import { hostname } from 'node:os'
import { GROUP, VERSION, type CustomResourceKind } from './custom-resource-definitions.ts'
import type { CustomResource, SecretReader } from './custom-resource-inputs.ts'
import { KubeApiError, isKubeNotFound, type KubeClient } from './kube-client.ts'
import type { ReconcileEvent } from './reconcile-outcome.ts'

export const FINALIZER = 'clusterlink.io/engine-cleanup'
const COMPONENT = 'clusterlink-controller'
const enc = encodeURIComponent

export interface ResourceList {
  readonly metadata: { readonly resourceVersion: string }
  readonly items: readonly CustomResource[]
}

/** The collection path of a kind in a namespace. */
export function collectionPath(kind: Pick<CustomResourceKind, 'plural'>, namespace: string): string {
  return `/apis/${GROUP}/${VERSION}/namespaces/${enc(namespace)}/${kind.plural}`
}

export function itemPath(kind: Pick<CustomResourceKind, 'plural'>, namespace: string, name: string, subresource?: 'status'): string {
  return `${collectionPath(kind, namespace)}/${enc(name)}${subresource ? `/${subresource}` : ''}`
}

export class KubeResources {
  readonly kube: KubeClient
  readonly #instance = `${hostname()}-${process.pid}`

  constructor(kube: KubeClient) {
    this.kube = kube
  }

  list(kind: CustomResourceKind, namespace: string): Promise<ResourceList> {
    return this.kube.get<ResourceList>(collectionPath(kind, namespace))
  }

  /** The object as stored now, or undefined when it is gone. */
  async find(kind: CustomResourceKind, namespace: string, name: string): Promise<CustomResource | undefined> {
    try {
      return await this.kube.get<CustomResource>(itemPath(kind, namespace, name))
    } catch (error) {
      if (isKubeNotFound(error)) return undefined
      throw error
    }
  }

  /** Sets the finalizers, conditional on the resourceVersion read (a conflict means: read again and retry). */
  setFinalizers(kind: CustomResourceKind, resource: CustomResource, finalizers: readonly string[]): Promise<CustomResource> {
    return this.kube.mergePatch<CustomResource>(itemPath(kind, resource.metadata.namespace, resource.metadata.name), {
      metadata: { finalizers: [...finalizers], resourceVersion: resource.metadata.resourceVersion },
    })
  }

  /** Replaces the status subresource's fields (a merge patch: fields set to null are removed). */
  patchStatus(kind: CustomResourceKind, resource: CustomResource, status: Record<string, unknown>): Promise<CustomResource> {
    return this.kube.mergePatch<CustomResource>(itemPath(kind, resource.metadata.namespace, resource.metadata.name, 'status'), { status })
  }

  /** Records a core/v1 Event on the resource; a failure to record is logged by the caller, never fatal. */
  async recordEvent(resource: CustomResource, event: ReconcileEvent): Promise<void> {
    const now = new Date().toISOString()
    const { name, namespace, uid, resourceVersion } = resource.metadata
    await this.kube.request('POST', `/api/v1/namespaces/${enc(namespace)}/events`, {
      apiVersion: 'v1',
      kind: 'Event',
      metadata: { name: `${name}.${randomBytes(8).toString('hex')}`, namespace },
      involvedObject: { apiVersion: resource.apiVersion, kind: resource.kind, name, namespace, uid, resourceVersion },
      type: event.type,
      reason: event.reason,
      message: event.message.slice(0, 1024),
      source: { component: COMPONENT },
      reportingComponent: `${GROUP}/controller`,
      reportingInstance: this.#instance.slice(0, 128),
      firstTimestamp: now,
      lastTimestamp: now,
      count: 1,
    })
  }

  /** Reads one key of a Secret; the errors name the Secret and key, never a value. */
  readonly readSecret: SecretReader = async (namespace, name, key) => {
    let secret: { data?: Record<string, string> }
    try {
      secret = await this.kube.get(`/api/v1/namespaces/${enc(namespace)}/secrets/${enc(name)}`)
    } catch (error) {
      if (isKubeNotFound(error)) throw new Error(`Secret ${name} does not exist in namespace ${namespace}`, { cause: error })
      if (error instanceof KubeApiError && error.httpStatus === 403) {
        throw new Error(`the controller may not read Secret ${name} in namespace ${namespace} (RBAC)`)
      }
      throw error
    }
    const data = secret.data?.[key]
    if (data === undefined) throw new Error(`Secret ${name} has no key ${key}`)
    return Buffer.from(data, 'base64').toString('utf8')
  }
}
