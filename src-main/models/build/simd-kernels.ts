import { floatToHalfBits } from './dtype-cast';
import { BLOCK, type QuantizedRows } from './int4-quantize';
import { outputCopy } from './output-arena';
import { type Code, encodeModule, F32, I32, op, type WasmFunction } from './wasm-encoder';

/**
 * The build's three hot loops as WebAssembly SIMD, bit-identical to the JavaScript kernels they stand in for
 * (dtype-cast.ts toFloat32 for bf16, tensor-ops.ts mergeLora, int4-quantize.ts quantizeRows; simd-kernels.test.ts
 * compares them on random and edge-case inputs):
 *   bf16 → f32   4 at a time: zero-extend the 16 bits and shift them to the top
 *   LoRA merge   the float64 sums two at a time (f64x2), in the same order t = 0 … r−1, then rounded to float32 as
 *                the scalar code rounds them (f32x4 multiply and add are single float32 roundings); for a row
 *                length that is a multiple of 8, eight weights' sums stay in registers over t (no store and
 *                reload of the sums per t: half the CPU of the first version per merged weight)
 *   int4         per block of 32: min / max with pmin / pmax (a NaN is skipped, as `x < lo` skips it), the scale
 *                and zero point of four blocks at once in f32x4 lanes (the scalar float32 operations lane by lane),
 *                the codes with f32x4 divide and round-half-even (`nearest`), clamped, then packed two a byte
 *                with narrowing shuffles
 *   transpose    IEEE halves in 8 × 8 tiles: three rounds of interleaving shuffles (NaN made 0x7e00 first, as the
 *                float32 path makes it)
 * Each worker thread has its own instance and memory; a block's data is copied in and its results copied out.
 */
const V128 = 0x7b;

const countDown = (counter: number, body: Code): Code => [op.loop, body, op.get(counter), op.i32(1), op.i32Sub, op.tee(counter), op.brIf(0), op.end];
const add = (local: number, n: number): Code => [op.get(local), op.i32(n), op.i32Add, op.set(local)];

// bf16ToF32(src, dst, groups of 4)
const widen: WasmFunction = {
  name: 'bf16ToF32',
  params: [I32, I32, I32],
  locals: [],
  body: [
    op.block,
    [op.get(2), op.i32Eqz, op.brIf(0)],
    countDown(2, [op.get(1), op.get(0), op.v128Load16x4U(), op.i32(16), op.i32x4Shl, op.v128Store(), add(0, 8), add(1, 16)]),
    op.end,
  ],
};

// mergeLora(w, b, a, rows, k, r, scale, dot): w[i, j] += scale · Σ_t b[i, t] · a[t, j]; k even, rows and r ≥ 1
const [W, B, A, ROWS, K, R, SCALE, DOT, T, J, BT, AP, DP] = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12];
const pairs = (counter: number): Code => [op.get(K), op.i32(1), op.i32ShrU, op.set(counter)];
const lora: WasmFunction = {
  name: 'mergeLora',
  params: [I32, I32, I32, I32, I32, I32, F32, I32],
  locals: [I32, I32, V128, I32, I32],
  body: countDown(ROWS, [
    // dot = 0
    [op.get(DOT), op.set(DP), pairs(J)],
    countDown(J, [op.get(DP), op.f32(0), op.f32x4Splat, op.v128Store(), add(DP, 16)]),
    // dot += b[i, t] · a[t, ·] for t = 0 … r−1
    [op.get(A), op.set(AP), op.get(R), op.set(T)],
    countDown(T, [
      [op.get(B), op.f32Load(), op.f64PromoteF32, op.f64x2Splat, op.set(BT), add(B, 4)],
      [op.get(DOT), op.set(DP), pairs(J)],
      countDown(J, [
        [op.get(DP), op.get(DP), op.v128Load()],
        [op.get(BT), op.get(AP), op.v128Load64Zero(), op.f64x2PromoteLowF32x4, op.f64x2Mul, op.f64x2Add, op.v128Store()],
        [add(DP, 16), add(AP, 8)],
      ]),
    ]),
    // w = f32(w + f32(scale · f32(dot)))
    [op.get(DOT), op.set(DP), pairs(J)],
    countDown(J, [
      [op.get(W), op.get(W), op.v128Load64Zero()],
      [op.get(SCALE), op.f32x4Splat, op.get(DP), op.v128Load(), op.f32x4DemoteF64x2Zero, op.f32x4Mul, op.f32x4Add],
      [op.v128Store64Lane0(), add(W, 8), add(DP, 16)],
    ]),
  ]),
};

const lanes = (order: number[]) => order.flatMap((l) => [4 * l, 4 * l + 1, 4 * l + 2, 4 * l + 3]);

// mergeLoraRows(w, b64, a64, rows, k, r, scale): the same sums as mergeLora with B and A already float64 (exact) and
// k a multiple of 8: for each 8 weights of a row, the r products are summed in four f64x2 registers (t = 0 … r−1,
// the same order and roundings as the scalar loop), then rounded and added to w, so nothing goes through memory
// but the inputs and the result. A is laid out [k / 8, r, 8] so the loop over t reads it as one stream.
const [LW, LB, LA, LROWS, LK, LR, LSCALE, LJ, LT, LAP, LBP, LBT, L0, L1, L2, L3] = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15];
const accumulate = (acc: number, at: number): Code => [op.get(acc), op.get(LBT), op.get(LAP), op.v128Load(at), op.f64x2Mul, op.f64x2Add, op.set(acc)];
/** w[at … at + 4) += scale · f32(acc pair) */
const mergeFour = (lo: number, hi: number, at: number): Code => [
  [op.get(LW), op.get(LW), op.v128Load(at)],
  [op.get(LSCALE), op.f32x4Splat, op.get(lo), op.f32x4DemoteF64x2Zero, op.get(hi), op.f32x4DemoteF64x2Zero, op.i8x16Shuffle(lanes([0, 1, 4, 5]))],
  [op.f32x4Mul, op.f32x4Add, op.v128Store(at)],
];
const loraRows: WasmFunction = {
  name: 'mergeLoraRows',
  params: [I32, I32, I32, I32, I32, I32, F32],
  locals: [I32, I32, I32, I32, V128, V128, V128, V128, V128],
  body: countDown(LROWS, [
    [op.get(LA), op.set(LAP), op.get(LK), op.i32(3), op.i32ShrU, op.set(LJ)],
    countDown(LJ, [
      [op.f32(0), op.f32x4Splat, op.tee(L0), op.tee(L1), op.tee(L2), op.set(L3)],
      [op.get(LB), op.set(LBP), op.get(LR), op.set(LT)],
      countDown(LT, [
        [op.get(LBP), op.v128Load64Splat(), op.set(LBT)],
        [accumulate(L0, 0), accumulate(L1, 16), accumulate(L2, 32), accumulate(L3, 48)],
        [add(LAP, 64), add(LBP, 8)],
      ]),
      [mergeFour(L0, L1, 0), mergeFour(L2, L3, 16)],
      add(LW, 32),
    ]),
    [op.get(LB), op.get(LR), op.i32(3), op.i32Shl, op.i32Add, op.set(LB)],
  ]),
};

// quantize(w, blocks, kb, zpBytes, q4, scales, zeroPoints): blocks = rows · kb of 32 floats each. Four blocks at a
// time: their minima and maxima as eight independent chains, reduced into one vector each (lane b: block b), so the
// scale and zero point of four blocks take one vector division each; a last 0–3 blocks one at a time. No NaN or −0
// ever enters a min / max chain, so the order they are combined in does not change the result, and f32x4 sub, div,
// nearest, min and max are the scalar operations lane by lane.
const [QW, NB, KB, ZPB, Q4, SC, ZP, N, TMP, S, Z, VS, VZ, BI, AT, X, V15, V0, M0F, MF0, ONE, S4, Z4] = [
  0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22,
];
const LOS = [23, 24, 25, 26];
const HIS = [27, 28, 29, 30];
const [LO, HI] = [LOS[0] as number, HIS[0] as number];
/** lane 0 of `local` ← the min (max) of its four lanes */
const reduce = (local: number, pick: readonly number[]): Code => [
  [op.get(local), op.get(local), op.get(local), op.i8x16Shuffle(lanes([2, 3, 0, 1])), pick, op.set(local)],
  [op.get(local), op.get(local), op.get(local), op.i8x16Shuffle(lanes([1, 0, 3, 2])), pick, op.set(local)],
];
/** `into` ← [pick(a), pick(b), pick(c), pick(d)] of four locals, each reduced over its lanes */
const reduceFour = ([a, b, c, d]: number[], pick: readonly number[], into: number): Code => {
  const half = (x: number, y: number): Code => [
    [op.get(x), op.get(y), op.i8x16Shuffle(lanes([0, 1, 4, 5])), op.get(x), op.get(y), op.i8x16Shuffle(lanes([2, 3, 6, 7])), pick],
  ];
  return [half(a as number, b as number), op.set(X), half(c as number, d as number), op.set(into)];
};
const reduceFourLanes = (into: number, pick: readonly number[]): Code => [
  [op.get(X), op.get(into), op.i8x16Shuffle(lanes([0, 2, 4, 6])), op.get(X), op.get(into), op.i8x16Shuffle(lanes([1, 3, 5, 7])), pick, op.set(into)],
];
/** min / max of the 32 floats at QW + at into lo / hi (which start at 0) */
const minMax = (at: number, lo: number, hi: number): Code =>
  [0, 1, 2, 3, 4, 5, 6, 7].map((v) => [
    [op.get(QW), op.v128Load(at + 16 * v), op.set(X)],
    [op.get(lo), op.get(X), op.f32x4Pmin, op.set(lo)],
    [op.get(hi), op.get(X), op.f32x4Pmax, op.set(hi)],
  ]);
/** the codes of floats m, m + 1 (8 of them) of the block at QW + at, as i32x4 pairs narrowed to i16x8 */
const codes = (at: number, m: number): Code => {
  const one = (v: number): Code => [
    [op.get(QW), op.v128Load(at + 16 * v), op.get(VS), op.f32x4Div, op.f32x4Nearest, op.get(VZ), op.f32x4Add],
    [op.get(V15), op.f32x4Pmin, op.get(V0), op.f32x4Pmax, op.i32x4TruncSatF32x4S],
  ];
  return [one(m), one(m + 1), op.i16x8NarrowI32x4U];
};
/** 16 codes as bytes, then two a byte: lane i of the i16 view is code 2i | code 2i+1 << 8 */
const packed = (at: number, m: number): Code => [
  [codes(at, m), codes(at, m + 2), op.i8x16NarrowI16x8U, op.tee(TMP)],
  [op.get(M0F), op.v128And, op.get(TMP), op.i32(4), op.i16x8ShrU, op.get(MF0), op.v128And, op.v128Or],
];
/** the block at QW + at: its 32 codes → 16 bytes at Q4 + at / 8 (VS, VZ: its scale and zero point) */
const blockCodes = (at: number): Code => [op.get(Q4), packed(at, 0), packed(at, 4), op.i8x16NarrowI16x8U, op.v128Store(at / 8)];
/** the block's zero point (an i32 on the stack) as its nibble (ZP points at the row's zero points, BI is the block's
 * index in its row: no division per block), then on to the next block's place */
const zeroPoint = (z: Code): Code => [
  [op.get(ZP), op.get(BI), op.i32(1), op.i32ShrU, op.i32Add, op.set(AT)],
  [op.get(BI), op.i32(1), op.i32And, op.if],
  [op.get(AT), op.get(AT), op.i32Load8U(), z, op.i32(4), op.i32Shl, op.i32Or, op.i32Store8()],
  op.else,
  [op.get(AT), z, op.i32Store8()],
  op.end,
  [add(BI, 1), op.get(BI), op.get(KB), op.i32Eq, op.if, op.i32(0), op.set(BI), op.get(ZP), op.get(ZPB), op.i32Add, op.set(ZP), op.end],
];
const splatLane = (local: number, lane: number): Code => [op.get(local), op.get(local), op.i8x16Shuffle(lanes([lane, lane, lane, lane]))];
const quantize: WasmFunction = {
  name: 'quantize',
  params: [I32, I32, I32, I32, I32, I32, I32],
  locals: [I32, V128, F32, F32, V128, V128, I32, I32, ...new Array(16).fill(V128)],
  body: [
    [op.i32(0), op.set(BI)],
    [op.f32(15), op.f32x4Splat, op.set(V15), op.f32(0), op.f32x4Splat, op.set(V0), op.f32(1), op.f32x4Splat, op.set(ONE)],
    [op.i32(0x0f), op.i16x8Splat, op.set(M0F), op.i32(0xf0), op.i16x8Splat, op.set(MF0)],
    // four blocks at a time
    op.block,
    op.loop,
    [op.get(N), op.i32(4), op.i32Add, op.get(NB), op.i32GtU, op.brIf(1)],
    // lo = min(0, x…), hi = max(0, x…) per block, skipping NaN
    [op.get(V0), ...[...LOS, ...HIS.slice(0, 3)].flatMap((l) => [op.tee(l)]), op.set(HIS[3] as number)],
    [0, 1, 2, 3].map((b) => minMax(128 * b, LOS[b] as number, HIS[b] as number)),
    [reduceFour(LOS, op.f32x4Pmin, LO), reduceFourLanes(LO, op.f32x4Pmin)],
    [reduceFour(HIS, op.f32x4Pmax, HI), reduceFourLanes(HI, op.f32x4Pmax)],
    // scale = (hi − lo) / 15, or 1; zp = clip(round(−lo / scale)), four lanes
    [op.get(HI), op.get(LO), op.f32x4Sub, op.get(V15), op.f32x4Div, op.set(S4)],
    [op.get(ONE), op.get(S4), op.get(S4), op.get(V0), op.f32x4Eq, op.v128Bitselect, op.set(S4)],
    [op.get(V0), op.get(LO), op.f32x4Neg, op.get(S4), op.f32x4Div, op.f32x4Nearest, op.get(V15), op.f32x4Min, op.f32x4Max, op.set(Z4)],
    [op.get(SC), op.get(S4), op.v128Store()],
    [0, 1, 2, 3].map((b) => [splatLane(S4, b), op.set(VS), splatLane(Z4, b), op.set(VZ), blockCodes(128 * b)]),
    [op.get(Z4), op.i32x4TruncSatF32x4S, op.set(Z4)],
    [0, 1, 2, 3].map((b) => zeroPoint([op.get(Z4), op.i32x4ExtractLane(b)])),
    [add(QW, 4 * 4 * BLOCK), add(Q4, 4 * (BLOCK / 2)), add(SC, 16), add(N, 4)],
    op.br(0),
    op.end,
    op.end,
    // the last blocks, one at a time
    op.block,
    op.loop,
    [op.get(N), op.get(NB), op.i32LtU, op.i32Eqz, op.brIf(1)],
    [op.get(V0), op.tee(LO), op.set(HI)],
    minMax(0, LO, HI),
    reduce(LO, op.f32x4Pmin),
    reduce(HI, op.f32x4Pmax),
    [op.get(HI), op.f32x4ExtractLane0, op.get(LO), op.f32x4ExtractLane0, op.f32Sub, op.f32(15), op.f32Div, op.set(S)],
    [op.f32(1), op.get(S), op.get(S), op.f32(0), op.f32Eq, op.select, op.set(S)],
    [op.f32(0), op.get(LO), op.f32x4ExtractLane0, op.f32Neg, op.get(S), op.f32Div, op.f32Nearest, op.f32(15), op.f32Min, op.f32Max, op.set(Z)],
    [op.get(S), op.f32x4Splat, op.set(VS), op.get(Z), op.f32x4Splat, op.set(VZ)],
    blockCodes(0),
    [op.get(SC), op.get(S), op.f32Store()],
    zeroPoint([op.get(Z), op.i32TruncSatF32S]),
    [add(QW, 4 * BLOCK), add(Q4, BLOCK / 2), add(SC, 4), add(N, 1)],
    op.br(0),
    op.end,
    op.end,
  ],
};

// f32ToF16(src, dst, octets, fixes, countAt): 8 floats → 8 halves per step, rounded to nearest even, for floats in
// the range of normal halves (exponent 113 … 142); an octet with any other value (zero, subnormal, too large, NaN) is
// listed at `fixes` (count at `countAt`) for the scalar conversion
const [FS, FD, OCT, FIX, CNT, FI, FN, FA, FB, FT] = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9];
const splat32 = (v: number): Code => [op.i32(v), op.i32x4Splat];
const outOfRange = (v: number): Code => [op.get(v), op.i32(23), op.i32x4ShrU, splat32(0xff), op.v128And, splat32(113), op.i32x4Sub, splat32(30), op.i32x4GeU];
const half = (v: number): Code => [
  [op.get(v), splat32(0x7fffffff), op.v128And, op.tee(FT), splat32(0x0fff), op.i32x4Add],
  [op.get(FT), op.i32(13), op.i32x4ShrU, splat32(1), op.v128And, op.i32x4Add, op.i32(13), op.i32x4ShrU, splat32(112 << 10), op.i32x4Sub],
  [op.get(v), op.i32(16), op.i32x4ShrU, splat32(0x8000), op.v128And, op.v128Or],
];
const narrow: WasmFunction = {
  name: 'f32ToF16',
  params: [I32, I32, I32, I32, I32],
  locals: [I32, I32, V128, V128, V128],
  body: [
    op.block,
    [op.get(OCT), op.i32Eqz, op.brIf(0)],
    op.loop,
    [op.get(FS), op.v128Load(0), op.set(FA), op.get(FS), op.v128Load(16), op.set(FB)],
    [outOfRange(FA), outOfRange(FB), op.v128Or, op.v128AnyTrue, op.if],
    [op.get(FIX), op.get(FN), op.i32(4), op.i32Mul, op.i32Add, op.get(FI), op.i32Store(), add(FN, 1)],
    op.end,
    [op.get(FD), half(FA), half(FB), op.i16x8NarrowI32x4U, op.v128Store()],
    [add(FS, 32), add(FD, 16), add(FI, 1)],
    [op.get(FI), op.get(OCT), op.i32LtU, op.brIf(0)],
    op.end,
    op.end,
    [op.get(CNT), op.get(FN), op.i32Store()],
  ],
};

// transposeHalves(src, dst, rows, k): IEEE halves [rows, k] → [k, rows] in 8 × 8 tiles (rows and k multiples of 8):
// eight rows loaded, NaN made 0x7e00 (as tensor-ops.ts transposeHalves), transposed by three rounds of interleaving
// (16-, 32- then 64-bit lanes), stored as eight columns
const [HS, HD, HROWS, HK, HI0, HJ0, HP, HQ, HO, HMASK, HNAN, HINF] = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11];
const HA = [12, 13, 14, 15, 16, 17, 18, 19];
const HB = [20, 21, 22, 23, 24, 25, 26, 27];
const bytesOf = (size: number, order: number[]) => order.flatMap((l) => Array.from({ length: size }, (_, b) => size * l + b));
const interleave = (size: number, high: boolean, x: number, y: number, into: number): Code => {
  const n = 16 / size;
  const half = Array.from({ length: n / 2 }, (_, i) => (high ? n / 2 : 0) + i);
  return [
    op.get(x),
    op.get(y),
    op.i8x16Shuffle(
      bytesOf(
        size,
        half.flatMap((l) => [l, l + n]),
      ),
    ),
    op.set(into),
  ];
};
const transposeH: WasmFunction = {
  name: 'transposeHalves',
  params: [I32, I32, I32, I32],
  locals: [I32, I32, I32, V128, I32, V128, V128, V128, ...HA.map(() => V128), ...HB.map(() => V128)],
  body: [
    [op.i32(0x7fff), op.i16x8Splat, op.set(HMASK), op.i32(0x7e00), op.i16x8Splat, op.set(HNAN), op.i32(0x7c00), op.i16x8Splat, op.set(HINF)],
    op.block,
    [op.get(HROWS), op.i32Eqz, op.get(HK), op.i32Eqz, op.i32Or, op.brIf(0)],
    op.loop, // i0
    [op.i32(0), op.set(HJ0)],
    op.loop, // j0
    // the tile's rows: src + ((i0 + r) · k + j0) · 2
    [op.get(HS), op.get(HI0), op.get(HK), op.i32Mul, op.get(HJ0), op.i32Add, op.i32(1), op.i32Shl, op.i32Add, op.set(HP)],
    HA.map((a) => [
      [op.get(HP), op.v128Load(), op.set(a)],
      [op.get(HNAN), op.get(a), op.get(a), op.get(HMASK), op.v128And, op.get(HINF), op.i16x8GtS, op.v128Bitselect, op.set(a)],
      [op.get(HP), op.get(HK), op.i32(1), op.i32Shl, op.i32Add, op.set(HP)],
    ]),
    [0, 1, 2, 3].map((p) => [
      interleave(2, false, HA[2 * p] as number, HA[2 * p + 1] as number, HB[2 * p] as number),
      interleave(2, true, HA[2 * p] as number, HA[2 * p + 1] as number, HB[2 * p + 1] as number),
    ]),
    // 32-bit: rows 0–3 from B0/B2 (columns 0–3) and B1/B3 (4–7); rows 4–7 from B4/B6 and B5/B7
    [
      interleave(4, false, HB[0] as number, HB[2] as number, HA[0] as number),
      interleave(4, true, HB[0] as number, HB[2] as number, HA[1] as number),
      interleave(4, false, HB[1] as number, HB[3] as number, HA[2] as number),
      interleave(4, true, HB[1] as number, HB[3] as number, HA[3] as number),
      interleave(4, false, HB[4] as number, HB[6] as number, HA[4] as number),
      interleave(4, true, HB[4] as number, HB[6] as number, HA[5] as number),
      interleave(4, false, HB[5] as number, HB[7] as number, HA[6] as number),
      interleave(4, true, HB[5] as number, HB[7] as number, HA[7] as number),
    ],
    // 64-bit: column 2c is low(A_c, A_c+4), column 2c + 1 high(A_c, A_c+4); stored at dst + ((j0 + col) · rows + i0) · 2
    [op.get(HD), op.get(HJ0), op.get(HROWS), op.i32Mul, op.get(HI0), op.i32Add, op.i32(1), op.i32Shl, op.i32Add, op.set(HO)],
    [0, 1, 2, 3].map((c) => [
      [op.get(HO), interleave(8, false, HA[c] as number, HA[c + 4] as number, HQ), op.get(HQ), op.v128Store()],
      [op.get(HO), op.get(HROWS), op.i32(1), op.i32Shl, op.i32Add, op.set(HO)],
      [op.get(HO), interleave(8, true, HA[c] as number, HA[c + 4] as number, HQ), op.get(HQ), op.v128Store()],
      [op.get(HO), op.get(HROWS), op.i32(1), op.i32Shl, op.i32Add, op.set(HO)],
    ]),
    [add(HJ0, 8), op.get(HJ0), op.get(HK), op.i32LtU, op.brIf(0)],
    op.end,
    [add(HI0, 8), op.get(HI0), op.get(HROWS), op.i32LtU, op.brIf(0)],
    op.end,
    op.end,
  ],
};

interface Exports {
  transposeHalves(src: number, dst: number, rows: number, k: number): void;
  f32ToF16(src: number, dst: number, octets: number, fixes: number, countAt: number): void;
  bf16ToF32(src: number, dst: number, groups: number): void;
  mergeLora(w: number, b: number, a: number, rows: number, k: number, r: number, scale: number, dot: number): void;
  mergeLoraRows(w: number, b64: number, a64: number, rows: number, k: number, r: number, scale: number): void;
  quantize(w: number, blocks: number, kb: number, zpBytes: number, q4: number, scales: number, zeroPoints: number): void;
}

const align = (n: number) => Math.ceil(n / 16) * 16;

/** The part of the WebAssembly API used here (the Node-side type checks have no DOM library, which declares it). */
interface WasmMemory {
  readonly buffer: ArrayBuffer;
  grow(pages: number): number;
}
interface WasmApi {
  Memory: new (descriptor: { initial: number }) => WasmMemory;
  Module: new (bytes: Uint8Array) => object;
  Instance: new (module: object, imports: object) => { exports: unknown };
  validate(bytes: Uint8Array): boolean;
}
const wasm = (globalThis as unknown as { WebAssembly: WasmApi }).WebAssembly;

/** One thread's kernels and memory. The float32 rows live in the memory from `load` until the next `load`. */
export class SimdKernels {
  private readonly memory = new wasm.Memory({ initial: 1 });
  private readonly kernels: Exports;
  private rowsBytes = 0;

  private constructor(module: object) {
    this.kernels = new wasm.Instance(module, { env: { memory: this.memory } }).exports as unknown as Exports;
  }

  private static module: object | null | undefined;
  /** undefined where WebAssembly SIMD is not available (the JavaScript kernels are used) */
  static create(): SimdKernels | undefined {
    if (SimdKernels.module === undefined) {
      const bytes = encodeModule([widen, lora, loraRows, quantize, narrow, transposeH]);
      SimdKernels.module = wasm.validate(bytes) ? new wasm.Module(bytes) : null;
    }
    return SimdKernels.module ? new SimdKernels(SimdKernels.module) : undefined;
  }

  private reserve(bytes: number): void {
    const have = this.memory.buffer.byteLength;
    if (bytes > have) this.memory.grow(Math.ceil((bytes - have) / 65536));
  }

  /** bf16 rows into float32 at the start of the memory; returns a view of them */
  loadBf16(raw: Uint8Array): Float32Array {
    const n = raw.length / 2;
    const groups = Math.ceil(n / 4);
    const rawAt = align(groups * 16);
    this.reserve(rawAt + align(groups * 8));
    new Uint8Array(this.memory.buffer, rawAt, raw.length).set(raw);
    this.kernels.bf16ToF32(rawAt, 0, groups);
    this.rowsBytes = align(n * 4);
    return new Float32Array(this.memory.buffer, 0, n);
  }

  /** float32 rows (already converted) into the memory */
  loadF32(values: Float32Array): Float32Array {
    this.reserve(align(values.byteLength));
    const view = new Float32Array(this.memory.buffer, 0, values.length);
    view.set(values);
    this.rowsBytes = align(values.byteLength);
    return view;
  }

  /** the memory the rows live in (a view's `buffer` is this while it is current) */
  get buffer(): ArrayBuffer {
    return this.memory.buffer;
  }

  /** a view of the `n` float32 rows loaded last */
  loadedRows(n: number): Float32Array {
    return new Float32Array(this.memory.buffer, 0, n);
  }

  /** the rows loaded last: W + scale · B·A (k even) */
  mergeLora(b: Float32Array, a: Float32Array, rows: number, k: number, r: number, scale: number): Float32Array {
    if (k % 8 === 0) {
      // B and A widened to float64 once per block (exact; A as [k / 8, r, 8]), the sums kept in registers
      const bAt = this.rowsBytes;
      const aAt = bAt + align(b.length * 8);
      this.reserve(aAt + align(a.length * 8));
      new Float64Array(this.memory.buffer, bAt, b.length).set(b);
      const a64 = new Float64Array(this.memory.buffer, aAt, a.length);
      for (let c = 0, at = 0; c < k; c += 8) for (let t = 0; t < r; t++) for (let e = 0; e < 8; e++) a64[at++] = a[t * k + c + e] as number;
      this.kernels.mergeLoraRows(0, bAt, aAt, rows, k, r, Math.fround(scale));
      return new Float32Array(this.memory.buffer, 0, rows * k);
    }
    const bAt = this.rowsBytes;
    const aAt = bAt + align(b.byteLength);
    const dotAt = aAt + align(a.byteLength);
    this.reserve(dotAt + align(k * 8));
    new Float32Array(this.memory.buffer, bAt, b.length).set(b);
    new Float32Array(this.memory.buffer, aAt, a.length).set(a);
    this.kernels.mergeLora(0, bAt, aAt, rows, k, r, Math.fround(scale), dotAt);
    return new Float32Array(this.memory.buffer, 0, rows * k);
  }

  /** float32 values as IEEE half bytes (in an output buffer), as dtype-cast.ts toFloat16Bytes */
  toFloat16Bytes(values: Float32Array): Uint8Array {
    if (values.buffer === this.memory.buffer)
      return this.halves(values.byteOffset, values.length, Math.max(this.rowsBytes, values.byteOffset + align(values.byteLength)));
    this.loadF32(values);
    return this.halves(0, values.length, this.rowsBytes);
  }

  /** `n` floats at `srcAt` as halves; memory from `freeAt` on is scratch */
  private halves(srcAt: number, n: number, freeAt: number): Uint8Array {
    const octets = Math.ceil(n / 8);
    const dstAt = align(Math.max(freeAt, srcAt + octets * 32));
    const fixAt = dstAt + align(octets * 16);
    const countAt = fixAt + align(octets * 4);
    this.reserve(countAt + 16);
    this.kernels.f32ToF16(srcAt, dstAt, octets, fixAt, countAt);
    const buffer = this.memory.buffer;
    const src = new Float32Array(buffer, srcAt, n);
    const dst = new Uint16Array(buffer, dstAt, n);
    const fixes = new Int32Array(buffer, fixAt, new Int32Array(buffer, countAt, 1)[0] as number);
    for (const o of fixes) for (let i = o * 8; i < Math.min(n, o * 8 + 8); i++) dst[i] = floatToHalfBits(src[i] as number);
    return outputCopy(new Uint8Array(buffer, dstAt, n * 2));
  }

  /** IEEE halves [rows, k] → [k, rows] (rows and k multiples of 8), as tensor-ops.ts transposeHalves (in an output buffer) */
  transposeHalves(raw: Uint8Array, rows: number, k: number): Uint8Array {
    const dstAt = align(raw.length);
    this.reserve(dstAt + align(raw.length));
    new Uint8Array(this.memory.buffer, 0, raw.length).set(raw);
    this.kernels.transposeHalves(0, dstAt, rows, k);
    return outputCopy(new Uint8Array(this.memory.buffer, dstAt, raw.length));
  }

  /** the rows loaded last, int4 as quantizeRows lays them out (in output buffers) */
  quantize(rows: number, k: number, scaleType: 'float32' | 'float16'): QuantizedRows {
    if (k % BLOCK) throw new Error(`K ${k} is not a multiple of ${BLOCK}`);
    const kb = k / BLOCK;
    const zpBytes = Math.ceil(kb / 2);
    const q4At = this.rowsBytes;
    const scalesAt = q4At + align(rows * kb * (BLOCK / 2));
    const zpAt = scalesAt + align(rows * kb * 4);
    this.reserve(zpAt + align(rows * zpBytes));
    this.kernels.quantize(0, rows * kb, kb, zpBytes, q4At, scalesAt, zpAt);
    const scales =
      scaleType === 'float32'
        ? outputCopy(new Uint8Array(this.memory.buffer, scalesAt, rows * kb * 4))
        : this.halves(scalesAt, rows * kb, zpAt + align(rows * zpBytes));
    const buffer = this.memory.buffer;
    return {
      q4: outputCopy(new Uint8Array(buffer, q4At, rows * kb * (BLOCK / 2))),
      scales,
      zeroPoints: outputCopy(new Uint8Array(buffer, zpAt, rows * zpBytes)),
    };
  }
}
