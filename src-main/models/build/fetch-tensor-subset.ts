import { existsSync, renameSync, statSync } from 'node:fs';
import { open } from 'node:fs/promises';
import { type Dispatcher, request } from 'undici';
import { ApiError } from '../../../src-common/api/errors';
import { HubPolicy } from '../hub-policy';
import { headerLength, parseHeader } from './safetensors';
import type { TensorLocation } from './tensor-types';

/**
 * Downloads only some tensors of a remote safetensors file, by HTTP Range: the 8-byte length and the JSON header
 * first, then the chosen tensors' byte ranges (neighbours merged into one request), written as a new, valid
 * safetensors file holding just those tensors. Whisper-large-v3's `model.safetensors` is 3.1 GB, its encoder
 * 1.3 GB: the decoder is never fetched. Resumable: the output grows in `<out>.part` in file order, so a rerun asks
 * for the rest from the byte where it stopped. Redirects (the hub sends LFS files to its CDN) go through the hub
 * policy; the token goes only to the hub's own origin.
 */
export interface SubsetFetch {
  url: string;
  out: string;
  select: (name: string) => boolean;
  dispatcher: Dispatcher;
  token?: string;
  policy?: HubPolicy;
  signal?: AbortSignal;
  onBytes?: (delta: number) => void;
  /** The whole remote file's size (the hub's listing at the pinned commit): every range answer must name it. */
  expectedSize?: number;
}

async function rangeGet(f: SubsetFetch, policy: HubPolicy, start: number, endInclusive: number): Promise<Dispatcher.ResponseData> {
  let current = f.url;
  let from: string | undefined;
  for (let hop = 0; hop < 5; hop++) {
    policy.checkRequest(current, from);
    const headers: Record<string, string> = { range: `bytes=${start}-${endInclusive}` };
    if (f.token && new URL(current).origin === new URL(f.url).origin) headers.authorization = `Bearer ${f.token}`;
    const response = await request(current, { dispatcher: f.dispatcher, headers, signal: f.signal });
    if (response.statusCode >= 300 && response.statusCode < 400 && response.headers.location) {
      await response.body.dump();
      from = current;
      current = new URL(String(response.headers.location), current).href;
      continue;
    }
    if (response.statusCode !== 206) {
      await response.body.dump();
      const why = response.statusCode === 200 ? 'the server ignored the byte range' : `HTTP ${response.statusCode}`;
      throw new ApiError('io_error', `${new URL(f.url).pathname}: ${why}; a partial download needs HTTP Range`);
    }
    const range = /^bytes (\d+)-(\d+)\/(\d+|\*)$/.exec(String(response.headers['content-range'] ?? ''));
    if (!range || Number(range[1]) !== start || Number(range[2]) !== endInclusive) {
      await response.body.dump();
      throw new ApiError('io_error', `${new URL(f.url).pathname}: the server answered another byte range (${response.headers['content-range']})`);
    }
    if (f.expectedSize !== undefined && range[3] !== String(f.expectedSize)) {
      await response.body.dump();
      throw new ApiError(
        'bad_model',
        `${new URL(f.url).pathname}: the server's file has ${range[3]} bytes, the hub's listing says ${f.expectedSize} (another file than the pinned one?)`,
      );
    }
    return response;
  }
  throw new ApiError('io_error', `${f.url}: too many redirects`);
}

async function rangeBytes(f: SubsetFetch, policy: HubPolicy, start: number, length: number): Promise<Buffer> {
  const r = await rangeGet(f, policy, start, start + length - 1);
  const body = Buffer.from(await r.body.arrayBuffer());
  if (body.length !== length) throw new ApiError('io_error', `${new URL(f.url).pathname}: ${body.length} bytes received, ${length} asked`);
  return body;
}

/** The new file's header: the chosen tensors, packed in their original order. */
function subsetHeader(chosen: TensorLocation[]): Buffer {
  const header: Record<string, unknown> = { __metadata__: { format: 'pt' } };
  let offset = 0;
  for (const t of chosen) {
    header[t.name] = { dtype: t.dtype, shape: t.shape, data_offsets: [offset, offset + t.length] };
    offset += t.length;
  }
  let text = JSON.stringify(header);
  text += ' '.repeat((8 - (text.length % 8)) % 8); // data 8-byte aligned, as safetensors writers do
  const out = Buffer.alloc(8 + Buffer.byteLength(text));
  out.writeBigUInt64LE(BigInt(Buffer.byteLength(text)), 0);
  out.write(text, 8);
  return out;
}

export interface SubsetResult {
  tensors: string[];
  /** Bytes fetched by this call. */
  bytes: number;
  skippedBytes: number;
  /** The remote file's header (its 8-byte length and JSON), as fetched. */
  remoteHeader: Buffer;
  /** The remote file's tensors, by name. */
  remoteTensors: Map<string, TensorLocation>;
}

/** Reads a remote safetensors file's header only: its tensors' names, dtypes, shapes and byte ranges. */
export async function fetchRemoteHeader(f: SubsetFetch): Promise<{ header: Buffer; tensors: Map<string, TensorLocation> }> {
  const policy = f.policy ?? new HubPolicy([f.url]);
  const length = await rangeBytes(f, policy, 0, 8);
  const n = headerLength(length, f.url);
  const json = await rangeBytes(f, policy, 8, n);
  return { header: Buffer.concat([length, json]), tensors: parseHeader(json, f.url, f.expectedSize) };
}

/** Returns the tensors written and the bytes fetched by this call. */
export async function fetchTensorSubset(f: SubsetFetch): Promise<SubsetResult> {
  const policy = f.policy ?? new HubPolicy([f.url]);
  const { header: remoteHeader, tensors: all } = await fetchRemoteHeader({ ...f, policy });
  const chosen = [...all.values()].filter((t) => f.select(t.name)).sort((a, b) => a.offset - b.offset);
  if (chosen.length === 0) throw new ApiError('bad_model', `${f.url}: no tensor matches what is needed`);
  const head = subsetHeader(chosen);
  // runs of neighbouring tensors, one request each: [remote start, remote end, local start]
  const runs: [number, number, number][] = [];
  let local = head.length;
  for (const t of chosen) {
    const last = runs[runs.length - 1];
    if (last && last[1] === t.offset) last[1] += t.length;
    else runs.push([t.offset, t.offset + t.length, local]);
    local += t.length;
  }
  const total = local;
  const part = `${f.out}.part`;
  const handle = await open(part, existsSync(part) ? 'r+' : 'w+');
  let fetched = 0;
  try {
    // Only the header is compared: the part file can be gigabytes.
    const size = (await handle.stat()).size;
    const start = Buffer.alloc(Math.min(size, head.length));
    if (start.length > 0) await handle.read(start, 0, start.length, 0);
    let have = size >= head.length && start.equals(head) ? size : 0;
    if (have === 0) {
      await handle.truncate(0);
      await handle.write(head, 0, head.length, 0);
      have = head.length;
    }
    for (const [remoteStart, remoteEnd, localStart] of runs) {
      const localEnd = localStart + (remoteEnd - remoteStart);
      if (have >= localEnd) continue;
      const from = remoteStart + (have - localStart);
      const r = await rangeGet(f, policy, from, remoteEnd - 1);
      let position = have;
      for await (const chunk of r.body) {
        const c = chunk as Buffer;
        if (position + c.length > localEnd) throw new ApiError('io_error', `${new URL(f.url).pathname}: more bytes than the range asked for`);
        await handle.write(c, 0, c.length, position);
        position += c.length;
        fetched += c.length;
        f.onBytes?.(c.length);
      }
      if (position !== localEnd) throw new ApiError('io_error', `${new URL(f.url).pathname}: the range ended early; run again to resume`);
      have = position;
    }
    await handle.datasync();
  } finally {
    await handle.close();
  }
  if (statSync(part).size !== total) throw new ApiError('io_error', `${part}: ${statSync(part).size} bytes, ${total} expected`);
  renameSync(part, f.out);
  const remoteData = [...all.values()].reduce((s, t) => s + t.length, 0);
  return { tensors: chosen.map((t) => t.name), bytes: fetched, skippedBytes: remoteData - (total - head.length), remoteHeader, remoteTensors: all };
}
