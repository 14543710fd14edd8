// A local OAuth token endpoint for tests: the client credentials grant, answering unsigned JWTs (alg none) that Kafka's
// unsecured validator (OAuthBearerUnsecuredValidatorCallbackHandler) accepts, with the client id as the sub claim.
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'

export interface TokenEndpoint {
  readonly url: string
  /** Tokens issued so far, by client id. */
  readonly issued: ReadonlyMap<string, number>
  /** Every token issued (to check that none leaks). */
  readonly tokens: readonly string[]
  close(): Promise<void>
}

const base64url = (value: unknown): string => Buffer.from(JSON.stringify(value)).toString('base64url')

/** Starts the endpoint on loopback; `clients` maps client id to secret; tokens live `lifetimeS` seconds. */
export async function startTokenEndpoint(clients: Readonly<Record<string, string>>, lifetimeS: number): Promise<TokenEndpoint> {
  const issued = new Map<string, number>()
  const tokens: string[] = []
  const server: Server = createServer((request, response) => {
    const chunks: Buffer[] = []
    request.on('data', (chunk: Buffer) => chunks.push(chunk))
    request.on('end', () => {
      const form = new URLSearchParams(Buffer.concat(chunks).toString('utf8'))
      const basic = /^Basic (.+)$/.exec(request.headers.authorization ?? '')?.[1]
      const [id, secret] = Buffer.from(basic ?? '', 'base64').toString('utf8').split(':').map((s) => decodeURIComponent(s))
      const send = (status: number, body: unknown) => {
        response.writeHead(status, { 'content-type': 'application/json' })
        response.end(JSON.stringify(body))
      }
      if (request.method !== 'POST' || form.get('grant_type') !== 'client_credentials') {
        return send(400, { error: 'unsupported_grant_type' })
      }
      if (!id || clients[id] === undefined || clients[id] !== secret) return send(401, { error: 'invalid_client' })
      const nowS = Math.floor(Date.now() / 1000)
      const token = `${base64url({ alg: 'none' })}.${base64url({ sub: id, iat: nowS, exp: nowS + lifetimeS })}.`
      issued.set(id, (issued.get(id) ?? 0) + 1)
      tokens.push(token)
      send(200, { access_token: token, token_type: 'Bearer', expires_in: lifetimeS })
    })
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as AddressInfo
  return {
    url: `http://127.0.0.1:${port}/oauth2/token`, issued, tokens,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  }
}
