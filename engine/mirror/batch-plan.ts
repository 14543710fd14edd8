// Pure planning: turns one fetched source record set into the ordered destination writes that keep every offset identical.
import {
  ATTR_CODEC_MASK, ATTR_LOG_APPEND_TIME, decodeBatchRecords, isControlBatch, isDenseBatch, isTransactionalBatch, lastOffsetOf,
  type EncodableRecord, type RawAbortedTransaction, type RawRecordBatch, type RecordBatchHeader,
} from '../kafka/index.ts'

/** Why a batch could not be forwarded as it was fetched (a metric label). */
export type RebuildReason = 'compaction_gap' | 'log_append_time' | 'partial_batch' | 'coalesce'
/** Why offsets are occupied by invisible fillers (a metric label). */
export type FillReason = 'gap' | 'control' | 'aborted' | 'empty_batch'

/**
 * One destination write. Invariant kept by planBatches: the actions cover consecutive offsets with no hole and no
 * overlap, starting at the `expected` offset passed in; each action's `offset` is where it must land.
 */
export type WriteAction =
  | { readonly kind: 'copy'; readonly offset: bigint; readonly count: number; readonly batch: Buffer; readonly header: RecordBatchHeader }
  | { readonly kind: 'rebuild'; readonly offset: bigint; readonly records: readonly EncodableRecord[]; readonly codec: number; readonly reason: RebuildReason }
  | { readonly kind: 'fill'; readonly offset: bigint; readonly count: number; readonly reason: FillReason }

export function actionEnd(action: WriteAction): bigint {
  const n = action.kind === 'rebuild' ? action.records.length : action.count
  return action.offset + BigInt(n)
}

/**
 * read_committed filtering exactly as the Java consumer does it (clients/.../internals/CompletedFetch.java): aborted
 * transactions from the fetch response, sorted by first offset, become "aborted producers" once a batch's last offset
 * reaches their first offset; a transactional batch of an aborted producer is aborted data; that producer's control
 * batch (the ABORT marker) ends it. The list covers every aborted transaction overlapping the fetched range, so the
 * state is per response.
 */
export class AbortedTransactionTracker {
  readonly #pending: RawAbortedTransaction[]
  readonly #aborted = new Set<bigint>()

  constructor(aborted: readonly RawAbortedTransaction[] | null) {
    this.#pending = [...(aborted ?? [])].sort((a, b) => (a.firstOffset < b.firstOffset ? -1 : a.firstOffset > b.firstOffset ? 1 : 0))
  }

  /** Call for every batch in order; true when the batch is aborted transactional data. */
  isAborted(header: RecordBatchHeader): boolean {
    const last = lastOffsetOf(header)
    while (this.#pending.length > 0 && this.#pending[0]!.firstOffset <= last) this.#aborted.add(this.#pending.shift()!.producerId)
    if (isControlBatch(header)) {
      this.#aborted.delete(header.producerId)
      return false
    }
    return isTransactionalBatch(header) && this.#aborted.has(header.producerId)
  }
}

function recordsOf(batch: RawRecordBatch): Array<{ offset: bigint; record: EncodableRecord }> {
  const h = batch.header
  const logAppendTime = (h.attributes & ATTR_LOG_APPEND_TIME) !== 0
  return decodeBatchRecords(batch.bytes).map((r) => ({
    offset: h.baseOffset + BigInt(r.offsetDelta),
    // LogAppendTime: consumers see the batch maxTimestamp for every record (DefaultRecordBatch record iterator).
    record: {
      timestamp: logAppendTime ? h.maxTimestamp : h.baseTimestamp + r.timestampDelta, key: r.key, value: r.value, headers: r.headers,
    },
  }))
}

/**
 * Plans the writes for `batches` (one fetch response, in order) given that the destination's next offset is
 * `expected`. Batches wholly below `expected` are skipped; a batch straddling it is rebuilt from `expected` on.
 * Stops after the last whole batch: a truncated tail was already dropped by splitRecordSet.
 */
export function planBatches(
  batches: readonly RawRecordBatch[], expected: bigint, aborted: readonly RawAbortedTransaction[] | null,
): WriteAction[] {
  const tracker = new AbortedTransactionTracker(aborted)
  const actions: WriteAction[] = []
  let next = expected
  // Adjacent fills merge into one (a run of aborted batches and its marker is one gap): how a gap is filled depends on its size.
  const fill = (upTo: bigint, reason: FillReason): void => {
    if (upTo <= next) return
    const last = actions[actions.length - 1]
    if (last?.kind === 'fill' && last.offset + BigInt(last.count) === next) actions[actions.length - 1] = { ...last, count: last.count + Number(upTo - next) }
    else actions.push({ kind: 'fill', offset: next, count: Number(upTo - next), reason })
    next = upTo
  }
  for (const batch of batches) {
    const h = batch.header
    const abortedData = tracker.isAborted(h)
    const end = lastOffsetOf(h) + 1n
    if (end <= next) continue
    if (h.baseOffset > next) fill(h.baseOffset, 'gap')
    if (isControlBatch(h)) { fill(end, 'control'); continue }
    if (h.recordCount === 0) { fill(end, 'empty_batch'); continue }
    if (abortedData) { fill(end, 'aborted'); continue }
    const logAppendTime = (h.attributes & ATTR_LOG_APPEND_TIME) !== 0
    if (isDenseBatch(h) && h.baseOffset === next && !logAppendTime) {
      actions.push({ kind: 'copy', offset: next, count: h.recordCount, batch: batch.bytes, header: h })
      next = end
      continue
    }
    const reason: RebuildReason = h.baseOffset < next ? 'partial_batch' : logAppendTime ? 'log_append_time' : 'compaction_gap'
    const codec = h.attributes & ATTR_CODEC_MASK
    let run: EncodableRecord[] = []
    let runStart = next
    for (const { offset, record } of recordsOf(batch)) {
      if (offset < next) continue
      if (offset !== runStart + BigInt(run.length)) {
        if (run.length > 0) actions.push({ kind: 'rebuild', offset: runStart, records: run, codec, reason })
        next = runStart + BigInt(run.length)
        fill(offset, 'gap')
        run = []
        runStart = offset
      }
      run.push(record)
    }
    if (run.length > 0) {
      actions.push({ kind: 'rebuild', offset: runStart, records: run, codec, reason })
      next = runStart + BigInt(run.length)
    }
    fill(end, 'gap')
  }
  return actions
}

/**
 * Defaults of coalescing: one-record source batches of at most 1 KiB (`mirror.coalesce.below.bytes`) are merged. A
 * producer with linger.ms=0 and batch.size=0 writes such batches; forwarded byte for byte each costs one produce request
 * and one broker append, which caps a partition below MirrorMaker 2 (bench/README.md). Batches of several records stay
 * byte for byte by default even when they compress below 1 KiB: a byte threshold alone would rebuild ordinary batched
 * traffic of a quiet topic.
 */
export const DEFAULT_COALESCE_BELOW_BYTES = 1024
export const DEFAULT_COALESCE_MAX_RECORDS = 1

/**
 * Merges runs of consecutive small 'copy' actions into one rebuilt batch each (decompress, re-encode, compress once with
 * the first batch's codec): one destination batch per partition per request is all the broker accepts (LogValidator),
 * so a source written with linger.ms=0 would otherwise cost one produce round trip per record. Records, offsets and
 * timestamps stay identical; the bytes do not, so it is a per-link setting (mirror.coalesce.below.bytes, 0 turns it off),
 * and every merged batch is counted under reason 'coalesce'.
 */
export function coalesceSmallCopies(
  actions: readonly WriteAction[], smallBatchBytes: number, maxBatchBytes: number, maxRecords = Number.POSITIVE_INFINITY,
): WriteAction[] {
  if (smallBatchBytes <= 0) return [...actions]
  const out: WriteAction[] = []
  let run: Array<Extract<WriteAction, { kind: 'copy' }>> = []
  let runBytes = 0
  const flush = (): void => {
    if (run.length === 1) out.push(run[0]!)
    else if (run.length > 1) {
      const records: EncodableRecord[] = []
      for (const a of run) {
        for (const r of decodeBatchRecords(a.batch)) {
          records.push({ timestamp: a.header.baseTimestamp + r.timestampDelta, key: r.key, value: r.value, headers: r.headers })
        }
      }
      out.push({ kind: 'rebuild', offset: run[0]!.offset, records, codec: run[0]!.header.attributes & ATTR_CODEC_MASK, reason: 'coalesce' })
    }
    run = []
    runBytes = 0
  }
  for (const a of actions) {
    if (a.kind === 'copy' && a.batch.length <= smallBatchBytes && a.count <= maxRecords) {
      if (runBytes + a.batch.length > maxBatchBytes) flush()
      run.push(a)
      runBytes += a.batch.length
      continue
    }
    flush()
    out.push(a)
  }
  flush()
  return out
}
