// A stand-in handler module for the dynamic-provider stub test: answers every call with what it was given.
export async function handle(kind: string, method: string, config: { get(key: string): unknown }, args: unknown[]): Promise<unknown> {
  return { kind, method, endpoint: config.get('clusterlink:endpoint'), args }
}
