// `pulumi up` entry point: reads the stack config and runs deployEngineAndMirrors (see the README's Deployment section).
import * as pulumi from '@pulumi/pulumi'
import { deployEngineAndMirrors } from './program.ts'

const config = new pulumi.Config()
const endpoint = config.get('engineEndpoint')
const { engine, link, mirror } = deployEngineAndMirrors({
  image: config.require('image'),
  namespace: config.get('namespace') ?? 'clusterlink',
  destinationBootstrapServers: config.require('destinationBootstrapServers').split(','),
  sourceBootstrapServers: config.require('sourceBootstrapServers'),
  topic: config.get('topic') ?? 'orders',
  engineToken: config.requireSecret('engineToken'),
  credentialsKey: config.requireSecret('credentialsKey'),
  ...(endpoint === undefined ? {} : { engineEndpoint: endpoint }),
  ...(config.get('serviceType') === 'LoadBalancer' ? { serviceType: 'LoadBalancer' as const } : {}),
  ...(config.getBoolean('skipAwait') === true ? { skipAwait: true } : {}),
})

export const engineUrl = engine.url
export const linkState = link.linkState
export const mirrorStatus = mirror.mirrorStatus
