/** A request's target, parsed: the URL the handlers read, and the authority (host:port) the request is addressed to. */
export interface RequestTarget {
  url: URL;
  /** `Host` for origin-form targets (`/path`), the target's own authority for absolute-form ones (`http://h:p/path`). */
  authority: string;
}

/**
 * Parses the request-target of an HTTP/1.1 request line, or returns null when it is not one the host serves (answer
 * 400). Origin-form (`/path?query`) is resolved against the host's own origin. Absolute-form
 * (`http://127.0.0.1:port/path`) must be accepted by an origin server, which then ignores `Host` and uses the target's
 * authority instead (RFC 9112 §3.2.2) — so that authority, not `Host`, is what the DNS-rebinding check sees.
 * Authority-form (CONNECT) and asterisk-form (`OPTIONS *`) are for proxies and server-wide options: refused.
 */
export function parseRequestTarget(target: string | undefined, host: string | undefined, origin: string): RequestTarget | null {
  if (!target) return null;
  try {
    if (target.startsWith('/')) {
      // `//evil.example/x` is a path here, not a scheme-relative URL: keep it on our origin.
      const url = new URL(target.startsWith('//') ? `/.${target}` : target, origin);
      if (url.origin !== origin) return null;
      return { url, authority: host ?? '' };
    }
    const url = new URL(target);
    if (url.protocol !== 'http:' && url.protocol !== 'ws:') return null;
    if (url.username || url.password) return null;
    return { url: new URL(`${url.pathname}${url.search}`, origin), authority: `${url.hostname}:${url.port || '80'}` };
  } catch {
    return null;
  }
}
