// `pulumi up` entry point of the migration example: reads stack config and declares the batches.
import * as pulumi from '@pulumi/pulumi'
import { migration } from './program.ts'

const config = new pulumi.Config()
export const { linkId, topics } = migration({
  linkName: config.get('linkName') ?? 'migration',
  oldClusterBootstrapServers: config.require('oldClusterBootstrapServers'),
  batches: config.requireObject<string[][]>('batches'),
  promotedBatches: config.getNumber('promotedBatches') ?? 0,
})
