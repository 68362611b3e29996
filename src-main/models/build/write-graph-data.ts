import type { FileHandle } from 'node:fs/promises';
import type { BlockJob } from './block-kernel';
import { BlockPool } from './block-pool';
import { type BlockSlot, BlockSlots, slotBytes } from './block-slots';
import type { GraphPlan, PlanEntry } from './build-plan';
import type { Diffa2Sources, ResolvedTensor } from './diffa2-sources';
import type { OrderedHash } from './ordered-hash';
import { SourceFiles } from './source-files';
import { DTYPE_BYTES, elementCount } from './tensor-types';

/**
 * Fills one graph's external-data file from the checkpoints, as a pipeline: blocks of whole rows are read ahead
 * (in plan order), converted on the compute threads (block-kernel.ts: cast, LoRA merge, transpose, int4), written
 * where the plan puts them as they come back, and hashed in file order (ordered-hash.ts). Padding between tensors
 * is left as the zeros of a file extended with truncate(), which is what the reference writes.
 *
 * Memory is bounded by the blocks in flight: at most 2 per compute thread + 2, and at most MAX_IN_FLIGHT_BYTES of
 * source bytes between them (a block is at most BLOCK_ELEMENTS elements, a transposed one ROW_BLOCK_ELEMENTS). Each
 * block in flight has a shared slot (block-slots.ts: its source bytes, then its outputs until written and hashed);
 * each compute thread holds ≤ 2 float32 copies of its current block.
 *
 * Durability for resuming: an entry is finished once all its blocks are written; the finished prefix of the plan is
 * made durable (datasync) and reported through `onEntry` as often as the disk allows, without stopping the pipeline.
 */
export const BLOCK_ELEMENTS = 1 << 22; // 16 MB as float32: small enough to spread a tensor over every thread
/** a transposed tensor is written in strips of every column, one per block: larger blocks, fewer strips */
export const ROW_BLOCK_ELEMENTS = 1 << 24;
export const MAX_IN_FLIGHT_BYTES = 512 * 1024 * 1024;

export interface WriteOptions {
  /** the first entry not yet written (resume); entries before it are skipped */
  startAt: number;
  /** once the entries before `nextIndex` (and their int4 siblings) are on disk (after a datasync) */
  onEntry: (nextIndex: number, bytesWritten: number) => Promise<void> | void;
  /** progress: the finished prefix grew to `bytesWritten` (written, not yet necessarily durable) */
  onWritten?: (bytesWritten: number) => void;
  signal?: AbortSignal;
  /** compute threads; without one, blocks are computed inline */
  pool?: BlockPool;
  /** fed every byte range written, for the data file's SHA-256 */
  hash?: OrderedHash;
}

interface EntryWork {
  index: number;
  entry: PlanEntry;
  resolved: ResolvedTensor;
  /** LoRA A, read once per entry */
  loraA?: Promise<Uint8Array>;
  target: BlockJob['target'];
  blocksLeft: number;
}

interface BlockSpec {
  work: EntryWork;
  r0: number;
  rows: number;
  rowsTotal: number;
  rowLength: number;
  sourceBytes: number;
}

const isSibling = (e: PlanEntry | undefined) => e?.op === 'scales' || e?.op === 'zero_points';

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
  const pool = options.pool ?? new BlockPool(0);
  const files = new SourceFiles();
  const bytesAt = (next: number) => {
    const last = entries[next - 1];
    return last ? last.offset + last.length : 0;
  };

  // the finished prefix, and its durable part
  const finished = new Set<number>();
  let frontier = options.startAt;
  let durable = options.startAt;
  let failure: unknown;
  let syncing: Promise<void> | null = null;
  let syncWanted = false;
  const checkpoint = async () => {
    const next = frontier;
    if (next === durable) return;
    await out.datasync();
    await options.onEntry(next, bytesAt(next));
    durable = next;
  };
  const requestCheckpoint = () => {
    syncWanted = true;
    syncing ??= (async () => {
      try {
        while (syncWanted) {
          syncWanted = false;
          await checkpoint();
        }
      } catch (error) {
        failure ??= error;
      } finally {
        syncing = null;
      }
    })();
  };
  const entryFinished = (index: number) => {
    finished.add(index);
    const before = frontier;
    while (frontier < entries.length && (isSibling(entries[frontier]) || finished.has(frontier))) {
      finished.delete(frontier++);
      if (!isSibling(entries[frontier])) options.onWritten?.(bytesAt(frontier)); // once per entry, with its siblings
    }
    if (frontier !== before) requestCheckpoint();
  };

  function* blocks(): Generator<BlockSpec> {
    for (let index = options.startAt; index < entries.length; index++) {
      const entry = entries[index] as PlanEntry;
      if (isSibling(entry)) continue; // written with their q4 entry
      const resolved = sources.resolve(entry.source);
      const shape = entry.source_shape;
      const rowsTotal = shape.length >= 2 ? (shape[0] as number) : 1;
      const rowLength = shape.length >= 2 ? elementCount(shape.slice(1)) : elementCount(shape);
      const perRow = (e: PlanEntry) => e.length / rowsTotal;
      const scales = byName.get(`${entry.source}/scales`);
      const zeroPoints = byName.get(`${entry.source}/zero_points`);
      if (entry.op === 'q4' && (!scales || !zeroPoints)) throw new Error(`build plan: ${entry.name} lacks its scales or zero points`);
      const target: BlockJob['target'] =
        entry.op === 'q4' && scales && zeroPoints
          ? {
              offset: entry.offset,
              perRow: perRow(entry),
              scales: { offset: scales.offset, perRow: perRow(scales) },
              zeroPoints: { offset: zeroPoints.offset, perRow: perRow(zeroPoints) },
            }
          : { offset: entry.offset, perRow: rowLength * (entry.dtype === 'float16' ? 2 : 4) };
      const rowsPerBlock = Math.max(1, Math.floor((entry.op === 'transpose' ? ROW_BLOCK_ELEMENTS : BLOCK_ELEMENTS) / Math.max(1, rowLength)));
      const work: EntryWork = { index, entry, resolved, target, blocksLeft: Math.ceil(rowsTotal / rowsPerBlock) };
      const { lora } = resolved;
      if (lora) {
        const aBytes = elementCount(lora.a.shape) * DTYPE_BYTES[lora.a.dtype];
        work.loraA = files.read(lora.a.file, lora.a.offset, aBytes, lora.a.name);
        work.loraA.catch(() => {}); // awaited (and reported) by the entry's blocks
      }
      if (work.blocksLeft === 0) entryFinished(index);
      const itemBytes = DTYPE_BYTES[resolved.base.dtype];
      for (let r0 = 0; r0 < rowsTotal; r0 += rowsPerBlock) {
        const rows = Math.min(rowsPerBlock, rowsTotal - r0);
        yield { work, r0, rows, rowsTotal, rowLength, sourceBytes: rows * rowLength * itemBytes };
      }
    }
  }

  async function runBlock(spec: BlockSpec, slot: BlockSlot): Promise<void> {
    const { work, r0, rows, rowLength } = spec;
    const { base, lora } = work.resolved;
    const item = DTYPE_BYTES[base.dtype];
    const raw = await files.readInto(base.file, base.offset + r0 * rowLength * item, new Uint8Array(slot.buffer, 0, spec.sourceBytes), base.name);
    let loraJob: BlockJob['lora'];
    if (lora && work.loraA) {
      const rank = lora.a.shape[0] as number;
      const bItem = DTYPE_BYTES[lora.b.dtype];
      const b = await files.read(lora.b.file, lora.b.offset + r0 * rank * bItem, rows * rank * bItem, lora.b.name);
      loraJob = { a: await work.loraA, aDtype: lora.a.dtype, b, bDtype: lora.b.dtype, rank, scale: loraAlpha / rank };
    }
    const { pieces } = await pool.run(
      {
        op: work.entry.op as BlockJob['op'],
        raw,
        dtype: base.dtype,
        r0,
        rows,
        rowsTotal: spec.rowsTotal,
        rowLength,
        outDtype: (work.entry.op === 'q4' ? (byName.get(`${work.entry.source}/scales`) as PlanEntry).dtype : work.entry.dtype) as 'float32' | 'float16',
        target: work.target,
        lora: loraJob,
      },
      slot,
    );
    // written and hashed (the hash copies what must wait) before the slot is used again
    for (const piece of pieces) {
      await writeAt(out, piece.bytes, piece.position);
      options.hash?.add(piece.position, piece.bytes);
    }
    if (--work.blocksLeft === 0) entryFinished(work.index);
  }

  const inFlight = new Set<Promise<void>>();
  let inFlightBytes = 0;
  const maxBlocks = 2 * pool.parallelism + 2;
  const slots = new BlockSlots(maxBlocks);
  try {
    for (const spec of blocks()) {
      options.signal?.throwIfAborted();
      while (inFlight.size >= maxBlocks || (inFlight.size > 0 && inFlightBytes + spec.sourceBytes > MAX_IN_FLIGHT_BYTES)) {
        await Promise.race(inFlight);
        if (failure) throw failure;
      }
      if (failure) throw failure;
      inFlightBytes += spec.sourceBytes;
      const slot = slots.acquire(slotBytes(spec.sourceBytes, spec.rows * spec.rowLength));
      const task: Promise<void> = runBlock(spec, slot)
        .catch((error) => {
          failure ??= error;
        })
        .finally(() => {
          slots.release(slot);
          inFlight.delete(task);
          inFlightBytes -= spec.sourceBytes;
        });
      inFlight.add(task);
    }
    await Promise.all(inFlight);
    if (failure) throw failure;
    options.signal?.throwIfAborted();
    await syncing;
    await checkpoint();
    if (failure) throw failure;
  } catch (error) {
    // keep what is finished: let the blocks in flight land, then record the finished prefix for a resume
    await Promise.allSettled(inFlight);
    await syncing;
    await checkpoint().catch(() => {});
    throw error;
  } finally {
    await files.close();
    if (!options.pool) await pool.close();
  }
}
