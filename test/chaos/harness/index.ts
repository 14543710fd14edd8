// Public surface of the chaos-test harness: the engine under chaos, the id producer, the ledger comparison and the cutting proxy.
export { ChaosEngine, FailedMirrorError, describeFailure, highWatermarks, kafkajsAdmin, randomMoment, waitFor, waitForMirrorCaughtUp, type CaughtUpOptions } from './chaos-engine.ts'
export { IdProducer, idOf, placeRecords, recordValue, type AckedPlace, type IdProducerOptions } from './id-producer.ts'
export { ackedNotAtTheirOffset, compareLedgers, readTopicLedger, type LedgerComparison, type LedgerEntry, type TopicLedger } from './topic-ledger.ts'
export { KafkaTcpProxy, type CutEvent, type CutMode, type CutRule } from './kafka-tcp-proxy.ts'
export { ApiKeys, FrameSplitter, readRequestHeader, readResponseCorrelationId, type RequestFrameHeader } from './kafka-frames.ts'
export { assertMirrorExact, createLinkAndMirror, createSourceTopic, type JudgeOptions } from './mirror-scenario.ts'
