// Reads the two things the engine needs from a krb5.conf (the file Kafka's Java clients use): the default realm and
// each realm's KDC addresses.
import { readFile } from 'node:fs/promises'
import { KerberosError } from './kerberos-error.ts'

export interface Krb5Settings {
  readonly defaultRealm: string | undefined
  /** KDC addresses (host or host:port) by realm, in file order. */
  readonly kdcs: ReadonlyMap<string, readonly string[]>
}

/*
 * krb5.conf => section*;  section => "[name]" line*;  line => key "=" value | realm "=" "{" (key "=" value)* "}"
 * Comments start with # or ;. Only [libdefaults] default_realm and [realms] <REALM> = { kdc = ... } are read.
 */
export function parseKrb5Conf(text: string): Krb5Settings {
  let section = ''
  let realm: string | undefined
  let defaultRealm: string | undefined
  const kdcs = new Map<string, string[]>()
  for (const raw of text.split('\n')) {
    const line = raw.replace(/^\s*[#;].*$/, '').trim()
    if (!line) continue
    const header = /^\[(\w+)\]$/.exec(line)
    if (header) {
      section = header[1]!.toLowerCase()
      realm = undefined
      continue
    }
    if (line === '}') {
      realm = undefined
      continue
    }
    const pair = /^([^=\s]+)\s*=\s*(.*)$/.exec(line)
    if (!pair) continue
    const [, key, value] = pair as unknown as [string, string, string]
    if (section === 'libdefaults' && key === 'default_realm') defaultRealm = value.trim()
    if (section !== 'realms') continue
    if (value.trim() === '{') realm = key
    else if (realm && key === 'kdc') kdcs.set(realm, [...(kdcs.get(realm) ?? []), value.trim()])
  }
  return { defaultRealm, kdcs }
}

/** The realm and first KDC for `principal` (its @REALM, else default_realm) from the krb5.conf at `path`. */
export async function kdcFromKrb5Conf(path: string, principal: string): Promise<{ realm: string; kdc: string }> {
  let text: string
  try {
    text = await readFile(path, 'utf8')
  } catch (error) {
    throw new KerberosError(`cannot read the Kerberos configuration ${path} (${(error as NodeJS.ErrnoException).code ?? 'error'})`)
  }
  const settings = parseKrb5Conf(text)
  const at = principal.lastIndexOf('@')
  const realm = at >= 0 ? principal.slice(at + 1) : settings.defaultRealm
  if (!realm) throw new KerberosError(`${path} has no default_realm and the principal "${principal}" names none`)
  const kdc = settings.kdcs.get(realm)?.[0]
  if (!kdc) throw new KerberosError(`${path} names no kdc for realm ${realm} (DNS lookup of KDCs is not supported)`)
  return { realm, kdc }
}
