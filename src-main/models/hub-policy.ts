import { lookup as dnsLookup, type LookupAddress, type LookupOptions } from 'node:dns';
import { BlockList, isIP } from 'node:net';
import { ApiError } from '../../src-common/api/errors';

/**
 * Where model downloads may go. Every request is checked here before it is sent:
 * - the first request of anything goes to a configured hub: `HF_ENDPOINT` (or the hub setting, or huggingface.co)
 *   and the mirrors the user added (`mirrors` setting) — never to a host named by a page, a pasted URL or a catalog;
 * - a redirect is followed only when a hub hands it out (a hub's `resolve/` answers with its storage host), and
 *   only to a storage host by name: no IP literal, no `localhost`, no downgrade from https to http. A storage host's
 *   own redirects stay on that host: storage hosts hand out nothing;
 * - a storage host's name must not resolve to a private, loopback or link-local address (checked when the
 *   connection's address is looked up, `guardedLookup`), so DNS cannot point a download into the local network.
 * The hubs themselves may be anywhere (a mirror on the LAN, a test hub on loopback): the user chose them.
 */
export class HubPolicy {
  private readonly hubs: Set<string>;

  constructor(hubs: Iterable<string>) {
    this.hubs = new Set([...hubs].map((hub) => originOf(hub)).filter((o): o is string => o !== null));
  }

  /** The configured hubs' origins, for messages. */
  get origins(): string[] {
    return [...this.hubs];
  }

  isHub(url: string): boolean {
    const origin = originOf(url);
    return origin !== null && this.hubs.has(origin);
  }

  /** Hostnames of the configured hubs (they may resolve anywhere). */
  hubHostnames(): Set<string> {
    return new Set([...this.hubs].map((o) => bareHost(new URL(o).hostname)));
  }

  /** Throws unless `endpoint` is one of the configured hubs; returns its origin. */
  requireHub(endpoint: string): string {
    const origin = originOf(endpoint);
    if (origin && this.hubs.has(origin)) return origin;
    throw new ApiError(
      'forbidden',
      `${origin ?? endpoint} is not a configured hub; models are downloaded only from ${this.origins.join(', ')} ` +
        '(set HF_ENDPOINT, or add it with `models config --mirrors URL`)',
    );
  }

  /**
   * Throws unless a request to `url` may be sent. `from` is the URL whose response redirected here (undefined for
   * a first request).
   */
  checkRequest(url: string, from?: string): void {
    let target: URL;
    try {
      target = new URL(url);
    } catch {
      throw refused(url, 'not a valid URL');
    }
    if (target.protocol !== 'https:' && target.protocol !== 'http:') throw refused(url, `${target.protocol} is not HTTP`);
    if (target.username || target.password) throw refused(url, 'credentials in the URL');
    if (this.hubs.has(target.origin)) return;
    if (from === undefined) this.requireHub(target.origin);
    const source = new URL(from as string);
    if (source.origin === target.origin) return;
    if (!this.hubs.has(source.origin)) throw refused(url, `a redirect from the storage host ${source.host} to another host`);
    const host = bareHost(target.hostname);
    if (isIP(host)) throw refused(url, 'a storage host given as an IP address');
    if (host === 'localhost' || host.endsWith('.localhost')) throw refused(url, 'a storage host on this machine');
    if (source.protocol === 'https:' && target.protocol !== 'https:') throw refused(url, 'a redirect from https to plain http');
  }

  /**
   * A `lookup` for the HTTP agent: hubs resolve as usual; any other name (a storage host) must resolve only to
   * public addresses, or the connection is refused before it is made.
   */
  guardedLookup(): typeof dnsLookup {
    const hubs = this.hubHostnames();
    const guarded = (hostname: string, options: LookupOptions, callback: (...args: unknown[]) => void) => {
      const opts = typeof options === 'number' ? { family: options } : (options ?? {});
      dnsLookup(hostname, { ...opts, all: true }, (error, addresses: LookupAddress[]) => {
        if (error) return callback(error);
        if (!hubs.has(bareHost(hostname))) {
          const inside = addresses.find((a) => !isPublicAddress(a.address));
          if (inside)
            return callback(
              Object.assign(new Error(`${hostname} resolves to ${inside.address}, a private or local address; a storage host must be public`), {
                code: 'EHOSTREFUSED',
              }),
            );
        }
        if (opts.all) return callback(null, addresses);
        const first = addresses[0] as LookupAddress;
        callback(null, first.address, first.family);
      });
    };
    return guarded as unknown as typeof dnsLookup;
  }
}

/** An ApiError when `error` (or its cause) is the lookup guard refusing an address; null otherwise. */
export function refusedAddress(error: unknown): ApiError | null {
  let current: unknown = error;
  for (let depth = 0; current && depth < 4; depth++) {
    if ((current as { code?: string }).code === 'EHOSTREFUSED') return new ApiError('forbidden', `Refused to download: ${(current as Error).message}`);
    current = (current as { cause?: unknown }).cause;
  }
  return null;
}

function refused(url: string, why: string): ApiError {
  let where = url;
  try {
    where = new URL(url).host;
  } catch {
    // keep the text as given
  }
  return new ApiError('forbidden', `Refused to download from ${where}: ${why}`);
}

const originOf = (url: string): string | null => {
  try {
    const parsed = new URL(url);
    return parsed.protocol === 'https:' || parsed.protocol === 'http:' ? parsed.origin : null;
  } catch {
    return null;
  }
};

/** `[::1]` → `::1`, lower case, without a trailing dot. */
const bareHost = (hostname: string) =>
  hostname
    .replace(/^\[|\]$/g, '')
    .replace(/\.$/, '')
    .toLowerCase();

/** Addresses no public storage host has: private, loopback, link-local, shared, reserved, multicast (RFC 6890). */
const nonPublic = new BlockList();
for (const [net, prefix] of [
  ['0.0.0.0', 8],
  ['10.0.0.0', 8],
  ['100.64.0.0', 10],
  ['127.0.0.0', 8],
  ['169.254.0.0', 16],
  ['172.16.0.0', 12],
  ['192.0.0.0', 24],
  ['192.0.2.0', 24],
  ['192.168.0.0', 16],
  ['198.18.0.0', 15],
  ['198.51.100.0', 24],
  ['203.0.113.0', 24],
  ['224.0.0.0', 4],
  ['240.0.0.0', 4],
] as const)
  nonPublic.addSubnet(net, prefix, 'ipv4');
for (const [net, prefix] of [
  ['::', 128],
  ['::1', 128],
  ['64:ff9b:1::', 48],
  ['100::', 64],
  ['2001:db8::', 32],
  ['fc00::', 7],
  ['fe80::', 10],
  ['ff00::', 8],
] as const)
  nonPublic.addSubnet(net, prefix, 'ipv6');

export function isPublicAddress(address: string): boolean {
  const bare = bareHost(address);
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(bare);
  if (mapped) return isPublicAddress(mapped[1] as string);
  const family = isIP(bare);
  if (family === 0) return false;
  return !nonPublic.check(bare, family === 4 ? 'ipv4' : 'ipv6');
}
