// Asks a would-be link's source cluster for its id before the link is stored (validate_link), with one answer for every failure.
import { EngineError } from '../errors.ts'
import type { Logger } from '../logging/index.ts'
import type { KafkaConnectionConfig } from '../mirror/contract.ts'
import { withTimeout } from '../retry.ts'
import type { ClusterAdmin } from './kafka-admin.ts'
import { linkConfigValue } from './link-configs.ts'
import { toSourceConnection } from './source-connection.ts'

const PROBE_TIMEOUT_MS = 10_000

/** The source cluster's id; INVALID_INPUT when it does not answer in 10 s or is not the cluster `expectedId` names. */
export async function probeSourceClusterId(
  createAdmin: (connection: KafkaConnectionConfig, clientId: string) => ClusterAdmin, log: Logger,
  linkName: string, configs: Readonly<Record<string, string>>, expectedId: string | undefined,
): Promise<string> {
  const probe = createAdmin(toSourceConnection(linkName, configs), `clusterlink-${linkName}-validate`)
  let actual: string
  try {
    actual = await withTimeout(probe.clusterId(), PROBE_TIMEOUT_MS)
  } catch (error) {
    // One answer whether the port was closed, silent or spoke something else: validate_link must not be a port scanner.
    log.info({ err: error, link: linkName }, 'source cluster validation failed')
    const bootstrap = linkConfigValue(configs, 'bootstrap.servers')
    throw new EngineError('INVALID_INPUT', `could not connect to a Kafka cluster at bootstrap.servers=${bootstrap} `
      + 'within 10 s with the given security configs; check the address and security configs (the engine log has the details), '
      + 'or create with validate_link=false', { cause: error })
  } finally {
    await probe.close()
  }
  if (expectedId !== undefined && actual !== expectedId) {
    throw new EngineError('INVALID_INPUT', `source_cluster_id is '${expectedId}' but the cluster at bootstrap.servers has id '${actual}'; `
      + 'fix source_cluster_id or bootstrap.servers')
  }
  return actual
}
