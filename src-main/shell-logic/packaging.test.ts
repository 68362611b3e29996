import assert from 'node:assert/strict';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { Ajv } from 'ajv';
import yaml from 'js-yaml';
import { appRoot } from '../core/resources';
import { AUDIO_EXTENSIONS, audioMimeType } from '../files/media-types';

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

/** The configuration as electron-builder reads it, validated with its own JSON schema (app-builder-lib/scheme.json). */
const builderConfig = yaml.load(config) as Record<string, unknown>;
const require = createRequire(import.meta.url);
const validateBuilderConfig = new Ajv({ allErrors: true, strict: false }).compile(
  JSON.parse(readFileSync(require.resolve('app-builder-lib/scheme.json'), 'utf8')) as object,
);
const schemaErrors = (value: unknown) =>
  validateBuilderConfig(value) ? [] : (validateBuilderConfig.errors ?? []).map((e) => `${e.instancePath || '(root)'} ${e.message}`);

/** Width and height of a PNG, from its IHDR chunk. */
function pngSize(path: string): { width: number; height: number } {
  const bytes = readFileSync(path);
  assert.equal(bytes.toString('latin1', 1, 4), 'PNG', `${path} is a PNG`);
  return { width: bytes.readUInt32BE(16), height: bytes.readUInt32BE(20) };
}

describe("electron-builder.yml against electron-builder's schema", () => {
  it('validates against app-builder-lib/scheme.json', () => {
    assert.deepEqual(schemaErrors(builderConfig), []);
  });

  it("and electron-builder's own check (validateConfiguration: the schema plus its deprecation rules) accepts it", async () => {
    const { validateConfiguration } = require('app-builder-lib/out/util/config/config') as {
      validateConfiguration(config: unknown, debug: { isEnabled: boolean; add(key: string, value: unknown): void }): Promise<void>;
    };
    await validateConfiguration(structuredClone(builderConfig), { isEnabled: false, add: () => undefined });
  });

  it('the schema check catches a misspelt or misplaced option (so the test above means something)', () => {
    assert.notDeepEqual(schemaErrors({ ...builderConfig, asarUnpak: ['models/**'] }), []);
    assert.notDeepEqual(schemaErrors({ ...builderConfig, linux: { ...(builderConfig.linux as object), title: 'x' } }), []);
    assert.notDeepEqual(schemaErrors({ ...builderConfig, fileAssociations: [{ ext: 7 }] }), []);
  });

  it('parsed: asarUnpack covers onnxruntime-node/bin and models, which every files list ships', () => {
    const unpack = builderConfig.asarUnpack as string[];
    assert.ok(unpack.includes('node_modules/onnxruntime-node/bin/**'));
    assert.ok(unpack.includes('models/**'));
    assert.equal(builderConfig.asar, true);
    for (const files of [builderConfig.files, ...['linux', 'win', 'mac'].map((p) => (builderConfig[p] as { files: unknown }).files)]) {
      assert.ok((files as string[]).includes('models/**/*'));
    }
  });

  it('parsed: the associations name every audio extension and a MIME type for each', () => {
    const [association, ...others] = builderConfig.fileAssociations as { ext: string[]; mimeType: string; role: string }[];
    assert.equal(others.length, 0);
    assert.ok(association);
    assert.deepEqual([...association.ext].sort(), [...AUDIO_EXTENSIONS].sort());
    assert.equal(association.role, 'Viewer');
    const mimes = new Set(association.mimeType.split(';'));
    for (const ext of AUDIO_EXTENSIONS) assert.ok(mimes.has(audioMimeType(`x.${ext}`)), `${ext}: ${audioMimeType(`x.${ext}`)} in mimeType`);
    assert.deepEqual(new Set((builderConfig.linux as { mimeTypes: string[] }).mimeTypes), mimes);
  });

  it('parsed: fuses turn off NODE_OPTIONS, --inspect and loading the app from outside the asar; runAsNode stays for the CLI', () => {
    assert.deepEqual(builderConfig.electronFuses, {
      runAsNode: true,
      enableNodeOptionsEnvironmentVariable: false,
      enableNodeCliInspectArguments: false,
      onlyLoadAppFromAsar: true,
      grantFileProtocolExtraPrivileges: false,
    });
  });

  it('parsed: every icon the config names exists, at the sizes the installers need', () => {
    const linuxIcons = join(root, (builderConfig.linux as { icon: string }).icon);
    for (const size of [16, 32, 48, 64, 128, 256, 512]) assert.deepEqual(pngSize(join(linuxIcons, `${size}x${size}.png`)), { width: size, height: size });
    for (const platform of ['win', 'mac']) {
      const icon = pngSize(join(root, (builderConfig[platform] as { icon: string }).icon));
      // a 512 px square is the least electron-builder turns into .icns/.ico
      assert.ok(icon.width === icon.height && icon.width >= 512, `${platform} icon is ${icon.width}x${icon.height}`);
    }
    assert.ok(existsSync(join(root, 'assets', 'icon.svg')), 'the icon source');
  });
});
