// `clusterlink engine`: starts the engine service and prints {"event":"listening","url":...,"clusterId":...} on stdout when ready.
import { runEngine } from '../../engine/main.ts'

export async function run(argv: string[]): Promise<number> {
  const code = await runEngine(argv)
  // Every client is closed by now; if a stray handle still holds the loop, leave anyway after a grace period.
  setTimeout(() => process.exit(code), 2000).unref()
  return code
}
