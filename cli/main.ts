// Entry point of the clusterlink command: picks the sub-command and runs it with the remaining arguments.
import { existsSync } from 'node:fs'
import { join } from 'node:path'
import { pathToFileURL } from 'node:url'

/** Each sub-command lives in cli/commands/<name>.ts and exports `run(argv): Promise<number>` (the exit code). */
export interface Command {
  run(argv: string[]): Promise<number>
}

const COMMANDS: Record<string, string> = {
  demo: 'Start local clusters and an engine, create a link and a mirror, copy records and verify them',
  local: 'local up|down: start or stop local Apache Kafka clusters and an engine for trying things out',
  engine: 'Start the replication engine service',
  link: 'link create|list|describe|update|delete: manage cluster links through the engine API',
  mirror: 'mirror create|list|describe|pause|resume|promote|failover: manage mirror topics through the engine API',
  verify: 'Compare a source topic and its mirror record by record',
  terraform: 'terraform install: install the Terraform provider into a local mirror that terraform init uses offline',
  kubernetes: 'kubernetes controller: reconcile ClusterLink and MirrorTopic custom resources against the engine',
}

function usage(): string {
  const lines = Object.entries(COMMANDS).map(([name, text]) => `  ${name.padEnd(10)} ${text}`)
  return `usage: clusterlink <command> [options]\n\ncommands:\n${lines.join('\n')}\n\nRun 'clusterlink <command> --help' for a command's options.\n`
}

export async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv
  if (!name || name === '--help' || name === '-h' || name === 'help') {
    process.stdout.write(usage())
    return name ? 0 : 2
  }
  const file = join(import.meta.dirname, 'commands', `${name}.ts`)
  if (!(name in COMMANDS) || !existsSync(file)) {
    process.stderr.write(`clusterlink: unknown command '${name}'\n\n${usage()}`)
    return 2
  }
  const command = (await import(pathToFileURL(file).href)) as Command
  return command.run(rest)
}

if (import.meta.main) {
  // kafkajs (the independent reader behind verify) sets negative timeouts, which Node 24 reports on every run; nothing is wrong.
  process.removeAllListeners('warning')
  process.on('warning', (warning) => {
    if (warning.name !== 'TimeoutNegativeWarning') process.stderr.write(`${warning.name}: ${warning.message}\n`)
  })
  main(process.argv.slice(2)).then(
    (code) => { process.exitCode = code },
    (error: unknown) => {
      process.stderr.write(`clusterlink: ${error instanceof Error ? error.message : String(error)}\n`)
      process.exitCode = 1
    },
  )
}
