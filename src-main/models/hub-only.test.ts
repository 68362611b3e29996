import assert from 'node:assert/strict';
import { lookup } from 'node:dns/promises';
import { mkdirSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { after, before, beforeEach, describe, it } from 'node:test';
import type { Dispatcher } from 'undici';
import { ApiError } from '../../src-common/api/errors';
import { openAppHome } from '../core/app-home';
import { tempDir } from '../test-support/temp-dir';
import { createModelManager } from './create-manager';
import { isPublicAddress } from './hub-policy';
import type { ModelManager } from './manager';
import { createDispatcher } from './network';
import { TestHub } from './testing/hub-server';
import { makeBundle, repoFiles } from './testing/make-bundle';
import { RecordingServer } from './testing/recording-server';
import { runModelsCli } from './testing/run-cli';

/**
 * Pulls go only to the configured hub(s) and to storage hosts a hub hands out by name: a foreign host, an IP
 * literal, a private or link-local address and a redirect to a foreign host are refused before anything is sent.
 * Real listeners on loopback record whether they were reached at all (a TCP connection counts).
 */
const hub = new TestHub();
const mirror = new TestHub();
const bundle = makeBundle('only-model');
const env = () => ({ HF_ENDPOINT: hub.url, HF_TOKEN: '', HF_TOKEN_PATH: '/nonexistent' });
let dispatcher: Dispatcher;
/** Every origin the HTTP agent was asked to send a request to. */
const dispatched: string[] = [];
const listeners: RecordingServer[] = [];

async function listener(host = '127.0.0.1'): Promise<RecordingServer> {
  const server = await new RecordingServer().start(host);
  listeners.push(server);
  return server;
}

before(async () => {
  await hub.start();
  await mirror.start();
  hub.addRepo('org/only-model', repoFiles(bundle));
  mirror.addRepo('org/only-model', repoFiles(bundle));
  // The real agent (with its address guard) under a recorder of what it is asked to send.
  dispatcher = createDispatcher({}, env()).compose((dispatch) => (options, handler) => {
    dispatched.push(String(options.origin));
    return dispatch(options, handler);
  });
});
after(async () => {
  await hub.close();
  await mirror.close();
  await Promise.all(listeners.map((l) => l.close()));
  await dispatcher.close();
});
beforeEach(() => {
  hub.storageUrl = '';
  dispatched.length = 0;
});

function manager(settings: Record<string, unknown> = {}, catalog?: object): ModelManager {
  const root = tempDir();
  const bundledDir = join(root, 'app-models');
  const m = createModelManager(openAppHome(root), { bundledDir, env: env(), dispatcher, stallMs: 2000, backoffMs: 5, maxRetries: 1 });
  if (Object.keys(settings).length) m.updateSettings(settings);
  if (catalog) {
    mkdirSync(bundledDir, { recursive: true });
    writeFileSync(join(bundledDir, 'catalog.json'), JSON.stringify(catalog));
  }
  return m;
}

async function refused(work: Promise<unknown>, message: RegExp): Promise<void> {
  await assert.rejects(work, (error: unknown) => {
    assert.ok(error instanceof ApiError, String(error));
    assert.equal(error.code, 'forbidden', error.message);
    assert.match(error.message, message);
    return true;
  });
}

async function pullAll(m: ModelManager, input: string): Promise<string> {
  const { done } = await m.pull(input);
  return done;
}

const onlyHub = () => assert.ok(dispatched.length > 0 && dispatched.every((o) => o === hub.url), `sent only to the hub: ${dispatched.join(', ')}`);

describe('pulls go only to the configured hubs', () => {
  it('a source URL on a foreign host (an IP literal) is refused before any request', async () => {
    const foreign = await listener('127.0.0.2');
    const m = manager();
    await refused(
      m.pull(`http://127.0.0.2:${foreign.port}/org/only-model`),
      /127\.0\.0\.2:\d+ is not a configured hub; models are downloaded only from http:\/\/127\.0\.0\.1/,
    );
    await refused(m.add(`http://127.0.0.2:${foreign.port}/org/only-model`), /is not a configured hub/);
    assert.equal(foreign.hit, false);
    assert.deepEqual(dispatched, []);
    await m.dispose();
  });

  it('a catalog entry that names another endpoint is refused before any request', async () => {
    const foreign = await listener('127.0.0.2');
    const endpoint = `http://127.0.0.2:${foreign.port}`;
    const files = bundle.files.map((f) => ({ path: f.path, size: f.data.length, sha256: 'a'.repeat(64) }));
    const entry = { id: 'planted', name: 'Planted', licence: 'MIT', description: '', sizeBytes: 1, bundled: false };
    const m = manager(
      {},
      {
        format: 'diffa-catalog',
        version: 1,
        models: [
          { ...entry, source: { endpoint, repo: 'org/only-model', revision: 'main' } },
          { ...entry, id: 'pinned', source: { endpoint, repo: 'org/only-model', revision: 'abc' }, files },
        ],
      },
    );
    await refused(m.pull('planted'), /is not a configured hub/);
    await refused(m.pull('pinned'), /is not a configured hub/);
    assert.equal(foreign.hit, false);
    assert.deepEqual(dispatched, []);
    await m.dispose();
  });

  it('a mirror the user added in the settings is used; without it, the same URL is refused', async () => {
    const source = `${mirror.url}/org/only-model`;
    const without = manager();
    await refused(without.pull(source), /is not a configured hub/);
    await without.dispose();
    mirror.resetCounts();
    const m = manager({ mirrors: [mirror.url] });
    assert.match(await pullAll(m, source), /only-model$/);
    assert.ok(mirror.requests.length > 0);
    await m.dispose();
  });

  it('the hub handing out an IP-literal storage host: refused, the host receives nothing', async () => {
    const storage = await listener('127.0.0.3');
    hub.storageUrl = `http://127.0.0.3:${storage.port}`;
    const m = manager();
    await refused(pullAll(m, 'org/only-model'), /Refused to download from 127\.0\.0\.3:\d+: a storage host given as an IP address/);
    assert.equal(storage.hit, false);
    onlyHub();
    assert.deepEqual(
      m.installed().map((i) => i.id),
      [],
    );
    await m.dispose();
  });

  it('private and link-local storage addresses: refused before any request', async () => {
    for (const storageUrl of ['http://169.254.169.254', 'http://10.0.0.1', 'http://192.168.1.1', 'http://[fe80::1]', 'http://[::1]']) {
      hub.storageUrl = storageUrl;
      dispatched.length = 0;
      const m = manager();
      await refused(pullAll(m, 'org/only-model'), /a storage host given as an IP address/);
      onlyHub();
      await m.dispose();
    }
  });

  it('a redirect to a foreign host by name: refused, the host receives nothing', async () => {
    const foreign = await listener('127.0.0.1');
    hub.storageUrl = `http://localhost:${foreign.port}`;
    const m = manager();
    await refused(pullAll(m, 'org/only-model'), /Refused to download from localhost:\d+: a storage host on this machine/);
    assert.equal(foreign.hit, false);
    onlyHub();
    await m.dispose();
  });

  it('a storage host whose name resolves to a local address: refused before the connection', async (t) => {
    const name = hostname();
    const resolved = await lookup(name).catch(() => null);
    if (!resolved || isPublicAddress(resolved.address) || name === 'localhost') {
      t.skip(`this machine's name (${name}) does not resolve to a local address here`);
      return;
    }
    const foreign = await listener(resolved.address);
    hub.storageUrl = `http://${name}:${foreign.port}`;
    const m = manager();
    await refused(pullAll(m, 'org/only-model'), new RegExp(`${name} resolves to ${resolved.address.replace(/\./g, '\\.')}, a private or local address`));
    assert.equal(foreign.hit, false, 'no TCP connection was made');
    await m.dispose();
  });

  it('models pull with a foreign URL exits 1 with one line and sends nothing', async () => {
    const foreign = await listener('127.0.0.2');
    const result = await runModelsCli(tempDir(), hub.url, ['pull', `http://127.0.0.2:${foreign.port}/org/only-model`]).done;
    assert.equal(result.code, 1, result.stderr);
    assert.match(result.stderr.trim(), /^diffa models: http:\/\/127\.0\.0\.2:\d+ is not a configured hub/);
    assert.equal(foreign.hit, false);
  });
});
