import { toFloat32 } from './dtype-cast';
import { quantizeRows } from './int4-quantize';
import { clearOutputArena, outputBytes, outputCopy, useOutputArena } from './output-arena';
import { SimdKernels } from './simd-kernels';
import { mergeLora, storedBytes, transposeBlock, transposeHalves } from './tensor-ops';
import type { TensorDType } from './tensor-types';

/**
 * One block of whole rows of one plan entry, from the checkpoint's raw bytes to the bytes the data file gets: the
 * CPU part of a build, with no I/O, so it runs the same on a worker thread (block-worker.ts) or inline. Everything
 * in a job is plain data that crosses a thread by structured clone, but `raw` and the outputs: they live in a shared
 * slot (block-slots.ts, block-pool.ts), and only their places cross.
 */
export interface BlockJob {
  op: 'copy' | 'transpose' | 'q4';
  /** the block's rows [r0, r0 + rows) of a [rowsTotal, rowLength] source, in the checkpoint's dtype */
  raw: Uint8Array;
  dtype: TensorDType;
  r0: number;
  rows: number;
  rowsTotal: number;
  rowLength: number;
  /** copy / transpose: the stored type; q4: the scales' type */
  outDtype: 'float32' | 'float16';
  /** where the entry (and for q4 its scales and zero points) starts in the data file, and their bytes per source row */
  target: { offset: number; perRow: number; scales?: { offset: number; perRow: number }; zeroPoints?: { offset: number; perRow: number } };
  /** LoRA: all of A ([rank, rowLength]) and B's rows of this block ([rows, rank]), raw, and alpha / rank */
  lora?: { a: Uint8Array; aDtype: TensorDType; b: Uint8Array; bDtype: TensorDType; rank: number; scale: number };
}

/** A byte range of the data file: `bytes` go at `position`. */
export interface BlockPiece {
  position: number;
  bytes: Uint8Array;
}

/** A block's pieces */
export interface BlockResult {
  pieces: BlockPiece[];
}

/** Computes a block; with an arena, its outputs are put in `arena.buffer` [start, end) where they fit. */
export function computeBlockResult(job: BlockJob, arena?: { buffer: ArrayBufferLike; start: number; end: number }): BlockResult {
  if (arena) useOutputArena(arena.buffer, arena.start, arena.end);
  try {
    return { pieces: computeBlock(job) };
  } finally {
    clearOutputArena();
  }
}

let simd: SimdKernels | undefined | null = null;
/** this thread's SIMD kernels, made on first use (undefined where WebAssembly SIMD is missing) */
function kernels(): SimdKernels | undefined {
  if (simd === null) simd = SimdKernels.create();
  return simd;
}

/**
 * The block as float32 rows, LoRA merged. With SIMD, they live in the kernels' memory (valid until the next block
 * on this thread); otherwise in a new array.
 */
function mergedRows(job: BlockJob, k: SimdKernels | undefined): Float32Array {
  const { rows, rowLength, lora } = job;
  const n = rows * rowLength;
  if (k && (job.dtype === 'BF16' || lora || job.op === 'q4')) {
    if (job.dtype === 'BF16') k.loadBf16(job.raw);
    else k.loadF32(toFloat32(job.raw, job.dtype));
    if (!lora) return k.loadedRows(n);
    const b = toFloat32(lora.b, lora.bDtype);
    const a = toFloat32(lora.a, lora.aDtype);
    if (rows > 0 && rowLength % 2 === 0 && lora.rank > 0) return k.mergeLora(b, a, rows, rowLength, lora.rank, lora.scale);
    const block = Float32Array.from(k.loadedRows(n)); // an odd row length: the scalar merge
    mergeLora(block, b, a, rows, rowLength, lora.rank, lora.scale);
    return block;
  }
  let block = toFloat32(job.raw, job.dtype);
  if (lora) {
    if (block.buffer === job.raw.buffer) block = Float32Array.from(block); // never write into the source
    mergeLora(block, toFloat32(lora.b, lora.bDtype), toFloat32(lora.a, lora.aDtype), rows, rowLength, lora.rank, lora.scale);
  }
  return block;
}

/** float32 values as the stored type's bytes, in their own buffer when they are halves */
function stored(values: Float32Array, dtype: 'float32' | 'float16', k: SimdKernels | undefined): Uint8Array {
  return dtype === 'float16' && k ? k.toFloat16Bytes(values) : storedBytes(values, dtype);
}

/** halves to halves with nothing to merge: transposed as 16-bit values (the same bits as through float32) */
function transposedHalves(job: BlockJob): Uint8Array {
  const n = job.rows * job.rowLength;
  const k = kernels();
  if (k && job.rows % 8 === 0 && job.rowLength % 8 === 0) return k.transposeHalves(job.raw, job.rows, job.rowLength);
  const raw = job.raw.byteOffset % 2 === 0 ? job.raw : Uint8Array.from(job.raw);
  const out = outputBytes(n * 2);
  const aligned = out.byteOffset % 2 === 0 ? out : new Uint8Array(n * 2);
  transposeHalves(new Uint16Array(raw.buffer, raw.byteOffset, n), job.rows, job.rowLength, new Uint16Array(aligned.buffer, aligned.byteOffset, n));
  return aligned;
}

/** a transposed block's bytes as pieces: a block of rows is a strip of every column of the transposed tensor */
function transposedPieces(job: BlockJob, t: Uint8Array): BlockPiece[] {
  const { rows, rowLength, r0, target } = job;
  if (rows === job.rowsTotal) return [{ position: target.offset, bytes: t }];
  const item = t.length / (rows * rowLength);
  const pieces: BlockPiece[] = [];
  for (let j = 0; j < rowLength; j++)
    pieces.push({ position: target.offset + (j * job.rowsTotal + r0) * item, bytes: t.subarray(j * rows * item, (j + 1) * rows * item) });
  return pieces;
}

export function computeBlock(job: BlockJob): BlockPiece[] {
  const { rows, rowLength, r0, target } = job;
  if (job.op === 'transpose' && job.dtype === 'F16' && job.outDtype === 'float16' && !job.lora) return transposedPieces(job, transposedHalves(job));
  const k = kernels();
  const block = mergedRows(job, k);
  if (job.op === 'copy') {
    const bytes = stored(block, job.outDtype, k);
    // float32 rows are a view (of the source, or of the kernels' memory): the result gets its own copy
    return [{ position: target.offset + r0 * target.perRow, bytes: bytes.buffer === block.buffer ? outputCopy(bytes) : bytes }];
  }
  if (job.op === 'transpose') return transposedPieces(job, stored(transposeBlock(block, rows, rowLength), job.outDtype, k));
  if (!target.scales || !target.zeroPoints) throw new Error('a q4 block needs the places of its scales and zero points');
  const q = k && block.buffer === k.buffer ? k.quantize(rows, rowLength, job.outDtype) : quantizeRows(block, rows, rowLength, job.outDtype);
  return [
    { position: target.offset + r0 * target.perRow, bytes: q.q4 },
    { position: target.scales.offset + r0 * target.scales.perRow, bytes: q.scales },
    { position: target.zeroPoints.offset + r0 * target.zeroPoints.perRow, bytes: q.zeroPoints },
  ];
}
