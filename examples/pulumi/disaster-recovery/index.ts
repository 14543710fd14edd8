// `pulumi up` entry point of the disaster-recovery example: reads stack config and declares the DR pair.
import * as pulumi from '@pulumi/pulumi'
import { disasterRecovery } from './program.ts'
import type { MirrorTopicStatus } from '../../../provider/spec/index.ts'

const config = new pulumi.Config()
export const { linkId, linkState, mirrors } = disasterRecovery({
  linkName: config.get('linkName') ?? 'dr',
  primaryBootstrapServers: config.require('primaryBootstrapServers'),
  topics: config.requireObject<string[]>('topics'),
  status: (config.get('status') ?? 'ACTIVE') as MirrorTopicStatus,
})
