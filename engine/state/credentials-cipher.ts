// Encrypts and decrypts link credentials with AES-256-GCM under a key derived from the operator's credentialsKey.
import { createCipheriv, createDecipheriv, randomBytes, scryptSync } from 'node:crypto'
import { z } from 'zod'
import { EngineError } from '../errors.ts'

export const EncryptedBlobSchema = z.strictObject({
  alg: z.literal('aes-256-gcm'),
  iv: z.string(),
  tag: z.string(),
  data: z.string(),
})

export type EncryptedBlob = z.infer<typeof EncryptedBlobSchema>

// A fixed salt is fine here: the key is operator-chosen and high-entropy by contract; scrypt only stretches it.
const SALT = 'clusterlink/credentials/v1'

export class CredentialsCipher {
  readonly #key: Buffer

  constructor(credentialsKey: string) {
    this.#key = scryptSync(credentialsKey, SALT, 32)
  }

  encrypt(plain: Readonly<Record<string, string>>): EncryptedBlob {
    const iv = randomBytes(12)
    const cipher = createCipheriv('aes-256-gcm', this.#key, iv)
    const data = Buffer.concat([cipher.update(JSON.stringify(plain), 'utf8'), cipher.final()])
    return { alg: 'aes-256-gcm', iv: iv.toString('base64'), tag: cipher.getAuthTag().toString('base64'), data: data.toString('base64') }
  }

  decrypt(blob: EncryptedBlob): Record<string, string> {
    try {
      const decipher = createDecipheriv('aes-256-gcm', this.#key, Buffer.from(blob.iv, 'base64'))
      decipher.setAuthTag(Buffer.from(blob.tag, 'base64'))
      const text = Buffer.concat([decipher.update(Buffer.from(blob.data, 'base64')), decipher.final()]).toString('utf8')
      return z.record(z.string(), z.string()).parse(JSON.parse(text))
    } catch (error) {
      throw new EngineError('CONFIG_ERROR', 'cannot decrypt stored link credentials (wrong credentialsKey?)', { cause: error })
    }
  }
}
