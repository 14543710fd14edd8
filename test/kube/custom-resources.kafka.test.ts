// ClusterLink and MirrorTopic custom resources end to end: a real kube-apiserver with the shipped CRDs and RBAC, the controller
// as a child process under its own service account, a real engine and real Kafka clusters.
import assert from 'node:assert/strict'
import { randomBytes } from 'node:crypto'
import { after, before, describe, it } from 'node:test'
import { EngineClient } from '../../provider/client/index.ts'
import {
  KubeApiError, collectionPath, itemPath, CLUSTER_LINK_KIND, MIRROR_TOPIC_KIND, type CustomResourceKind,
} from '../../provider/kubernetes/index.ts'
import type { CustomResource } from '../../provider/kubernetes/custom-resource-inputs.ts'
import {
  createTopicWithRecords, exampleResources, highWatermarkSum, produce, startCustomResourceStack, waitFor, type CustomResourceStack,
} from './custom-resources-harness.ts'

type Status = { conditions?: { type: string; status: string; reason: string; message: string }[]; [key: string]: unknown }
type Resource = CustomResource & { status?: Status }

describe('Kubernetes custom resources', { timeout: 900_000 }, () => {
  let env: CustomResourceStack | undefined
  let engine: EngineClient
  const running = (): CustomResourceStack => {
    if (!env) throw new Error('the test stack did not start (see the before hook error)')
    return env
  }
  const source = (): string => running().stack.source?.bootstrapServers ?? ''
  const destination = (): string => running().stack.destination.bootstrapServers

  before(async () => {
    env = await startCustomResourceStack()
    engine = new EngineClient({ endpoint: env.stack.engine.url, token: env.stack.engine.token })
  })

  after(async () => {
    await env?.stop()
  })

  const apply = (kind: CustomResourceKind, name: string, spec: Record<string, unknown>): Promise<Resource> =>
    running().admin.request('POST', collectionPath(kind, running().namespace), {
      apiVersion: 'clusterlink.io/v1alpha1', kind: kind.kind, metadata: { name }, spec,
    })
  const read = (kind: CustomResourceKind, name: string): Promise<Resource> => running().admin.get(itemPath(kind, running().namespace, name))
  const patchSpec = (kind: CustomResourceKind, name: string, spec: Record<string, unknown>): Promise<Resource> =>
    running().admin.mergePatch(itemPath(kind, running().namespace, name), { spec })
  const remove = (kind: CustomResourceKind, name: string): Promise<unknown> =>
    running().admin.request('DELETE', itemPath(kind, running().namespace, name))
  const gone = (kind: CustomResourceKind, name: string) => waitFor(`${kind.kind} ${name} deleted`, async () => {
    try {
      await read(kind, name)
      return undefined
    } catch (error) {
      return error instanceof KubeApiError && error.httpStatus === 404 ? true : undefined
    }
  })
  /** The resource once its status satisfies `isDone` for the current generation. */
  const statusOf = (kind: CustomResourceKind, name: string, what: string, isDone: (status: Status) => boolean) =>
    waitFor(`${kind.kind} ${name}: ${what}`, async () => {
      const resource = await read(kind, name)
      const status = resource.status
      if (status && status.observedGeneration === resource.metadata.generation && isDone(status)) return resource
      throw new Error(`last seen: generation ${resource.metadata.generation}, status ${JSON.stringify(status ?? null)}`)
    })
  const ready = (status: Status): boolean => status.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') === true
  const eventReasons = async (name: string): Promise<string[]> => {
    type Events = { items: { reason: string; involvedObject: { name: string } }[] }
    const list = await running().admin.get<Events>(`/api/v1/namespaces/${running().namespace}/events`)
    return list.items.filter((e) => e.involvedObject.name === name).map((e) => e.reason)
  }

  /** A link and one ACTIVE mirror of a new topic with records; names unique to the calling test. */
  async function mirrored(label: string, mirrorSpec: Record<string, unknown> = {}): Promise<{ link: string; topic: string }> {
    const suffix = randomBytes(3).toString('hex')
    const link = `${label}-link-${suffix}`
    const topic = `${label}-${suffix}`
    await createTopicWithRecords(source(), topic, 2, 30)
    await apply(CLUSTER_LINK_KIND, link, { linkName: link, sourceBootstrapServers: source() })
    await apply(MIRROR_TOPIC_KIND, topic, { linkName: link, sourceTopicName: topic, ...mirrorSpec })
    await statusOf(MIRROR_TOPIC_KIND, topic, 'ACTIVE and ready', (s) => ready(s) && s.mirrorStatus === 'ACTIVE')
    return { link, topic }
  }

  it('kubectl apply of examples/kubernetes should mirror a topic ACTIVE with the status filled in from the engine', async () => {
    const examples = await exampleResources()
    const linkExample = examples.find((o) => o.kind === 'ClusterLink')
    const mirrorExample = examples.find((o) => o.kind === 'MirrorTopic')
    assert.ok(linkExample && mirrorExample, 'examples/kubernetes holds a ClusterLink and a MirrorTopic')
    const link = String(linkExample.spec.linkName)
    const topic = String(mirrorExample.spec.sourceTopicName)
    await createTopicWithRecords(source(), topic, 2, 30)
    await apply(CLUSTER_LINK_KIND, linkExample.metadata.name, { ...linkExample.spec, sourceBootstrapServers: source() })
    await apply(MIRROR_TOPIC_KIND, mirrorExample.metadata.name, mirrorExample.spec)
    const linkResource = await statusOf(CLUSTER_LINK_KIND, linkExample.metadata.name, 'ready and ACTIVE',
      (s) => ready(s) && s.linkState === 'ACTIVE')
    assert.equal(linkResource.status?.linkName, link)
    assert.deepEqual(linkResource.metadata.finalizers, ['clusterlink.io/engine-cleanup'])
    const mirror = await statusOf(MIRROR_TOPIC_KIND, mirrorExample.metadata.name, 'ACTIVE, lag 0 on both partitions', (s) =>
      ready(s) && s.mirrorStatus === 'ACTIVE' && s.totalLag === 0 && Array.isArray(s.mirrorLags) && s.mirrorLags.length === 2)
    assert.equal(mirror.status?.mirrorTopicName, topic)
    assert.equal(mirror.status?.partitionCount, 2)
    assert.equal(mirror.status?.observedStatus, 'ACTIVE')
    assert.equal((await engine.getMirror(link, topic)).mirror_status, 'ACTIVE')
    await waitFor('30 records on the destination', async () => ((await highWatermarkSum(destination(), topic)) === 30 ? true : undefined))
    const configs = await engine.listLinkConfigs(link)
    assert.equal(configs.find((c) => c.name === 'consumer.offset.sync.enable')?.value, 'true', 'the example configs reach the engine')
    assert.ok((await eventReasons(linkExample.metadata.name)).includes('Created'))
    assert.ok((await eventReasons(mirrorExample.metadata.name)).includes('Created'))
  })

  it('declaring FAILED_OVER should stop the mirror and leave a writable topic; going back to ACTIVE is refused', async () => {
    const { link, topic } = await mirrored('failover')
    await patchSpec(MIRROR_TOPIC_KIND, topic, { status: 'FAILED_OVER' })
    const stopped = await statusOf(MIRROR_TOPIC_KIND, topic, 'STOPPED', (s) => ready(s) && s.mirrorStatus === 'STOPPED')
    assert.equal(stopped.status?.observedStatus, 'FAILED_OVER')
    assert.equal((await engine.getMirror(link, topic)).mirror_status, 'STOPPED')
    const before = await highWatermarkSum(destination(), topic) ?? 0
    await produce(destination(), topic, 5)
    assert.equal(await highWatermarkSum(destination(), topic), before + 5)
    assert.ok((await eventReasons(topic)).includes('StatusChanged'))
    await assert.rejects(patchSpec(MIRROR_TOPIC_KIND, topic, { status: 'ACTIVE' }),
      (error: Error) =>
        error instanceof KubeApiError && error.httpStatus === 422 && /PROMOTED and FAILED_OVER are final/.test(error.message))
  })

  it('changes made on the engine behind the controller should be put back', async () => {
    const { link, topic } = await mirrored('drift')
    await engine.alterMirror(link, 'pause', topic)
    await engine.alterLinkConfigs(link, [{ name: 'consumer.offset.sync.ms', value: '12345', operation: 'SET' }])
    await waitFor('the mirror ACTIVE again', async () =>
      ((await engine.getMirror(link, topic)).mirror_status === 'ACTIVE' ? true : undefined))
    await waitFor('consumer.offset.sync.ms reset', async () => {
      const config = (await engine.listLinkConfigs(link)).find((c) => c.name === 'consumer.offset.sync.ms')
      return config === undefined || config.is_default === true ? true : undefined
    })
    await waitFor('DriftRepaired events', async () => {
      const reasons = [...await eventReasons(topic), ...await eventReasons(link)]
      return reasons.filter((r) => r === 'DriftRepaired').length >= 2 ? true : undefined
    })
  })

  it('deleting MirrorTopics should follow onDelete, and deleting the ClusterLink should delete the link', async () => {
    const { link, topic: kept } = await mirrored('delete', { onDelete: 'STOP_AND_KEEP_TOPIC' })
    const dropped = `delete-drop-${randomBytes(3).toString('hex')}`
    await createTopicWithRecords(source(), dropped, 1, 10)
    await apply(MIRROR_TOPIC_KIND, dropped, { linkName: link, sourceTopicName: dropped, onDelete: 'DELETE_TOPIC' })
    await statusOf(MIRROR_TOPIC_KIND, dropped, 'ACTIVE', (s) => ready(s) && s.mirrorStatus === 'ACTIVE')
    await remove(MIRROR_TOPIC_KIND, kept)
    await gone(MIRROR_TOPIC_KIND, kept)
    assert.equal((await engine.getMirror(link, kept)).mirror_status, 'STOPPED')
    await produce(destination(), kept, 1)
    assert.ok((await highWatermarkSum(destination(), kept) ?? 0) > 0, 'STOP_AND_KEEP_TOPIC keeps a writable topic with its records')
    await remove(MIRROR_TOPIC_KIND, dropped)
    await gone(MIRROR_TOPIC_KIND, dropped)
    await waitFor(`topic ${dropped} deleted on the destination`, async () =>
      ((await highWatermarkSum(destination(), dropped)) === undefined ? true : undefined))
    await remove(CLUSTER_LINK_KIND, link)
    await gone(CLUSTER_LINK_KIND, link)
    assert.equal(await engine.findLink(link), undefined)
  })

  it('the API server should refuse invalid resources with the schema messages', async () => {
    const name = `invalid-${randomBytes(3).toString('hex')}`
    const refused = async (promise: Promise<unknown>, message: RegExp): Promise<void> => {
      await assert.rejects(promise, (error: Error) => {
        assert.ok(error instanceof KubeApiError && error.httpStatus === 422, String(error))
        assert.match(error.message, message)
        return true
      })
    }
    await refused(apply(MIRROR_TOPIC_KIND, name, { linkName: 'l', sourceTopicName: 't', status: 'RUNNING' }),
      /spec\.status: Unsupported value: "RUNNING": supported values: "ACTIVE", "PAUSED", "PROMOTED", "FAILED_OVER"/)
    await refused(apply(CLUSTER_LINK_KIND, name, { linkName: '-bad', sourceBootstrapServers: 's:9092' }),
      /spec\.linkName: Invalid value: "-bad": .*should match/)
    await refused(apply(CLUSTER_LINK_KIND, name, { sourceBootstrapServers: 's:9092' }), /spec\.linkName: Required value/)
    await refused(apply(MIRROR_TOPIC_KIND, name, { linkName: 'l', sourceTopicName: 't', token: 'inline-secret' }),
      /spec\.token: Invalid value: "string"/)
    // A MirrorTopic on a link that does not exist is accepted, reported not ready, and keeps its identity fields.
    await apply(MIRROR_TOPIC_KIND, name, { linkName: `missing-${name}`, sourceTopicName: 't' })
    const failed = await statusOf(MIRROR_TOPIC_KIND, name, 'not ready',
      (s) => s.conditions?.some((c) => c.type === 'Ready' && c.status === 'False') === true)
    assert.ok(failed.status?.conditions?.[0]?.message)
    await refused(patchSpec(MIRROR_TOPIC_KIND, name, { sourceTopicName: 'other' }),
      /sourceTopicName is immutable: declare a new MirrorTopic/)
    await refused(patchSpec(MIRROR_TOPIC_KIND, name, { mirrorTopicName: 'other' }), /mirrorTopicName is immutable/)
    await remove(MIRROR_TOPIC_KIND, name)
    await gone(MIRROR_TOPIC_KIND, name)
  })
})
