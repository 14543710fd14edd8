// The initiator side of the GSS-API Kerberos 5 mechanism (RFC 4121, token framing of RFC 2743 section 3.1) and the SASL
// GSSAPI security-layer negotiation of RFC 4752 section 3.1, as Kafka's SaslServer runs them.
import { randomInt } from 'node:crypto'
import { decodeAt, element, TAG_OID } from './der.ts'
import { checksum, decrypt, encrypt, verifyChecksum, type KerberosKey } from './kerberos-crypto.ts'
import { KerberosError } from './kerberos-error.ts'
import {
  AP_OPTIONS_MUTUAL_REQUIRED, decodeApRep, decodeEncApRepPart, encodeApReq, encodeAuthenticator, type PrincipalName,
} from './kerberos-messages.ts'
import type { Ticket } from './kdc-client.ts'

/** 1.2.840.113554.1.2.2, the Kerberos 5 GSS-API mechanism. */
const KRB5_MECH_OID = element(TAG_OID, Buffer.from('2a864886f712010202', 'hex'))
const TOK_AP_REQ = 0x0100
const TOK_AP_REP = 0x0200
const TOK_KRB_ERROR = 0x0300
/** The authenticator checksum type that carries GSS flags (RFC 4121 section 4.1.1). */
const CKSUMTYPE_GSS = 0x8003
const GSS_C_MUTUAL_FLAG = 2
const GSS_C_CONF_FLAG = 16
const GSS_C_INTEG_FLAG = 32
/** Key usages (RFC 4121 section 2; RFC 4120 section 7.5.1). */
const USAGE_AP_REQ_AUTHENTICATOR = 11
const USAGE_AP_REP = 12
const USAGE_ACCEPTOR_SEAL = 22
const USAGE_INITIATOR_SEAL = 24
/** Wrap token flags (RFC 4121 section 4.2.2). */
const FLAG_SENT_BY_ACCEPTOR = 0x01
const FLAG_SEALED = 0x02
const FLAG_ACCEPTOR_SUBKEY = 0x04
const WRAP_HEADER_BYTES = 16
const MIC_BYTES = 12
/** RFC 4752: bit 1 of the first octet offers or chooses "no security layer". */
const SASL_LAYER_NONE = 0x01

/** InitialContextToken ::= [APPLICATION 0] IMPLICIT SEQUENCE { thisMech MechType, innerToken ANY } (RFC 2743 3.1) */
function frameToken(tokenId: number, body: Buffer): Buffer {
  const id = Buffer.alloc(2)
  id.writeUInt16BE(tokenId)
  return element(0x60, Buffer.concat([KRB5_MECH_OID, id, body]))
}

function unframeToken(token: Buffer): { tokenId: number; body: Buffer } {
  const { node } = decodeAt(token, 0)
  if (node.tag !== 0x60 || !node.content.subarray(0, KRB5_MECH_OID.length).equals(KRB5_MECH_OID)) {
    throw new KerberosError('the broker answered with a token that is not a Kerberos 5 GSS-API token')
  }
  const rest = node.content.subarray(KRB5_MECH_OID.length)
  if (rest.length < 2) throw new KerberosError('the broker sent a truncated GSS-API token')
  return { tokenId: rest.readUInt16BE(0), body: rest.subarray(2) }
}

/** One security context between the engine (initiator) and one broker (acceptor). */
export class GssInitiatorContext {
  readonly #ticket: Ticket
  readonly #sendSeq: number
  #nextSendSeq: number
  #acceptorSubkey: KerberosKey | undefined

  constructor(ticket: Ticket) {
    this.#ticket = ticket
    this.#sendSeq = randomInt(0, 0x3fffffff)
    this.#nextSendSeq = this.#sendSeq
  }

  /** The first token: an AP-REQ whose authenticator carries the GSS checksum (no channel bindings) and flags. */
  initialToken(client: PrincipalName, realm: string): Buffer {
    const gssChecksum = Buffer.alloc(24)
    gssChecksum.writeUInt32LE(16, 0) // length of the channel bindings hash, all zero: no bindings
    gssChecksum.writeUInt32LE(GSS_C_MUTUAL_FLAG | GSS_C_CONF_FLAG | GSS_C_INTEG_FLAG, 20)
    const authenticator = encodeAuthenticator({
      crealm: realm, cname: client, now: new Date(), seqNumber: this.#sendSeq,
      checksum: { type: CKSUMTYPE_GSS, value: gssChecksum },
    })
    const key = this.#ticket.sessionKey
    const apReq = encodeApReq(this.#ticket.ticket, AP_OPTIONS_MUTUAL_REQUIRED, {
      etype: key.enctype, cipher: encrypt(key, USAGE_AP_REQ_AUTHENTICATOR, authenticator),
    })
    return frameToken(TOK_AP_REQ, apReq)
  }

  /** The broker's reply: an AP-REP (mutual authentication, maybe an acceptor subkey) or a KRB-ERROR. */
  acceptReply(token: Buffer): void {
    const { tokenId, body } = unframeToken(token)
    if (tokenId !== TOK_AP_REP && tokenId !== TOK_KRB_ERROR) throw new KerberosError(`unexpected GSS-API token id ${tokenId}`)
    const reply = decodeApRep(body)
    if ('code' in reply) throw KerberosError.fromKrbError('broker authentication (AP exchange)', reply.code, reply.text)
    let part
    try {
      part = decodeEncApRepPart(decrypt(this.#ticket.sessionKey, USAGE_AP_REP, reply.cipher))
    } catch (error) {
      const message = 'the broker failed mutual authentication (AP-REP does not decrypt with the session key)'
      throw new KerberosError(message, 46, { cause: error })
    }
    this.#acceptorSubkey = part.subkey
  }

  #key(): KerberosKey {
    return this.#acceptorSubkey ?? this.#ticket.sessionKey
  }

  /** Wrap without confidentiality (RFC 4121 section 4.2.4): header | plaintext | checksum over plaintext | header. */
  wrap(plain: Buffer): Buffer {
    const header = Buffer.alloc(WRAP_HEADER_BYTES)
    header.writeUInt16BE(0x0504, 0)
    header[2] = this.#acceptorSubkey ? FLAG_ACCEPTOR_SUBKEY : 0
    header[3] = 0xff
    header.writeBigUInt64BE(BigInt(this.#nextSendSeq++), 8)
    // EC and RRC are zero while the checksum is computed; EC then says how long the checksum is.
    const mic = checksum(this.#key(), USAGE_INITIATOR_SEAL, Buffer.concat([plain, header]))
    header.writeUInt16BE(MIC_BYTES, 4)
    return Buffer.concat([header, plain, mic])
  }

  /** Unwraps an acceptor's Wrap token without confidentiality, undoing any rotation (RRC), and checks its checksum. */
  unwrap(token: Buffer): Buffer {
    if (token.length < WRAP_HEADER_BYTES || token.readUInt16BE(0) !== 0x0504 || token[3] !== 0xff) {
      throw new KerberosError('the broker sent a security-layer message that is not an RFC 4121 Wrap token')
    }
    const flags = token[2]!
    if (!(flags & FLAG_SENT_BY_ACCEPTOR)) throw new KerberosError('the Wrap token was not sent by the broker (reflection?)')
    if (flags & FLAG_SEALED) {
      throw new KerberosError('the broker sealed the security-layer offer; only integrity-only Wrap tokens are supported')
    }
    const ec = token.readUInt16BE(4)
    const rrc = token.readUInt16BE(6)
    const rotated = token.subarray(WRAP_HEADER_BYTES)
    const shift = rotated.length === 0 ? 0 : rrc % rotated.length
    const data = Buffer.concat([rotated.subarray(shift), rotated.subarray(0, shift)])
    if (ec !== MIC_BYTES || data.length < MIC_BYTES) throw new KerberosError('the Wrap token has an unexpected checksum length')
    const plain = data.subarray(0, data.length - MIC_BYTES)
    const header = Buffer.from(token.subarray(0, WRAP_HEADER_BYTES))
    header.writeUInt32BE(0, 4)
    const key = flags & FLAG_ACCEPTOR_SUBKEY ? this.#acceptorSubkey : this.#ticket.sessionKey
    if (!key) throw new KerberosError('the broker used an acceptor subkey it never sent')
    if (!verifyChecksum(key, USAGE_ACCEPTOR_SEAL, Buffer.concat([plain, header]), data.subarray(data.length - MIC_BYTES))) {
      throw new KerberosError('the Wrap token checksum does not verify')
    }
    return Buffer.from(plain)
  }

  /** RFC 4752 section 3.1: reads the broker's offer and answers "no security layer", no authorization identity. */
  answerSecurityLayerOffer(wrappedOffer: Buffer): Buffer {
    const offer = this.unwrap(wrappedOffer)
    if (offer.length !== 4) throw new KerberosError('the broker security-layer offer is not 4 bytes')
    if (!(offer[0]! & SASL_LAYER_NONE)) throw new KerberosError('the broker requires a SASL security layer; the engine uses none (use TLS)')
    return this.wrap(Buffer.from([SASL_LAYER_NONE, 0, 0, 0]))
  }
}
