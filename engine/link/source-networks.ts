// The optional allow-list of networks a link may reach: every address that bootstrap.servers resolves to must be inside it.
import { lookup } from 'node:dns/promises'
import { BlockList, isIP } from 'node:net'

export type ResolveHost = (host: string) => Promise<readonly string[]>

const resolveAll: ResolveHost = async (host) => (await lookup(host, { all: true })).map((entry) => entry.address)

/** Builds a matcher from CIDR strings (validated by the engine config); an empty list allows every address. */
export function sourceNetworkList(networks: readonly string[]): BlockList | undefined {
  if (networks.length === 0) return undefined
  const list = new BlockList()
  for (const network of networks) {
    const [address = '', bits] = network.trim().split('/')
    const family = isIP(address) === 6 ? 'ipv6' : 'ipv4'
    list.addSubnet(address, bits === undefined ? (family === 'ipv6' ? 128 : 32) : Number(bits), family)
  }
  return list
}

/**
 * Returns a message when a bootstrap host is outside the allowed networks, or cannot be resolved. The message names
 * the host the caller gave, never what it resolved to, so that the check does not map internal DNS for a caller.
 */
export async function sourceNetworkProblem(
  bootstrapServers: string, allowed: BlockList | undefined, resolve: ResolveHost = resolveAll,
): Promise<string | undefined> {
  if (!allowed) return undefined
  for (const server of bootstrapServers.split(',').map((s) => s.trim().replace(/^[A-Z_]+:\/\//, '')).filter((s) => s !== '')) {
    const host = server.replace(/:\d+$/, '').replace(/^\[(.*)\]$/, '$1')
    const addresses = isIP(host) ? [host] : await resolve(host).catch(() => [] as string[])
    const inside = addresses.length > 0 && addresses.every((address) => allowed.check(address, isIP(address) === 6 ? 'ipv6' : 'ipv4'))
    if (!inside) {
      return `bootstrap.servers host '${host}' is not in this engine's allowed source networks (api.sourceNetworks); ` +
        'ask the operator to allow it'
    }
  }
  return undefined
}
