// Holds one principal's Kerberos tickets in memory: a TGT and service tickets, fetched again before they expire.
import { readFile } from 'node:fs/promises'
import { KdcClient, ENGINE_ENCTYPES, parseKdcAddress, type ClientSecret, type Ticket } from './kdc-client.ts'
import { KerberosError } from './kerberos-error.ts'
import { findKey, parseKeytab } from './keytab.ts'
import { NT_SRV_INST, parsePrincipal, type PrincipalName } from './kerberos-messages.ts'

export interface KerberosCredentialsConfig {
  /** The engine's principal, name@REALM (the realm defaults to krb5.realm). */
  readonly principal: string
  /** A keytab file holding the principal's keys; read at each new TGT so a rotated keytab is picked up. */
  readonly keytabPath?: string
  /** Secret: never logged. Used when there is no keytab. */
  readonly password?: string
  readonly krb5: { readonly realm: string; readonly kdc: string }
  /** KDC round trip timeout; default 10 s. */
  readonly kdcTimeoutMs?: number
}

/** Tickets are replaced this long before they end, so a connection never presents one that expires mid-handshake. */
const RENEW_BEFORE_END_MS = 60_000

function isFresh(ticket: Ticket, now: number): boolean {
  return ticket.endTime.getTime() - RENEW_BEFORE_END_MS > now
}

/** The credentials of one principal; concurrent connections share one KDC request. */
export class KerberosCredentials {
  readonly client: PrincipalName
  readonly realm: string
  readonly #config: KerberosCredentialsConfig
  readonly #kdc: KdcClient
  #tgt: Promise<Ticket> | undefined
  readonly #serviceTickets = new Map<string, Promise<Ticket>>()

  constructor(config: KerberosCredentialsConfig) {
    if (!config.keytabPath && config.password === undefined) throw new KerberosError('GSSAPI needs a keytab path or a password')
    const { name, realm } = parsePrincipal(config.principal, config.krb5.realm)
    this.client = name
    this.realm = realm
    this.#config = config
    this.#kdc = new KdcClient({ kdc: parseKdcAddress(config.krb5.kdc), realm, client: name, timeoutMs: config.kdcTimeoutMs ?? 10_000 })
  }

  /** A valid ticket for service/host in the client's realm. */
  async serviceTicket(serviceName: string, host: string): Promise<Ticket> {
    const key = `${serviceName}/${host}`
    const now = Date.now()
    const cached = this.#serviceTickets.get(key)
    if (cached) {
      const ticket = await cached.catch(() => undefined)
      if (ticket && isFresh(ticket, now)) return ticket
      if (this.#serviceTickets.get(key) !== cached) return this.serviceTicket(serviceName, host)
    }
    const service: PrincipalName = { type: NT_SRV_INST, components: [serviceName, host] }
    const request = this.#validTgt().then(tgt => this.#kdc.requestServiceTicket(tgt, service))
    this.#serviceTickets.set(key, request)
    request.catch(() => {
      if (this.#serviceTickets.get(key) === request) this.#serviceTickets.delete(key)
    })
    return request
  }

  async #validTgt(): Promise<Ticket> {
    const cached = this.#tgt
    if (cached) {
      const ticket = await cached.catch(() => undefined)
      if (ticket && isFresh(ticket, Date.now())) return ticket
      if (this.#tgt !== cached) return this.#validTgt()
    }
    const request = this.#secret().then(secret => this.#kdc.requestTgt(secret))
    this.#tgt = request
    request.catch(() => {
      if (this.#tgt === request) this.#tgt = undefined
    })
    return request
  }

  async #secret(): Promise<ClientSecret> {
    const { keytabPath, password } = this.#config
    if (!keytabPath) return { kind: 'password', password: password ?? '' }
    let bytes: Buffer
    try {
      bytes = await readFile(keytabPath)
    } catch (error) {
      throw new KerberosError(`cannot read the keytab ${keytabPath} (${(error as NodeJS.ErrnoException).code ?? 'error'})`)
    }
    const entries = parseKeytab(bytes)
    const principal = `${this.client.components.join('/')}@${this.realm}`
    const keys = ENGINE_ENCTYPES.map(enctype => findKey(entries, principal, [enctype])).filter(key => key !== undefined)
    if (keys.length === 0) {
      throw new KerberosError(`the keytab ${keytabPath} has no aes256/aes128-cts-hmac-sha1-96 key for ${principal}`)
    }
    return { kind: 'key', keys }
  }
}
