// `pulumi up` entry point of the aggregation example: reads the list of sources from stack config.
import * as pulumi from '@pulumi/pulumi'
import { aggregation, type AggregationSource } from './program.ts'

const config = new pulumi.Config()
export const { mirrorTopics, linkStates } = aggregation({ sources: config.requireObject<AggregationSource[]>('sources') })
