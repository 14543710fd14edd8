// Builds the clusterlink constructs on a CDKTF library (cdktf 0.21, or its continuation cdktn with the same API), so
// both entry points share one implementation. Construction validates props with the shared spec and makes no network call.
import type * as Cdktf from 'cdktf'
import type { Construct } from 'constructs'
import { validateClusterLinkInputs, validateMirrorTopicInputs, UNKNOWN_VALUE, type InputFailure, type ValidationResult } from '../spec/index.ts'
import { PROVIDER_SOURCE, PROVIDER_TYPE, PROVIDER_VERSION } from '../terraform/install-provider.ts'
import { snakeCase, toHclAttributes, toTerraformAttributes, type ClusterLinkProps, type ClusterlinkProviderProps, type MirrorTopicProps } from './construct-props.ts'

/** What the constructs need from a CDKTF library. */
export type CdktfLibrary = Pick<typeof Cdktf, 'TerraformProvider' | 'TerraformResource' | 'Token'>

const metadata = { providerName: PROVIDER_TYPE, providerVersion: PROVIDER_VERSION }

function containsToken(library: CdktfLibrary, value: unknown): boolean {
  if (library.Token.isUnresolved(value)) return true
  if (Array.isArray(value)) return value.some((item) => containsToken(library, item))
  if (value !== null && typeof value === 'object') return Object.values(value).some((item) => containsToken(library, item))
  return false
}

/** Props whose value holds an unresolved token anywhere (known only at apply) become the spec's unknown marker. */
function withUnknowns(library: CdktfLibrary, props: object): Record<string, unknown> {
  const out: Record<string, unknown> = {}
  for (const [key, value] of Object.entries(props)) {
    if (value === undefined) continue
    out[key] = containsToken(library, value) ? UNKNOWN_VALUE : value
  }
  return out
}

function failIfInvalid(kind: string, id: string, result: ValidationResult<unknown>): void {
  if (result.ok) return
  const lines = result.failures.map((failure: InputFailure) => `  ${failure.property || kind}: ${failure.reason}`)
  throw new Error(`${kind} '${id}' has invalid props:\n${lines.join('\n')}`)
}

function pickMeta(props: Cdktf.TerraformMetaArguments): Cdktf.TerraformMetaArguments {
  const { dependsOn, count, provider, lifecycle, forEach, provisioners, connection } = props
  const meta = { dependsOn, count, provider, lifecycle, forEach, provisioners, connection }
  return Object.fromEntries(Object.entries(meta).filter(([, value]) => value !== undefined))
}

export function defineConstructs(library: CdktfLibrary) {
  /**
   * The clusterlink provider block (`clusterlink.local/clusterlink/clusterlink`); install the provider with
   * provider/terraform/install-provider.ts.
   */
  class ClusterlinkProvider extends library.TerraformProvider {
    static readonly tfResourceType = PROVIDER_TYPE
    readonly props: ClusterlinkProviderProps

    constructor(scope: Construct, id: string, props: ClusterlinkProviderProps = {}) {
      super(scope, id, {
        terraformResourceType: PROVIDER_TYPE, terraformGeneratorMetadata: metadata, terraformProviderSource: PROVIDER_SOURCE,
      })
      this.props = props
      if (props.alias !== undefined) this.alias = props.alias
    }

    protected override synthesizeAttributes(): Record<string, unknown> {
      const { alias: _alias, ...rest } = this.props
      return Object.fromEntries(Object.entries(rest)
        .filter(([, value]) => value !== undefined)
        .map(([key, value]) => [snakeCase(key), value]))
    }

    protected override synthesizeHclAttributes(): Record<string, unknown> {
      return toHclAttributes(this.synthesizeAttributes())
    }
  }

  /** A cluster link (`clusterlink_link`): the engine's connection from the destination cluster to a source cluster. */
  class ClusterLink extends library.TerraformResource {
    static readonly tfResourceType = 'clusterlink_link'
    readonly props: ClusterLinkProps

    constructor(scope: Construct, id: string, props: ClusterLinkProps) {
      super(scope, id, { terraformResourceType: ClusterLink.tfResourceType, terraformGeneratorMetadata: metadata, ...pickMeta(props) })
      failIfInvalid('ClusterLink', id, validateClusterLinkInputs(withUnknowns(library, toSpecProps(props))))
      this.props = props
    }

    /** The link name (a reference: use it in MirrorTopic.linkName so the mirror is created after the link). */
    get linkName(): string {
      return this.getStringAttribute('link_name')
    }

    /** The engine's id of the link. */
    get clusterLinkId(): string {
      return this.getStringAttribute('cluster_link_id')
    }

    /** ACTIVE, PAUSED, UNAVAILABLE or FAILED. */
    get linkState(): string {
      return this.getStringAttribute('link_state')
    }

    protected override synthesizeAttributes(): Record<string, unknown> {
      return toTerraformAttributes(this.props)
    }

    protected override synthesizeHclAttributes(): Record<string, unknown> {
      return toHclAttributes(toTerraformAttributes(this.props))
    }
  }

  /** A mirror topic (`clusterlink_mirror_topic`): a read-only destination topic copying one source topic at identical offsets. */
  class MirrorTopic extends library.TerraformResource {
    static readonly tfResourceType = 'clusterlink_mirror_topic'
    readonly props: MirrorTopicProps

    constructor(scope: Construct, id: string, props: MirrorTopicProps) {
      super(scope, id, { terraformResourceType: MirrorTopic.tfResourceType, terraformGeneratorMetadata: metadata, ...pickMeta(props) })
      failIfInvalid('MirrorTopic', id, validateMirrorTopicInputs(withUnknowns(library, toSpecProps(props))))
      this.props = props
    }

    /** The mirror topic's name on the destination (known after apply when derived from the link prefix). */
    get mirrorTopicName(): string {
      return this.getStringAttribute('mirror_topic_name')
    }

    /** The engine's mirror_status (ACTIVE, PAUSED, STOPPED, FAILED, …). */
    get mirrorStatus(): string {
      return this.getStringAttribute('mirror_status')
    }

    /** Number of mirror partitions. */
    get partitionCount(): number {
      return this.getNumberAttribute('partition_count')
    }

    /** Where the last truncate-and-restore kept the records it set aside (a topic on the side that became the mirror). */
    get truncatedRecordsTopic(): string {
      return this.getStringAttribute('truncated_records_topic')
    }

    /** Records the last truncate-and-restore set aside. */
    get messagesTruncated(): number {
      return this.getNumberAttribute('messages_truncated')
    }

    protected override synthesizeAttributes(): Record<string, unknown> {
      return toTerraformAttributes(this.props)
    }

    protected override synthesizeHclAttributes(): Record<string, unknown> {
      return toHclAttributes(toTerraformAttributes(this.props))
    }
  }

  return { ClusterlinkProvider, ClusterLink, MirrorTopic }
}

/** The props the spec validates: everything but the Terraform meta-arguments. */
function toSpecProps(props: Cdktf.TerraformMetaArguments & object): Record<string, unknown> {
  const {
    dependsOn: _d, count: _c, provider: _p, lifecycle: _l, forEach: _f, provisioners: _pr, connection: _co, ...rest
  } = props as Record<string, unknown>
  return rest
}
