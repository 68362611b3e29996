import assert from 'node:assert/strict';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import * as fc from 'fast-check';
import { ApiError } from '../../src-common/api/errors';
import { loadBundle } from '../models/bundle';
import { BundleManifestSchema } from '../models/bundle-manifest';
import { loadCatalog, userCatalogPath } from '../models/catalog';
import { makeBundle } from '../models/testing/make-bundle';
import { tempDir } from '../test-support/temp-dir';
import { fuzzParameters, mutatedJson } from './fuzz-support';

/**
 * The model bundle manifest (loadBundle) and the catalogs (loadCatalog): any manifest.json or catalog file either
 * loads or is refused with an ApiError — never a TypeError, never a file outside the bundle.
 */
const dir = tempDir('diffa-fuzz-models-');
const bundle = makeBundle('fuzz-model', { 'audio.onnx': 64, 'llm.onnx': 128, 'tokenizer.json': 16 });
const bundleDir = join(dir, 'bundle');
mkdirSync(bundleDir);
for (const file of bundle.files) writeFileSync(join(bundleDir, file.path), file.data);
writeFileSync(join(bundleDir, 'manifest.json'), bundle.manifestText);
const base = JSON.parse(bundle.manifestText);
const appCatalog = JSON.parse(readFileSync(join(import.meta.dirname, '..', '..', 'models', 'catalog.json'), 'utf8'));

function expectLoadedOrApiError(run: () => unknown, codes: string[], what: () => string): unknown {
  try {
    return run();
  } catch (error) {
    assert.ok(error instanceof ApiError, `${what()}: threw ${(error as Error)?.constructor?.name}: ${(error as Error)?.message}`);
    assert.ok(codes.includes(error.code), `${what()}: code ${error.code}`);
    return undefined;
  }
}

const manifest = (text: string | Uint8Array) => {
  writeFileSync(join(bundleDir, 'manifest.json'), text);
  return () => loadBundle(bundleDir);
};

describe('fuzz: model bundle manifest', () => {
  it('the unmutated manifest loads', () => {
    assert.equal(loadBundle(bundleDir).manifest.id, 'fuzz-model');
  });

  it('mutated manifests load or fail with bad_model; a loaded one lists only files inside the bundle', () => {
    fc.assert(
      fc.property(mutatedJson(base), (doc) => {
        const text = JSON.stringify(doc);
        const loaded = expectLoadedOrApiError(manifest(text), ['bad_model'], () => text.slice(0, 400)) as ReturnType<typeof loadBundle> | undefined;
        if (loaded) {
          for (const file of loaded.manifest.files) assert.ok(!file.path.startsWith('/') && !file.path.split(/[\\/]/).includes('..'), file.path);
          assert.equal(BundleManifestSchema.safeParse(loaded.manifest).success, true);
        }
      }),
      fuzzParameters(200),
    );
  });

  it('manifest paths that leave the bundle are refused', () => {
    for (const path of ['../outside.onnx', '/etc/passwd', 'a/../../b', '..\\..\\win.ini', '..']) {
      const doc = structuredClone(base);
      doc.files[0].path = path;
      doc.graphs.audio.file = path;
      assert.throws(manifest(JSON.stringify(doc)), (error: unknown) => error instanceof ApiError && error.code === 'bad_model', path);
    }
  });

  it('cut, byte-flipped or random manifest text fails with bad_model', () => {
    const text = Buffer.from(bundle.manifestText);
    fc.assert(
      fc.property(
        fc.oneof(
          fc.nat({ max: text.length - 1 }).map((at) => text.subarray(0, at)),
          fc.tuple(fc.nat({ max: text.length - 1 }), fc.integer({ min: 0, max: 255 })).map(([at, byte]) => {
            const copy = Buffer.from(text);
            copy[at] = byte;
            return copy;
          }),
          fc.uint8Array({ maxLength: 300 }),
          fc.string({ maxLength: 300 }).map((s) => Buffer.from(s)),
        ),
        (bytes) => {
          expectLoadedOrApiError(manifest(bytes), ['bad_model'], () => JSON.stringify(bytes.toString()).slice(0, 400));
        },
      ),
      fuzzParameters(200),
    );
  });
});

describe('fuzz: model catalogs', () => {
  const modelsDir = join(dir, 'models');
  mkdirSync(modelsDir);
  const appPath = join(dir, 'catalog.json');
  writeFileSync(appPath, JSON.stringify(appCatalog));

  it('mutated app and user catalogs load or fail with bad_request', () => {
    fc.assert(
      fc.property(mutatedJson(appCatalog), fc.boolean(), (doc, asUser) => {
        const text = JSON.stringify(doc);
        writeFileSync(asUser ? userCatalogPath(modelsDir) : appPath, text);
        if (asUser) writeFileSync(appPath, JSON.stringify(appCatalog));
        const entries = expectLoadedOrApiError(
          () => loadCatalog(appPath, modelsDir),
          ['bad_request'],
          () => text.slice(0, 400),
        );
        if (entries) assert.ok(Array.isArray(entries));
      }),
      fuzzParameters(200),
    );
  });

  it('random catalog text fails with bad_request', () => {
    fc.assert(
      fc.property(
        fc.oneof(
          fc.string({ maxLength: 200 }),
          fc.jsonValue().map((v) => JSON.stringify(v)),
        ),
        (text) => {
          writeFileSync(userCatalogPath(modelsDir), text);
          expectLoadedOrApiError(
            () => loadCatalog(appPath, modelsDir),
            ['bad_request'],
            () => text.slice(0, 400),
          );
        },
      ),
      fuzzParameters(200),
    );
  });
});
