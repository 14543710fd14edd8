// Talks to a Kerberos KDC over TCP (RFC 4120 section 7.2.2): gets a TGT (AS exchange with PA-ENC-TIMESTAMP pre-authentication)
// and service tickets (TGS exchange).
import { connect } from 'node:net'
import { randomInt } from 'node:crypto'
import {
  ENCTYPE_AES128_CTS_HMAC_SHA1_96, ENCTYPE_AES256_CTS_HMAC_SHA1_96, checksum, checksumTypeOf, decrypt, encrypt,
  isSupportedEnctype, stringToKey, type KerberosKey,
} from './kerberos-crypto.ts'
import { KerberosError } from './kerberos-error.ts'
import {
  MSG_AS_REQ, MSG_TGS_REQ, NT_SRV_INST, PA_ENC_TIMESTAMP, PA_TGS_REQ, decodeEncKdcRepPart, decodeEtypeInfo2, decodeKdcReply,
  encodeApReq, encodeAuthenticator, encodeEncryptedData, encodeKdcReq, encodeKdcReqBody, encodePaData, encodeTimestamp, isKrbError,
  type KdcReply, type PrincipalName,
} from './kerberos-messages.ts'

/** Key usages (RFC 4120 section 7.5.1). */
const USAGE_PA_ENC_TIMESTAMP = 1
const USAGE_AS_REP = 3
const USAGE_TGS_REQ_CHECKSUM = 6
const USAGE_TGS_REQ_AUTHENTICATOR = 7
const USAGE_TGS_REP = 8
const KDC_ERR_PREAUTH_REQUIRED = 25
const MAX_REPLY_BYTES = 1 << 20
/** Preferred first: the KDC picks the first it supports for the session key. */
export const ENGINE_ENCTYPES = [ENCTYPE_AES256_CTS_HMAC_SHA1_96, ENCTYPE_AES128_CTS_HMAC_SHA1_96] as const
/** Tickets are requested for a day; the KDC's max_life caps it. */
const REQUESTED_LIFETIME_MS = 24 * 3600_000

/** A ticket and what is needed to use it. */
export interface Ticket {
  readonly ticket: Buffer
  readonly sessionKey: KerberosKey
  readonly endTime: Date
}

/** The client's long-term key: from a keytab (fixed) or derived from a password with the KDC's salt. */
export type ClientSecret =
  | { readonly kind: 'key'; readonly keys: readonly KerberosKey[] }
  | { readonly kind: 'password'; readonly password: string }

export interface KdcAddress {
  readonly host: string
  readonly port: number
}

/** Parses "host:port" (port 88 by default); IPv6 literals in brackets. */
export function parseKdcAddress(text: string): KdcAddress {
  const match = /^(?:\[([^\]]+)\]|([^:]+))(?::(\d{1,5}))?$/.exec(text.trim())
  const port = Number(match?.[3] ?? 88)
  if (!match || port < 1 || port > 65535) throw new KerberosError(`invalid KDC address "${text}" (expected host:port)`)
  return { host: match[1] ?? match[2]!, port }
}

/** One request and reply over TCP: each message is prefixed by its 4-byte big-endian length. */
export function exchangeWithKdc(kdc: KdcAddress, request: Buffer, timeoutMs: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host: kdc.host, port: kdc.port })
    const chunks: Buffer[] = []
    let received = 0
    const fail = (message: string, cause?: unknown): void => {
      socket.destroy()
      reject(new KerberosError(`KDC ${kdc.host}:${kdc.port}: ${message}`, undefined, cause === undefined ? undefined : { cause }))
    }
    socket.setTimeout(timeoutMs, () => fail(`no answer within ${timeoutMs} ms`))
    socket.on('error', error => fail(`unreachable (${error.message})`, error))
    socket.on('connect', () => {
      const length = Buffer.alloc(4)
      length.writeUInt32BE(request.length)
      socket.write(Buffer.concat([length, request]))
    })
    socket.on('data', chunk => {
      chunks.push(chunk)
      received += chunk.length
      const all = Buffer.concat(chunks)
      if (all.length < 4) return
      const size = all.readUInt32BE(0)
      if (size > MAX_REPLY_BYTES) return fail(`reply of ${size} bytes is too large`)
      if (received >= 4 + size) {
        socket.destroy()
        resolve(all.subarray(4, 4 + size))
      }
    })
    socket.on('end', () => fail('closed the connection before replying'))
  })
}

export interface KdcClientOptions {
  readonly kdc: KdcAddress
  readonly realm: string
  readonly client: PrincipalName
  readonly timeoutMs: number
}

/** The AS and TGS exchanges for one client principal. */
export class KdcClient {
  readonly #options: KdcClientOptions

  constructor(options: KdcClientOptions) {
    this.#options = options
  }

  /** AS exchange: asks once without pre-authentication to learn the salt, then proves the key with PA-ENC-TIMESTAMP. */
  async requestTgt(secret: ClientSecret): Promise<Ticket> {
    const { realm } = this.#options
    const sname: PrincipalName = { type: NT_SRV_INST, components: ['krbtgt', realm] }
    const etypes = secret.kind === 'key' ? secret.keys.map(key => key.enctype) : [...ENGINE_ENCTYPES]
    let nonce = randomInt(1, 0x7fffffff)
    const bodyFor = (n: number): Buffer => encodeKdcReqBody({
      cname: this.#options.client, realm, sname, till: new Date(Date.now() + REQUESTED_LIFETIME_MS), nonce: n, etypes,
    })
    let reply = decodeKdcReply(await this.#send(encodeKdcReq(MSG_AS_REQ, [], bodyFor(nonce))), 'AS-REP')
    let clientKey: KerberosKey | undefined
    if (isKrbError(reply)) {
      if (reply.code !== KDC_ERR_PREAUTH_REQUIRED) throw KerberosError.fromKrbError('AS exchange (initial ticket)', reply.code, reply.text)
      clientKey = this.#clientKey(secret, reply.data)
      const stamp = encrypt(clientKey, USAGE_PA_ENC_TIMESTAMP, encodeTimestamp(new Date()))
      const padata = encodePaData(PA_ENC_TIMESTAMP, encodeEncryptedData({ etype: clientKey.enctype, cipher: stamp }))
      nonce = randomInt(1, 0x7fffffff)
      reply = decodeKdcReply(await this.#send(encodeKdcReq(MSG_AS_REQ, [padata], bodyFor(nonce))), 'AS-REP')
      if (isKrbError(reply)) throw KerberosError.fromKrbError('AS exchange (initial ticket)', reply.code, reply.text)
    }
    clientKey ??= this.#clientKey(secret, undefined, reply.encPart.etype)
    return this.#openReply(reply, clientKey, USAGE_AS_REP, nonce, 'AS-REP')
  }

  /** TGS exchange: a ticket for `service` (e.g. kafka/broker.host), authenticated with the TGT. */
  async requestServiceTicket(tgt: Ticket, service: PrincipalName): Promise<Ticket> {
    const { realm, client } = this.#options
    const nonce = randomInt(1, 0x7fffffff)
    const body = encodeKdcReqBody({
      realm, sname: service, till: new Date(Date.now() + REQUESTED_LIFETIME_MS), nonce, etypes: [...ENGINE_ENCTYPES],
    })
    const key = tgt.sessionKey
    const authenticator = encodeAuthenticator({
      crealm: realm, cname: client, now: new Date(),
      checksum: { type: checksumTypeOf(key.enctype), value: checksum(key, USAGE_TGS_REQ_CHECKSUM, body) },
    })
    const apReq = encodeApReq(tgt.ticket, 0, { etype: key.enctype, cipher: encrypt(key, USAGE_TGS_REQ_AUTHENTICATOR, authenticator) })
    const reply = decodeKdcReply(await this.#send(encodeKdcReq(MSG_TGS_REQ, [encodePaData(PA_TGS_REQ, apReq)], body)), 'TGS-REP')
    if (isKrbError(reply)) {
      throw KerberosError.fromKrbError(`TGS exchange (ticket for ${service.components.join('/')})`, reply.code, reply.text)
    }
    return this.#openReply(reply, key, USAGE_TGS_REP, nonce, 'TGS-REP')
  }

  #send(request: Buffer): Promise<Buffer> {
    return exchangeWithKdc(this.#options.kdc, request, this.#options.timeoutMs)
  }

  #openReply(reply: KdcReply, key: KerberosKey, usage: number, nonce: number, what: string): Ticket {
    if (reply.encPart.etype !== key.enctype) {
      throw new KerberosError(`the ${what} is encrypted with enctype ${reply.encPart.etype}, not the requested ${key.enctype}`)
    }
    let part
    try {
      part = decodeEncKdcRepPart(decrypt(key, usage, reply.encPart.cipher))
    } catch (error) {
      throw new KerberosError(`cannot decrypt the ${what}: wrong password or key`, 24, { cause: error })
    }
    if (part.nonce !== nonce) throw new KerberosError(`the ${what} answers another request (nonce mismatch)`)
    if (!isSupportedEnctype(part.sessionKey.enctype)) {
      throw new KerberosError(`the KDC chose session key enctype ${part.sessionKey.enctype}, which the engine does not speak`)
    }
    return { ticket: reply.ticket, sessionKey: part.sessionKey, endTime: part.endTime }
  }

  /** The client key for the enctype the KDC offered (ETYPE-INFO2) or used. */
  #clientKey(secret: ClientSecret, methodData: Buffer | undefined, usedEtype?: number): KerberosKey {
    const offers = methodData ? decodeEtypeInfo2(methodData) : []
    const offer = offers.find(entry => isSupportedEnctype(entry.etype))
    const enctype = usedEtype ?? offer?.etype ?? ENGINE_ENCTYPES[0]
    if (secret.kind === 'key') {
      const key = secret.keys.find(candidate => candidate.enctype === enctype)
      if (!key) throw new KerberosError(`the keytab has no key of the enctype ${enctype} the KDC asked for`)
      return key
    }
    const { realm, client } = this.#options
    const salt = (offer && offer.etype === enctype ? offer.salt : undefined) ?? `${realm}${client.components.join('')}`
    return stringToKey(enctype, secret.password, salt, offer?.etype === enctype ? offer.s2kParams : undefined)
  }
}
