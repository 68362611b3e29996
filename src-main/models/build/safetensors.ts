import { existsSync, readdirSync } from 'node:fs';
import { readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { checkpointError } from './checkpoint-error';
import { readRange } from './read-range';
import { TensorTable } from './tensor-table';
import { DTYPE_BYTES, elementCount, type TensorDType, type TensorLocation } from './tensor-types';

/**
 * safetensors: an 8-byte little-endian header length, a JSON header {name: {dtype, shape, data_offsets}} (plus an
 * optional __metadata__), then the raw bytes. The header alone says where every tensor lies, so the same parser
 * serves local files and byte-range downloads (only the header's bytes are needed).
 */
const MAX_HEADER_BYTES = 100 * 1024 * 1024; // the format's own limit

/** The header's length, from the file's first 8 bytes. */
export function headerLength(first8: Uint8Array, file: string): number {
  if (first8.length < 8) throw checkpointError(file, 'not a safetensors file (shorter than 8 bytes)');
  const n = Buffer.from(first8.buffer, first8.byteOffset, 8).readBigUInt64LE(0);
  if (n === 0n || n > BigInt(MAX_HEADER_BYTES)) throw checkpointError(file, `not a safetensors file (header length ${n})`);
  return Number(n);
}

/**
 * Parses a header's JSON into tensor locations. `fileSize`, when known, bounds every range (a truncated file is
 * caught before any tensor is read).
 */
export function parseHeader(json: Uint8Array, file: string, fileSize?: number): Map<string, TensorLocation> {
  const dataStart = 8 + json.length;
  let header: unknown;
  try {
    header = JSON.parse(Buffer.from(json.buffer, json.byteOffset, json.length).toString('utf8'));
  } catch {
    throw checkpointError(file, 'the safetensors header is not valid JSON');
  }
  if (!header || typeof header !== 'object' || Array.isArray(header)) throw checkpointError(file, 'the safetensors header is not an object');
  const out = new Map<string, TensorLocation>();
  const ranges: [number, number, string][] = [];
  for (const [name, value] of Object.entries(header as Record<string, unknown>)) {
    if (name === '__metadata__') continue;
    const v = value as { dtype?: unknown; shape?: unknown; data_offsets?: unknown };
    const dtype = v?.dtype as TensorDType;
    if (typeof dtype !== 'string' || !(dtype in DTYPE_BYTES)) throw checkpointError(file, `unsupported dtype ${String(v?.dtype)}`, name);
    const shape = v.shape;
    if (!Array.isArray(shape) || !shape.every((d) => Number.isSafeInteger(d) && d >= 0)) throw checkpointError(file, 'bad shape', name);
    const offsets = v.data_offsets;
    if (!Array.isArray(offsets) || offsets.length !== 2 || !offsets.every((o) => Number.isSafeInteger(o) && o >= 0) || offsets[0] > offsets[1]) {
      throw checkpointError(file, 'bad data_offsets', name);
    }
    const [begin, end] = offsets as [number, number];
    const want = elementCount(shape as number[]) * DTYPE_BYTES[dtype];
    if (end - begin !== want) throw checkpointError(file, `holds ${end - begin} bytes, its shape [${shape.join(', ')}] of ${dtype} needs ${want}`, name);
    if (fileSize !== undefined && dataStart + end > fileSize) {
      throw checkpointError(file, `ends at byte ${dataStart + end} but the file has ${fileSize} (truncated download?)`, name);
    }
    ranges.push([begin, end, name]);
    out.set(name, { name, dtype, shape: shape as number[], file, offset: dataStart + begin, length: want });
  }
  ranges.sort((a, b) => a[0] - b[0]);
  for (let i = 1; i < ranges.length; i++) {
    const prev = ranges[i - 1] as [number, number, string];
    const cur = ranges[i] as [number, number, string];
    if (cur[0] < prev[1]) throw checkpointError(file, `overlaps tensor ${prev[2]}`, cur[2]);
  }
  return out;
}

/** Reads and checks one safetensors file's header. */
export async function readSafetensorsHeader(file: string): Promise<Map<string, TensorLocation>> {
  const { size } = await stat(file);
  const n = headerLength(await readRange(file, 0, Math.min(8, size)), file);
  if (8 + n > size) throw checkpointError(file, `the header needs ${8 + n} bytes but the file has ${size} (truncated download?)`);
  return parseHeader(await readRange(file, 8, n), file, size);
}

/**
 * Every tensor of a Hugging Face folder's safetensors weights: sharded with `model.safetensors.index.json`
 * (`weight_map`: name → shard), or the folder's `*.safetensors` files. A name in two files, or an index entry its
 * shard lacks, is an error naming both.
 */
export class SafetensorsFolder extends TensorTable {
  private constructor(
    readonly dir: string,
    tensors: Map<string, TensorLocation>,
  ) {
    super(dir, tensors);
  }

  static async open(dir: string): Promise<SafetensorsFolder> {
    const index = join(dir, 'model.safetensors.index.json');
    const tensors = new Map<string, TensorLocation>();
    const add = (found: Map<string, TensorLocation>) => {
      for (const [name, t] of found) {
        const other = tensors.get(name);
        if (other) throw checkpointError(t.file, `also in ${other.file}`, name);
        tensors.set(name, t);
      }
    };
    if (existsSync(index)) {
      let weightMap: Record<string, string>;
      try {
        weightMap = (JSON.parse(await readFile(index, 'utf8')) as { weight_map: Record<string, string> }).weight_map;
        if (!weightMap || typeof weightMap !== 'object') throw new Error();
      } catch {
        throw checkpointError(index, 'not a valid index (no weight_map)');
      }
      const shards = [...new Set(Object.values(weightMap))].sort();
      for (const shard of shards) {
        if (typeof shard !== 'string' || shard.includes('/') || shard.includes('\\') || !shard.endsWith('.safetensors')) {
          throw checkpointError(index, `names a shard outside the folder: ${String(shard)}`);
        }
        const path = join(dir, shard);
        if (!existsSync(path)) throw checkpointError(path, 'is listed in model.safetensors.index.json but missing');
        add(await readSafetensorsHeader(path));
      }
      for (const [name, shard] of Object.entries(weightMap)) {
        const t = tensors.get(name);
        if (!t || t.file !== join(dir, shard)) throw checkpointError(join(dir, shard), 'is listed in the index but not in this shard', name);
      }
    } else {
      const files = readdirSync(dir)
        .filter((f) => f.endsWith('.safetensors'))
        .sort();
      if (files.length === 0) throw checkpointError(dir, 'no *.safetensors weights in this folder');
      for (const f of files) add(await readSafetensorsHeader(join(dir, f)));
    }
    return new SafetensorsFolder(dir, tensors);
  }

  /** One safetensors file on its own. */
  static async openFile(file: string): Promise<SafetensorsFolder> {
    return new SafetensorsFolder(file, await readSafetensorsHeader(file));
  }
}
