// The admin interface link/ uses; the Kafka calls behind it live in kafka/admin-client.ts.
export { createClusterAdmin, type ClusterAdmin, type GroupOffset, type TopicAcl, type TopicConfigEntry } from '../kafka/index.ts'
