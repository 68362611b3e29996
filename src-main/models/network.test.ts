import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { tempDir } from '../test-support/temp-dir';
import { planFromHub } from './hub';
import { listInstalledModels } from './installed-models';
import { createDispatcher } from './network';
import { pullModel } from './pull';
import { TestHub } from './testing/hub-server';
import { makeBundle, repoFiles } from './testing/make-bundle';
import { TestProxy } from './testing/proxy-server';

const bundle = makeBundle('net-model');
const hub = new TestHub();
const proxy = new TestProxy();
before(async () => {
  await hub.start();
  hub.addRepo('org/net-model', repoFiles(bundle));
  await proxy.start();
});
after(async () => {
  await hub.close();
  await proxy.close();
});

async function pullWith(dispatcher: ReturnType<typeof createDispatcher>, endpoint = hub.url) {
  const models = tempDir();
  try {
    const plan = await planFromHub({ dispatcher }, { endpoint, repo: 'org/net-model', revision: 'main' });
    await pullModel(plan, { modelsDir: models, dispatcher, signal: new AbortController().signal, backoffMs: 5 });
    return listInstalledModels(join(models, 'none'), models).map((m) => m.id);
  } finally {
    await dispatcher.close();
  }
}

describe('network settings', () => {
  it('goes through the proxy from the setting', async () => {
    const before = proxy.tunnels + proxy.forwarded;
    assert.deepEqual(await pullWith(createDispatcher({ proxy: proxy.url }, {})), ['net-model']);
    assert.ok(proxy.tunnels + proxy.forwarded > before, 'the proxy carried the requests');
  });

  it('honours HTTP_PROXY and NO_PROXY from the environment', async () => {
    let before = proxy.tunnels + proxy.forwarded;
    assert.deepEqual(await pullWith(createDispatcher({}, { HTTP_PROXY: proxy.url })), ['net-model']);
    assert.ok(proxy.tunnels + proxy.forwarded > before);
    before = proxy.tunnels + proxy.forwarded;
    assert.deepEqual(await pullWith(createDispatcher({}, { HTTP_PROXY: proxy.url, NO_PROXY: '127.0.0.1' })), ['net-model']);
    assert.equal(proxy.tunnels + proxy.forwarded, before, 'NO_PROXY hosts bypass the proxy');
  });

  it('trusts an extra CA from the setting, and says so clearly when it is missing', async () => {
    const dir = tempDir();
    execFileSync(
      'openssl',
      [
        'req',
        '-x509',
        '-newkey',
        'ec',
        '-pkeyopt',
        'ec_paramgen_curve:prime256v1',
        '-nodes',
        '-days',
        '1',
        '-subj',
        '/CN=127.0.0.1',
        '-addext',
        'subjectAltName=IP:127.0.0.1',
        '-keyout',
        join(dir, 'key.pem'),
        '-out',
        join(dir, 'cert.pem'),
      ],
      { stdio: 'ignore' },
    );
    const secure = await new TestHub().start({ key: readFileSync(join(dir, 'key.pem'), 'utf8'), cert: readFileSync(join(dir, 'cert.pem'), 'utf8') });
    secure.addRepo('org/net-model', repoFiles(bundle));
    try {
      await assert.rejects(
        pullWith(createDispatcher({}, {}), secure.url),
        /TLS certificate is not trusted \(DEPTH_ZERO_SELF_SIGNED_CERT\); add your CA with NODE_EXTRA_CA_CERTS or the caFile setting/,
      );
      assert.deepEqual(await pullWith(createDispatcher({ caFile: join(dir, 'cert.pem') }, {}), secure.url), ['net-model']);
    } finally {
      await secure.close();
    }
  });

  it('refuses a CA file that holds no certificate', () => {
    const dir = tempDir();
    const bad = join(dir, 'x.pem');
    writeFileSync(bad, 'nope');
    assert.throws(() => createDispatcher({ caFile: bad }, {}), /CA certificate file .* cannot be used: no PEM certificate in it/);
  });
});
