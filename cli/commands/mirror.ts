// `clusterlink mirror create|list|describe|pause|resume|promote|failover|reverse-and-*|truncate-and-restore`: mirror topics over REST.
import { parseArgs } from 'node:util'
import { describeMirror, isEngineApiError, totalLag, waitForMirror, type AlterMirrorResult, type EngineClient, type Mirror, type MirrorAction, type MirrorSelection } from '../../provider/client/index.ts'
import {
  CONNECTION_FLAGS, CONNECTION_HELP, EXIT, UsageError, createClient, defaultIo, formatTable, outputFormat, parseConfigPairs, printJson,
  reportError, type CommandIo,
} from '../output/index.ts'

const USAGE = `usage: clusterlink mirror <create|list|describe|pause|resume|promote|failover|reverse-and-start|reverse-and-pause|truncate-and-restore> [options]

  mirror create SOURCE_TOPIC --link NAME [--mirror-topic NAME] [--replication-factor N] [--config name=value ...] [--dry-run]
  mirror list [--link NAME] [--status STATUS]
  mirror describe MIRROR_TOPIC --link NAME
  mirror pause|resume MIRROR_TOPIC... --link NAME [--pattern REGEX] [--dry-run]
  mirror promote|failover MIRROR_TOPIC... --link NAME [--pattern REGEX] [--dry-run] [--no-wait] [--timeout-ms N]
      promote waits for lag zero, then stops the mirror (STOPPED, writable); failover stops it now.
      Both wait until STOPPED and show progress on stderr unless --no-wait (default timeout 300000 ms).
  mirror reverse-and-start|reverse-and-pause MIRROR_TOPIC... --link NAME [--pattern REGEX] [--dry-run] [--no-wait] [--timeout-ms N]
      Failback of a STOPPED mirror whose source-cluster topic holds a prefix of it: the local topic stays writable and
      the source-cluster topic becomes its mirror from its own log end offset (nothing copied again). Reversing a
      reversed mirror (promoted or failed over first) flips it back. reverse-and-start waits until the reversed mirror
      is ACTIVE with lag zero, showing progress on stderr, unless --no-wait.
  mirror truncate-and-restore MIRROR_TOPIC... --link NAME [--pattern REGEX] [--dry-run] [--no-wait] [--timeout-ms N]
      Failback of a STOPPED mirror whose source-cluster topic took records after the failover point: those records are
      copied to <topic>.truncated-<ms> on the source cluster (printed, with the count), then the source-cluster topic is
      rebuilt as a mirror of the local topic at identical offsets. Waits for lag zero unless --no-wait.

${CONNECTION_HELP}`

const FLAGS = {
  ...CONNECTION_FLAGS,
  link: { type: 'string', short: 'l' },
  'mirror-topic': { type: 'string' },
  'replication-factor': { type: 'string' },
  config: { type: 'string', multiple: true },
  status: { type: 'string' },
  pattern: { type: 'string' },
  'dry-run': { type: 'boolean' },
  'no-wait': { type: 'boolean' },
  'timeout-ms': { type: 'string' },
} as const

const MIRROR_HEADERS = ['LINK', 'MIRROR TOPIC', 'SOURCE TOPIC', 'STATUS', 'PARTITIONS', 'LAG', 'ERROR']

function mirrorRow(m: Mirror): Array<string | number | null | undefined> {
  return [m.link_name, m.mirror_topic_name, m.source_topic_name, m.mirror_status, m.num_partitions, totalLag(m), m.mirror_topic_error && m.mirror_topic_error !== 'NO_ERROR' ? m.mirror_topic_error : '']
}

function wholeNumber(text: string | undefined, flag: string): number | undefined {
  if (text === undefined) return undefined
  if (!/^\d+$/.test(text)) throw new UsageError(`${flag} must be a whole number, got '${text}'`)
  return Number(text)
}

/** The mirrors an action names: a --pattern REGEX, or the topic names given. */
function selectionOf(pattern: string | undefined, positionals: readonly string[]): MirrorSelection {
  return pattern !== undefined ? { mirrorTopicNamePattern: pattern } : { mirrorTopicNames: positionals }
}

async function waitStopped(
  client: EngineClient, io: CommandIo, link: string, topics: readonly string[], timeoutMs: number, json: boolean,
): Promise<number> {
  let code: number = EXIT.OK
  for (const topic of topics) {
    try {
      await waitForMirror(client, link, topic, (m) => m?.mirror_status === 'STOPPED', 'STOPPED', {
        timeoutMs,
        onProgress: (m) => { if (!json && m) io.stderr.write(`  ${topic}: ${m.mirror_status}, lag ${totalLag(m)} record(s)\n`) },
        failWhen: (m) => (m.mirror_status !== 'PENDING_STOPPED' && m.mirror_status !== 'STOPPED' ? `did not stop (${describeMirror(m)})` : undefined),
      })
      if (!json) io.stderr.write(`  ${topic}: STOPPED (writable)\n`)
    } catch (error) {
      io.stderr.write(`clusterlink mirror: ${error instanceof Error ? error.message : String(error)}\n`)
      code = isEngineApiError(error) && /gave up after/.test(error.message) ? EXIT.TIMEOUT : EXIT.REFUSED
    }
  }
  return code
}

/**
 * reverse-and-start|pause (`mirrors:<action>-mirror`) and truncate-and-restore, then (not pause) a wait for the reversed
 * mirror to catch up.
 */
async function reverseMirrors(
  client: EngineClient, io: CommandIo, sub: 'reverse-and-start' | 'reverse-and-pause' | 'truncate-and-restore', link: string, positionals: readonly string[],
  values: { pattern?: string | undefined; 'dry-run'?: boolean | undefined; 'no-wait'?: boolean | undefined; 'timeout-ms'?: string | undefined }, json: boolean,
): Promise<number> {
  if ((positionals.length > 0) === (values.pattern !== undefined)) throw new UsageError(`mirror ${sub} needs mirror topic names or --pattern REGEX (not both)`)
  const selection = selectionOf(values.pattern, positionals)
  const dryRun = values['dry-run'] ?? false
  // The client sends the action as the path suffix: the engine answers these like the other mirror actions.
  const path = sub === 'truncate-and-restore' ? sub : `${sub}-mirror`
  const results = await client.alterMirrors(link, path as MirrorAction, selection, { validateOnly: dryRun })
  const done = (r: AlterMirrorResult) => {
    if (sub !== 'truncate-and-restore') return dryRun ? 'valid (dry run)' : 'reversed'
    const where = r.truncated_records_topic ? ` into ${String(r.truncated_records_topic)}` : ''
    return `${dryRun ? 'valid (dry run): would set aside' : 'restored; set aside'} ${String(r.messages_truncated ?? 0)} record(s)${where}`
  }
  if (json) printJson(io, results)
  else io.stdout.write(formatTable(['MIRROR TOPIC', 'RESULT'], results.map((r) => [r.mirror_topic_name, Number(r.error_code ?? 0) === 0 ? done(r) : `error ${r.error_code}: ${r.error_message ?? ''}`])))
  if (results.length === 0) io.stderr.write(`clusterlink mirror ${sub}: no mirror topic matched\n`)
  let code: number = results.length === 0 || results.some((r) => Number(r.error_code ?? 0) !== 0) ? EXIT.REFUSED : EXIT.OK
  if (sub === 'reverse-and-pause' || dryRun || values['no-wait']) return code
  const timeoutMs = wholeNumber(values['timeout-ms'], '--timeout-ms') ?? 300_000
  for (const topic of results.filter((r) => Number(r.error_code ?? 0) === 0).map((r) => r.mirror_topic_name)) {
    try {
      await waitForMirror(client, link, topic, (m) => m?.mirror_status === 'ACTIVE' && totalLag(m) === 0, 'ACTIVE with lag 0', {
        timeoutMs,
        onProgress: (m) => { if (!json && m) io.stderr.write(`  ${topic}: reversed mirror ${m.mirror_status}, lag ${totalLag(m)} record(s)\n`) },
        failWhen: (m) => (m.mirror_status === 'FAILED' || m.mirror_status === 'STOPPED' ? `the reversed mirror is ${m.mirror_status} (${describeMirror(m)})` : undefined),
      })
      if (!json) io.stderr.write(`  ${topic}: reversed mirror ACTIVE, lag 0\n`)
    } catch (error) {
      io.stderr.write(`clusterlink mirror: ${error instanceof Error ? error.message : String(error)}\n`)
      code = isEngineApiError(error) && /gave up after/.test(error.message) ? EXIT.TIMEOUT : EXIT.REFUSED
    }
  }
  return code
}

export async function runMirror(argv: readonly string[], io: CommandIo = defaultIo()): Promise<number> {
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
    const needLink = (): string => {
      if (!values.link) throw new UsageError(`mirror ${sub} needs --link NAME`)
      return values.link
    }
    switch (sub) {
      case 'create': {
        const link = needLink()
        const source = positionals[0]
        if (!source) throw new UsageError('mirror create needs the source topic name')
        const replicationFactor = wholeNumber(values['replication-factor'], '--replication-factor')
        const configs = parseConfigPairs(values.config)
        if (values['dry-run']) throw new UsageError('mirror create has no --dry-run in the REST API; use link describe to check the link')
        await client.createMirror(link, {
          source_topic_name: source,
          ...(values['mirror-topic'] ? { mirror_topic_name: values['mirror-topic'] } : {}),
          ...(replicationFactor !== undefined ? { replication_factor: replicationFactor } : {}),
          ...(configs.length > 0 ? { configs } : {}),
        })
        if (format === 'json') printJson(io, { link_name: link, source_topic_name: source, mirror_topic_name: values['mirror-topic'] ?? null, created: true })
        else io.stdout.write(`Created mirror topic for ${source} on link ${link}.\n`)
        return EXIT.OK
      }
      case 'list': {
        const mirrors = await client.listMirrors(values.link, values.status ? { mirrorStatus: values.status.toUpperCase() } : {})
        if (format === 'json') printJson(io, mirrors)
        else io.stdout.write(formatTable(MIRROR_HEADERS, mirrors.map(mirrorRow)))
        return EXIT.OK
      }
      case 'describe': {
        const link = needLink()
        const topic = positionals[0]
        if (!topic) throw new UsageError('mirror describe needs the mirror topic name')
        const mirror = await client.getMirror(link, topic, { includeStateTransitionErrors: true })
        if (format === 'json') {
          printJson(io, mirror)
          return EXIT.OK
        }
        io.stdout.write(formatTable(MIRROR_HEADERS, [mirrorRow(mirror)]))
        io.stdout.write(`\nPartitions:\n${formatTable(['PARTITION', 'LAG', 'LAST SOURCE FETCH OFFSET'], (mirror.mirror_lags ?? []).map((l) => [l.partition, l.lag, l.last_source_fetch_offset]))}`)
        const errors = mirror.mirror_state_transition_errors ?? []
        if (errors.length > 0) io.stdout.write(`\nState transition errors:\n${formatTable(['CODE', 'MESSAGE'], errors.map((e) => [e.error_code ?? '', e.error_message ?? '']))}`)
        return EXIT.OK
      }
      case 'pause':
      case 'resume':
      case 'promote':
      case 'failover': {
        const link = needLink()
        if ((positionals.length > 0) === (values.pattern !== undefined)) throw new UsageError(`mirror ${sub} needs mirror topic names or --pattern REGEX (not both)`)
        const selection = selectionOf(values.pattern, positionals)
        const dryRun = values['dry-run'] ?? false
        const results: AlterMirrorResult[] = await client.alterMirrors(link, sub as MirrorAction, selection, { validateOnly: dryRun })
        const failed = results.filter((r) => Number(r.error_code ?? 0) !== 0)
        if (format === 'json') printJson(io, results)
        else io.stdout.write(formatTable(['MIRROR TOPIC', 'RESULT'], results.map((r) => [r.mirror_topic_name, Number(r.error_code ?? 0) === 0 ? (dryRun ? 'valid (dry run)' : 'accepted') : `error ${r.error_code}: ${r.error_message ?? ''}`])))
        if (results.length === 0) io.stderr.write(`clusterlink mirror ${sub}: no mirror topic matched\n`)
        let code: number = failed.length > 0 || results.length === 0 ? EXIT.REFUSED : EXIT.OK
        if ((sub === 'promote' || sub === 'failover') && !dryRun && !values['no-wait']) {
          const ok = results.filter((r) => Number(r.error_code ?? 0) === 0).map((r) => r.mirror_topic_name)
          if (ok.length > 0 && format !== 'json') io.stderr.write(`Waiting for ${ok.length} mirror topic(s) to stop${sub === 'promote' ? ' (lag must reach zero first)' : ''}...\n`)
          const waited = await waitStopped(client, io, link, ok, wholeNumber(values['timeout-ms'], '--timeout-ms') ?? 300_000, format === 'json')
          if (waited !== EXIT.OK) code = waited
        }
        return code
      }
      case 'reverse-and-start':
      case 'reverse-and-pause':
      case 'truncate-and-restore':
        return await reverseMirrors(client, io, sub, needLink(), positionals, values, format === 'json')
      default:
        throw new UsageError(`unknown mirror command '${sub}'\n\n${USAGE}`)
    }
  } catch (error) {
    return reportError(io, `mirror ${sub}`, error)
  }
}

export async function run(argv: string[]): Promise<number> {
  return runMirror(argv)
}
