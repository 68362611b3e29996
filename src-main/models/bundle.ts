import { createHash } from 'node:crypto';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { ApiError } from '../../src-common/api/errors';
import { type BundleManifest, BundleManifestSchema, capabilitiesOf } from './bundle-manifest';
import { sha256File } from './sha256';

export interface Bundle {
  dir: string;
  /** How errors name the bundle: its folder, or the model (a download or import in progress, or a pack). */
  label: string;
  manifest: BundleManifest;
  /** SHA-256 of manifest.json: identifies exactly which model answered (provenance). */
  manifestSha256: string;
}

const bad = (label: string, message: string, file?: string) => new ApiError('bad_model', `${label}: ${message}`, file ? { file } : undefined);

/**
 * The name errors give a bundle folder: the model's own folder as it is, but never a staging folder
 * (`<models>/.staging/<id>/bundle`, `<models>/.staging/import-…`), which the user did not choose and cannot act on.
 */
export function bundleLabel(dir: string): string {
  const staged = /[\\/]\.staging[\\/]([^\\/]+)/.exec(dir)?.[1];
  if (!staged) return `Model bundle ${dir}`;
  return staged.startsWith('import-') ? 'The model being imported' : `The download of ${staged}`;
}

/**
 * Reads and validates a bundle's manifest and checks that every listed file is present with its listed size.
 * Hashes are checked separately (`verifyBundle`), once per file version, because they cost a full read.
 */
export function loadBundle(dir: string, label = bundleLabel(dir)): Bundle {
  const manifestPath = join(dir, 'manifest.json');
  if (!existsSync(manifestPath)) throw bad(label, 'manifest.json is missing (is this a model folder?)', 'manifest.json');
  const text = readFileSync(manifestPath);
  let json: unknown;
  try {
    json = JSON.parse(text.toString('utf8'));
  } catch (error) {
    throw bad(label, `manifest.json is not valid JSON (${(error as Error).message})`, 'manifest.json');
  }
  const parsed = BundleManifestSchema.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw bad(label, `manifest.json: ${issue?.path.join('.') || '(root)'} ${issue?.message ?? 'is invalid'}`, 'manifest.json');
  }
  const manifest = parsed.data;
  try {
    capabilitiesOf(manifest);
  } catch (error) {
    throw bad(dir, `manifest.json: ${(error as Error).message}`, 'manifest.json');
  }
  const listed = new Set(manifest.files.map((f) => f.path));
  for (const needed of [manifest.graphs.audio.file, manifest.graphs.llm.file, manifest.tokenizer]) {
    if (!listed.has(needed)) throw bad(label, `${needed} is used but not listed in files`, needed);
  }
  for (const file of manifest.files) {
    const path = join(dir, file.path);
    if (!existsSync(path)) throw bad(label, `${file.path} is missing`, file.path);
    const size = statSync(path).size;
    if (size !== file.size) throw bad(label, `${file.path} has ${size} bytes, the manifest says ${file.size} (incomplete or replaced?)`, file.path);
  }
  return { dir, label, manifest, manifestSha256: createHash('sha256').update(text).digest('hex') };
}

/** Remembers which file versions (path, size, mtime) already matched their hash, so start-up does not re-read them. */
interface VerifiedCache {
  [path: string]: { size: number; mtimeMs: number; sha256: string };
}

async function readCache(cachePath: string): Promise<VerifiedCache> {
  try {
    return JSON.parse(await readFile(cachePath, 'utf8')) as VerifiedCache;
  } catch {
    return {};
  }
}

async function writeCache(cachePath: string, cache: VerifiedCache): Promise<void> {
  await mkdir(dirname(cachePath), { recursive: true });
  const temp = `${cachePath}.${process.pid}.tmp`;
  await writeFile(temp, JSON.stringify(cache));
  await rename(temp, cachePath);
}

export interface VerifyProgress {
  file: string;
  index: number;
  total: number;
  cached: boolean;
}

/**
 * Checks every file's SHA-256 against the manifest (skipping versions verified before, per the cache) and throws a
 * `bad_model` error naming the first file that does not match. Returns the names of the files actually hashed.
 */
export async function verifyBundle(bundle: Bundle, cachePath: string, onProgress?: (p: VerifyProgress) => void): Promise<string[]> {
  const cache = await readCache(cachePath);
  const hashed: string[] = [];
  const files = bundle.manifest.files;
  for (const [index, file] of files.entries()) {
    const path = join(bundle.dir, file.path);
    const info = statSync(path);
    const known = cache[path];
    const cached = known !== undefined && known.size === info.size && known.mtimeMs === info.mtimeMs && known.sha256 === file.sha256;
    onProgress?.({ file: file.path, index, total: files.length, cached });
    if (cached) continue;
    const actual = await sha256File(path);
    hashed.push(file.path);
    if (actual !== file.sha256) {
      delete cache[path];
      await writeCache(cachePath, cache);
      throw bad(bundle.label, `${file.path} is corrupt: its SHA-256 is ${actual}, the manifest says ${file.sha256}`, file.path);
    }
    cache[path] = { size: info.size, mtimeMs: info.mtimeMs, sha256: actual };
  }
  if (hashed.length > 0) await writeCache(cachePath, cache);
  return hashed;
}
