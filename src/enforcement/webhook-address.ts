// Where webhooks may go. A webhook URL is set by an admin (an org's contact webhook) or by configuration, and
// Moat then sends requests to it from inside the provider's network: without limits that is a blind SSRF into
// that network (cloud metadata at 169.254.169.254, admin ports on loopback, private services). Only http and
// https are allowed, and every address the host resolves to must be public, checked when the request is made
// (DNS can change between saving the URL and delivering to it) on the very address then connected to.
// Operators open ranges they trust with `enforcement.webhookAllowNetworks`.
import { lookup as dnsLookup, type LookupAddress } from 'node:dns';
import { BlockList, isIP, type LookupFunction } from 'node:net';
import { parseCidr } from '../config/cidr.js';

/** Ranges no webhook may reach unless allowed: loopback, private, link-local (cloud metadata), shared, reserved. */
const FORBIDDEN: ReadonlyArray<[string, number, 'ipv4' | 'ipv6']> = [
  ['0.0.0.0', 8, 'ipv4'], // "this network"
  ['10.0.0.0', 8, 'ipv4'],
  ['100.64.0.0', 10, 'ipv4'], // carrier-grade NAT (Alibaba Cloud metadata 100.100.100.200)
  ['127.0.0.0', 8, 'ipv4'],
  ['169.254.0.0', 16, 'ipv4'], // link-local: AWS, GCP, Azure, OpenStack metadata 169.254.169.254
  ['172.16.0.0', 12, 'ipv4'],
  ['192.0.0.0', 24, 'ipv4'], // IETF protocol assignments (Oracle Cloud metadata 192.0.0.192)
  ['192.0.2.0', 24, 'ipv4'],
  ['192.168.0.0', 16, 'ipv4'],
  ['198.18.0.0', 15, 'ipv4'],
  ['198.51.100.0', 24, 'ipv4'],
  ['203.0.113.0', 24, 'ipv4'],
  ['224.0.0.0', 4, 'ipv4'], // multicast
  ['240.0.0.0', 4, 'ipv4'], // reserved, broadcast
  ['::', 128, 'ipv6'],
  ['::1', 128, 'ipv6'],
  ['100::', 64, 'ipv6'], // discard-only
  ['2001:db8::', 32, 'ipv6'],
  ['2002::', 16, 'ipv6'], // 6to4: embeds an IPv4 address
  ['fc00::', 7, 'ipv6'], // unique local (AWS metadata fd00:ec2::254)
  ['fe80::', 10, 'ipv6'],
  ['fec0::', 10, 'ipv6'],
  ['ff00::', 8, 'ipv6'],
];

const forbidden = new BlockList();
for (const [net, prefix, family] of FORBIDDEN) forbidden.addSubnet(net, prefix, family);

/** IPv4 addresses carried inside IPv6 ones (mapped ::ffff:a.b.c.d, NAT64 64:ff9b::a.b.c.d), checked as IPv4. */
function embeddedIpv4(ip: string): string | undefined {
  const m = /^(?:::ffff:|64:ff9b::)(?:0:)?((?:\d{1,3}\.){3}\d{1,3})$/i.exec(ip);
  if (m) return m[1];
  const hex = /^(?:::ffff:|64:ff9b::)([0-9a-f]{1,4}):([0-9a-f]{1,4})$/i.exec(ip);
  if (!hex) return undefined;
  const hi = parseInt(hex[1] as string, 16);
  const lo = parseInt(hex[2] as string, 16);
  return `${hi >> 8}.${hi & 255}.${lo >> 8}.${lo & 255}`;
}

export class WebhookAddressPolicy {
  private readonly allowed = new BlockList();

  /** allowNetworks: CIDRs webhooks may reach although forbidden (e.g. "10.20.0.0/16", "127.0.0.1/32"). */
  constructor(allowNetworks: readonly string[] = []) {
    for (const cidr of allowNetworks) {
      const { net, prefix, family } = parseCidr(cidr);
      this.allowed.addSubnet(net, prefix, family);
    }
  }

  /** Why this IP address may not receive webhooks, or undefined when it may. */
  addressProblem(ip: string): string | undefined {
    const family: 'ipv4' | 'ipv6' = isIP(ip) === 6 ? 'ipv6' : 'ipv4';
    const v4 = family === 'ipv6' ? embeddedIpv4(ip) : undefined;
    const [addr, fam]: [string, 'ipv4' | 'ipv6'] = v4 ? [v4, 'ipv4'] : [ip, family];
    if (this.allowed.check(addr, fam) || this.allowed.check(ip, family)) return undefined;
    if (forbidden.check(addr, fam)) return `address ${ip} is in a private, loopback, link-local or reserved range`;
    return undefined;
  }

  /** Why this URL may not receive webhooks (scheme, an address written in it), or undefined. DNS is checked at delivery. */
  urlProblem(url: string): string | undefined {
    let u: URL;
    try {
      u = new URL(url);
    } catch {
      return 'not a URL';
    }
    if (u.protocol !== 'http:' && u.protocol !== 'https:') return `scheme ${u.protocol.slice(0, -1)} is not allowed (http or https only)`;
    // The URL parser has normalised numeric hosts (0x7f000001, 127.1, [::ffff:7f00:1]) to their canonical form.
    const host = u.hostname.startsWith('[') ? u.hostname.slice(1, -1) : u.hostname;
    if (isIP(host)) return this.addressProblem(host);
    if (host === 'localhost' || host.endsWith('.localhost')) return this.addressProblem('127.0.0.1');
    return undefined;
  }

  /**
   * A `lookup` for the HTTP client's connect: resolves like dns.lookup, then refuses when any resolved address is
   * forbidden, so the connection can only go to an address that was checked (no rebinding between check and use).
   */
  lookup(resolve: typeof dnsLookup = dnsLookup): LookupFunction {
    return (hostname, options, callback) => {
      resolve(hostname, { ...options, all: true }, (err, addresses) => {
        if (err) return callback(err, '', 0);
        const list = addresses as unknown as LookupAddress[];
        for (const a of list) {
          const problem = this.addressProblem(a.address);
          if (problem) {
            const refused = Object.assign(new Error(`webhook refused: ${hostname} resolves to ${problem}`), { code: 'EWEBHOOKADDRESS' });
            return callback(refused, '', 0);
          }
        }
        if (options.all) return (callback as unknown as (e: null, a: LookupAddress[]) => void)(null, list);
        const first = list[0];
        if (!first) return callback(Object.assign(new Error(`no address for ${hostname}`), { code: 'ENOTFOUND' }), '', 0);
        callback(null, first.address, first.family);
      });
    };
  }
}
