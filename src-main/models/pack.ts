import { createHash, randomBytes } from 'node:crypto';
import { createReadStream, createWriteStream, existsSync, mkdirSync, renameSync, rmSync, statSync } from 'node:fs';
import { dirname, join, normalize, sep } from 'node:path';
import { Readable, Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { ApiError } from '../../src-common/api/errors';
import { loadBundle } from './bundle';
import { type BundleManifest, BundleManifestSchema } from './bundle-manifest';
import { installBundle } from './install';
import { STAGING } from './staging';
import { readTar, tarEnd, tarHeader, tarPadding } from './tar';

/**
 * Model packs: a model as one `.tar` file (`<id>/manifest.json` first, then every listed file) for machines with no
 * network. Import checks every byte against the manifest while copying and installs with a rename, exactly like a
 * download, so a damaged USB stick can never produce a half-working model.
 */

export interface PackProgress {
  file: string;
  bytesDone: number;
  bytesTotal: number;
}

/** Copies a stream into a file while hashing it; returns the SHA-256. */
async function copyHashed(source: AsyncIterable<Buffer>, target: string, onBytes?: (n: number) => void): Promise<string> {
  mkdirSync(dirname(target), { recursive: true });
  const hash = createHash('sha256');
  const tap = new Transform({
    transform(chunk: Buffer, _enc, callback) {
      hash.update(chunk);
      onBytes?.(chunk.length);
      callback(null, chunk);
    },
  });
  await pipeline(source, tap, createWriteStream(target, { highWaterMark: 1 << 20 }));
  return hash.digest('hex');
}

const newImportDir = (modelsDir: string) => join(modelsDir, STAGING, `import-${randomBytes(4).toString('hex')}`);

/** Checks hashes gathered during the copy against the manifest, then installs the staged folder. */
function finishImport(staged: string, hashes: Map<string, string>, modelsDir: string): { id: string; dir: string } {
  const bundle = loadBundle(staged);
  for (const file of bundle.manifest.files) {
    const actual = hashes.get(file.path);
    if (actual !== file.sha256)
      throw new ApiError('bad_model', `${file.path} is corrupt in the pack: SHA-256 ${actual} instead of ${file.sha256}`, { file: file.path });
  }
  return { id: bundle.manifest.id, dir: installBundle(staged, modelsDir, bundle.manifest.id) };
}

/** Imports a model from a bundle folder or a `.tar` pack into `modelsDir`. */
export async function importModel(path: string, modelsDir: string, onProgress?: (p: PackProgress) => void): Promise<{ id: string; dir: string }> {
  if (!existsSync(path)) throw new ApiError('not_found', `${path} does not exist`);
  const staged = newImportDir(modelsDir);
  try {
    return statSync(path).isDirectory() ? await importFolder(path, staged, modelsDir, onProgress) : await importTar(path, staged, modelsDir, onProgress);
  } finally {
    rmSync(staged, { recursive: true, force: true });
  }
}

async function importFolder(dir: string, staged: string, modelsDir: string, onProgress?: (p: PackProgress) => void) {
  const manifest = loadBundle(dir).manifest;
  const total = manifest.files.reduce((sum, f) => sum + f.size, 0);
  let done = 0;
  const hashes = new Map<string, string>();
  await copyHashed(createReadStream(join(dir, 'manifest.json')), join(staged, 'manifest.json'));
  for (const file of manifest.files) {
    const hash = await copyHashed(createReadStream(join(dir, file.path), { highWaterMark: 1 << 20 }), join(staged, file.path), (n) => {
      done += n;
      onProgress?.({ file: file.path, bytesDone: done, bytesTotal: total });
    });
    hashes.set(file.path, hash);
  }
  return finishImport(staged, hashes, modelsDir);
}

/** A tar entry name as a safe relative path, or null for one that would escape the folder. */
function safeName(name: string): string | null {
  const clean = normalize(name.replace(/^\.\//, '')).split(sep).join('/');
  if (clean.startsWith('/') || clean.split('/').includes('..') || /^[A-Za-z]:/.test(clean)) return null;
  return clean.replace(/\/$/, '');
}

async function importTar(file: string, staged: string, modelsDir: string, onProgress?: (p: PackProgress) => void) {
  const total = statSync(file).size;
  let done = 0;
  const raw = join(staged, 'raw');
  const hashes = new Map<string, string>();
  try {
    for await (const entry of readTar(createReadStream(file, { highWaterMark: 1 << 20 }) as AsyncIterable<Buffer>)) {
      if (entry.type === '5') continue;
      const name = safeName(entry.name);
      if (name === null) throw new ApiError('bad_model', `The pack contains an unsafe path: ${entry.name}`);
      if (entry.type !== '0') throw new ApiError('bad_model', `The pack contains ${name}, which is not a regular file (links are not accepted)`);
      hashes.set(
        name,
        await copyHashed(entry.body, join(raw, name), (n) => {
          done += n;
          onProgress?.({ file: name, bytesDone: done, bytesTotal: total });
        }),
      );
    }
  } catch (error) {
    if (error instanceof ApiError) throw error;
    throw new ApiError('bad_model', `${file} is not a readable model pack: ${(error as Error).message}`);
  }
  // The bundle is the folder holding the shallowest manifest.json: `<id>/` in our packs, the root in others.
  const manifests = [...hashes.keys()]
    .filter((n) => n === 'manifest.json' || n.endsWith('/manifest.json'))
    .sort((a, b) => a.split('/').length - b.split('/').length);
  if (!manifests[0]) throw new ApiError('bad_model', `${file} has no manifest.json: it is not a model pack`);
  const root = dirname(manifests[0]) === '.' ? '' : `${dirname(manifests[0])}/`;
  const inRoot = new Map<string, string>();
  for (const [name, hash] of hashes) if (name.startsWith(root)) inRoot.set(name.slice(root.length), hash);
  return finishImport(join(raw, root), inRoot, modelsDir);
}

/**
 * Writes an installed model as a `.tar` pack. Every file is re-hashed while it is written, so a pack is only
 * produced from a model that is intact; the pack appears under its name only when complete.
 */
export async function exportModel(modelDir: string, outFile: string, onProgress?: (p: PackProgress) => void): Promise<{ bytes: number }> {
  const bundle = loadBundle(modelDir);
  const manifest: BundleManifest = BundleManifestSchema.parse(bundle.manifest);
  const id = manifest.id;
  const total = manifest.files.reduce((sum, f) => sum + f.size, 0);
  let done = 0;
  const temp = `${outFile}.part`;
  const mtime = Math.floor(Date.now() / 1000);
  async function* pack(): AsyncGenerator<Buffer> {
    const manifestSize = statSync(join(modelDir, 'manifest.json')).size;
    const entries = [{ path: 'manifest.json', size: manifestSize, sha256: null as string | null }, ...manifest.files];
    for (const file of entries) {
      yield tarHeader({ name: `${id}/${file.path}`, size: file.size, type: '0' }, mtime);
      const hash = createHash('sha256');
      let size = 0;
      for await (const chunk of createReadStream(join(modelDir, file.path), { highWaterMark: 1 << 20 })) {
        hash.update(chunk as Buffer);
        size += (chunk as Buffer).length;
        done += (chunk as Buffer).length;
        onProgress?.({ file: file.path, bytesDone: done, bytesTotal: total });
        yield chunk as Buffer;
      }
      const actual = hash.digest('hex');
      if (size !== file.size || (file.sha256 !== null && actual !== file.sha256))
        throw new ApiError('bad_model', `${file.path} is corrupt (SHA-256 ${actual}); run \`models verify ${id} --repair\` before exporting`, {
          file: file.path,
        });
      yield tarPadding(file.size);
    }
    yield tarEnd();
  }
  try {
    await pipeline(Readable.from(pack()), createWriteStream(temp, { highWaterMark: 1 << 20 }));
    renameSync(temp, outFile);
  } catch (error) {
    rmSync(temp, { force: true });
    throw error;
  }
  return { bytes: statSync(outFile).size };
}
