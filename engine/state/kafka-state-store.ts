// Stores links, mirror topics and owners' status records as JSON records in a compacted single-partition topic on the
// destination cluster, and follows it.
import { EngineError } from '../errors.ts'
import { createClusterAdmin, KafkaErrorCodes, PartitionLogClient, type ClusterAdmin, type KafkaConnectionConfig } from '../kafka/index.ts'
import type { Logger } from '../logging/index.ts'
import { backoffMs, sleep } from '../retry.ts'
import type { CredentialsCipher } from './credentials-cipher.ts'
import {
  decodeRecord, encodeLink, encodeMirror, encodeStatus, linkKey, mirrorKey, statusKey,
  type LinkState, type MirrorState, type MirrorStatusRecord, type RecordCodecOptions,
} from './state-records.ts'
import type { StateChange, StateSnapshot, StateStore } from './state-store.ts'

export interface KafkaStateStoreOptions {
  readonly destination: KafkaConnectionConfig
  readonly topic: string
  readonly cipher?: CredentialsCipher
  readonly isSensitive: (configName: string) => boolean
  readonly logger: Logger
  /** How long one follow fetch waits for new records; default 500 ms (changes reach other replicas within about that). */
  readonly followWaitMs?: number
}

interface StoredRecord {
  readonly offset: number
  readonly key: string
  readonly value: Buffer | null
}

/**
 * Invariant: the state topic is the only durable state. Writes are acknowledged by all in-sync replicas before the
 * caller changes memory; `load` reads to the log end offset observed at its start, so a restarted engine sees every
 * write acknowledged before it started; `follow` then delivers every later record in log order. For each key the
 * store remembers the offset of the newest record it wrote or delivered, and never delivers an older one, so memory
 * ends equal to the last record of each key (a write overtaken by another replica's is followed by the newer record).
 * Keys: link:<name>, mirror:<link>:<topic>, status:<link>:<topic>; tombstones delete.
 */
export class KafkaStateStore implements StateStore {
  readonly #options: KafkaStateStoreOptions
  readonly #codec: RecordCodecOptions
  readonly #admin: ClusterAdmin
  readonly #partitionLog: PartitionLogClient
  readonly #log: Logger
  readonly #keyOffsets = new Map<string, number>()
  readonly #latest = new Map<string, Buffer | null>()
  /** This replica's writes not acknowledged yet: the follower does not deliver them back (the writer applies them itself). */
  readonly #inFlight = new Map<string, Buffer | null>()
  #offset = 0
  #listener: ((change: StateChange) => void) | undefined
  #closed = false
  readonly #stop = new AbortController()
  #following: Promise<void> | undefined

  constructor(options: KafkaStateStoreOptions) {
    this.#options = options
    this.#codec = { cipher: options.cipher, isSensitive: options.isSensitive }
    this.#log = options.logger.child({ component: 'state' })
    this.#admin = createClusterAdmin(options.destination, 'clusterlink-state-admin', 'destination')
    this.#partitionLog = new PartitionLogClient(options.destination, 'clusterlink-state', options.topic)
  }

  /** Creates the state topic when absent (compacted, one partition, replicated up to 3). */
  async #ensureTopic(): Promise<void> {
    if ((await this.#admin.partitionCount(this.#options.topic)) !== undefined) return
    const replicas = Math.min(3, await this.#admin.brokerCount())
    try {
      await this.#admin.createTopic(this.#options.topic, 1, replicas, { 'cleanup.policy': 'compact', 'min.insync.replicas': String(Math.min(2, replicas)) })
      this.#log.info({ topic: this.#options.topic }, 'state topic created')
    } catch (error) {
      // Another engine replica may have created it meanwhile.
      if ((await this.#admin.partitionCount(this.#options.topic)) === undefined) throw error
    }
  }

  /** Reads the records from `offset` on (waiting up to waitMs for some); returns them and the next offset to read. */
  async #fetch(offset: number, waitMs: number): Promise<{ records: StoredRecord[]; next: number }> {
    const { records, next } = await this.#partitionLog.read(offset, waitMs)
    const stored: StoredRecord[] = []
    for (const record of records) if (record.key) stored.push({ offset: record.offset, key: record.key.toString('utf8'), value: record.value })
    return { records: stored, next }
  }

  async load(): Promise<StateSnapshot> {
    await this.#ensureTopic()
    const topic = this.#options.topic
    const end = (await this.#admin.listOffsets(topic, [0], 'latest')).get(0) ?? 0
    let offset = (await this.#admin.listOffsets(topic, [0], 'earliest')).get(0) ?? 0
    while (offset < end) {
      const { records, next } = await this.#fetch(offset, 200)
      for (const record of records) this.#remember(record)
      offset = next
    }
    this.#offset = offset
    const links: LinkState[] = []
    const mirrors: MirrorState[] = []
    const statuses: MirrorStatusRecord[] = []
    for (const [key, value] of this.#latest) {
      if (value === null) continue
      let decoded
      try {
        decoded = decodeRecord(value, this.#codec)
      } catch (error) {
        if (key.startsWith('status:')) {
          this.#log.warn({ key, err: error }, 'status record cannot be read (skipped)')
          continue
        }
        // Refuse to start rather than silently drop a link or a mirror topic.
        throw new EngineError('CONFIG_ERROR', `state record '${key}' in ${topic} cannot be read (${error instanceof Error ? error.message.split('\n')[0] : String(error)}); start with the credentialsKey that wrote it, or write a tombstone for this key`, { cause: error })
      }
      if (decoded.kind === 'link') links.push(decoded.link)
      else if (decoded.kind === 'mirror') mirrors.push(decoded.mirror)
      else statuses.push(decoded.status)
      if (!key.startsWith(`${decoded.kind}:`)) this.#log.warn({ key }, 'state record under an unexpected key (kept)')
    }
    this.#log.info({ links: links.length, mirrors: mirrors.length, endOffset: end }, 'state loaded')
    return { links, mirrors, statuses }
  }

  /** Records a record as the newest of its key; false when a newer one is already known. */
  #remember(record: StoredRecord): boolean {
    if (record.offset <= (this.#keyOffsets.get(record.key) ?? -1)) return false
    this.#keyOffsets.set(record.key, record.offset)
    this.#latest.set(record.key, record.value)
    return true
  }

  follow(listener: (change: StateChange) => void): void {
    this.#listener = listener
    this.#following ??= this.#followLoop()
  }

  async #followLoop(): Promise<void> {
    let failures = 0
    while (!this.#closed) {
      try {
        const { records, next } = await this.#fetch(this.#offset, this.#options.followWaitMs ?? 500)
        for (const record of records) if (this.#remember(record) && !this.#isOwnInFlight(record)) this.#deliver(record.key, record.value)
        this.#offset = next
        failures = 0
      } catch (error) {
        if (this.#closed) return
        failures += 1
        if (error instanceof EngineError && error.context['kafkaErrorCode'] === KafkaErrorCodes.OFFSET_OUT_OF_RANGE) {
          this.#offset = (await this.#admin.listOffsets(this.#options.topic, [0], 'earliest').catch(() => new Map<number, number>())).get(0) ?? 0
          this.#log.warn({ offset: this.#offset }, 'state topic start moved past the follower (reading from the start)')
        } else if (failures === 1 || failures % 30 === 0) {
          this.#log.warn({ err: error, failures }, 'following the state topic failed (retrying)')
        }
        await sleep(backoffMs(failures - 1, 200, 5_000), this.#stop.signal)
      }
    }
  }

  #isOwnInFlight(record: StoredRecord): boolean {
    if (!this.#inFlight.has(record.key)) return false
    const mine = this.#inFlight.get(record.key) ?? null
    return mine === null ? record.value === null : record.value !== null && mine.equals(record.value)
  }

  #deliver(key: string, value: Buffer | null): void {
    const change = this.#toChange(key, value)
    if (!change || !this.#listener) return
    try {
      this.#listener(change)
    } catch (error) {
      this.#log.error({ err: error, key }, 'applying a state change failed')
    }
  }

  #toChange(key: string, value: Buffer | null): StateChange | undefined {
    if (value === null) {
      const [kind, linkName, ...rest] = key.split(':')
      const mirrorTopicName = rest.join(':')
      if (kind === 'link' && linkName) return { kind: 'link', linkName, link: null }
      if (kind === 'mirror' && linkName && mirrorTopicName) return { kind: 'mirror', linkName, mirrorTopicName, mirror: null }
      if (kind === 'status' && linkName && mirrorTopicName) return { kind: 'status', linkName, mirrorTopicName, status: null }
      return undefined
    }
    try {
      const decoded = decodeRecord(value, this.#codec)
      if (decoded.kind === 'link') return { kind: 'link', linkName: decoded.link.linkName, link: decoded.link }
      if (decoded.kind === 'mirror') return { kind: 'mirror', linkName: decoded.mirror.linkName, mirrorTopicName: decoded.mirror.mirrorTopicName, mirror: decoded.mirror }
      return { kind: 'status', linkName: decoded.status.linkName, mirrorTopicName: decoded.status.mirrorTopicName, status: decoded.status }
    } catch (error) {
      this.#log.error({ key, err: error }, 'state record from another replica cannot be read (skipped; is every replica started with the same credentialsKey?)')
      return undefined
    }
  }

  async #write(key: string, value: Buffer | undefined): Promise<void> {
    let offset: number | undefined
    this.#inFlight.set(key, value ?? null)
    try {
      offset = await this.#partitionLog.append([{ key: Buffer.from(key), ...(value ? { value } : {}) }])
    } catch (error) {
      throw new EngineError('DESTINATION_UNAVAILABLE', 'could not write to the state topic; nothing was changed', { retriable: true, cause: error })
    } finally {
      this.#inFlight.delete(key)
    }
    if (offset === undefined || this.#remember({ offset, key, value: value ?? null })) return
    if ((this.#keyOffsets.get(key) ?? -1) > offset) {
      // Another replica wrote this key after us and it was delivered already: deliver it again once the caller has
      // applied its own (older) write, so memory ends at the newest record.
      setImmediate(() => this.#deliver(key, this.#latest.get(key) ?? null))
    }
  }

  putLink(link: LinkState): Promise<void> {
    return this.#write(linkKey(link.linkName), encodeLink(link, this.#codec))
  }

  deleteLink(linkName: string): Promise<void> {
    return this.#write(linkKey(linkName), undefined)
  }

  putMirror(mirror: MirrorState): Promise<void> {
    return this.#write(mirrorKey(mirror.linkName, mirror.mirrorTopicName), encodeMirror(mirror))
  }

  async deleteMirror(linkName: string, mirrorTopicName: string): Promise<void> {
    await this.#write(mirrorKey(linkName, mirrorTopicName), undefined)
    await this.#write(statusKey(linkName, mirrorTopicName), undefined).catch((error: unknown) => this.#log.warn({ err: error }, 'status record not deleted'))
  }

  async putStatuses(statuses: readonly MirrorStatusRecord[]): Promise<void> {
    if (statuses.length === 0) return
    try {
      await this.#partitionLog.append(statuses.map((s) => ({
        key: Buffer.from(statusKey(s.linkName, s.mirrorTopicName)), value: encodeStatus(s),
      })))
    } catch (error) {
      throw new EngineError('DESTINATION_UNAVAILABLE', 'could not publish mirror status records', { retriable: true, cause: error })
    }
  }

  async close(): Promise<void> {
    this.#closed = true
    this.#stop.abort()
    await Promise.allSettled([this.#partitionLog.close(), this.#admin.close()])
    await this.#following?.catch(() => undefined)
  }
}
