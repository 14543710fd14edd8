// `pulumi up` entry point of the quick start (the repository root's Pulumi.yaml runs it).
import * as pulumi from '@pulumi/pulumi'
import { quickStart } from './program.ts'
import type { MirrorTopicStatus } from '../../../provider/spec/index.ts'

const config = new pulumi.Config()
export const { linkState, mirrorStatus, totalLag } = quickStart({
  sourceBootstrapServers: config.require('sourceBootstrapServers'),
  topic: config.get('topic') ?? 'orders',
  status: (config.get('status') ?? 'ACTIVE') as MirrorTopicStatus,
})
