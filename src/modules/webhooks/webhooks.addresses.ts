import ipaddr from 'ipaddr.js'

// Which addresses a webhook may connect to: public unicast only. ipaddr.js names the range of an
// address (private, loopback, linkLocal, reserved — the documentation networks 192.0.2.0/24,
// 198.51.100.0/24, 203.0.113.0/24 and 2001:db8::/32 among them —, ...); anything but 'unicast' is
// refused, as ssrf-req-filter and request-filtering-agent do. Neither library looks inside IPv6
// addresses that carry an IPv4 address, and those reach the IPv4 address through a translator or
// relay: ::7f00:1 (IPv4-compatible) is 'unicast' to ipaddr.js but means 127.0.0.1. So the IPv4
// address inside is judged instead, wherever it is embedded.

type IPv4 = ipaddr.IPv4
type IPv6 = ipaddr.IPv6

const ipv4Of = (high: number, low: number): IPv4 => new ipaddr.IPv4([high >> 8, high & 0xff, low >> 8, low & 0xff])

/**
 * The IPv4 addresses an IPv6 address stands for, or 'opaque' when it embeds one we cannot locate;
 * undefined when it is plain IPv6.
 */
function embeddedIPv4(address: IPv6): { via: string; addresses: IPv4[] } | 'opaque' | undefined {
  const parts = address.parts as [number, number, number, number, number, number, number, number]
  const range = address.range()
  if (range === 'unspecified' || range === 'loopback') return undefined
  // ::a.b.c.d, the deprecated IPv4-compatible form.
  if (parts.slice(0, 6).every((part) => part === 0)) return { via: 'IPv4-compatible', addresses: [ipv4Of(parts[6], parts[7])] }
  switch (range) {
    case 'ipv4Mapped': // ::ffff:a.b.c.d
      return { via: 'IPv4-mapped', addresses: [ipv4Of(parts[6], parts[7])] }
    case 'rfc6145': // ::ffff:0:a.b.c.d, SIIT
      return { via: 'IPv4-translated', addresses: [ipv4Of(parts[6], parts[7])] }
    case 'rfc6052':
      // 64:ff9b::/96, the well-known NAT64 prefix, ends with the IPv4 address. 64:ff9b:1::/48 is for
      // local use (RFC 8215): where the address sits depends on the network's own prefix length.
      return parts[2] === 0 ? { via: 'NAT64', addresses: [ipv4Of(parts[6], parts[7])] } : 'opaque'
    case '6to4': // 2002:aabb:ccdd::/48
      return { via: '6to4', addresses: [ipv4Of(parts[1], parts[2])] }
    case 'teredo': // 2001:0:<server>:<flags>:<port>:<client, inverted>
      return { via: 'Teredo', addresses: [ipv4Of(parts[2], parts[3]), ipv4Of(parts[6] ^ 0xffff, parts[7] ^ 0xffff)] }
    default:
      return undefined
  }
}

/**
 * Why a webhook may not connect to `address` ("loopback", "NAT64 of 127.0.0.1, loopback", ...), or
 * null when it is a public unicast address. Anything that is not an IP address is refused.
 */
export function refusalOf(address: string): string | null {
  if (!ipaddr.isValid(address)) return 'not an IP address'
  const parsed = ipaddr.parse(address)
  if (parsed.kind() === 'ipv4') {
    const range = (parsed as IPv4).range()
    return range === 'unicast' ? null : range
  }
  const embedded = embeddedIPv4(parsed as IPv6)
  if (embedded === 'opaque') return 'local-use NAT64'
  if (embedded === undefined) {
    const range = (parsed as IPv6).range()
    return range === 'unicast' ? null : range
  }
  for (const inner of embedded.addresses) {
    const range = inner.range()
    if (range !== 'unicast') return `${embedded.via} of ${inner.toString()}, ${range}`
  }
  return null
}

export const isPublicAddress = (address: string): boolean => refusalOf(address) === null
