// Entry point of terraform-provider-clusterlink: Terraform starts it (through the wrapper `install-provider.ts` puts in
// the filesystem mirror) and talks to it over plugin protocol 6. Imports stay lazy: Terraform starts it several times per command.
import { serveProvider } from './serve-provider.ts'

if (import.meta.main) {
  serveProvider({
    env: process.env,
    createDefinition: async () => (await import('./clusterlink-provider.ts')).createClusterlinkProvider(process.env),
  }).then((code) => {
    // Exit now: idle keep-alive connections to the engine would otherwise hold the process for seconds.
    process.exit(code)
  }, (error: unknown) => {
    process.stderr.write(`terraform-provider-clusterlink: ${error instanceof Error ? error.stack ?? error.message : String(error)}\n`)
    process.exit(1)
  })
}
