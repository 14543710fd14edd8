// Public surface of provider/cdktf for cdktf 0.21: ClusterlinkProvider, ClusterLink and MirrorTopic constructs.
import * as cdktf from 'cdktf'
import { defineConstructs } from './define-constructs.ts'

export const { ClusterlinkProvider, ClusterLink, MirrorTopic } = defineConstructs(cdktf)
export type ClusterlinkProvider = InstanceType<typeof ClusterlinkProvider>
export type ClusterLink = InstanceType<typeof ClusterLink>
export type MirrorTopic = InstanceType<typeof MirrorTopic>
export type { ClusterlinkProviderProps, ClusterLinkProps, MirrorTopicProps, SourceCredentials, SourceTls } from './construct-props.ts'
export { defineConstructs, type CdktfLibrary } from './define-constructs.ts'
