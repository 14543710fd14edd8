// A disaster-recovery pair as a CDKTF stack: a cluster link to the source cluster and one mirror topic per source
// topic. Engine endpoint, token and source servers are Terraform variables, so synth needs no secret and no network.
import { TerraformOutput, TerraformStack, TerraformVariable } from 'cdktf'
import type { Construct } from 'constructs'
import { ClusterLink, ClusterlinkProvider, MirrorTopic } from '../../provider/cdktf/index.ts'

export interface DisasterRecoveryStackProps {
  /** Name of the cluster link. Default `dr-link`. */
  readonly linkName?: string
  /** Source topics to mirror, each into a mirror topic of the same name. Default `['orders', 'payments']`. */
  readonly topics?: readonly string[]
}

export class DisasterRecoveryStack extends TerraformStack {
  readonly link: ClusterLink
  readonly mirrors: readonly MirrorTopic[]

  constructor(scope: Construct, id: string, props: DisasterRecoveryStackProps = {}) {
    super(scope, id)
    const endpoint = new TerraformVariable(this, 'engine_endpoint', { type: 'string', description: 'URL of the clusterlink engine' })
    const token = new TerraformVariable(this, 'engine_token', { type: 'string', sensitive: true, description: 'Bearer token of the engine' })
    const sourceBootstrapServers = new TerraformVariable(this, 'source_bootstrap_servers', { type: 'string', description: 'Source cluster bootstrap servers' })
    new ClusterlinkProvider(this, 'clusterlink', { endpoint: endpoint.stringValue, token: token.stringValue })

    this.link = new ClusterLink(this, 'dr-link', {
      linkName: props.linkName ?? 'dr-link',
      sourceBootstrapServers: sourceBootstrapServers.stringValue,
      configs: { 'topic.config.sync.ms': '10000' },
    })
    this.mirrors = (props.topics ?? ['orders', 'payments']).map((topic) => new MirrorTopic(this, `mirror-${topic}`, {
      // A reference to the link orders the mirror after it.
      linkName: this.link.linkName,
      sourceTopicName: topic,
      onDelete: 'DELETE_TOPIC',
    }))
    new TerraformOutput(this, 'mirror_topics', { value: this.mirrors.map((mirror) => mirror.mirrorTopicName) })
  }
}
