// Benchmark child process: runs one mirror topic runner until the mirror reaches the given end offsets, then prints its CPU and RSS.
import { createLogger } from '../engine/logging/index.ts'
import { createMirrorTopicRunner } from '../engine/mirror/index.ts'

const [sourceBootstrap, destinationBootstrap, sourceTopic, mirrorTopic, endsJson, coalesce] = process.argv.slice(2)
if (!sourceBootstrap || !destinationBootstrap || !sourceTopic || !mirrorTopic || !endsJson) {
  process.stderr.write('usage: run-copier.ts SOURCE DESTINATION SOURCE_TOPIC MIRROR_TOPIC ENDS_JSON\n')
  process.exit(2)
}
const ends = JSON.parse(endsJson) as number[]
const runner = createMirrorTopicRunner({
  source: { bootstrapServers: [sourceBootstrap] },
  destination: { bootstrapServers: [destinationBootstrap] },
  spec: { linkName: 'bench', sourceTopic, mirrorTopic, startOffsetSpec: 'earliest' },
  logger: createLogger({ level: 'warn' }),
  limits: {
    coalesceBelowBytes: Number(coalesce ?? 0), fetchMaxBytes: 8 << 20, fetchMaxWaitMs: 100, totalInFlightBytes: 128 << 20,
    idleCheckIntervalMs: 5_000, metadataIntervalMs: 10_000,
  },
})
const startedAt = performance.now()
await runner.start()
await new Promise<void>((resolve, reject) => {
  const timer = setInterval(() => {
    const s = runner.status()
    if (s.state === 'FAILED') { clearInterval(timer); reject(new Error(JSON.stringify(s.error))) }
    if (ends.every((end, p) => s.partitions[p]?.destinationLogEndOffset === end)) { clearInterval(timer); resolve() }
  }, 20)
})
const wallMs = performance.now() - startedAt
const usage = process.resourceUsage()
await runner.stop()
process.stdout.write(JSON.stringify({ wallMs, cpuSeconds: (usage.userCPUTime + usage.systemCPUTime) / 1e6, maxRssBytes: usage.maxRSS * 1024 }) + '\n')
process.exit(0)
