// Network ranges in configuration ("10.0.0.0/8", "fd00::/8", or one address): parsed once, shared by the schema
// (which rejects a malformed one at start) and the code that uses the ranges.
import { isIP } from 'node:net';

export interface Cidr {
  net: string;
  prefix: number;
  family: 'ipv4' | 'ipv6';
}

export function parseCidr(cidr: string): Cidr {
  const [net = '', bits] = cidr.split('/');
  const v = isIP(net);
  const prefix = bits === undefined ? (v === 6 ? 128 : 32) : Number(bits);
  if (!v || !Number.isInteger(prefix) || prefix < 0 || prefix > (v === 6 ? 128 : 32)) throw new Error(`not a network: ${cidr} (expected e.g. 10.0.0.0/8 or fd00::/8)`);
  return { net, prefix, family: v === 6 ? 'ipv6' : 'ipv4' };
}

export function isCidr(s: string): boolean {
  try {
    parseCidr(s);
    return true;
  } catch {
    return false;
  }
}
