// The REST v3 routes for clusters, cluster links, link configs, mirror topics and mirror actions.
import type { FastifyRequest } from 'fastify'
import { EngineError } from '../errors.ts'
import { FAILBACK_ACTIONS, LINK_CONFIGS, LINK_CONFIG_NAMES, type LinkManager, type MirrorAction } from '../link/index.ts'
import { apiPrefixOf, ignoredConfigsWarning, isConfluentOnlyLinkConfig, splitConfluentOnly } from './confluent-compat.ts'
import {
  ALTER_MIRRORS_LIST_KIND, alterResultObject, clusterBase, clusterObject, linkConfigList, linkConfigObject, linkObject, listEnvelope,
  mirrorObject, truncationFields,
} from './rest-objects.ts'
import { defineRoute, type RouteDef } from './route-table.ts'
import * as S from './schemas.ts'

const C = '/kafka/v3/clusters/{cluster_id}'

export function restRoutes(manager: LinkManager): RouteDef[] {
  const clusterId = manager.destinationClusterId
  const baseUrl = (request: FastifyRequest) => `${request.protocol}://${request.host}`
  const base = (request: FastifyRequest) => clusterBase(baseUrl(request), clusterId, apiPrefixOf(request.url))
  const checkCluster = (id: string) => {
    if (id !== clusterId) throw new EngineError('NOT_FOUND', `cluster '${id}' is not served here; this engine serves destination cluster '${clusterId}'`)
  }
  const requireConfigName = (name: string) => {
    if (isConfluentOnlyLinkConfig(name)) throw new EngineError('NOT_FOUND', `link config '${name}' is a Confluent config that clusterlink does not implement (writes accept it with a warning and do not store it)`)
    if (!LINK_CONFIGS[name]) throw new EngineError('NOT_FOUND', `unknown link config '${name}'; valid configs: ${LINK_CONFIG_NAMES.join(', ')}`)
  }

  const actions: MirrorAction[] = ['pause', 'resume', 'promote', 'failover']
  const actionRoutes = actions.map((action) => defineRoute({
    method: 'POST', path: `${C}/links/{link_name}/mirrors:${action}`, status: 200,
    summary: `${action} mirror topics (per-topic results; error_code and error_message are null on success)`,
    params: S.LinkParams, query: S.AlterMirrorsQuery, body: S.AlterMirrorsBody, response: S.AlterMirrorsResponse,
    handler: async ({ params, query, body, request }) => {
      checkCluster(params.cluster_id)
      const names = manager.selectMirrors(params.link_name, { names: body.mirror_topic_names, pattern: body.mirror_topic_name_pattern })
      const results = await manager.alterMirrors(params.link_name, action, names, { validateOnly: query.validate_only ?? false })
      return listEnvelope(ALTER_MIRRORS_LIST_KIND, `${base(request)}/links/${params.link_name}/mirrors:${action}`, results.map((r) => alterResultObject(base(request), params.link_name, r)))
    },
  }))

  // Failback (link/mirror-failback.ts): Confluent's paths and per-topic answers; refusals are error_code 409 with what to do.
  const failbackRoutes = FAILBACK_ACTIONS.map((action) => defineRoute({
    method: 'POST', path: `${C}/links/{link_name}/mirrors:${action}-mirror`, status: 200,
    summary: `${action === 'reverse-and-start' ? 'Reverse and start' : 'Reverse and pause'} STOPPED mirror topics whose two sides hold the same records `
      + '(the local topic becomes the source, the source-cluster topic its mirror at its own log end offset; nothing is copied again)',
    params: S.LinkParams, query: S.AlterMirrorsQuery, body: S.AlterMirrorsBody, response: S.AlterMirrorsResponse,
    handler: async ({ params, query, body, request }) => {
      checkCluster(params.cluster_id)
      const names = manager.selectMirrors(params.link_name, { names: body.mirror_topic_names, pattern: body.mirror_topic_name_pattern })
      const results = await manager.failbackMirrors(params.link_name, action, names, { validateOnly: query.validate_only ?? false })
      const self = `${base(request)}/links/${params.link_name}/mirrors:${action}-mirror`
      return listEnvelope(ALTER_MIRRORS_LIST_KIND, self, results.map((r) => alterResultObject(base(request), params.link_name, r)))
    },
  }))

  const truncateRoute = defineRoute({
    method: 'POST', path: `${C}/links/{link_name}/mirrors:truncate-and-restore`, status: 200,
    summary: 'Set the old primary topic\'s records after the divergence point aside in <topic>.truncated-<ms> on its cluster, then rebuild it '
      + 'as a mirror of the STOPPED local topic at identical offsets (nothing discarded: messages_truncated counts the records kept aside)',
    params: S.LinkParams, query: S.TruncateAndRestoreQuery, body: S.AlterMirrorsBody, response: S.AlterMirrorsResponse,
    handler: async ({ params, query, body, request }) => {
      checkCluster(params.cluster_id)
      const names = manager.selectMirrors(params.link_name, { names: body.mirror_topic_names, pattern: body.mirror_topic_name_pattern })
      const results = await manager.failbackMirrors(params.link_name, 'truncate-and-restore', names, { validateOnly: query.validate_only ?? false })
      const include = query.include_partition_level_truncation_data ?? false
      const data = results.map((r) => ({ ...alterResultObject(base(request), params.link_name, r), ...truncationFields(r, include) }))
      return listEnvelope(ALTER_MIRRORS_LIST_KIND, `${base(request)}/links/${params.link_name}/mirrors:truncate-and-restore`, data)
    },
  })

  const alterConfigs = (method: 'PUT' | 'POST') => defineRoute({
    method, path: `${C}/links/{link_name}/configs:alter`, status: 204,
    summary: `Change several link configs at once, all or nothing (${method})`,
    params: S.LinkParams, query: S.AlterConfigsQuery, body: S.AlterConfigsBody,
    handler: async ({ params, query, body, warn }) => {
      checkCluster(params.cluster_id)
      const { kept, ignored } = splitConfluentOnly(body.data)
      if (ignored.length > 0) warn(ignoredConfigsWarning(ignored))
      const changes = kept.map((item) => {
        const operation = item.operation ?? 'SET'
        if (operation === 'SET' && (item.value === undefined || item.value === null)) throw new EngineError('INVALID_INPUT', `body.data: SET of '${item.name}' needs a value (or use operation DELETE to reset it)`)
        return { name: item.name, value: item.value ?? undefined, operation }
      })
      if (changes.length === 0) {
        manager.linkConfigs(params.link_name)
        return
      }
      await manager.alterLinkConfigs(params.link_name, changes, {
        validateOnly: (query.validate_only ?? false) || (body.validate_only ?? false),
      })
    },
  })

  return [
    defineRoute({
      method: 'GET', path: '/kafka/v3/clusters', status: 200, summary: 'List the destination cluster this engine serves', response: S.ClusterListResponse,
      handler: async ({ request }) => listEnvelope('KafkaClusterList', `${baseUrl(request)}${apiPrefixOf(request.url)}/clusters`, [clusterObject(base(request), clusterId)]),
    }),
    defineRoute({
      method: 'GET', path: C, status: 200, summary: 'Get the destination cluster', params: S.ClusterParams, response: S.ClusterResponse,
      handler: async ({ params, request }) => {
        checkCluster(params.cluster_id)
        return clusterObject(base(request), clusterId)
      },
    }),
    defineRoute({
      method: 'GET', path: `${C}/links`, status: 200, summary: 'List cluster links', params: S.ClusterParams, query: S.EmptyQuery, response: S.LinkListResponse,
      handler: async ({ params, request }) => {
        checkCluster(params.cluster_id)
        return listEnvelope('KafkaLinkDataList', `${base(request)}/links`, manager.listLinks().map((v) => linkObject(base(request), v, false)))
      },
    }),
    defineRoute({
      method: 'POST', path: `${C}/links`, status: 204,
      summary: 'Create a cluster link (link.mode DESTINATION or BIDIRECTIONAL), or the source half (SOURCE) of an INBOUND link',
      params: S.ClusterParams, query: S.CreateLinkQuery, body: S.CreateLinkBody,
      handler: async ({ params, query, body, warn }) => {
        // A source half keeps Confluent's local.* configs: they become its link's source connection (engine/link/link-modes.ts).
        const isSourceHalf = body.configs.some((pair) => pair.name === 'link.mode' && pair.value === 'SOURCE')
        // Confluent sends the source half to the source cluster's REST: this engine answers it under that id too.
        const sourceIdOfHalf = isSourceHalf ? manager.listLinks().find((l) => l.linkName === query.link_name)?.sourceClusterId : undefined
        if (params.cluster_id !== sourceIdOfHalf) checkCluster(params.cluster_id)
        const { kept, ignored } = splitConfluentOnly(body.configs.filter((pair) => !isSourceHalf || !pair.name.startsWith('local.')))
        if (isSourceHalf) kept.push(...body.configs.filter((pair) => pair.name.startsWith('local.')))
        const configs: Record<string, string> = {}
        for (const pair of kept) configs[pair.name] = pair.value
        const ids = {
          sourceClusterId: body.source_cluster_id, destinationClusterId: body.destination_cluster_id,
          remoteClusterId: body.remote_cluster_id,
        }
        const notStored = await manager.createLink({ linkName: query.link_name, ...ids, configs },
          { validateOnly: query.validate_only ?? false, validateLink: query.validate_link ?? true })
        if (ignored.length > 0) warn(ignoredConfigsWarning(ignored))
        if (notStored.length > 0) warn(`accepted but not stored (the engine reaches its own cluster with its own settings): ${notStored.join(', ')}`)
      },
    }),
    defineRoute({
      method: 'GET', path: `${C}/links/{link_name}`, status: 200, summary: 'Get a cluster link', params: S.LinkParams, query: S.IncludeTasksQuery, response: S.LinkResponse,
      handler: async ({ params, query, request }) => {
        checkCluster(params.cluster_id)
        return linkObject(base(request), manager.getLink(params.link_name), query.include_tasks ?? false)
      },
    }),
    defineRoute({
      method: 'DELETE', path: `${C}/links/{link_name}`, status: 200, summary: 'Delete a cluster link (refused while mirror topics are not STOPPED unless force)',
      params: S.LinkParams, query: S.DeleteLinkQuery,
      handler: async ({ params, query }) => {
        checkCluster(params.cluster_id)
        await manager.deleteLink(params.link_name, { force: query.force ?? false, validateOnly: query.validate_only ?? false })
      },
    }),
    defineRoute({
      method: 'GET', path: `${C}/links/{link_name}/configs`, status: 200, summary: 'List link configs (sensitive values are null)',
      params: S.LinkParams, query: S.EmptyQuery, response: S.LinkConfigListResponse,
      handler: async ({ params, request }) => {
        checkCluster(params.cluster_id)
        const configs = manager.linkConfigs(params.link_name)
        return listEnvelope('KafkaLinkConfigDataList', `${base(request)}/links/${params.link_name}/configs`, linkConfigList(base(request), clusterId, params.link_name, configs))
      },
    }),
    defineRoute({
      method: 'GET', path: `${C}/links/{link_name}/configs/{config_name}`, status: 200, summary: 'Get one link config',
      params: S.LinkConfigParams, query: S.EmptyQuery, response: S.LinkConfigResponse,
      handler: async ({ params, request }) => {
        checkCluster(params.cluster_id)
        const configs = manager.linkConfigs(params.link_name)
        requireConfigName(params.config_name)
        return linkConfigObject(base(request), clusterId, params.link_name, params.config_name, configs)
      },
    }),
    defineRoute({
      method: 'PUT', path: `${C}/links/{link_name}/configs/{config_name}`, status: 204, summary: 'Set one link config',
      params: S.LinkConfigParams, query: S.EmptyQuery, body: S.UpdateConfigBody,
      handler: async ({ params, body, warn }) => {
        checkCluster(params.cluster_id)
        if (isConfluentOnlyLinkConfig(params.config_name)) {
          manager.linkConfigs(params.link_name)
          warn(ignoredConfigsWarning([params.config_name]))
          return
        }
        await manager.alterLinkConfigs(params.link_name, [{ name: params.config_name, value: body.value, operation: 'SET' }], { validateOnly: false })
      },
    }),
    defineRoute({
      method: 'DELETE', path: `${C}/links/{link_name}/configs/{config_name}`, status: 204, summary: 'Reset one link config to its default',
      params: S.LinkConfigParams, query: S.EmptyQuery,
      handler: async ({ params, warn }) => {
        checkCluster(params.cluster_id)
        manager.linkConfigs(params.link_name)
        if (isConfluentOnlyLinkConfig(params.config_name)) {
          warn(ignoredConfigsWarning([params.config_name]))
          return
        }
        requireConfigName(params.config_name)
        await manager.alterLinkConfigs(params.link_name, [{ name: params.config_name, operation: 'DELETE' }], { validateOnly: false })
      },
    }),
    alterConfigs('PUT'),
    alterConfigs('POST'),
    defineRoute({
      method: 'GET', path: `${C}/links/-/mirrors`, status: 200, summary: 'List mirror topics of every link', params: S.ClusterParams, query: S.ListMirrorsQuery, response: S.MirrorListResponse,
      handler: async ({ params, query, request }) => {
        checkCluster(params.cluster_id)
        const views = manager.listMirrors(undefined, query.mirror_status ? new Set([query.mirror_status]) : undefined)
        return listEnvelope('KafkaMirrorDataList', `${base(request)}/links/-/mirrors`, views.map((v) => mirrorObject(base(request), v, false)))
      },
    }),
    defineRoute({
      method: 'GET', path: `${C}/links/{link_name}/mirrors`, status: 200, summary: 'List mirror topics of a link', params: S.LinkParams, query: S.ListMirrorsQuery, response: S.MirrorListResponse,
      handler: async ({ params, query, request }) => {
        checkCluster(params.cluster_id)
        const views = manager.listMirrors(params.link_name, query.mirror_status ? new Set([query.mirror_status]) : undefined)
        return listEnvelope('KafkaMirrorDataList', `${base(request)}/links/${params.link_name}/mirrors`, views.map((v) => mirrorObject(base(request), v, false)))
      },
    }),
    defineRoute({
      method: 'POST', path: `${C}/links/{link_name}/mirrors`, status: 204, summary: 'Create a mirror topic', params: S.LinkParams, query: S.CreateMirrorQuery, body: S.CreateMirrorBody,
      handler: async ({ params, query, body }) => {
        checkCluster(params.cluster_id)
        const configs: Record<string, string> = {}
        for (const pair of body.configs ?? []) configs[pair.name] = pair.value
        await manager.createMirror(params.link_name, {
          sourceTopicName: body.source_topic_name, mirrorTopicName: body.mirror_topic_name, replicationFactor: body.replication_factor,
          configs,
        }, { validateOnly: query.validate_only ?? false })
      },
    }),
    defineRoute({
      method: 'GET', path: `${C}/links/{link_name}/mirrors/{mirror_topic_name}`, status: 200, summary: 'Describe a mirror topic (per-partition lags, status, errors)',
      params: S.MirrorParams, query: S.DescribeMirrorQuery, response: S.MirrorResponse,
      handler: async ({ params, query, request }) => {
        checkCluster(params.cluster_id)
        return mirrorObject(
          base(request), manager.describeMirror(params.link_name, params.mirror_topic_name), query.include_state_transition_errors ?? true,
        )
      },
    }),
    ...actionRoutes,
    ...failbackRoutes,
    truncateRoute,
    defineRoute({
      method: 'DELETE', path: `${C}/topics/{topic_name}`, status: 204, summary: 'Delete a mirror topic (stops mirroring and deletes the destination topic)',
      params: S.TopicParams, query: S.EmptyQuery,
      handler: async ({ params }) => {
        checkCluster(params.cluster_id)
        await manager.deleteMirrorTopic(params.topic_name)
      },
    }),
  ]
}
