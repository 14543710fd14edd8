// `clusterlink link create|list|describe|update|delete`: manages cluster links through the engine's REST API.
import { readFileSync } from 'node:fs'
import { parseArgs } from 'node:util'
import type { Link, LinkConfig } from '../../provider/client/index.ts'
import {
  CONNECTION_FLAGS, CONNECTION_HELP, EXIT, UsageError, createClient, defaultIo, formatTable, outputFormat, parseConfigPairs, printJson,
  reportError, type CommandIo,
} from '../output/index.ts'

const USAGE = `usage: clusterlink link <create|list|describe|update|delete> [options]

  link create NAME --source-bootstrap HOST:PORT [--source-cluster-id ID] [--config name=value ...]
              [--source-security-protocol P] [--source-sasl-mechanism M --source-username U --source-password-file F]
              [--no-validate] [--dry-run]
  link list
  link describe NAME
  link update NAME [--config name=value ...] [--reset name ...] [--source-password-file F] [--dry-run]
      changing bootstrap.servers, security.protocol, sasl.*, or TLS trust of a link with credentials needs them again:
      pass --source-password-file (or --config sasl.jaas.config=...) in the same update, or --reset them
  link delete NAME [--force] [--dry-run]

${CONNECTION_HELP}`

const FLAGS = {
  ...CONNECTION_FLAGS,
  'source-bootstrap': { type: 'string' },
  'source-cluster-id': { type: 'string' },
  'source-security-protocol': { type: 'string' },
  'source-sasl-mechanism': { type: 'string' },
  'source-username': { type: 'string' },
  'source-password-file': { type: 'string' },
  config: { type: 'string', multiple: true },
  reset: { type: 'string', multiple: true },
  'no-validate': { type: 'boolean' },
  'dry-run': { type: 'boolean' },
  force: { type: 'boolean' },
} as const

function linkRow(link: Link): Array<string | number | null | undefined> {
  return [link.link_name, link.link_state, link.source_cluster_id, link.topic_names?.length ?? 0, link.link_error && link.link_error !== 'NO_ERROR' ? `${link.link_error}: ${link.link_error_message ?? ''}` : '']
}

const LINK_HEADERS = ['NAME', 'STATE', 'SOURCE CLUSTER', 'MIRRORS', 'ERROR']

function configRows(configs: readonly LinkConfig[]): Array<Array<string | null | undefined>> {
  return configs.map((c) => [c.name, c.is_sensitive ? '(sensitive)' : c.value, c.is_default ? 'default' : 'set'])
}

export async function runLink(argv: readonly string[], io: CommandIo = defaultIo()): Promise<number> {
  const [sub, ...rest] = argv
  if (!sub || sub === '--help' || sub === '-h' || sub === 'help') {
    io.stdout.write(USAGE)
    return sub ? EXIT.OK : EXIT.USAGE
  }
  try {
    let parsed
    try {
      parsed = parseArgs({ args: [...rest], options: FLAGS, allowPositionals: true, strict: true })
    } catch (error) {
      throw new UsageError(`${error instanceof Error ? error.message : String(error)}\n\n${USAGE}`)
    }
    const { values, positionals } = parsed
    if (values.help) {
      io.stdout.write(USAGE)
      return EXIT.OK
    }
    const format = outputFormat(values)
    const client = createClient(values, io.env)
    const name = positionals[0]
    const needName = (): string => {
      if (!name) throw new UsageError(`link ${sub} needs a link name\n\n${USAGE}`)
      return name
    }
    switch (sub) {
      case 'create': {
        const linkName = needName()
        const bootstrap = values['source-bootstrap']
        const configs = parseConfigPairs(values.config)
        if (bootstrap) configs.unshift({ name: 'bootstrap.servers', value: bootstrap })
        // The INBOUND half of a source-initiated link has no address, and its SOURCE half brings local.bootstrap.servers.
        const halfOfSourceInitiated = configs.some((c) => (c.name === 'connection.mode' && c.value === 'INBOUND') || (c.name === 'link.mode' && c.value === 'SOURCE'))
        if (!halfOfSourceInitiated && !configs.some((c) => c.name === 'bootstrap.servers')) {
          throw new UsageError('link create needs --source-bootstrap HOST:PORT (or --config bootstrap.servers=...)')
        }
        if (values['source-security-protocol']) configs.push({ name: 'security.protocol', value: values['source-security-protocol'] })
        if (values['source-sasl-mechanism']) configs.push({ name: 'sasl.mechanism', value: values['source-sasl-mechanism'] })
        if (values['source-username']) configs.push({ name: 'sasl.username', value: values['source-username'] })
        if (values['source-password-file']) configs.push({ name: 'sasl.password', value: readFileSync(values['source-password-file'], 'utf8').trim() })
        await client.createLink(linkName, { ...(values['source-cluster-id'] ? { source_cluster_id: values['source-cluster-id'] } : {}), configs }, {
          validateOnly: values['dry-run'] ?? false, validateLink: !(values['no-validate'] ?? false),
        })
        if (format === 'json') printJson(io, { link_name: linkName, created: !values['dry-run'], validate_only: values['dry-run'] ?? false })
        else io.stdout.write(values['dry-run'] ? `Link ${linkName} is valid (nothing created).\n` : `Created cluster link ${linkName}.\n`)
        return EXIT.OK
      }
      case 'list': {
        const links = await client.listLinks()
        if (format === 'json') printJson(io, links)
        else io.stdout.write(formatTable(LINK_HEADERS, links.map(linkRow)))
        return EXIT.OK
      }
      case 'describe': {
        const linkName = needName()
        const [link, configs] = await Promise.all([client.getLink(linkName, { includeTasks: true }), client.listLinkConfigs(linkName)])
        if (format === 'json') {
          printJson(io, { ...link, configs })
          return EXIT.OK
        }
        io.stdout.write(formatTable(LINK_HEADERS, [linkRow(link)]))
        io.stdout.write(`\nTasks:\n${formatTable(['TASK', 'STATE', 'ERRORS'], (link.tasks ?? []).map((t) => [t.task_name, t.state, (t.errors ?? []).map((e) => JSON.stringify(e)).join('; ')]))}`)
        io.stdout.write(`\nConfigs:\n${formatTable(['NAME', 'VALUE', 'SOURCE'], configRows(configs))}`)
        return EXIT.OK
      }
      case 'update': {
        const linkName = needName()
        const operations = [
          ...parseConfigPairs(values.config).map((c) => ({ ...c, operation: 'SET' as const })),
          ...(values['source-password-file'] ? [{ name: 'sasl.password', value: readFileSync(values['source-password-file'], 'utf8').trim(), operation: 'SET' as const }] : []),
          ...(values.reset ?? []).map((configName) => ({ name: configName, operation: 'DELETE' as const })),
        ]
        if (operations.length === 0) throw new UsageError('link update needs --config name=value or --reset name')
        await client.alterLinkConfigs(linkName, operations, { validateOnly: values['dry-run'] ?? false })
        if (format === 'json') printJson(io, { link_name: linkName, updated: operations.map((o) => o.name), validate_only: values['dry-run'] ?? false })
        else io.stdout.write(values['dry-run'] ? `Changes to ${linkName} are valid (nothing changed).\n` : `Updated ${operations.length} config(s) of ${linkName}.\n`)
        return EXIT.OK
      }
      case 'delete': {
        const linkName = needName()
        await client.deleteLink(linkName, { force: values.force ?? false, validateOnly: values['dry-run'] ?? false })
        if (format === 'json') printJson(io, { link_name: linkName, deleted: !values['dry-run'] })
        else io.stdout.write(values['dry-run'] ? `Link ${linkName} can be deleted (nothing deleted).\n` : `Deleted cluster link ${linkName}.\n`)
        return EXIT.OK
      }
      default:
        throw new UsageError(`unknown link command '${sub}'\n\n${USAGE}`)
    }
  } catch (error) {
    return reportError(io, `link ${sub}`, error)
  }
}

export async function run(argv: string[]): Promise<number> {
  return runLink(argv)
}
