import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import type { BlockJob, BlockPiece } from './block-kernel';
import { BlockPool } from './block-pool';
import { type BlockSlot, BlockSlots, slotBytes } from './block-slots';

/** bf16 bit patterns of moderate magnitude, as the released checkpoints hold */
function bf16Rows(rows: number, k: number, seed: number): Uint8Array {
  const h = new Uint16Array(rows * k);
  let s = seed;
  for (let i = 0; i < h.length; i++) {
    s = (s * 1103515245 + 12345) % 2147483648;
    h[i] = ((s >> 8) & 0x807f) | 0x3c00;
  }
  return new Uint8Array(h.buffer);
}

function jobs(): BlockJob[] {
  const rows = 48;
  const k = 256;
  const lora = { a: bf16Rows(8, k, 7), aDtype: 'BF16' as const, b: bf16Rows(rows, 8, 8), bDtype: 'BF16' as const, rank: 8, scale: 2 };
  const common = { dtype: 'BF16' as const, r0: 16, rows, rowsTotal: 128, rowLength: k };
  return [
    {
      ...common,
      op: 'q4',
      raw: bf16Rows(rows, k, 1),
      outDtype: 'float16',
      lora,
      target: { offset: 0, perRow: 128, scales: { offset: 1 << 20, perRow: 16 }, zeroPoints: { offset: 2 << 20, perRow: 4 } },
    },
    { ...common, op: 'copy', raw: bf16Rows(rows, k, 2), outDtype: 'float32', target: { offset: 64, perRow: k * 4 } },
    { ...common, op: 'transpose', raw: bf16Rows(rows, k, 3), outDtype: 'float16', lora, target: { offset: 128, perRow: k * 2 } },
  ];
}

/** the job with its source in a slot of its own, as the builder hands it over */
function inSlot(job: BlockJob, slots: BlockSlots): [BlockJob, BlockSlot] {
  const slot = slots.acquire(slotBytes(job.raw.length, job.rows * job.rowLength));
  const raw = new Uint8Array(slot.buffer, 0, job.raw.length);
  raw.set(job.raw);
  return [{ ...job, raw }, slot];
}

const flat = (pieces: BlockPiece[]) => pieces.map((p) => ({ position: p.position, bytes: Buffer.from(p.bytes).toString('hex') }));

describe('BlockPool', () => {
  const pool = new BlockPool(2);
  after(() => pool.close());

  it('computes on worker threads the bytes the calling thread computes', async () => {
    const inline = new BlockPool(0);
    const expected = (await Promise.all(jobs().map((j) => inline.run(...inSlot(j, new BlockSlots(1)))))).map((r) => r.pieces);
    const slots = new BlockSlots(6);
    const results = await Promise.all([...jobs(), ...jobs()].map((j) => pool.run(...inSlot(j, slots))));
    const got = results.map((r) => r.pieces);
    assert.ok(
      got.every((pieces) => pieces.every((p) => p.bytes.buffer instanceof SharedArrayBuffer)),
      "the outputs come back in the blocks' slots, not in buffers of their own",
    );
    for (let i = 0; i < got.length; i++) assert.deepEqual(flat(got[i] as BlockPiece[]), flat(expected[i % 3] as BlockPiece[]));
    assert.equal(expected[2]?.length, 256, 'a block of a taller tensor is a strip of every column');
  });

  it('reports a job it cannot compute, and keeps working', async () => {
    const [q4] = jobs() as [BlockJob];
    const slots = new BlockSlots(2);
    await assert.rejects(pool.run(...inSlot({ ...q4, target: { offset: 0, perRow: 128 } }, slots)), /scales and zero points/);
    assert.equal((await pool.run(...inSlot(jobs()[1] as BlockJob, slots))).pieces.length, 1);
  });
});
