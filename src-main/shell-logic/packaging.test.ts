import assert from 'node:assert/strict';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { appRoot } from '../core/resources';
import { AUDIO_EXTENSIONS } from '../files/media-types';

const root = appRoot();
const config = readFileSync(join(root, 'electron-builder.yml'), 'utf8');
const list = (line: RegExp) => {
  const match = line.exec(config);
  assert.ok(match?.[1], `electron-builder.yml has no line matching ${line}`);
  return match[1].split(',').map((item) => item.trim());
};

describe('electron-builder.yml', () => {
  it('associates exactly the audio types the app opens', () => {
    assert.deepEqual(list(/^\s+- ext: \[([^\]]+)\]/m).sort(), [...AUDIO_EXTENSIONS].sort());
  });

  it("unpacks onnxruntime-node's binaries and the models from the asar", () => {
    const unpack = config.slice(config.indexOf('asarUnpack:')).split('\n').slice(1, 3);
    assert.deepEqual(unpack, ['  - node_modules/onnxruntime-node/bin/**', '  - models/**']);
    assert.match(config, /^npmRebuild: false$/m);
  });

  it('points at icons and a main entry that exist', () => {
    assert.ok(existsSync(join(root, 'assets', 'icon.png')));
    for (const size of [16, 32, 48, 64, 128, 256, 512]) assert.ok(existsSync(join(root, 'assets', 'icons', `${size}x${size}.png`)), `${size}px icon`);
    const manifest = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { main: string };
    assert.equal(manifest.main, 'dist/main/electron-main.js');
  });

  it("ships the packaged app's command line launchers", () => {
    assert.match(config, /^extraResources:\n {2}- from: assets\/cli\n {4}to: bin$/m);
    const script = join(root, 'assets', 'cli', 'diffa');
    assert.ok((statSync(script).mode & 0o111) !== 0, 'assets/cli/diffa is executable');
    assert.match(readFileSync(script, 'utf8'), /ELECTRON_RUN_AS_NODE=1 exec "\$app" "\$resources\/app\.asar\/dist\/main\/cli\.js" "\$@"/);
    assert.match(
      readFileSync(join(root, 'assets', 'cli', 'diffa.cmd'), 'utf8'),
      /set ELECTRON_RUN_AS_NODE=1\r\n"%~dp0\.\.\\\.\.\\Diffa Studio\.exe" "%~dp0\.\.\\app\.asar\\dist\\main\\cli\.js" %\*/,
    );
  });

  it('gives every platform the same app files (a platform list replaces the top-level one)', () => {
    const blocks = config.split(/^\s+files:\n/m).slice(1);
    const top = config.split(/^files:\n/m)[1];
    assert.ok(top);
    const entries = (block: string) =>
      block
        .split('\n')
        .filter((line) => /^\s+- /.test(line))
        .map((line) => line.trim())
        .filter((line) => !line.includes('napi-v6/{'));
    const expected = entries(top.split(/\n\S/)[0] ?? '');
    assert.ok(expected.length >= 6, `top-level files: ${expected.join(' ')}`);
    assert.equal(blocks.length, 3);
    for (const block of blocks) assert.deepEqual(entries(block.split(/\n\s{0,2}\S/)[0] ?? ''), expected);
  });
});
