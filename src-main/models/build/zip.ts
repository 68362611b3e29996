import { stat } from 'node:fs/promises';
import { checkpointError } from './checkpoint-error';
import { readRange } from './read-range';

/**
 * Just enough of the zip format to find where each entry's bytes lie in a PyTorch checkpoint (torch.save writes
 * a zip whose entries are stored, not compressed, so tensors are read in place by byte range). Reads the end of
 * central directory record (and its zip64 form for archives over 4 GB), then the central directory.
 */
export interface ZipEntry {
  name: string;
  /** 0: stored; anything else is refused where a byte range is needed */
  method: number;
  compressedSize: number;
  size: number;
  /** absolute offset of the entry's data (after its local header) */
  dataOffset: number;
}

const EOCD = 0x06054b50;
const ZIP64_LOCATOR = 0x07064b50;
const ZIP64_EOCD = 0x06064b50;
const CENTRAL = 0x02014b50;
const LOCAL = 0x04034b50;

function u64(buf: Buffer, at: number, file: string): number {
  const v = buf.readBigUInt64LE(at);
  if (v > BigInt(Number.MAX_SAFE_INTEGER)) throw checkpointError(file, 'zip sizes beyond 2^53 bytes');
  return Number(v);
}

export async function readZipEntries(file: string): Promise<Map<string, ZipEntry>> {
  const { size } = await stat(file);
  if (size < 22) throw checkpointError(file, 'not a zip archive (too short; truncated download?)');
  const tailLength = Math.min(size, 22 + 0xffff);
  const tail = await readRange(file, size - tailLength, tailLength);
  let at = -1;
  for (let i = tail.length - 22; i >= 0; i--) {
    if (tail.readUInt32LE(i) === EOCD) {
      at = i;
      break;
    }
  }
  if (at < 0) {
    const head = await readRange(file, 0, Math.min(size, 4));
    const hint = head.readUInt32LE(0) === LOCAL ? 'its end is missing (truncated download?)' : 'not a zip archive (a PyTorch file saved before 1.6?)';
    throw checkpointError(file, hint);
  }
  let count = tail.readUInt16LE(at + 10);
  let cdSize = tail.readUInt32LE(at + 12);
  let cdOffset = tail.readUInt32LE(at + 16);
  if (count === 0xffff || cdSize === 0xffffffff || cdOffset === 0xffffffff) {
    const locAt = at - 20;
    if (locAt < 0 || tail.readUInt32LE(locAt) !== ZIP64_LOCATOR) throw checkpointError(file, 'zip64 locator missing');
    const recordOffset = u64(tail, locAt + 8, file);
    const record = await readRange(file, recordOffset, 56);
    if (record.readUInt32LE(0) !== ZIP64_EOCD) throw checkpointError(file, 'zip64 end record missing');
    count = u64(record, 32, file);
    cdSize = u64(record, 40, file);
    cdOffset = u64(record, 48, file);
  }
  if (cdOffset + cdSize > size) throw checkpointError(file, 'the zip directory lies past the end of the file (truncated download?)');
  const cd = await readRange(file, cdOffset, cdSize);
  const entries = new Map<string, ZipEntry>();
  let p = 0;
  for (let i = 0; i < count; i++) {
    if (p + 46 > cd.length || cd.readUInt32LE(p) !== CENTRAL) throw checkpointError(file, 'damaged zip directory');
    const method = cd.readUInt16LE(p + 10);
    let compressedSize = cd.readUInt32LE(p + 20);
    let entrySize = cd.readUInt32LE(p + 24);
    const nameLength = cd.readUInt16LE(p + 28);
    const extraLength = cd.readUInt16LE(p + 30);
    const commentLength = cd.readUInt16LE(p + 32);
    let localOffset = cd.readUInt32LE(p + 42);
    const name = cd.toString('utf8', p + 46, p + 46 + nameLength);
    // zip64 extra field: the 64-bit values, in this order, for those whose 32-bit field is saturated
    let e = p + 46 + nameLength;
    const extraEnd = e + extraLength;
    while (e + 4 <= extraEnd) {
      const id = cd.readUInt16LE(e);
      const len = cd.readUInt16LE(e + 2);
      if (id === 0x0001) {
        let q = e + 4;
        if (entrySize === 0xffffffff) {
          entrySize = u64(cd, q, file);
          q += 8;
        }
        if (compressedSize === 0xffffffff) {
          compressedSize = u64(cd, q, file);
          q += 8;
        }
        if (localOffset === 0xffffffff) localOffset = u64(cd, q, file);
      }
      e += 4 + len;
    }
    p = extraEnd + commentLength;
    if (localOffset + 30 > size) throw checkpointError(file, `entry ${name} lies past the end of the file (truncated download?)`);
    const local = await readRange(file, localOffset, 30);
    if (local.readUInt32LE(0) !== LOCAL) throw checkpointError(file, `damaged zip entry ${name}`);
    const dataOffset = localOffset + 30 + local.readUInt16LE(26) + local.readUInt16LE(28);
    if (dataOffset + compressedSize > size) throw checkpointError(file, `entry ${name} lies past the end of the file (truncated download?)`);
    entries.set(name, { name, method, compressedSize, size: entrySize, dataOffset });
  }
  return entries;
}
