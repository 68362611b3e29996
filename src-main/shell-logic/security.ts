/**
 * The Electron shell's navigation and network rules, as pure functions: the page is the app's own (app://diffa/),
 * audio comes from diffa-media://file/<id>, and nothing else is loaded. Links to the web open in the user's browser.
 */

export const APP_SCHEME = 'app';
export const APP_HOST = 'diffa';
export const APP_ORIGIN = `${APP_SCHEME}://${APP_HOST}`;
export const APP_ENTRY_URL = `${APP_ORIGIN}/index.html`;
export const MEDIA_SCHEME = 'diffa-media';
export const MEDIA_HOST = 'file';

export const mediaUrl = (id: string) => `${MEDIA_SCHEME}://${MEDIA_HOST}/${encodeURIComponent(id)}`;

/** The file id in a diffa-media URL, or null when the URL is not one. */
export function mediaIdFromUrl(raw: string): string | null {
  const url = safeUrl(raw);
  if (!url || url.protocol !== `${MEDIA_SCHEME}:` || url.host !== MEDIA_HOST) return null;
  const match = /^\/([\w-]{1,64})$/.exec(url.pathname);
  return match?.[1] ?? null;
}

/** True for URLs of the app's own page and assets. */
export function isAppUrl(raw: string): boolean {
  const url = safeUrl(raw);
  return url !== null && url.protocol === `${APP_SCHEME}:` && url.host === APP_HOST;
}

/** The app's pages, and the developer tools' own (which the same navigation rules see in development). */
export function isInternalUrl(raw: string): boolean {
  const url = safeUrl(raw);
  return url !== null && (isAppUrl(raw) || url.protocol === 'devtools:');
}

/** Schemes a request from the window may use; everything else (http, https, ws, file, ftp, …) is cancelled. */
const ALLOWED_REQUEST_SCHEMES = new Set([`${APP_SCHEME}:`, `${MEDIA_SCHEME}:`, 'data:', 'blob:', 'devtools:', 'chrome-extension:']);

export function isAllowedRequestUrl(raw: string): boolean {
  const url = safeUrl(raw);
  if (!url) return false;
  if (url.protocol === `${APP_SCHEME}:`) return url.host === APP_HOST;
  if (url.protocol === `${MEDIA_SCHEME}:`) return url.host === MEDIA_HOST;
  return ALLOWED_REQUEST_SCHEMES.has(url.protocol);
}

/**
 * A link the page wants to leave to: returned (normalised) when it may be handed to the user's browser — http(s)
 * only, a real host, no embedded credentials, sane length — otherwise null and the navigation is just refused.
 */
export function externalLinkTarget(raw: string): string | null {
  if (typeof raw !== 'string' || raw.length > 2048) return null;
  const url = safeUrl(raw);
  if (!url) return null;
  if (url.protocol !== 'https:' && url.protocol !== 'http:') return null;
  if (!url.hostname || url.username || url.password) return null;
  return url.toString();
}

/**
 * Adds sources to one directive of a Content-Security-Policy string (creating the directive when missing), so the
 * shell can allow its media scheme on top of the policy every page shares.
 */
export function addCspSources(policy: string, directive: string, sources: readonly string[]): string {
  const parts = policy
    .split(';')
    .map((part) => part.trim())
    .filter(Boolean);
  const index = parts.findIndex((part) => part.split(/\s+/)[0] === directive);
  if (index === -1) return [...parts, [directive, ...sources].join(' ')].join('; ');
  const existing = (parts[index] ?? '').split(/\s+/);
  const merged = [...existing, ...sources.filter((source) => !existing.includes(source))];
  // 'none' cannot be combined with other sources
  parts[index] = (merged.length > 2 ? merged.filter((token) => token !== "'none'") : merged).join(' ');
  return parts.join('; ');
}

function safeUrl(raw: string): URL | null {
  try {
    return new URL(raw);
  } catch {
    return null;
  }
}

/**
 * Permissions the page may have. Everything is denied (camera, microphone, notifications, geolocation, …) except
 * writing plain text to the clipboard from the app's own page, which "copy answer" buttons need.
 */
export function isPermissionAllowed(permission: string, requestingUrl: string | undefined): boolean {
  return permission === 'clipboard-sanitized-write' && requestingUrl !== undefined && isAppUrl(requestingUrl);
}
