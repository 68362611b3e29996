import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { connect as connectSocket } from 'node:net';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { WebSocket } from 'ws';
import type { AppServices } from '../api/handlers';
import { tempDir } from '../test-support/temp-dir';
import { sineWav } from '../test-support/wav';
import { createHeadlessApp } from './headless-services';
import { type Host, startHost } from './server';

/** Opens a WebSocket and resolves with it, or with the HTTP status that refused the upgrade. */
function connect(url: string, headers: Record<string, string> = {}): Promise<WebSocket | number> {
  return new Promise((resolve) => {
    const ws = new WebSocket(url, { headers });
    ws.once('open', () => resolve(ws));
    ws.once('unexpected-response', (_req, res) => resolve(res.statusCode ?? 0));
    ws.once('error', () => resolve(0));
  });
}

function call(ws: WebSocket, message: unknown): Promise<{ ok: boolean; result?: unknown; error?: { code: string; message: string } }> {
  return new Promise((resolve) => {
    ws.once('message', (data) => resolve(JSON.parse(data.toString())));
    ws.send(typeof message === 'string' ? message : JSON.stringify(message));
  });
}

/** Sends raw bytes and resolves with the status of the answer (0: closed without one). */
function rawStatus(port: number, text: string): Promise<number> {
  return new Promise((resolve) => {
    const socket = connectSocket({ host: '127.0.0.1', port });
    let reply = '';
    const status = () => Number(/^HTTP\/1\.1 (\d{3})/.exec(reply)?.[1] ?? 0);
    socket.on('data', (chunk) => {
      reply += chunk.toString('latin1');
      if (reply.includes('\r\n\r\n')) {
        resolve(status());
        socket.destroy();
      }
    });
    socket.on('error', () => undefined);
    socket.on('close', () => resolve(status()));
    socket.write(text);
  });
}

describe('headless host', () => {
  let host: Host;
  let services: AppServices;
  let base: string;
  const staticDir = tempDir();
  writeFileSync(join(staticDir, 'index.html'), '<!doctype html><title>Diffa Studio</title>');

  before(async () => {
    services = createHeadlessApp(join(tempDir(), 'home'));
    host = await startHost({ services, staticDir });
    base = `http://127.0.0.1:${host.port}`;
  });
  after(async () => {
    services.engine.dispose();
    await host.dispose();
  });

  it('listens on loopback and prints a URL that carries the token', () => {
    assert.match(host.url, /^http:\/\/127\.0\.0\.1:\d+\/\?token=[\w-]{32}$/);
  });

  it('refuses requests without the token (401) or with a wrong one (403)', async () => {
    for (const path of ['/', '/index.html', '/media/abc', '/upload']) {
      assert.equal((await fetch(`${base}${path}`)).status, 401, path);
      assert.equal((await fetch(`${base}${path}?token=wrong`)).status, 403, path);
    }
  });

  it('serves the page with the token, a strict CSP and a cookie for its own requests', async () => {
    const res = await fetch(host.url);
    assert.equal(res.status, 200);
    const csp = res.headers.get('content-security-policy') ?? '';
    assert.match(csp, /script-src 'self'(;|$)/);
    assert.doesNotMatch(csp, /unsafe-eval|script-src[^;]*unsafe-inline/);
    const cookie = res.headers.get('set-cookie') ?? '';
    assert.match(cookie, /HttpOnly/);
    assert.match(cookie, /SameSite=Strict/);
    const again = await fetch(`${base}/index.html`, { headers: { cookie: cookie.split(';')[0] ?? '' } });
    assert.equal(again.status, 200);
  });

  it('refuses other origins and foreign Host headers (DNS rebinding)', async () => {
    assert.equal((await fetch(host.url, { headers: { origin: 'http://evil.example' } })).status, 403);
    // fetch() may not set Host, so this one goes through node:http.
    const rebinding = await new Promise<number>((resolve, reject) => {
      request(host.url, { headers: { host: `evil.example:${host.port}` } }, (res) => resolve(res.statusCode ?? 0))
        .on('error', reject)
        .end();
    });
    assert.equal(rebinding, 403);
  });

  it('turns malformed targets and cookies into 4xx answers, for requests and upgrades', async () => {
    const { port, token } = host;
    const upgrade = 'Connection: Upgrade\r\nUpgrade: websocket\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n';
    const ask = (line: string, headers = '') => rawStatus(port, `${line}\r\nHost: 127.0.0.1:${port}\r\n${headers}\r\n`);
    assert.equal(await ask('GET http://[/ HTTP/1.1'), 400);
    assert.equal(await ask('GET http://[/ HTTP/1.1', upgrade), 400);
    assert.equal(await ask('GET / HTTP/1.1', `Cookie: diffa_token_${port}=%E0%A4%A\r\n`), 403);
    assert.equal(await ask('GET /api HTTP/1.1', `Cookie: diffa_token_${port}=%E0%A4%A\r\n${upgrade}`), 403);
    assert.equal(await ask('GET / HTTP/1.1', `Cookie: diffa_token_${port}=${token}\r\n`), 200);
    // an absolute-form target names the host it is for (RFC 9112 §3.2.2): that, not the Host header, must be ours
    assert.equal(await ask(`GET http://127.0.0.1:${port}/?token=${token} HTTP/1.1`), 200);
    assert.equal(await ask(`GET http://evil.example:${port}/?token=${token} HTTP/1.1`), 403);
    assert.equal(await ask(`GET http://evil.example:${port}/api?token=${token} HTTP/1.1`, upgrade), 403);
    assert.equal(await ask(`GET http://127.0.0.1:${port}/api?token=${token} HTTP/1.1`, upgrade), 101);
    // `//host/path` is a path on this host, never another origin
    assert.equal(await ask(`GET //evil.example/index.html?token=${token} HTTP/1.1`), 404);
    assert.equal(await ask(`GET /\\evil.example/?token=${token} HTTP/1.1`), 400);
  });

  it('keeps paths inside the renderer folder', async () => {
    const res = await fetch(`${base}/..%2f..%2fetc%2fpasswd?token=${host.token}`);
    assert.equal(res.status, 404);
  });

  it('gates the WebSocket the same way', async () => {
    const wsBase = `ws://127.0.0.1:${host.port}/api`;
    assert.equal(await connect(wsBase), 401);
    assert.equal(await connect(`${wsBase}?token=nope`), 403);
    assert.equal(await connect(`${wsBase}?token=${host.token}`, { origin: 'http://evil.example' }), 403);
    const ws = await connect(`${wsBase}?token=${host.token}`, { origin: base });
    assert.ok(ws instanceof WebSocket);
    ws.close();
  });

  it('answers contract requests and refuses malformed ones with a typed error', async () => {
    const ws = await connect(`ws://127.0.0.1:${host.port}/api?token=${host.token}`);
    assert.ok(ws instanceof WebSocket);
    const info = await call(ws, { type: 'request', id: 1, method: 'app.info', params: {} });
    assert.equal(info.ok, true);
    assert.equal((info.result as { shell: string }).shell, 'headless');
    const bad = await call(ws, { type: 'request', id: 2, method: 'settings.update', params: { recentFiles: ['/etc/passwd'] } });
    assert.equal(bad.error?.code, 'bad_request');
    const garbage = await call(ws, '{not json');
    assert.equal(garbage.error?.code, 'bad_request');
    const missing = await call(ws, { type: 'request', id: 4, method: 'files.openRecent', params: { index: 99 } });
    assert.equal(missing.error?.code, 'not_found');
    assert.equal((missing.error as { details?: unknown } | undefined)?.details, undefined);
    const dialog = await call(ws, { type: 'request', id: 3, method: 'files.openDialog', params: {} });
    assert.equal(dialog.error?.code, 'unsupported');
    ws.close();
  });

  it('uploads audio into its workspace and streams it back with Range; refuses non-audio', async () => {
    const wav = sineWav(0.5);
    const uploaded = await fetch(`${base}/upload?name=${encodeURIComponent('../tone.wav')}&token=${host.token}`, { method: 'POST', body: wav });
    assert.equal(uploaded.status, 200);
    const ref = (await uploaded.json()) as { id: string; name: string; size: number; mediaUrl: string };
    assert.equal(ref.size, wav.length);
    assert.equal(ref.name, 'tone.wav');
    const stored = services.files.get(ref.id).path;
    assert.ok(stored.startsWith(services.home.uploads), 'stored inside the workspace');
    assert.deepEqual(readFileSync(stored), wav);

    const part = await fetch(`${base}${ref.mediaUrl}`, { headers: { range: 'bytes=0-43', authorization: `Bearer ${host.token}` } });
    assert.equal(part.status, 206);
    assert.equal(part.headers.get('content-range'), `bytes 0-43/${wav.length}`);
    assert.deepEqual(Buffer.from(await part.arrayBuffer()), wav.subarray(0, 44));

    const refused = await fetch(`${base}/upload?name=notes.txt&token=${host.token}`, { method: 'POST', body: 'hello' });
    assert.equal(refused.status, 415);
    const refusal = (await refused.json()) as { error: { message: string; details?: unknown } };
    assert.match(refusal.error.message, /notes\.txt: not an audio format/);
    assert.equal(refusal.error.details, undefined, 'no paths or other internals reach the page');
    assert.equal(services.files.list().length, 1);
  });

  it('pushes events to connected pages', async () => {
    const ws = await connect(`ws://127.0.0.1:${host.port}/api?token=${host.token}`);
    assert.ok(ws instanceof WebSocket);
    const event = new Promise<{ event: string; data: { theme: string } }>((resolve) => ws.once('message', (data) => resolve(JSON.parse(data.toString()))));
    services.settings.update({ theme: 'light' });
    const received = await event;
    assert.equal(received.event, 'settings.changed');
    assert.equal(received.data.theme, 'light');
    ws.close();
  });
});
