// The CDKTF app: `cdktf synth` (or `node main.ts`, which is what cdktf.json's app runs) writes cdktf.out/stacks/clusterlink-dr.
import { App } from 'cdktf'
import { DisasterRecoveryStack } from './dr-stack.ts'

const app = new App()
const linkName = app.node.tryGetContext('linkName') as string | undefined
const topics = app.node.tryGetContext('topics') as string[] | undefined
new DisasterRecoveryStack(app, 'clusterlink-dr', { ...(linkName ? { linkName } : {}), ...(topics ? { topics } : {}) })
app.synth()
