// Encodes the Kerberos requests the engine sends (AS-REQ, TGS-REQ, AP-REQ) and decodes the replies (KDC-REP, KRB-ERROR,
// AP-REP), following the ASN.1 of RFC 4120 section 5; decryption keys are the caller's.
import { randomInt } from 'node:crypto'
import {
  TaggedFields, application, children, decode, decodeAt, explicit, flags32, generalString, integer, kerberosTime,
  octetString, readInteger, readString, sequence, unwrapApplication, TAG_SEQUENCE, type DerNode,
} from './der.ts'
import { KerberosError } from './kerberos-error.ts'
import type { KerberosKey } from './kerberos-crypto.ts'

export const PVNO = 5
export const MSG_AS_REQ = 10
export const MSG_TGS_REQ = 12
export const MSG_AP_REQ = 14
export const PA_TGS_REQ = 1
export const PA_ENC_TIMESTAMP = 2
export const PA_ETYPE_INFO2 = 19
export const NT_PRINCIPAL = 1
export const NT_SRV_INST = 2
/** KDCOptions: renewable-ok (bit 27), canonicalize off. APOptions: mutual-required (bit 2). */
export const KDC_OPTIONS = 0x00000010
export const AP_OPTIONS_MUTUAL_REQUIRED = 0x20000000

/** A principal: name type and components, e.g. kafka/localhost is [kafka, localhost]. */
export interface PrincipalName {
  readonly type: number
  readonly components: readonly string[]
}

/** EncryptedData ::= SEQUENCE { etype [0] Int32, kvno [1] UInt32 OPTIONAL, cipher [2] OCTET STRING } */
export interface EncryptedData {
  readonly etype: number
  readonly cipher: Buffer
}

/** Parses "name/instance@REALM" into components and realm; the realm defaults to `defaultRealm`. */
export function parsePrincipal(text: string, defaultRealm: string): { name: PrincipalName; realm: string } {
  const at = text.lastIndexOf('@')
  const realm = at >= 0 ? text.slice(at + 1) : defaultRealm
  const components = (at >= 0 ? text.slice(0, at) : text).split('/')
  if (!realm || components.some(part => part.length === 0)) throw new KerberosError(`invalid principal name "${text}"`)
  return { name: { type: NT_PRINCIPAL, components }, realm }
}

/** PrincipalName ::= SEQUENCE { name-type [0] Int32, name-string [1] SEQUENCE OF KerberosString } */
export function encodePrincipal(name: PrincipalName): Buffer {
  return sequence(explicit(0, integer(name.type)), explicit(1, sequence(...name.components.map(generalString))))
}

export function encodeEncryptedData(data: EncryptedData): Buffer {
  return sequence(explicit(0, integer(data.etype)), explicit(2, octetString(data.cipher)))
}

export function decodeEncryptedData(node: DerNode): EncryptedData {
  const fields = new TaggedFields(node, 'EncryptedData')
  return { etype: fields.integer(0), cipher: fields.octets(2) }
}

/** PA-DATA ::= SEQUENCE { padata-type [1] Int32, padata-value [2] OCTET STRING } */
export function encodePaData(type: number, value: Buffer): Buffer {
  return sequence(explicit(1, integer(type)), explicit(2, octetString(value)))
}

function decodePaData(node: DerNode): { type: number; value: Buffer }[] {
  return children(node).map(child => {
    const fields = new TaggedFields(child, 'PA-DATA')
    return { type: fields.integer(1), value: fields.octets(2) }
  })
}

/** PA-ENC-TS-ENC ::= SEQUENCE { patimestamp [0] KerberosTime, pausec [1] Microseconds OPTIONAL } */
export function encodeTimestamp(now: Date): Buffer {
  return sequence(explicit(0, kerberosTime(now)), explicit(1, integer((now.getTime() % 1000) * 1000)))
}

/**
 * KDC-REQ-BODY ::= SEQUENCE { kdc-options [0] KDCOptions, cname [1] PrincipalName OPTIONAL, realm [2] Realm,
 *   sname [3] PrincipalName OPTIONAL, from [4] OPTIONAL, till [5] KerberosTime, rtime [6] OPTIONAL, nonce [7] UInt32,
 *   etype [8] SEQUENCE OF Int32, ... }
 */
export function encodeKdcReqBody(input: {
  cname?: PrincipalName; realm: string; sname: PrincipalName; till: Date; nonce: number; etypes: readonly number[]
}): Buffer {
  return sequence(
    explicit(0, flags32(KDC_OPTIONS)),
    input.cname ? explicit(1, encodePrincipal(input.cname)) : undefined,
    explicit(2, generalString(input.realm)),
    explicit(3, encodePrincipal(input.sname)),
    explicit(5, kerberosTime(input.till)),
    explicit(7, integer(input.nonce)),
    explicit(8, sequence(...input.etypes.map(integer))),
  )
}

/** AS-REQ ::= [APPLICATION 10] / TGS-REQ ::= [APPLICATION 12] KDC-REQ { pvno [1], msg-type [2], padata [3], req-body [4] } */
export function encodeKdcReq(msgType: number, padata: readonly Buffer[], body: Buffer): Buffer {
  return application(msgType, sequence(
    explicit(1, integer(PVNO)),
    explicit(2, integer(msgType)),
    padata.length > 0 ? explicit(3, sequence(...padata)) : undefined,
    explicit(4, body),
  ))
}

/**
 * Authenticator ::= [APPLICATION 2] SEQUENCE { authenticator-vno [0], crealm [1], cname [2], cksum [3] Checksum OPTIONAL,
 *   cusec [4], ctime [5], subkey [6] OPTIONAL, seq-number [7] OPTIONAL }   Checksum ::= { cksumtype [0], checksum [1] }
 */
export function encodeAuthenticator(input: {
  crealm: string; cname: PrincipalName; checksum?: { type: number; value: Buffer }; now: Date; seqNumber?: number
}): Buffer {
  const { checksum } = input
  return application(2, sequence(
    explicit(0, integer(PVNO)),
    explicit(1, generalString(input.crealm)),
    explicit(2, encodePrincipal(input.cname)),
    checksum ? explicit(3, sequence(explicit(0, integer(checksum.type)), explicit(1, octetString(checksum.value)))) : undefined,
    // Sub-millisecond digits are random so two authenticators of one millisecond differ (acceptor replay caches).
    explicit(4, integer((input.now.getTime() % 1000) * 1000 + randomInt(0, 1000))),
    explicit(5, kerberosTime(input.now)),
    input.seqNumber === undefined ? undefined : explicit(7, integer(input.seqNumber)),
  ))
}

/** AP-REQ ::= [APPLICATION 14] SEQUENCE { pvno [0], msg-type [1], ap-options [2], ticket [3] Ticket, authenticator [4] } */
export function encodeApReq(ticket: Buffer, apOptions: number, authenticator: EncryptedData): Buffer {
  return application(MSG_AP_REQ, sequence(
    explicit(0, integer(PVNO)),
    explicit(1, integer(MSG_AP_REQ)),
    explicit(2, flags32(apOptions)),
    explicit(3, ticket),
    explicit(4, encodeEncryptedData(authenticator)),
  ))
}

/** KRB-ERROR ::= [APPLICATION 30] SEQUENCE { ..., error-code [6], ..., e-text [11] OPTIONAL, e-data [12] OPTIONAL } */
export interface KrbErrorMessage {
  readonly code: number
  readonly text: string | undefined
  readonly data: Buffer | undefined
}

/** A KDC reply before decryption: the ticket as sent (to put in AP-REQs) and the encrypted part. */
export interface KdcReply {
  readonly ticket: Buffer
  readonly encPart: EncryptedData
}

/** KDC-REP ::= SEQUENCE { pvno [0], msg-type [1], padata [2], crealm [3], cname [4], ticket [5] Ticket, enc-part [6] } */
export function decodeKdcReply(bytes: Buffer, expected: 'AS-REP' | 'TGS-REP'): KdcReply | KrbErrorMessage {
  const tag = bytes[0]
  if (tag === (0x60 | 30)) return decodeKrbError(bytes)
  const application = expected === 'AS-REP' ? 11 : 13
  const fields = new TaggedFields(unwrapApplication(bytes, application, expected), expected)
  return { ticket: Buffer.from(fields.required(5).raw), encPart: decodeEncryptedData(fields.required(6)) }
}

export function decodeKrbError(bytes: Buffer): KrbErrorMessage {
  const fields = new TaggedFields(unwrapApplication(bytes, 30, 'KRB-ERROR'), 'KRB-ERROR')
  const text = fields.optional(11)
  const data = fields.optional(12)
  return { code: fields.integer(6), text: text ? readString(text) : undefined, data: data ? data.content : undefined }
}

export function isKrbError(reply: KdcReply | KrbErrorMessage): reply is KrbErrorMessage {
  return 'code' in reply
}

/** ETYPE-INFO2-ENTRY ::= SEQUENCE { etype [0] Int32, salt [1] KerberosString OPTIONAL, s2kparams [2] OCTET STRING OPTIONAL } */
export interface EtypeInfo {
  readonly etype: number
  readonly salt: string | undefined
  readonly s2kParams: Buffer | undefined
}

/** The ETYPE-INFO2 entries inside the METHOD-DATA of a KDC_ERR_PREAUTH_REQUIRED error. */
export function decodeEtypeInfo2(methodData: Buffer): EtypeInfo[] {
  const entry = decodePaData(decode(methodData, TAG_SEQUENCE)).find(pa => pa.type === PA_ETYPE_INFO2)
  if (!entry) return []
  return children(decode(entry.value, TAG_SEQUENCE)).map(node => {
    const fields = new TaggedFields(node, 'ETYPE-INFO2-ENTRY')
    const salt = fields.optional(1)
    const params = fields.optional(2)
    return { etype: fields.integer(0), salt: salt ? readString(salt) : undefined, s2kParams: params?.content }
  })
}

/** The decrypted EncKDCRepPart: the session key and the ticket's life. */
export interface KdcReplyPart {
  readonly sessionKey: KerberosKey
  readonly nonce: number
  readonly endTime: Date
}

/**
 * EncASRepPart ::= [APPLICATION 25], EncTGSRepPart ::= [APPLICATION 26] EncKDCRepPart ::= SEQUENCE { key [0] EncryptionKey,
 *   last-req [1], nonce [2], key-expiration [3] OPTIONAL, flags [4], authtime [5], starttime [6] OPTIONAL, endtime [7], ... }
 * (MIT KDCs answer an AS-REQ with tag 26 too, so either is accepted.)
 */
export function decodeEncKdcRepPart(plain: Buffer): KdcReplyPart {
  const { node: outer } = decodeAt(plain, 0)
  if (outer.tag !== (0x60 | 25) && outer.tag !== (0x60 | 26)) throw new KerberosError('the KDC reply did not decrypt to EncKDCRepPart')
  const fields = new TaggedFields(decode(outer.content), 'EncKDCRepPart')
  return { sessionKey: decodeEncryptionKey(fields.required(0)), nonce: fields.integer(2) >>> 0, endTime: fields.time(7) }
}

/** EncryptionKey ::= SEQUENCE { keytype [0] Int32, keyvalue [1] OCTET STRING } */
function decodeEncryptionKey(node: DerNode): KerberosKey {
  const fields = new TaggedFields(node, 'EncryptionKey')
  return { enctype: fields.integer(0), key: Buffer.from(fields.octets(1)) }
}

/** AP-REP ::= [APPLICATION 15] SEQUENCE { pvno [0], msg-type [1], enc-part [2] EncryptedData } */
export function decodeApRep(bytes: Buffer): EncryptedData | KrbErrorMessage {
  if (bytes[0] === (0x60 | 30)) return decodeKrbError(bytes)
  return decodeEncryptedData(new TaggedFields(unwrapApplication(bytes, 15, 'AP-REP'), 'AP-REP').required(2))
}

/** EncAPRepPart ::= [APPLICATION 27] SEQUENCE { ctime [0], cusec [1], subkey [2] OPTIONAL, seq-number [3] OPTIONAL } */
export function decodeEncApRepPart(plain: Buffer): { subkey: KerberosKey | undefined; seqNumber: number } {
  const fields = new TaggedFields(unwrapApplication(plain, 27, 'EncAPRepPart'), 'EncAPRepPart')
  const subkey = fields.optional(2)
  const seq = fields.optional(3)
  return { subkey: subkey ? decodeEncryptionKey(subkey) : undefined, seqNumber: seq ? readInteger(seq) >>> 0 : 0 }
}
