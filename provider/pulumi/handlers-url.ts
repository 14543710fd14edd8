// The file URL of provider-handlers, beside this module: .ts when run from the repository, .js when installed compiled.
import { extname } from 'node:path'
import { fileURLToPath } from 'node:url'

/** Absolute URL of the handler module that the serialized provider imports at run time (same extension as this file). */
export function handlersUrl(): string {
  const extension = extname(fileURLToPath(import.meta.url)) || '.js'
  return new URL(`./provider-handlers${extension}`, import.meta.url).href
}
