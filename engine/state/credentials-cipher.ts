// Encrypts and decrypts link credentials with AES-256-GCM under a key derived from the operator's credentialsKey.
import { createCipheriv, createDecipheriv, randomBytes, scryptSync } from 'node:crypto'
import { z } from 'zod'
import { EngineError } from '../errors.ts'

/** Marks a blob whose GCM tag also covers associated data (the record it belongs to); blobs without it predate binding. */
export const BOUND_BLOB = 'record-v2'

export const EncryptedBlobSchema = z.strictObject({
  alg: z.literal('aes-256-gcm'),
  iv: z.string(),
  tag: z.string(),
  data: z.string(),
  binding: z.literal(BOUND_BLOB).optional(),
})

export type EncryptedBlob = z.infer<typeof EncryptedBlobSchema>

// A fixed salt is fine here: the key is operator-chosen and high-entropy by contract; scrypt only stretches it.
const SALT = 'clusterlink/credentials/v1'

export class CredentialsCipher {
  readonly #key: Buffer

  constructor(credentialsKey: string) {
    this.#key = scryptSync(credentialsKey, SALT, 32)
  }

  /**
   * Encrypts credentials bound to `associatedData` (a description of the record that holds them): the blob then
   * decrypts only next to that same record, so it cannot be copied to another link or kept under a changed address.
   */
  encrypt(plain: Readonly<Record<string, string>>, associatedData: string): EncryptedBlob {
    const iv = randomBytes(12)
    const cipher = createCipheriv('aes-256-gcm', this.#key, iv)
    cipher.setAAD(Buffer.from(associatedData, 'utf8'))
    const data = Buffer.concat([cipher.update(JSON.stringify(plain), 'utf8'), cipher.final()])
    const tag = cipher.getAuthTag().toString('base64')
    return { alg: 'aes-256-gcm', iv: iv.toString('base64'), tag, data: data.toString('base64'), binding: BOUND_BLOB }
  }

  /** Decrypts a blob; `associatedData` must be what it was encrypted with (blobs written before binding ignore it). */
  decrypt(blob: EncryptedBlob, associatedData: string): Record<string, string> {
    try {
      const decipher = createDecipheriv('aes-256-gcm', this.#key, Buffer.from(blob.iv, 'base64'))
      if (blob.binding === BOUND_BLOB) decipher.setAAD(Buffer.from(associatedData, 'utf8'))
      decipher.setAuthTag(Buffer.from(blob.tag, 'base64'))
      const text = Buffer.concat([decipher.update(Buffer.from(blob.data, 'base64')), decipher.final()]).toString('utf8')
      return z.record(z.string(), z.string()).parse(JSON.parse(text))
    } catch (error) {
      const message = 'cannot decrypt stored link credentials (wrong credentialsKey, or the credentials were moved to another link record)'
      throw new EngineError('CONFIG_ERROR', message, { cause: error })
    }
  }
}
