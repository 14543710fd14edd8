// `clusterlink engine`: starts the engine service and prints {"event":"listening","url":...,"clusterId":...} on stdout when ready.
import { runEngine } from '../../engine/main.ts'

export async function run(argv: string[]): Promise<number> {
  return runEngine(argv)
}
