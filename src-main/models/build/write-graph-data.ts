import type { FileHandle } from 'node:fs/promises';
import type { GraphPlan, PlanEntry } from './build-plan';
import type { Diffa2Sources } from './diffa2-sources';
import { toFloat32 } from './dtype-cast';
import { quantizeRows } from './int4-quantize';
import { readRange } from './read-range';
import { mergeLora, storedBytes, transposeBlock } from './tensor-ops';
import { DTYPE_BYTES, elementCount, type TensorLocation } from './tensor-types';

/**
 * Fills one graph's external-data file from the checkpoints, entry by entry in the plan's order. A tensor is read,
 * converted and written in blocks of whole rows (at most ROW_BLOCK_ELEMENTS floats), so memory holds one block
 * of one tensor whatever the model's size. Padding between tensors is left as the zeros of a file extended with
 * truncate(), which is what the reference writes.
 */
export const ROW_BLOCK_ELEMENTS = 1 << 24; // 64 MB of float32

export interface WriteOptions {
  /** the first entry not yet written (resume); entries before it are skipped */
  startAt: number;
  /** after each entry (and its int4 siblings) is written and flushed */
  onEntry: (nextIndex: number, bytesWritten: number) => Promise<void> | void;
  signal?: AbortSignal;
}

async function readRows(t: TensorLocation, r0: number, rows: number, rowLength: number): Promise<Float32Array> {
  const bytes = DTYPE_BYTES[t.dtype];
  const raw = await readRange(t.file, t.offset + r0 * rowLength * bytes, rows * rowLength * bytes, t.name);
  const f = toFloat32(raw, t.dtype);
  return f.buffer === raw.buffer ? Float32Array.from(f) : f; // own the memory (raw is reused by nobody, but be explicit)
}

async function writeAt(out: FileHandle, bytes: Uint8Array, position: number): Promise<void> {
  let done = 0;
  while (done < bytes.length) {
    const { bytesWritten } = await out.write(bytes, done, bytes.length - done, position + done);
    done += bytesWritten;
  }
}

export async function writeGraphData(plan: GraphPlan, sources: Diffa2Sources, loraAlpha: number, out: FileHandle, options: WriteOptions): Promise<void> {
  const entries = plan.tensors;
  const byName = new Map(entries.map((e) => [e.name, e]));
  for (let index = options.startAt; index < entries.length; index++) {
    options.signal?.throwIfAborted();
    const entry = entries[index] as PlanEntry;
    if (entry.op === 'scales' || entry.op === 'zero_points') continue; // written with their q4 entry
    const { base, lora } = sources.resolve(entry.source);
    const shape = entry.source_shape;
    const rowsTotal = shape.length >= 2 ? (shape[0] as number) : 1;
    const rowLength = shape.length >= 2 ? elementCount(shape.slice(1)) : elementCount(shape);
    const rowsPerBlock = Math.max(1, Math.floor(ROW_BLOCK_ELEMENTS / Math.max(1, rowLength)));
    const a = lora ? await readRows(lora.a, 0, lora.a.shape[0] as number, lora.a.shape[1] as number) : undefined;
    const rank = lora ? (lora.a.shape[0] as number) : 0;
    const siblings = entry.op === 'q4' ? { scales: byName.get(`${entry.source}/scales`), zeroPoints: byName.get(`${entry.source}/zero_points`) } : undefined;
    for (let r0 = 0; r0 < rowsTotal; r0 += rowsPerBlock) {
      const rows = Math.min(rowsPerBlock, rowsTotal - r0);
      const block = await readRows(base, r0, rows, rowLength);
      if (lora && a) mergeLora(block, await readRows(lora.b, r0, rows, rank), a, rows, rowLength, rank, loraAlpha / rank);
      if (entry.op === 'copy') {
        const bytes = storedBytes(block, entry.dtype as 'float32' | 'float16');
        await writeAt(out, bytes, entry.offset + r0 * rowLength * (bytes.length / block.length));
      } else if (entry.op === 'transpose') {
        const t = storedBytes(transposeBlock(block, rows, rowLength), entry.dtype as 'float32' | 'float16');
        const item = t.length / block.length;
        if (rows === rowsTotal) await writeAt(out, t, entry.offset);
        else
          for (let j = 0; j < rowLength; j++)
            await writeAt(out, t.subarray(j * rows * item, (j + 1) * rows * item), entry.offset + (j * rowsTotal + r0) * item);
      } else {
        if (!siblings?.scales || !siblings.zeroPoints) throw new Error(`build plan: ${entry.name} lacks its scales or zero points`);
        const q = quantizeRows(block, rows, rowLength, siblings.scales.dtype as 'float32' | 'float16');
        const perRow = (e: PlanEntry) => e.length / rowsTotal;
        await writeAt(out, q.q4, entry.offset + r0 * perRow(entry));
        await writeAt(out, q.scales, siblings.scales.offset + r0 * perRow(siblings.scales));
        await writeAt(out, q.zeroPoints, siblings.zeroPoints.offset + r0 * perRow(siblings.zeroPoints));
      }
    }
    let next = index + 1;
    while (next < entries.length && (entries[next]?.op === 'scales' || entries[next]?.op === 'zero_points')) next++;
    await out.datasync();
    await options.onEntry(next, (entries[next - 1] as PlanEntry).offset + (entries[next - 1] as PlanEntry).length);
    index = next - 1;
  }
}
