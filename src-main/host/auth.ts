import { randomBytes, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage } from 'node:http';

export const newToken = () => randomBytes(24).toString('base64url');

/** Cookies are shared across ports of one host, so the cookie name carries the port: two hosts never mix tokens. */
export const tokenCookieName = (port: number) => `diffa_token_${port}`;

function readCookie(header: string | undefined, name: string): string | undefined {
  for (const part of (header ?? '').split(';')) {
    const [key, ...value] = part.trim().split('=');
    if (key !== name) continue;
    // A malformed escape (`%E0%A4%A`) is not a token: compare it as sent, so it is simply a wrong one.
    try {
      return decodeURIComponent(value.join('='));
    } catch {
      return value.join('=');
    }
  }
  return undefined;
}

/** The token a request carries: `?token=`, `Authorization: Bearer`, or the cookie set when the page was opened. */
export function presentedToken(req: IncomingMessage, url: URL, port: number): string | undefined {
  const auth = req.headers.authorization;
  if (auth?.startsWith('Bearer ')) return auth.slice(7);
  return url.searchParams.get('token') ?? readCookie(req.headers.cookie, tokenCookieName(port));
}

export function tokensMatch(presented: string, expected: string): boolean {
  const a = Buffer.from(presented);
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
}

/** Host names the loopback server answers to; anything else is a DNS-rebinding attempt. */
export function allowedHosts(port: number, bindHost: string): Set<string> {
  const hosts = new Set([`127.0.0.1:${port}`, `localhost:${port}`, `[::1]:${port}`]);
  hosts.add(`${bindHost.includes(':') ? `[${bindHost}]` : bindHost}:${port}`);
  return hosts;
}

export type Verdict = { ok: true } | { ok: false; status: 401 | 403; reason: string };

/**
 * Every request and WebSocket upgrade passes through here: addressed to us (`authority`: the Host header, or the
 * authority of an absolute-form target), same Origin (if any), right token.
 */
export function checkRequest(
  req: IncomingMessage,
  target: { url: URL; authority: string },
  opts: { token: string; port: number; hosts: Set<string> },
): Verdict {
  const { url } = target;
  if (!opts.hosts.has(target.authority)) return { ok: false, status: 403, reason: 'Unknown Host header' };
  const origin = req.headers.origin;
  if (origin !== undefined && !opts.hosts.has(origin.replace(/^https?:\/\//, '')))
    return { ok: false, status: 403, reason: 'Cross-origin requests are refused' };
  const token = presentedToken(req, url, opts.port);
  if (token === undefined || token === '') return { ok: false, status: 401, reason: 'A token is required: open the URL the host printed' };
  if (!tokensMatch(token, opts.token)) return { ok: false, status: 403, reason: 'Wrong token' };
  return { ok: true };
}
