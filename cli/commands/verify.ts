// `clusterlink verify`: compares a source topic and its mirror record by record and exits non-zero on any difference.
import { parseArgs } from 'node:util'
import { z } from 'zod'
import { formatVerifyResult, verifyTopics } from '../verify/index.ts'

const HELP = `usage: clusterlink verify --source-bootstrap HOST:PORT --destination-bootstrap HOST:PORT --topic T
                          [--mirror-topic M] [--isolation read_committed|read_uncommitted] [--output json]
                          [--timeout-ms N]

Reads every partition of the source topic and of its mirror with an ordinary Kafka consumer (kafkajs) and compares
offset, key, value, headers and timestamp of every visible record, and which offsets hold no visible record.
Each side is read until every partition's consumer position reaches the end offset (high watermark) recorded at
the start; --timeout-ms bounds the whole run.
Exit codes: 0 identical, 1 differences found, 2 bad arguments or a cluster could not be read,
3 incomplete (the timeout passed before every partition was read to its end offset; nothing is proved).
`

const hostPort = z.string().regex(/^[^\s:]+:\d{1,5}$/, 'must be HOST:PORT, for example 127.0.0.1:9092')
const ArgsSchema = z.object({
  'source-bootstrap': hostPort.describe('a source cluster bootstrap server'),
  'destination-bootstrap': hostPort.describe('a destination cluster bootstrap server'),
  topic: z.string().min(1, 'give the source topic with --topic').describe('the source topic'),
  'mirror-topic': z.string().min(1).optional().describe('the mirror topic; default the source topic name'),
  isolation: z.enum(['read_committed', 'read_uncommitted']).default('read_committed').describe('consumer isolation level'),
  output: z.enum(['table', 'json']).default('table').describe('output format'),
  'idle-ms': z.coerce.number().int().positive().optional().describe('ignored (verify now reads to the end offsets); accepted so that older scripts keep working'),
  'timeout-ms': z.coerce.number().int().positive().default(120_000).describe('upper bound for the whole comparison'),
})

/**
 * kafkajs can keep a consumer re-joining its group (and its sockets open) in the background after a timed-out read;
 * the command must end anyway. An unref'd timer ends the process only if something still holds it open by then.
 */
function exitEvenIfClientsLinger(code: number): number {
  setTimeout(() => process.exit(code), 3_000).unref()
  return code
}

export async function run(argv: string[]): Promise<number> {
  let values: Record<string, unknown>
  try {
    values = parseArgs({
      args: argv, strict: true, allowPositionals: false,
      options: {
        'source-bootstrap': { type: 'string' }, 'destination-bootstrap': { type: 'string' }, topic: { type: 'string' },
        'mirror-topic': { type: 'string' }, isolation: { type: 'string' }, output: { type: 'string' },
        'idle-ms': { type: 'string' }, 'timeout-ms': { type: 'string' }, help: { type: 'boolean', short: 'h' },
      },
    }).values
  } catch (error) {
    process.stderr.write(`clusterlink verify: ${(error as Error).message}\n\n${HELP}`)
    return 2
  }
  if (values.help) { process.stdout.write(HELP); return 0 }
  const parsed = ArgsSchema.safeParse(values)
  if (!parsed.success) {
    const problems = parsed.error.issues.map((i) => `  --${i.path.join('.')}: ${i.message}`).join('\n')
    process.stderr.write(`clusterlink verify: fix these arguments:\n${problems}\n\n${HELP}`)
    return 2
  }
  const a = parsed.data
  let result
  try {
    result = await verifyTopics({
      sourceBootstrap: a['source-bootstrap'], destinationBootstrap: a['destination-bootstrap'], topic: a.topic,
      ...(a['mirror-topic'] ? { mirrorTopic: a['mirror-topic'] } : {}), isolation: a.isolation, timeoutMs: a['timeout-ms'],
    })
  } catch (error) {
    process.stderr.write(`clusterlink verify: could not read the topics (${(error as Error).message})\n`)
    return exitEvenIfClientsLinger(2)
  }
  process.stdout.write(a.output === 'json' ? JSON.stringify(result, null, 2) + '\n' : formatVerifyResult(result))
  if (result.outcome === 'INCOMPLETE') {
    const where = result.incomplete.map((i) => `${i.side} partition ${i.partition} stopped at ${i.position} of ${i.endOffset}`).join(', ')
    process.stderr.write(`clusterlink verify: INCOMPLETE, not identical: ${where}; raise --timeout-ms\n`)
    return exitEvenIfClientsLinger(3)
  }
  return exitEvenIfClientsLinger(result.outcome === 'IDENTICAL' ? 0 : 1)
}
