// Keeps a Kafka connection that reports its failure twice from crashing the engine (issue 12): when a broker drops a connection
// during SASL (an mTLS broker refusing the engine's client certificate), @platformatic/kafka 2.12.1 emits 'error' on the
// Connection once for the socket and again for each request the drop failed, after the pool's one-shot listener is gone, and
// Node throws an 'error' event nobody listens to. The first error still reaches whoever connected; the repeats add nothing.
import { instancesChannel } from '@platformatic/kafka'

interface CreatedInstance {
  readonly type?: string
  readonly instance?: { on?: (event: string, listener: (error: unknown) => void) => unknown }
}

const ignoreRepeatedError = (): void => undefined

/** Gives every Connection the library creates from now on an 'error' listener; runs once per process (on import). */
function guardConnectionErrors(): void {
  instancesChannel.subscribe((message) => {
    const { type, instance } = message as CreatedInstance
    if (type === 'connection') instance?.on?.('error', ignoreRepeatedError)
  })
}

guardConnectionErrors()
