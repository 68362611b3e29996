import { createHash } from 'node:crypto';
import { createReadStream, existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { ApiError } from '../../src-common/api/errors';
import { fetchRemoteHeader, fetchTensorSubset } from './build/fetch-tensor-subset';
import { readSafetensorsHeader } from './build/safetensors';
import { getBytes, type PullPlan, resolveUrl } from './hub';
import { fetchVerified, type PullOptions } from './pull';
import { type BuildInput, type BuildInputFile, buildInputsDir, partPath, sizeOf } from './staging';

/**
 * Fetching a build's checkpoints into `<staging>/inputs/<role>/`, each checked as it arrives:
 * - LFS files (LLaDA's shards, the DIFFA checkpoint): the downloader, resumable, against the hub's SHA-256;
 * - small files (index, tokenizer, config): fetched whole and checked against the hub's git blob id;
 * - Whisper: only the encoder's tensors, by byte range, into a new safetensors file. The hub's SHA-256 covers the
 *   whole remote file, which is never fetched, so what is checked instead is written to `subset.json` (and from there
 *   into the model's provenance): the commit, the remote file's size (every range answer must name the size the hub
 *   lists at that commit), its header's SHA-256, every fetched tensor's dtype (the catalog's) and its bytes' SHA-256
 *   (against the catalog's pins when it has them). The template then checks every tensor's name and shape.
 */
export interface WhisperSubsetRecord {
  repo: string;
  revision: string;
  commit: string;
  file: string;
  /** The whole remote file, as the hub lists it (its SHA-256 is not checked: the file is not fetched whole). */
  remoteSize: number;
  remoteSha256: string | null;
  headerSha256: string;
  tensors: Record<string, { dtype: string; shape: number[]; sha256: string }>;
  checkedAgainstPins: number;
}

export const SUBSET_RECORD = 'subset.json';

const gitBlobId = (bytes: Buffer) => createHash('sha1').update(`blob ${bytes.length}\0`).update(bytes).digest('hex');

export interface InputFetchOptions extends PullOptions {
  id: string;
  /** Per file: bytes as they arrive (negative when a partial file was thrown away). */
  onFileBytes: (path: string, delta: number) => void;
}

export const inputPath = (modelsDir: string, id: string, input: BuildInput, file: BuildInputFile) => join(buildInputsDir(modelsDir, id), input.role, file.path);

/** Fetches one whole input file (or nothing when it is already there and complete). */
export async function fetchInputFile(input: BuildInput, file: BuildInputFile, options: InputFetchOptions): Promise<void> {
  const path = inputPath(options.modelsDir, options.id, input, file);
  const label = `${input.repo}/${file.path}`;
  const onBytes = (delta: number) => options.onFileBytes(label, delta);
  if (file.sha256) {
    // The downloader needs only where the file lives; a plan of one file says that.
    const plan: PullPlan = {
      id: options.id,
      name: options.id,
      endpoint: input.endpoint,
      repo: input.repo,
      revision: input.revision,
      commit: input.commit,
      files: [],
    };
    if (sizeOf(path) === file.size) return;
    await fetchVerified(
      plan,
      { path: file.path, size: file.size, sha256: file.sha256 },
      join(buildInputsDir(options.modelsDir, options.id), input.role),
      options,
      onBytes,
    );
    return;
  }
  if (sizeOf(path) === file.size && gitBlobId(readFileSync(path)) === file.gitOid) return;
  const client = { dispatcher: options.dispatcher, token: options.token, signal: options.signal };
  const policy = options.policy;
  if (!policy) throw new ApiError('internal', 'a build fetch needs the hub policy');
  const { bytes } = await getBytes(client, policy, resolveUrl(input.endpoint, input.repo, input.commit, file.path), label);
  if (bytes.length !== file.size) throw new ApiError('bad_model', `${label}: ${bytes.length} bytes received, the hub lists ${file.size}`, { file: file.path });
  if (file.gitOid && gitBlobId(bytes) !== file.gitOid)
    throw new ApiError('bad_model', `${label}: the bytes received are not the file the hub lists (git blob ${gitBlobId(bytes)}, expected ${file.gitOid})`, {
      file: file.path,
    });
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(`${path}.tmp`, bytes);
  renameSync(`${path}.tmp`, path);
  onBytes(bytes.length);
}

/** Bytes the Whisper subset will have: its header plus the chosen tensors (read from the remote header). */
export async function subsetSize(input: BuildInput, options: InputFetchOptions): Promise<number> {
  const file = input.files[0] as BuildInputFile;
  const { tensors } = await fetchRemoteHeader({
    url: resolveUrl(input.endpoint, input.repo, input.commit, file.path),
    out: '',
    select: () => true,
    dispatcher: options.dispatcher,
    token: options.token,
    policy: options.policy,
    signal: options.signal,
    expectedSize: file.size,
  });
  const chosen = [...tensors.values()].filter((t) => t.name.startsWith(input.subset?.prefix ?? ''));
  if (chosen.length === 0) throw new ApiError('bad_model', `${input.repo}/${file.path}: no tensor named ${input.subset?.prefix}* (is it the right model?)`);
  // header: names, dtypes, shapes and offsets in JSON, 8-byte aligned; ~100 bytes a tensor is a safe estimate
  return chosen.reduce((n, t) => n + t.length, 0) + 8 + 128 + chosen.length * 160;
}

async function sha256Range(path: string, start: number, length: number): Promise<string> {
  const hash = createHash('sha256');
  if (length > 0) for await (const chunk of createReadStream(path, { start, end: start + length - 1, highWaterMark: 1 << 20 })) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

/** Fetches Whisper's encoder tensors by byte range (resumable, retried) and checks what can be checked. */
export async function fetchWhisperSubset(input: BuildInput, options: InputFetchOptions): Promise<WhisperSubsetRecord> {
  const file = input.files[0] as BuildInputFile;
  const subset = input.subset ?? { prefix: '' };
  const out = inputPath(options.modelsDir, options.id, input, file);
  const recordPath = join(dirname(out), SUBSET_RECORD);
  if (existsSync(out) && existsSync(recordPath)) return JSON.parse(readFileSync(recordPath, 'utf8')) as WhisperSubsetRecord;
  mkdirSync(dirname(out), { recursive: true });
  const label = `${input.repo}/${file.path}`;
  const maxRetries = options.maxRetries ?? 6;
  let result: Awaited<ReturnType<typeof fetchTensorSubset>> | undefined;
  for (let attempt = 0; !result; attempt++) {
    const before = sizeOf(partPath(out)) ?? 0;
    try {
      result = await fetchTensorSubset({
        url: resolveUrl(input.endpoint, input.repo, input.commit, file.path),
        out,
        select: (name) => name.startsWith(subset.prefix),
        dispatcher: options.dispatcher,
        token: options.token,
        policy: options.policy,
        signal: options.signal,
        expectedSize: file.size,
        onBytes: (delta) => options.onFileBytes(label, delta),
      });
    } catch (error) {
      if (options.signal.aborted) throw new ApiError('cancelled', 'Download stopped');
      // Dropped connections are retried like any download (progress resets the count); anything else is final.
      const retryable = !options.signal.aborted && error instanceof Error && !(error instanceof ApiError && error.code !== 'io_error');
      const moved = (sizeOf(partPath(out)) ?? 0) > before;
      if (!retryable || (attempt >= maxRetries && !moved)) throw ApiError.wrap(error, 'io_error');
      if (moved) attempt = 0;
      options.log?.(`${label}: ${(error as Error).message}; retrying`);
      await new Promise((r) => setTimeout(r, Math.min(15_000, (options.backoffMs ?? 500) * 2 ** attempt)));
    }
  }
  const tensors = await readSafetensorsHeader(out);
  const record: WhisperSubsetRecord = {
    repo: input.repo,
    revision: input.revision,
    commit: input.commit,
    file: file.path,
    remoteSize: file.size,
    remoteSha256: file.sha256 ?? null,
    headerSha256: createHash('sha256').update(result.remoteHeader).digest('hex'),
    tensors: {},
    checkedAgainstPins: 0,
  };
  for (const t of tensors.values()) {
    if (subset.dtype && t.dtype !== subset.dtype) {
      rmSync(out, { force: true });
      throw new ApiError('bad_model', `${label}, tensor ${t.name}: is ${t.dtype}, the catalog expects ${subset.dtype} (another file than the released one?)`);
    }
    const sha256 = await sha256Range(out, t.offset, t.length);
    const pinned = subset.tensorSha256?.[t.name];
    if (pinned && pinned !== sha256) {
      rmSync(out, { force: true });
      throw new ApiError('bad_model', `${label}, tensor ${t.name}: SHA-256 ${sha256} does not match the catalog's ${pinned}; fetch it again`);
    }
    if (pinned) record.checkedAgainstPins++;
    record.tensors[t.name] = { dtype: t.dtype, shape: t.shape, sha256 };
  }
  const missingPins = Object.keys(subset.tensorSha256 ?? {}).filter((name) => !record.tensors[name]);
  if (missingPins.length > 0) throw new ApiError('bad_model', `${label}: tensor ${missingPins[0]} (pinned in the catalog) is not in the file`);
  writeFileSync(`${recordPath}.tmp`, JSON.stringify(record, null, 1));
  renameSync(`${recordPath}.tmp`, recordPath);
  return record;
}
