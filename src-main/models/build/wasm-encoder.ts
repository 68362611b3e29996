/**
 * Just enough of the WebAssembly binary format to write a few numeric kernels by hand (simd-kernels.ts): one
 * imported memory, functions over i32/f32/f64 locals, exported by name. No toolchain is needed to build the app,
 * and the kernels' source is the readable instruction lists beside it.
 */
export const I32 = 0x7f;
export const F32 = 0x7d;
export const F64 = 0x7c;

export function uleb(n: number): number[] {
  const out: number[] = [];
  do {
    let byte = n & 0x7f;
    n >>>= 7;
    if (n !== 0) byte |= 0x80;
    out.push(byte);
  } while (n !== 0);
  return out;
}

export function sleb(n: number): number[] {
  const out: number[] = [];
  for (;;) {
    const byte = n & 0x7f;
    n >>= 7;
    if ((n === 0 && (byte & 0x40) === 0) || (n === -1 && (byte & 0x40) !== 0)) {
      out.push(byte);
      return out;
    }
    out.push(byte | 0x80);
  }
}

const f32Bytes = (v: number) => [...new Uint8Array(new Float32Array([v]).buffer)];
const mem = (align: number, offset = 0) => [align, ...uleb(offset)];
const simd = (op: number) => [0xfd, ...uleb(op)];

/** Instructions, each a byte list (flattened when a function is encoded). */
export const op = {
  block: [0x02, 0x40],
  loop: [0x03, 0x40],
  if: [0x04, 0x40],
  else: [0x05],
  end: [0x0b],
  br: (depth: number) => [0x0c, ...uleb(depth)],
  brIf: (depth: number) => [0x0d, ...uleb(depth)],
  select: [0x1b],
  get: (i: number) => [0x20, ...uleb(i)],
  set: (i: number) => [0x21, ...uleb(i)],
  tee: (i: number) => [0x22, ...uleb(i)],
  i32Load8U: (offset = 0) => [0x2d, ...mem(0, offset)],
  f32Load: (offset = 0) => [0x2a, ...mem(2, offset)],
  f32Store: (offset = 0) => [0x38, ...mem(2, offset)],
  i32Store8: (offset = 0) => [0x3a, ...mem(0, offset)],
  i32Store: (offset = 0) => [0x36, ...mem(2, offset)],
  i32: (v: number) => [0x41, ...sleb(v)],
  f32: (v: number) => [0x43, ...f32Bytes(v)],
  i32Eqz: [0x45],
  i32Eq: [0x46],
  i32LtU: [0x49],
  i32GtU: [0x4b],
  i32Add: [0x6a],
  i32Sub: [0x6b],
  i32Mul: [0x6c],
  i32DivU: [0x6e],
  i32RemU: [0x70],
  i32And: [0x71],
  i32Or: [0x72],
  i32Shl: [0x74],
  i32ShrU: [0x76],
  f32Eq: [0x5b],
  f32Neg: [0x8c],
  f32Nearest: [0x90],
  f32Sub: [0x93],
  f32Div: [0x95],
  f32Min: [0x96],
  f32Max: [0x97],
  f64PromoteF32: [0xbb],
  i32TruncSatF32S: [0xfc, 0x00],
  // SIMD (fixed-width 128-bit)
  v128Load: (offset = 0) => [...simd(0x00), ...mem(4, offset)],
  v128Load16x4U: (offset = 0) => [...simd(0x04), ...mem(3, offset)],
  v128Load64Splat: (offset = 0) => [...simd(0x0a), ...mem(3, offset)],
  v128Store: (offset = 0) => [...simd(0x0b), ...mem(4, offset)],
  v128Load64Zero: (offset = 0) => [...simd(0x5d), ...mem(3, offset)],
  v128Store64Lane0: (offset = 0) => [...simd(0x5b), ...mem(3, offset), 0],
  i8x16Shuffle: (lanes: number[]) => [...simd(0x0d), ...lanes],
  i16x8Splat: simd(0x10),
  i32x4Splat: simd(0x11),
  f32x4Splat: simd(0x13),
  f64x2Splat: simd(0x14),
  f32x4ExtractLane0: [...simd(0x1f), 0],
  i32x4ExtractLane: (lane: number) => [...simd(0x1b), lane],
  f32x4Eq: simd(0x41),
  v128Bitselect: simd(0x52),
  f32x4Neg: simd(0xe1),
  f32x4Sub: simd(0xe5),
  f32x4Min: simd(0xe8),
  f32x4Max: simd(0xe9),
  i16x8GtS: simd(0x31),
  i32x4GeU: simd(0x40),
  v128And: simd(0x4e),
  v128Or: simd(0x50),
  v128AnyTrue: simd(0x53),
  f32x4DemoteF64x2Zero: simd(0x5e),
  f64x2PromoteLowF32x4: simd(0x5f),
  i8x16NarrowI16x8U: simd(0x66),
  f32x4Nearest: simd(0x6a),
  i16x8NarrowI32x4U: simd(0x86),
  i16x8ShrU: simd(0x8d),
  i32x4Shl: simd(0xab),
  i32x4ShrU: simd(0xad),
  i32x4Add: simd(0xae),
  i32x4Sub: simd(0xb1),
  f32x4Add: simd(0xe4),
  f32x4Mul: simd(0xe6),
  f32x4Div: simd(0xe7),
  f32x4Pmin: simd(0xea),
  f32x4Pmax: simd(0xeb),
  f64x2Add: simd(0xf0),
  f64x2Mul: simd(0xf2),
  i32x4TruncSatF32x4S: simd(0xf8),
} as const;

export type Code = (number | readonly number[] | Code)[];

function flatten(code: Code, out: number[] = []): number[] {
  for (const c of code) {
    if (typeof c === 'number') out.push(c);
    else flatten(c as Code, out);
  }
  return out;
}

export interface WasmFunction {
  name: string;
  params: number[];
  /** extra locals, after the parameters */
  locals: number[];
  body: Code;
}

const section = (id: number, bytes: number[]) => [id, ...uleb(bytes.length), ...bytes];
const vector = (items: number[][]) => [...uleb(items.length), ...items.flat()];
const name = (s: string) => [...uleb(s.length), ...[...s].map((c) => c.charCodeAt(0))];

/** A module importing `env.memory` and exporting each function (no results: kernels write to memory). */
export function encodeModule(functions: WasmFunction[]): Uint8Array {
  const types = functions.map((f) => [0x60, ...uleb(f.params.length), ...f.params, 0]);
  const imports = [[...name('env'), ...name('memory'), 0x02, 0x00, 0x01]];
  const bodies = functions.map((f) => {
    const locals = vector(f.locals.map((t) => [1, t]));
    const code = [...locals, ...flatten(f.body), 0x0b];
    return [...uleb(code.length), ...code];
  });
  return new Uint8Array([
    ...[0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00],
    ...section(1, vector(types)),
    ...section(2, vector(imports)),
    ...section(3, vector(functions.map((_, i) => uleb(i)))),
    ...section(7, vector(functions.map((f, i) => [...name(f.name), 0x00, ...uleb(i)]))),
    ...section(10, vector(bodies)),
  ]);
}
