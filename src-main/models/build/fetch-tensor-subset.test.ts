import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { tempDir } from '../../test-support/temp-dir';
import { createDispatcher } from '../network';
import { TestHub } from '../testing/hub-server';
import { fetchTensorSubset } from './fetch-tensor-subset';
import { readTensorBytes } from './read-range';
import { SafetensorsFolder } from './safetensors';

/**
 * Fetching only Whisper's encoder from a hub by HTTP Range, against a real local HTTP server that redirects LFS
 * files to its CDN route as the hub does: a valid safetensors file with exactly the chosen tensors' bytes, the
 * decoder never sent, and a stopped fetch resuming from where it stopped.
 */
const dispatcher = createDispatcher({}, {});

function safetensors(tensors: [string, number[], Buffer][]): Buffer {
  const header: Record<string, unknown> = {};
  let offset = 0;
  for (const [name, shape, data] of tensors) {
    header[name] = { dtype: 'F16', shape, data_offsets: [offset, offset + data.length] };
    offset += data.length;
  }
  const json = Buffer.from(JSON.stringify(header));
  const len = Buffer.alloc(8);
  len.writeBigUInt64LE(BigInt(json.length));
  return Buffer.concat([len, json, ...tensors.map((t) => t[2])]);
}

describe('fetching only some tensors of a remote safetensors file', () => {
  const dir = tempDir('builder-subset-');
  const hub = new TestHub();
  const tensors: [string, number[], Buffer][] = [
    ['model.decoder.embed_tokens.weight', [512, 256], randomBytes(512 * 256 * 2)],
    ['model.encoder.conv1.weight', [64, 16, 3], randomBytes(64 * 16 * 3 * 2)],
    ['model.encoder.layers.0.fc1.weight', [256, 64], randomBytes(256 * 64 * 2)],
    ['model.decoder.layers.0.fc1.weight', [256, 64], randomBytes(256 * 64 * 2)],
    ['model.encoder.layer_norm.weight', [64], randomBytes(64 * 2)],
  ];
  const file = join(dir, 'model.safetensors');
  let url = '';
  const encoder = (name: string) => name.startsWith('model.encoder.');
  const encoderBytes = tensors.filter(([n]) => encoder(n)).reduce((s, [, , d]) => s + d.length, 0);

  before(async () => {
    writeFileSync(file, safetensors(tensors));
    await hub.start();
    const commit = hub.addRepo('openai/whisper-large-v3', [{ path: 'model.safetensors', data: readFileSync(file), lfs: true }]);
    url = `${hub.url}/openai/whisper-large-v3/resolve/${commit}/model.safetensors`;
  });
  after(async () => {
    await hub.close();
    await dispatcher.close();
  });

  it('writes a safetensors file with exactly the encoder tensors, and never fetches the decoder', async () => {
    const out = join(dir, 'encoder.safetensors');
    hub.resetCounts();
    const r = await fetchTensorSubset({ url, out, select: encoder, dispatcher, policy: undefined });
    assert.deepEqual(
      r.tensors.sort(),
      tensors
        .map(([n]) => n)
        .filter(encoder)
        .sort(),
    );
    const got = await SafetensorsFolder.openFile(out);
    for (const [name, shape, data] of tensors.filter(([n]) => encoder(n))) {
      assert.deepEqual(got.locate(name).shape, shape);
      assert.ok((await readTensorBytes(got.locate(name))).equals(data), name);
    }
    assert.ok(!got.has('model.decoder.embed_tokens.weight'));
    const served = hub.bytesServed('model.safetensors');
    const headerBytes = readFileSync(file).readUInt32LE(0) + 8;
    assert.equal(served, encoderBytes + headerBytes, 'only the header and the encoder tensors were sent');
    assert.ok(r.skippedBytes >= 512 * 256 * 2 + 256 * 64 * 2, 'the decoder was skipped');
  });

  it('a stopped fetch resumes from where it stopped', async () => {
    const out = join(dir, 'resumed.safetensors');
    const stop = new AbortController();
    let seen = 0;
    await assert.rejects(
      fetchTensorSubset({
        url,
        out,
        select: encoder,
        dispatcher,
        signal: stop.signal,
        onBytes: (n) => {
          seen += n;
          if (seen > 2000) stop.abort();
        },
      }),
    );
    assert.ok(existsSync(`${out}.part`) && !existsSync(out));
    hub.resetCounts();
    const r = await fetchTensorSubset({ url, out, select: encoder, dispatcher });
    assert.ok(r.bytes < encoderBytes, `the rerun fetched ${r.bytes} of ${encoderBytes} tensor bytes`);
    const got = await SafetensorsFolder.openFile(out);
    for (const [name, , data] of tensors.filter(([n]) => encoder(n))) assert.ok((await readTensorBytes(got.locate(name))).equals(data), name);
  });

  it('refuses a server that ignores Range (it would send the whole 3 GB file)', async () => {
    hub.fault('model.safetensors', { kind: 'ignore-range' });
    await assert.rejects(fetchTensorSubset({ url, out: join(dir, 'x.safetensors'), select: encoder, dispatcher }), /ignored the byte range/);
  });
});
