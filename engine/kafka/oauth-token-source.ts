// Fetches SASL/OAUTHBEARER tokens with the OIDC client-credentials grant and keeps each one until shortly before it expires.
import { createHash } from 'node:crypto'
import { EngineError } from '../errors.ts'
import type { OAuthBearerConfig } from './connection-config.ts'

/**
 * Like Kafka's login refresh (sasl.login.refresh.window.factor 0.8, SaslClientAuthenticator/ExpiringCredentialRefreshingLogin):
 * a token is reused until 80% of its lifetime, then a new one is fetched; a failed fetch is never cached.
 */
const REFRESH_WINDOW_FACTOR = 0.8
const DEFAULT_LIFETIME_S = 300
const REQUEST_TIMEOUT_MS = 10_000

export interface OAuthToken {
  readonly accessToken: string
  /** When the engine asks for a new one (ms since the epoch). */
  readonly refreshAtMs: number
}

/** The engine-wide cache: every connection of one client id to one endpoint shares a token. */
export class OAuthTokenSource {
  readonly #config: OAuthBearerConfig
  readonly #fetch: typeof fetch
  #token: OAuthToken | undefined
  #pending: Promise<string> | undefined

  constructor(config: OAuthBearerConfig, fetchImpl: typeof fetch = fetch) {
    this.#config = config
    this.#fetch = fetchImpl
  }

  /** A valid access token: the cached one, or a new one from the token endpoint. Rejects with UNAUTHORIZED or TIMEOUT. */
  token(): Promise<string> {
    if (this.#token && Date.now() < this.#token.refreshAtMs) return Promise.resolve(this.#token.accessToken)
    this.#pending ??= this.#request().finally(() => { this.#pending = undefined })
    return this.#pending
  }

  async #request(): Promise<string> {
    const { tokenEndpointUrl: url, clientId, clientSecret, scope } = this.#config
    const body = new URLSearchParams({ grant_type: 'client_credentials', ...(scope ? { scope } : {}) })
    // client_secret_basic (RFC 6749 section 2.3.1): id and secret form-urlencoded, then base64, as Kafka's
    // HttpAccessTokenRetriever sends them.
    const basic = Buffer.from(`${encodeURIComponent(clientId)}:${encodeURIComponent(clientSecret)}`).toString('base64')
    const context = { tokenEndpointUrl: url, clientId }
    let response: Response
    try {
      response = await this.#fetch(url, {
        method: 'POST', body, signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
        headers: { authorization: `Basic ${basic}`, 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' },
      })
    } catch (error) {
      throw new EngineError('TIMEOUT', `OAUTHBEARER: the token endpoint ${url} did not answer (${(error as Error).message})`, { retriable: true, cause: error, context })
    }
    const text = await response.text().catch(() => '')
    if (!response.ok) {
      const reason = oauthErrorOf(text)
      const refused = response.status === 400 || response.status === 401 || response.status === 403
      throw new EngineError(refused ? 'UNAUTHORIZED' : 'TIMEOUT',
        `OAUTHBEARER: the token endpoint ${url} ${refused ? 'refused the client credentials of' : 'failed for'} client '${clientId}' ` +
        `(HTTP ${response.status}${reason ? ` ${reason}` : ''})${refused ? '; check the client id and secret' : ''}`,
        { retriable: !refused, context })
    }
    const parsed = parseTokenResponse(text)
    if (!parsed) throw new EngineError('UNAUTHORIZED', `OAUTHBEARER: the token endpoint ${url} answered without an access_token`, { context })
    const lifetimeS = parsed.expiresInS ?? DEFAULT_LIFETIME_S
    this.#token = { accessToken: parsed.accessToken, refreshAtMs: Date.now() + lifetimeS * 1000 * REFRESH_WINDOW_FACTOR }
    return parsed.accessToken
  }
}

/** The `error` field of an OAuth error answer (RFC 6749 section 5.2), never the body itself (it could echo secrets). */
function oauthErrorOf(text: string): string | undefined {
  try {
    const error = (JSON.parse(text) as { error?: unknown }).error
    return typeof error === 'string' && /^[\w.-]{1,64}$/.test(error) ? error : undefined
  } catch {
    return undefined
  }
}

function parseTokenResponse(text: string): { accessToken: string; expiresInS: number | undefined } | undefined {
  try {
    const json = JSON.parse(text) as { access_token?: unknown; expires_in?: unknown }
    if (typeof json.access_token !== 'string' || json.access_token === '') return undefined
    const expires = Number(json.expires_in)
    return { accessToken: json.access_token, expiresInS: Number.isFinite(expires) && expires > 0 ? expires : undefined }
  } catch {
    return undefined
  }
}

/** Token sources by endpoint, client and secret digest, so that every client of one identity shares one token. */
export class OAuthTokenSources {
  readonly #sources = new Map<string, OAuthTokenSource>()

  for(config: OAuthBearerConfig): OAuthTokenSource {
    const secretDigest = createHash('sha256').update(config.clientSecret).digest('hex')
    const key = JSON.stringify([config.tokenEndpointUrl, config.clientId, secretDigest, config.scope ?? ''])
    let source = this.#sources.get(key)
    if (!source) {
      source = new OAuthTokenSource(config)
      this.#sources.set(key, source)
    }
    return source
  }
}
