import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { WebSocket, WebSocketServer } from 'ws';
import { MAX_MESSAGE_BYTES } from '../../src-common/api/contract';
import { ApiError, type ErrorCode } from '../../src-common/api/errors';
import { decodeFrame } from '../../src-common/api/validate';
import type { Disposable } from '../../src-common/lifecycle';
import type { AppServices } from '../api/app-services';
import { dispatch, eventForPage } from '../api/dispatch';
import { createHandlers, openChosenFile } from '../api/handlers';
import { mediaReply } from '../audio/media-reply';
import { contentSecurityPolicy } from '../core/csp';
import { allowedHosts, checkRequest, newToken, tokenCookieName } from './auth';
import { parseRequestTarget } from './request-target';
import { sendStatic, staticPath } from './static-files';
import { discardUpload, receiveUpload } from './upload';

export interface HostOptions {
  services: AppServices;
  /** The built renderer (dist/renderer). */
  staticDir: string;
  port?: number;
  /** Loopback unless the user explicitly asked otherwise. */
  bindHost?: string;
  token?: string;
}

export interface Host extends Disposable {
  url: string;
  port: number;
  token: string;
}

const HTTP_STATUS: Partial<Record<ErrorCode, number>> = { bad_request: 400, not_found: 404, bad_audio: 415, unsupported: 501, io_error: 507 };

function sendJson(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'Content-Type': 'application/json; charset=utf-8', 'Cache-Control': 'no-store' });
  res.end(JSON.stringify(body));
}

function sendError(res: ServerResponse, error: unknown): void {
  // Failing mid-body (a file that vanished while streaming): the status line is gone, so cut the connection instead.
  if (res.headersSent) return void res.destroy();
  const apiError = ApiError.wrap(error);
  sendJson(res, HTTP_STATUS[apiError.code] ?? 500, { error: apiError.toPublicJSON() });
}

/**
 * The headless host: serves the renderer build and the API over WebSocket on loopback, behind a per-run token. The
 * page it serves is the same one Electron loads; only the transport differs.
 */
export async function startHost(options: HostOptions): Promise<Host> {
  const { services } = options;
  const bindHost = options.bindHost ?? '127.0.0.1';
  const token = options.token ?? newToken();
  const handlers = createHandlers(services);
  const server = createServer();
  const sockets = new WebSocketServer({ noServer: true, maxPayload: MAX_MESSAGE_BYTES });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, bindHost, () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  const hosts = allowedHosts(port, bindHost);
  const origin = `http://${bindHost.includes(':') ? `[${bindHost}]` : bindHost}:${port}`;
  const pageHeaders = {
    'Content-Security-Policy': contentSecurityPolicy([`ws://${origin.slice(7)}`]),
    'X-Content-Type-Options': 'nosniff',
    'Referrer-Policy': 'no-referrer',
    'Cross-Origin-Opener-Policy': 'same-origin',
    'X-Frame-Options': 'DENY',
  };

  server.on('request', (req: IncomingMessage, res: ServerResponse) => {
    const target = parseRequestTarget(req.url, req.headers.host, origin);
    if (!target) return sendJson(res, 400, { error: { code: 'bad_request', message: 'Malformed request target' } });
    const verdict = checkRequest(req, target, { token, port, hosts });
    if (!verdict.ok) return sendJson(res, verdict.status, { error: { code: verdict.status === 401 ? 'unauthorized' : 'forbidden', message: verdict.reason } });
    handleHttp(req, res, target.url).catch((error) => sendError(res, error));
  });

  async function handleHttp(req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> {
    const media = /^\/media\/([\w-]{1,64})$/.exec(url.pathname);
    if (media && (req.method === 'GET' || req.method === 'HEAD')) {
      const reply = await mediaReply(services.files.get(media[1] ?? ''), req.headers.range);
      res.writeHead(reply.status, reply.headers);
      if (req.method === 'HEAD' || !reply.body) return void res.end();
      reply.body.on('error', () => res.destroy());
      reply.body.pipe(res);
      return;
    }
    if (url.pathname === '/upload' && req.method === 'POST') {
      const path = await receiveUpload(req, services.home.uploads, url.searchParams.get('name') ?? 'audio');
      try {
        return sendJson(res, 200, await openChosenFile(services, path));
      } catch (error) {
        await discardUpload(path);
        throw error;
      }
    }
    if (req.method !== 'GET' && req.method !== 'HEAD') return sendJson(res, 405, { error: { code: 'bad_request', message: 'Method not allowed' } });
    const file = staticPath(options.staticDir, url.pathname);
    if (!file) {
      if (url.pathname === '/') {
        return sendJson(res, 503, { error: { code: 'internal', message: 'The renderer is not built: run `npm run build` first' } });
      }
      return sendJson(res, 404, { error: { code: 'not_found', message: 'Not found' } });
    }
    // The cookie lets the page's own requests (scripts, media, WebSocket) carry the token without putting it in URLs.
    const cookie = `${tokenCookieName(port)}=${encodeURIComponent(token)}; HttpOnly; SameSite=Strict; Path=/`;
    sendStatic(res, file, file.endsWith('.html') ? { ...pageHeaders, 'Set-Cookie': cookie } : { 'X-Content-Type-Options': 'nosniff' });
  }

  server.on('upgrade', (req, socket, head) => {
    // Node takes its own error listener off an upgraded socket: without this one, a client that resets the
    // connection before we answer would throw ECONNRESET out of the process.
    socket.on('error', () => socket.destroy());
    const target = parseRequestTarget(req.url, req.headers.host, origin);
    if (!target) return void socket.end('HTTP/1.1 400 Bad Request\r\nConnection: close\r\nContent-Length: 0\r\n\r\n');
    const verdict =
      target.url.pathname === '/api' ? checkRequest(req, target, { token, port, hosts }) : ({ ok: false, status: 403, reason: 'Not found' } as const);
    if (!verdict.ok) {
      socket.end(`HTTP/1.1 ${verdict.status} ${verdict.status === 401 ? 'Unauthorized' : 'Forbidden'}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`);
      return;
    }
    sockets.handleUpgrade(req, socket, head, (ws) => {
      // A frame over maxPayload (or a protocol error) makes ws close that connection (1009/1002) and emit 'error':
      // without a listener that error would be thrown and take the host down.
      ws.on('error', () => ws.terminate());
      ws.on('message', async (data, isBinary) => {
        let reply: unknown;
        try {
          if (isBinary) throw new ApiError('bad_request', 'Binary frames are not part of the API');
          reply = await dispatch(handlers, decodeFrame(data.toString(), MAX_MESSAGE_BYTES));
        } catch (error) {
          reply = { type: 'response', id: -1, ok: false, error: ApiError.wrap(error).toPublicJSON() };
        }
        if (ws.readyState === WebSocket.OPEN) ws.send(JSON.stringify(reply));
      });
    });
  });

  // The WebSocket's transport adapter: every event of the app, to every connected page.
  const unsubscribe = services.events.onAny((event, data) => {
    // Checked once per event (not per page), then the same text goes to every connected page.
    const message = eventForPage(event, data);
    if (!message) return;
    const text = JSON.stringify(message);
    for (const client of sockets.clients) if (client.readyState === WebSocket.OPEN) client.send(text);
  });

  return {
    url: `${origin}/?token=${token}`,
    port,
    token,
    dispose: async () => {
      unsubscribe();
      for (const client of sockets.clients) client.terminate();
      sockets.close();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
