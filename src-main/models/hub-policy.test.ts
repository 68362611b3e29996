import assert from 'node:assert/strict';
import { lookup } from 'node:dns/promises';
import { hostname } from 'node:os';
import { describe, it } from 'node:test';
import { HubPolicy, isPublicAddress } from './hub-policy';

const policy = new HubPolicy(['https://huggingface.co', 'http://10.1.2.3:8080/']);
const refused = (url: string, from: string | undefined, why: RegExp) => assert.throws(() => policy.checkRequest(url, from), why);
const resolve = 'https://huggingface.co/org/m/resolve/abc/llm.onnx';

describe('hub policy: where a pull may send requests', () => {
  it('lets first requests go only to configured hubs, wherever they are', () => {
    policy.checkRequest(resolve);
    policy.checkRequest('http://10.1.2.3:8080/api/models/org/m/revision/main');
    refused('https://evil.example/org/m/resolve/abc/x', undefined, /evil\.example is not a configured hub.*huggingface\.co, http:\/\/10\.1\.2\.3:8080/);
    refused('http://huggingface.co/x', undefined, /http:\/\/huggingface\.co is not a configured hub/);
    refused('http://10.1.2.3:8081/x', undefined, /not a configured hub/);
    refused('ftp://huggingface.co/x', undefined, /ftp: is not HTTP/);
    refused('https://user:pw@huggingface.co/x', undefined, /credentials in the URL/);
    assert.throws(() => policy.requireHub('https://huggingface.co.evil.example'), /not a configured hub/);
    assert.equal(policy.requireHub('https://HuggingFace.co/'), 'https://huggingface.co');
  });

  it('follows a hub redirect to a storage host by name, over https', () => {
    policy.checkRequest('https://cdn-lfs.hf.co/repos/ab/cd/file?X-Amz-Signature=1', resolve);
    policy.checkRequest('https://cas-bridge.xethub.hf.co/xet-bridge-us/x', resolve);
    // A storage host may redirect within itself.
    policy.checkRequest('https://cdn-lfs.hf.co/other', 'https://cdn-lfs.hf.co/repos/ab');
  });

  it('refuses IP literals, this machine, downgrades, and storage hosts that redirect elsewhere', () => {
    for (const target of ['http://169.254.169.254/latest/meta-data/', 'https://10.0.0.7/x', 'https://[::1]/x', 'https://[fe80::1]/x', 'https://8.8.8.8/x'])
      refused(target, resolve, /a storage host given as an IP address/);
    // The URL parser turns other spellings of an address into the dotted form first.
    refused('https://0x7f000001/x', resolve, /IP address/);
    refused('https://2130706433/x', resolve, /IP address/);
    refused('https://localhost/x', resolve, /on this machine/);
    refused('https://metadata.localhost./x', resolve, /on this machine/);
    refused('http://cdn-lfs.hf.co/x', resolve, /from https to plain http/);
    refused('https://evil.example/x', 'https://cdn-lfs.hf.co/repos/ab', /a redirect from the storage host cdn-lfs\.hf\.co to another host/);
  });

  it('knows which addresses are public', () => {
    for (const address of ['8.8.8.8', '1.1.1.1', '2606:4700::1111', '::ffff:8.8.8.8']) assert.ok(isPublicAddress(address), address);
    for (const address of [
      '127.0.0.1',
      '10.1.2.3',
      '172.16.0.1',
      '172.31.255.255',
      '192.168.1.1',
      '169.254.169.254',
      '100.64.0.1',
      '0.0.0.0',
      '224.0.0.1',
      '::1',
      '::',
      'fe80::1',
      'fd00::1',
      '::ffff:127.0.0.1',
      '::ffff:169.254.169.254',
      'not-an-ip',
    ])
      assert.ok(!isPublicAddress(address), address);
  });

  it('refuses a storage host whose name resolves to this machine, before connecting', async () => {
    const guarded = new HubPolicy(['https://huggingface.co']).guardedLookup();
    const lookupWith = (name: string, all: boolean) =>
      new Promise<unknown>((resolvePromise, reject) =>
        (guarded as unknown as (h: string, o: object, cb: (e: Error | null, a?: unknown) => void) => void)(name, { all }, (error, address) =>
          error ? reject(error) : resolvePromise(address),
        ),
      );
    await assert.rejects(lookupWith('localhost', true), { code: 'EHOSTREFUSED', message: /localhost resolves to .*a private or local address/ });
    await assert.rejects(lookupWith('localhost', false), { code: 'EHOSTREFUSED' });
    // The same name is fine when it is the hub the user configured.
    const hubOnLoopback = new HubPolicy(['http://localhost:8080']).guardedLookup() as unknown as (
      h: string,
      o: object,
      cb: (e: Error | null, a?: string) => void,
    ) => void;
    const address = await new Promise<string | undefined>((ok, fail) => hubOnLoopback('localhost', {}, (e, a) => (e ? fail(e) : ok(a))));
    assert.ok(address && !isPublicAddress(address));
    // Any other name of this machine (often in /etc/hosts) is refused the same way.
    const own = hostname();
    const resolved = await lookup(own).catch(() => null);
    if (resolved && !isPublicAddress(resolved.address)) await assert.rejects(lookupWith(own, false), { code: 'EHOSTREFUSED' });
  });
});
