import { createReadStream } from 'node:fs';
import { Readable } from 'node:stream';
import { protocol } from 'electron';
import { ApiError } from '../../src-common/api/errors';
import { mediaReply } from '../audio/media-reply';
import { contentSecurityPolicy } from '../core/csp';
import type { ChosenFiles } from '../files/chosen-files';
import type { RangeReply } from '../files/range';
import { staticPath } from '../host/static-files';
import { appAssetMimeType } from '../shell-logic/assets';
import { APP_HOST, APP_ORIGIN, APP_SCHEME, addCspSources, MEDIA_SCHEME, mediaIdFromUrl } from '../shell-logic/security';

/**
 * The window's Content-Security-Policy: the one every page of the app shares, plus the media scheme for `<audio>`
 * and for `fetch` (wavesurfer.js decodes what it fetches).
 */
export const shellContentSecurityPolicy = (): string => addCspSources(contentSecurityPolicy([`${MEDIA_SCHEME}:`]), 'media-src', [`${MEDIA_SCHEME}:`]);

/**
 * Must run before the app is ready (at module top level in an ESM main). `app://` serves the renderer build with a
 * real origin (so 'self' in the CSP means the app, and fetch works); `diffa-media://` streams chosen audio files.
 */
export function registerPrivilegedSchemes(): void {
  protocol.registerSchemesAsPrivileged([
    { scheme: APP_SCHEME, privileges: { standard: true, secure: true, supportFetchAPI: true, stream: true, codeCache: true } },
    { scheme: MEDIA_SCHEME, privileges: { standard: true, secure: true, supportFetchAPI: true, stream: true, corsEnabled: true } },
  ]);
}

const text = (status: number, message: string, headers: Record<string, string> = {}) =>
  new Response(message, { status, headers: { 'Content-Type': 'text/plain; charset=utf-8', 'Cache-Control': 'no-store', ...headers } });

/** A Node stream as the body of a web Response. */
const webBody = (stream: Readable) => Readable.toWeb(stream) as unknown as ReadableStream<Uint8Array>;

/** Serves `rendererRoot` (dist/renderer) at app://diffa/ — every page with the CSP and nosniff. */
export function handleAppProtocol(rendererRoot: string): void {
  const csp = shellContentSecurityPolicy();
  protocol.handle(APP_SCHEME, async (request) => {
    const url = new URL(request.url);
    if (url.host !== APP_HOST) return text(404, 'Not found');
    if (request.method !== 'GET' && request.method !== 'HEAD') return text(405, 'Method not allowed');
    const file = staticPath(rendererRoot, url.pathname);
    if (!file) {
      if (url.pathname === '/' || url.pathname === '/index.html') {
        return text(503, `The renderer is not built (no index.html in ${rendererRoot}): run \`npm run build:renderer\` first.`);
      }
      return text(404, 'Not found');
    }
    const headers: Record<string, string> = {
      'Content-Type': appAssetMimeType(file),
      'Cache-Control': 'no-cache',
      'X-Content-Type-Options': 'nosniff',
      'Content-Security-Policy': csp,
      'Cross-Origin-Opener-Policy': 'same-origin',
      'Referrer-Policy': 'no-referrer',
    };
    return new Response(request.method === 'HEAD' ? null : webBody(createReadStream(file)), { status: 200, headers });
  });
}

/**
 * Streams the files the user chose at diffa-media://file/<id>, with HTTP Range semantics (206 partial content, 416
 * for ranges past the end) so `<audio>` can seek in long recordings. Unknown ids are 404: no other file is reachable.
 */
export function handleMediaProtocol(files: ChosenFiles): void {
  const cors = {
    'Access-Control-Allow-Origin': APP_ORIGIN,
    'Access-Control-Expose-Headers': 'Content-Range, Content-Length, Accept-Ranges',
    'Cross-Origin-Resource-Policy': 'same-site',
    'X-Content-Type-Options': 'nosniff',
  };
  protocol.handle(MEDIA_SCHEME, async (request) => {
    if (request.method !== 'GET' && request.method !== 'HEAD') return text(405, 'Method not allowed', cors);
    const id = mediaIdFromUrl(request.url);
    if (!id) return text(404, 'Not found', cors);
    let file: ReturnType<ChosenFiles['get']>;
    try {
      file = files.get(id);
    } catch {
      return text(404, 'No such open file', cors);
    }
    let reply: RangeReply;
    try {
      reply = await mediaReply(file, request.headers.get('range'));
    } catch (error) {
      // A file that cannot be decoded for playing: the page shows why (the same message its description gives).
      return text(415, ApiError.wrap(error).message, cors);
    }
    const headers = { ...reply.headers, ...cors };
    if (request.method === 'HEAD' || !reply.body) {
      reply.body?.destroy();
      return new Response(null, { status: reply.status, headers });
    }
    return new Response(webBody(reply.body), { status: reply.status, headers });
  });
}
