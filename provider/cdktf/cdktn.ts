// Public surface of provider/cdktf for cdktn (CDK Terrain, the community continuation of cdktf with the same API).
import * as cdktn from 'cdktn'
import { defineConstructs, type CdktfLibrary } from './define-constructs.ts'

export const { ClusterlinkProvider, ClusterLink, MirrorTopic } = defineConstructs(cdktn as unknown as CdktfLibrary)
export type ClusterlinkProvider = InstanceType<typeof ClusterlinkProvider>
export type ClusterLink = InstanceType<typeof ClusterLink>
export type MirrorTopic = InstanceType<typeof MirrorTopic>
export type { ClusterlinkProviderProps, ClusterLinkProps, MirrorTopicProps, SourceCredentials, SourceTls } from './construct-props.ts'
