import { checkpointError } from './checkpoint-error';
import { readRange } from './read-range';
import { PickleRefused, readRestrictedPickle, TensorRef } from './restricted-pickle';
import { TensorTable } from './tensor-table';
import { DTYPE_BYTES, elementCount, type TensorDType, type TensorLocation } from './tensor-types';
import { readZipEntries, type ZipEntry } from './zip';

/**
 * A PyTorch checkpoint (`torch.save` since 1.6: a zip holding `<archive>/data.pkl`, a pickle of the state dict, and
 * `<archive>/data/<key>`, one raw storage per key). The pickle goes through the restricted reader
 * (restricted-pickle.ts), so the file can describe tensors but never run code; tensor bytes are then read in place
 * by byte range, as from safetensors.
 */
const STORAGE_DTYPES: Record<string, TensorDType> = {
  FloatStorage: 'F32',
  HalfStorage: 'F16',
  BFloat16Storage: 'BF16',
  DoubleStorage: 'F64',
  LongStorage: 'I64',
  IntStorage: 'I32',
  ShortStorage: 'I16',
  CharStorage: 'I8',
  ByteStorage: 'U8',
  BoolStorage: 'BOOL',
};
const MAX_PICKLE_BYTES = 256 * 1024 * 1024;

function rowMajorStrides(shape: number[]): number[] {
  const out = new Array<number>(shape.length);
  let s = 1;
  for (let i = shape.length - 1; i >= 0; i--) {
    out[i] = s;
    s *= shape[i] as number;
  }
  return out;
}

/** The state dict inside what was pickled: the object itself, or the usual wrappers' `state_dict` / `model`. */
function findStateDict(root: unknown): Map<unknown, unknown> | undefined {
  if (!(root instanceof Map)) return undefined;
  if ([...root.values()].some((v) => v instanceof TensorRef)) return root;
  for (const key of ['state_dict', 'model', 'module']) {
    const inner = root.get(key);
    if (inner instanceof Map) return findStateDict(inner);
  }
  return root.size === 0 ? root : undefined;
}

export class TorchCheckpoint extends TensorTable {
  private constructor(
    readonly file: string,
    tensors: Map<string, TensorLocation>,
    /** entries of the state dict that are not tensors (left out) */
    readonly skipped: string[],
  ) {
    super(file, tensors);
  }

  static async open(file: string): Promise<TorchCheckpoint> {
    const entries = await readZipEntries(file);
    const pkl = [...entries.values()].find((e) => /^[^/]+\/data\.pkl$/.test(e.name));
    if (!pkl) throw checkpointError(file, 'a zip without <archive>/data.pkl: not a PyTorch checkpoint');
    const prefix = pkl.name.slice(0, -'data.pkl'.length);
    const byteorder = entries.get(`${prefix}byteorder`);
    if (byteorder && (await readEntry(file, byteorder)).toString('latin1') !== 'little') throw checkpointError(file, 'big-endian tensors are not supported');
    if (pkl.size > MAX_PICKLE_BYTES) throw checkpointError(file, `data.pkl is ${pkl.size} bytes, more than a state dict needs`);
    let root: unknown;
    try {
      root = readRestrictedPickle(await readEntry(file, pkl));
    } catch (error) {
      if (error instanceof PickleRefused) throw checkpointError(file, `refused: ${error.message} (a checkpoint may only hold tensors)`);
      throw error;
    }
    const stateDict = findStateDict(root);
    if (!stateDict) throw checkpointError(file, 'the pickle holds no state dict (a dict of tensors)');
    const tensors = new Map<string, TensorLocation>();
    const skipped: string[] = [];
    for (const [key, value] of stateDict) {
      if (typeof key !== 'string') throw checkpointError(file, 'a state dict key that is not a string');
      if (!(value instanceof TensorRef)) {
        skipped.push(key);
        continue;
      }
      tensors.set(key, locate(file, prefix, entries, key, value));
    }
    return new TorchCheckpoint(file, tensors, skipped);
  }
}

async function readEntry(file: string, entry: ZipEntry): Promise<Buffer> {
  if (entry.method !== 0) throw checkpointError(file, `zip entry ${entry.name} is compressed; torch.save stores entries uncompressed`);
  return readRange(file, entry.dataOffset, entry.size);
}

function locate(file: string, prefix: string, entries: Map<string, ZipEntry>, name: string, t: TensorRef): TensorLocation {
  const dtype = STORAGE_DTYPES[t.storage.storageType];
  if (!dtype) throw checkpointError(file, `storage type ${t.storage.storageType} is not supported`, name);
  const entry = entries.get(`${prefix}data/${t.storage.key}`);
  if (!entry) throw checkpointError(file, `its storage data/${t.storage.key} is missing from the archive`, name);
  if (entry.method !== 0) throw checkpointError(file, `its storage data/${t.storage.key} is compressed`, name);
  const count = elementCount(t.shape);
  const want = rowMajorStrides(t.shape);
  // A saved view that is not row-major (a transpose) would need a gather; state dicts hold contiguous tensors.
  if (count > 1 && t.shape.some((d, i) => d > 1 && t.stride[i] !== want[i])) {
    throw checkpointError(file, `is not contiguous (stride ${t.stride.join(',')}); save it with .contiguous()`, name);
  }
  const bytes = DTYPE_BYTES[dtype];
  const begin = t.storageOffset * bytes;
  const length = count * bytes;
  if (t.storageOffset < 0 || begin + length > entry.size) throw checkpointError(file, 'lies outside its storage', name);
  return { name, dtype, shape: t.shape, file, offset: entry.dataOffset + begin, length };
}
