// Decides whether a harness cluster of a given Apache Kafka version runs in KRaft or ZooKeeper mode.

/** How the cluster keeps its metadata: a KRaft controller quorum or a ZooKeeper ensemble. */
export type KafkaClusterMode = 'kraft' | 'zookeeper'

/** Major and minor of a Kafka version string such as `2.8.2` or `4.1.1`. */
export function parseKafkaVersion(version: string): { major: number; minor: number } {
  const match = /^(\d+)\.(\d+)(?:\.\d+)?(?:[-.].*)?$/.exec(version)
  if (!match) throw new Error(`'${version}' is not an Apache Kafka version; use a release number such as 3.9.1 or 4.1.1`)
  return { major: Number(match[1]), minor: Number(match[2]) }
}

/** KRaft became production-ready in Kafka 3.3 (KIP-833); earlier releases had it only as early access. */
export function hasKraftMode(version: string): boolean {
  const { major, minor } = parseKafkaVersion(version)
  return major > 3 || (major === 3 && minor >= 3)
}

/** ZooKeeper mode was removed in Kafka 4.0 (KIP-500). */
export function hasZooKeeperMode(version: string): boolean {
  return parseKafkaVersion(version).major < 4
}

/** The mode to run: the one asked for if the version has it; otherwise KRaft where it exists, else ZooKeeper. */
export function resolveClusterMode(version: string, mode?: KafkaClusterMode): KafkaClusterMode {
  if (mode === 'zookeeper' && !hasZooKeeperMode(version)) {
    throw new Error(`Kafka ${version} has no ZooKeeper mode (removed in 4.0); use mode 'kraft' or a 2.x/3.x version`)
  }
  if (mode === 'kraft' && !hasKraftMode(version)) {
    throw new Error(`Kafka ${version} has no production KRaft mode (it arrived in 3.3); use mode 'zookeeper'`)
  }
  return mode ?? (hasKraftMode(version) ? 'kraft' : 'zookeeper')
}

/** Replication defaults for a cluster of `brokers` brokers: RF 3 and min.insync.replicas 2 from 3 brokers up. */
export function replicationDefaults(brokers: number): { replicationFactor: number; minInsyncReplicas: number } {
  return { replicationFactor: Math.min(brokers, 3), minInsyncReplicas: brokers >= 3 ? 2 : 1 }
}
